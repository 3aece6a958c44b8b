package docusigntest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestConnectConfigValidation(t *testing.T) {
	const ok = "http://127.0.0.1:9/connect"
	tests := []struct {
		name    string
		cfg     ConnectConfig
		wantErr string
	}{
		{name: "loopback", cfg: ConnectConfig{URL: ok}},
		{name: "localhost https", cfg: ConnectConfig{URL: "https://localhost:9/c"}},
		{name: "IPv6 loopback", cfg: ConnectConfig{URL: "http://[::1]:9/c"}},
		{name: "missing URL", cfg: ConnectConfig{}, wantErr: "missing Connect URL"},
		{name: "other scheme", cfg: ConnectConfig{URL: "ftp://127.0.0.1/c"},
			wantErr: "use http or https"},
		{name: "not loopback", cfg: ConnectConfig{URL: "http://192.0.2.1/c"},
			wantErr: "not on loopback"},
		{name: "bad format", cfg: ConnectConfig{URL: ok, Format: "yaml"},
			wantErr: `invalid Connect format "yaml"`},
		{name: "unknown event", cfg: ConnectConfig{URL: ok, Events: []string{"sent"}},
			wantErr: `unknown Connect event "sent"`},
		{name: "unknown dropped event", cfg: ConnectConfig{URL: ok,
			DropEvents: []string{"envelope-signed"}}, wantErr: "unknown Connect event"},
		{name: "unknown includeData", cfg: ConnectConfig{URL: ok,
			IncludeData: []string{"everything"}}, wantErr: "unknown Connect includeData"},
		{name: "empty key", cfg: ConnectConfig{URL: ok, HMACKeys: []string{"a", ""}},
			wantErr: "HMAC key 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSim(t, Options{})
			err := s.SetConnect(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("SetConnect = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("SetConnect = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestConnectControlHTTP(t *testing.T) {
	rc := newReceiver(t, nil)
	s, _ := newSim(t, Options{})
	put := call(t, s, "", "PUT", "/sim/connect", map[string]any{
		"url": rc.url(), "hmacKeys": []string{"secret-one", "secret-two"},
		"events": []string{"envelope-sent"}, "retryDelayMs": 5, "maxAttempts": 2,
	})
	if put.status != http.StatusOK {
		t.Fatalf("PUT /sim/connect status = %d, body %s", put.status, put.body)
	}
	got := call(t, s, "", "GET", "/sim/connect", nil)
	body := got.json(t)
	if body["enabled"] != true || body["hmacKeyCount"] != float64(2) {
		t.Errorf("GET /sim/connect = %s, want enabled with 2 keys", got.body)
	}
	if strings.Contains(string(got.body), "secret-") {
		t.Errorf("GET /sim/connect shows a key: %s", got.body)
	}
	if body["retryDelayMs"] != float64(5) || body["format"] != "json" {
		t.Errorf("GET /sim/connect = %s, want retryDelayMs 5 and format json", got.body)
	}

	sentEnvelope(t, s)
	waitConnect(t, s)
	deliveries := call(t, s, "", "GET", "/sim/connect/deliveries", nil)
	if !strings.Contains(string(deliveries.body), `"event":"envelope-sent"`) {
		t.Errorf("GET /sim/connect/deliveries = %s, want the envelope-sent delivery",
			deliveries.body)
	}

	del := call(t, s, "", "DELETE", "/sim/connect", nil)
	if del.status != http.StatusOK || del.json(t)["enabled"] != false {
		t.Errorf("DELETE /sim/connect = %d %s, want 200 and enabled false", del.status,
			del.body)
	}
	bad := call(t, s, "", "PUT", "/sim/connect", map[string]any{"url": "http://192.0.2.1/"})
	if bad.status != http.StatusBadRequest || bad.errorCode(t) != "INVALID_REQUEST_PARAMETER" {
		t.Errorf("PUT with a remote URL = %d %s, want 400 INVALID_REQUEST_PARAMETER",
			bad.status, bad.body)
	}
}

// withNotification returns the two-signer envelope with an eventNotification.
func withNotification(notification map[string]any) map[string]any {
	body := twoSignerEnvelope("sent")
	body["eventNotification"] = notification
	return body
}

func TestEnvelopeEventNotification(t *testing.T) {
	account := newReceiver(t, nil)
	own := newReceiver(t, nil)
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: account.url(),
		HMACKeys: []string{"account-key"}, Events: []string{EventEnvelopeVoided}}})
	token := accessToken(t, s, "")
	envelopeID := createEnvelope(t, s, token, withNotification(map[string]any{
		"url": own.url(), "includeHMAC": "true",
		"envelopeEvents":  []map[string]any{{"envelopeEventStatusCode": "Completed"}},
		"recipientEvents": []map[string]any{{"recipientEventStatusCode": "Completed"}},
		"eventData": map[string]any{"version": "restv2.1", "format": "json",
			"includeData": []string{"recipients"}},
	}))
	if err := s.SignAll(envelopeID); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	waitConnect(t, s)

	if n := len(account.all()); n != 0 {
		t.Errorf("account receiver got %d messages, want none (it asks for voids only)", n)
	}
	var events []string
	for _, m := range own.accepted() {
		events = append(events, eventKey(t, m.body))
		if !validSignature("account-key", m.body, m.header.Get("X-DocuSign-Signature-1")) {
			t.Errorf("envelope-level message is not signed with the account key")
		}
	}
	want := []string{"recipient-completed:1", "recipient-completed:2", "envelope-completed"}
	if !slices.Equal(events, want) {
		t.Errorf("envelope-level events = %v, want %v", events, want)
	}
}

func TestEnvelopeEventNotificationLegacyDefault(t *testing.T) {
	own := newReceiver(t, nil)
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	createEnvelope(t, s, token, withNotification(map[string]any{
		"url":            own.url(),
		"envelopeEvents": []map[string]any{{"envelopeEventStatusCode": "sent"}},
	}))
	waitConnect(t, s)

	got := own.accepted()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want one envelope-sent", len(got))
	}
	if ct := got[0].header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q, want text/xml for the legacy version", ct)
	}
	if got[0].header.Get("X-DocuSign-Signature-1") != "" {
		t.Errorf("message without includeHMAC is signed")
	}
}

