package docusigntest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEventsHistory(t *testing.T) {
	s, clock := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	clock.Add(time.Minute)
	if err := s.SignAll(id); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	events, err := s.Events(id)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
	}
	want := "Envelope Created,Envelope Sent,Sent Invitations,Certified Delivered,Signed," +
		"Sent Invitations,Certified Delivered,Signed,Sent Invitations,Envelope Completed"
	if got := strings.Join(actions, ","); got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
	if _, err := s.Events(newGUID()); errorCodeOf(err) != "ENVELOPE_DOES_NOT_EXIST" {
		t.Errorf("Events of an unknown envelope: err = %v, want ENVELOPE_DOES_NOT_EXIST", err)
	}
}

func TestGrantConsentAgain(t *testing.T) {
	s, _ := newSim(t, Options{})
	user := s.Credentials().UserID
	s.RevokeConsent(user)
	if status, _ := postToken(t, s, assertion(t, s, simKey(t, s), nil)); status != 400 {
		t.Fatalf("token after revoke = %d, want 400", status)
	}
	s.GrantConsent(user)
	accessToken(t, s, "")
}

func TestAudienceAsArray(t *testing.T) {
	s, _ := newSim(t, Options{})
	jwt := assertion(t, s, simKey(t, s), map[string]any{"aud": []string{hostOf(t, s.URL)}})
	if status, body := postToken(t, s, jwt); status != http.StatusOK {
		t.Errorf("token with aud as a one-element array = %d %v, want 200", status, body)
	}
}

func TestHandlerServedElsewhere(t *testing.T) {
	s, _ := newSim(t, Options{})
	other := httptest.NewServer(s.Handler())
	defer other.Close()
	form := url.Values{"grant_type": {jwtBearerGrant},
		"assertion": {assertion(t, s, simKey(t, s), nil)}}
	resp, err := http.PostForm(other.URL+"/oauth/token", form)
	if err != nil {
		t.Fatalf("post token: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("token through Handler = %d, want 200 with the simulator's own audience",
			resp.StatusCode)
	}
}

func TestSetClock(t *testing.T) {
	s, _ := newSim(t, Options{})
	later := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Advance(time.Hour)
	s.SetClock(func() time.Time { return later })
	if got := s.clockNow(); !got.Equal(later) {
		t.Errorf("now = %v after SetClock, want %v without the earlier Advance", got, later)
	}
}

func TestCertificatePEM(t *testing.T) {
	plain, _ := newSim(t, Options{})
	if got := plain.CertificatePEM(); len(got) != 0 {
		t.Errorf("CertificatePEM without TLS = %d bytes, want none", len(got))
	}
	secure, _ := newSim(t, Options{TLS: true})
	if got := string(secure.CertificatePEM()); !strings.HasPrefix(got, "-----BEGIN CERTIFICATE") {
		t.Errorf("CertificatePEM = %.30q, want a PEM certificate", got)
	}
}

func TestSendDraftWithNewSubject(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := twoSignerEnvelope("created")
	delete(body, "emailSubject")
	id := createEnvelope(t, s, token, body)
	resp := call(t, s, token, "PUT", "/envelopes/"+id,
		map[string]any{"status": "sent", "emailSubject": "Now with a subject"})
	if resp.status != http.StatusOK {
		t.Fatalf("send = %d %s, want 200", resp.status, resp.body)
	}
	if got := envelopeField(t, s, token, id, "emailSubject"); got != "Now with a subject" {
		t.Errorf("emailSubject = %v, want the one sent with the update", got)
	}
	again := call(t, s, token, "PUT", "/envelopes/"+id, map[string]any{"status": "sent"})
	if again.status != http.StatusBadRequest || again.errorCode(t) != "ENVELOPE_INVALID_STATUS" {
		t.Errorf("second send = %d %s, want 400 ENVELOPE_INVALID_STATUS", again.status,
			again.body)
	}
}

func TestListCustomFieldFilter(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := twoSignerEnvelope("sent")
	body["customFields"] = map[string]any{"listCustomFields": []map[string]any{
		{"name": "Region", "value": "West", "listItems": []string{"East", "West"}}}}
	id := createEnvelope(t, s, token, body)
	createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	resp := call(t, s, token, "GET",
		"/envelopes?from_date=2020-01-01&custom_field=Region%3DWest&include=custom_fields", nil)
	got := resp.json(t)
	envs, _ := got["envelopes"].([]any)
	if len(envs) != 1 || envs[0].(map[string]any)["envelopeId"] != id {
		t.Fatalf("envelopes = %v, want only %s", envs, id)
	}
	fields := envs[0].(map[string]any)["customFields"].(map[string]any)
	if list := fields["listCustomFields"].([]any); len(list) != 1 {
		t.Errorf("listCustomFields = %v, want the Region field", list)
	}
}

func TestFlexStringInput(t *testing.T) {
	tests := []struct {
		name string
		json string
		want flexString
	}{
		{name: "string", json: `"1"`, want: "1"},
		{name: "number", json: `7`, want: "7"},
		{name: "boolean", json: `true`, want: "true"},
		{name: "null", json: `null`, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got flexString
			if err := json.Unmarshal([]byte(tt.json), &got); err != nil {
				t.Fatalf("unmarshal %s: %v", tt.json, err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	var bad flexString
	if err := json.Unmarshal([]byte(`{"a":1}`), &bad); err == nil {
		t.Errorf("an object unmarshalled into a scalar without error")
	}
}