func TestEnvelopeEventNotificationRejected(t *testing.T) {
	tests := []struct {
		name         string
		notification map[string]any
	}{
		{name: "remote URL", notification: map[string]any{"url": "http://192.0.2.1/c"}},
		{name: "unknown event", notification: map[string]any{"url": "http://127.0.0.1:9/c",
			"events": []string{"envelope-signed"}}},
		{name: "json with legacy version", notification: map[string]any{
			"url": "http://127.0.0.1:9/c", "eventData": map[string]any{"format": "json"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSim(t, Options{})
			token := accessToken(t, s, "")
			resp := call(t, s, token, "POST", "/envelopes", withNotification(tt.notification))
			if resp.status != http.StatusBadRequest ||
				resp.errorCode(t) != "INVALID_REQUEST_PARAMETER" {
				t.Errorf("create = %d %s, want 400 INVALID_REQUEST_PARAMETER", resp.status,
					resp.body)
			}
		})
	}
}

func TestStartRejectsInvalidConnect(t *testing.T) {
	s, err := Start(Options{PrivateKeyPEM: testKeyPEM(),
		Connect: &ConnectConfig{URL: "http://192.0.2.1/connect"}})
	if err == nil {
		s.Close()
		t.Fatalf("Start with a remote Connect URL returned nil, want an error")
	}
	if !strings.Contains(err.Error(), "not on loopback") {
		t.Errorf("Start error = %v, want one naming the loopback rule", err)
	}
}
