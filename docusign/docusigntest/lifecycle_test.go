package docusigntest

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// recipientStatus returns the status of a recipient as GET recipients reports it.
func recipientStatus(t *testing.T, s *Server, token, envelopeID, recipientID string) string {
	t.Helper()
	rec := call(t, s, token, "GET", "/envelopes/"+envelopeID+"/recipients", nil).json(t)
	for _, kind := range []string{"signers", "carbonCopies"} {
		for _, r := range rec[kind].([]any) {
			m := r.(map[string]any)
			if m["recipientId"] == recipientID {
				return m["status"].(string)
			}
		}
	}
	t.Fatalf("recipient %s not in envelope %s", recipientID, envelopeID)
	return ""
}

func envelopeField(t *testing.T, s *Server, token, envelopeID, field string) any {
	t.Helper()
	return call(t, s, token, "GET", "/envelopes/"+envelopeID, nil).json(t)[field]
}

func errorCodeOf(err error) string {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode
	}
	return ""
}

func TestLifecycleRoutingOrder(t *testing.T) {
	s, clock := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))

	if err := s.Sign(id, "2"); errorCodeOf(err) != "RECIPIENT_NOT_IN_SEQUENCE" {
		t.Fatalf("signing order 2 first: err = %v, want RECIPIENT_NOT_IN_SEQUENCE", err)
	}
	clock.Add(time.Minute)
	if err := s.Open(id, "1"); err != nil {
		t.Fatalf("open recipient 1: %v", err)
	}
	if got := envelopeField(t, s, token, id, "status"); got != "sent" {
		t.Errorf("status after signer 1 of 2 opened = %v, want sent", got)
	}
	clock.Add(time.Minute)
	if err := s.Sign(id, "1"); err != nil {
		t.Fatalf("sign recipient 1: %v", err)
	}
	if got := recipientStatus(t, s, token, id, "1"); got != "completed" {
		t.Errorf("recipient 1 = %s after signing, want completed", got)
	}
	if got := recipientStatus(t, s, token, id, "2"); got != "sent" {
		t.Errorf("recipient 2 = %s after order 1 signed, want sent", got)
	}
	if got := recipientStatus(t, s, token, id, "3"); got != "created" {
		t.Errorf("carbon copy = %s before completion, want created", got)
	}
	clock.Add(time.Minute)
	if err := s.Open(id, "2"); err != nil {
		t.Fatalf("open recipient 2: %v", err)
	}
	if got := envelopeField(t, s, token, id, "status"); got != "delivered" {
		t.Errorf("status after both signers opened = %v, want delivered", got)
	}
	if err := s.Sign(id, "2"); err != nil {
		t.Fatalf("sign recipient 2: %v", err)
	}
	env := call(t, s, token, "GET", "/envelopes/"+id+"?include=recipients", nil).json(t)
	if env["status"] != "completed" {
		t.Errorf("status = %v after every signer signed, want completed", env["status"])
	}
	for _, key := range []string{"deliveredDateTime", "completedDateTime"} {
		if _, ok := env[key].(string); !ok {
			t.Errorf("%s missing on a completed envelope", key)
		}
	}
	if got := recipientStatus(t, s, token, id, "3"); got != "completed" {
		t.Errorf("carbon copy = %s at completion, want completed", got)
	}
	signer := env["recipients"].(map[string]any)["signers"].([]any)[0].(map[string]any)
	for _, key := range []string{"sentDateTime", "deliveredDateTime", "signedDateTime"} {
		if ts, _ := signer[key].(string); !docusignTime.MatchString(ts) {
			t.Errorf("signer %s = %q, want a Docusign UTC time", key, ts)
		}
	}
}

func TestSignAllAndRepeatSign(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	if err := s.SignAll(id); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	if got, _ := s.Status(id); got != "completed" {
		t.Errorf("status = %s after SignAll, want completed", got)
	}
	if err := s.Sign(id, "1"); errorCodeOf(err) != "ENVELOPE_INVALID_STATUS" {
		t.Errorf("signing a completed envelope: err = %v, want ENVELOPE_INVALID_STATUS", err)
	}
	if err := s.Sign(newGUID(), "1"); errorCodeOf(err) != "ENVELOPE_DOES_NOT_EXIST" {
		t.Errorf("signing an unknown envelope: err = %v, want ENVELOPE_DOES_NOT_EXIST", err)
	}
}

func TestDecline(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	if err := s.Decline(id, "1", "Fee is too high"); err != nil {
		t.Fatalf("decline: %v", err)
	}
	env := call(t, s, token, "GET", "/envelopes/"+id+"?include=recipients", nil).json(t)
	if env["status"] != "declined" {
		t.Errorf("status = %v, want declined", env["status"])
	}
	if _, ok := env["declinedDateTime"]; !ok {
		t.Errorf("declinedDateTime missing")
	}
	signer := env["recipients"].(map[string]any)["signers"].([]any)[0].(map[string]any)
	if signer["status"] != "declined" || signer["declinedReason"] != "Fee is too high" {
		t.Errorf("signer = %v/%v, want declined with the reason", signer["status"],
			signer["declinedReason"])
	}
}

func TestVoid(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	void := map[string]any{"status": "voided", "voidedReason": "Client changed counsel"}
	tests := []struct {
		name     string
		prepare  func(id string)
		body     map[string]any
		create   string
		wantCode string
	}{
		{name: "sent", create: "sent", body: void},
		{name: "delivered", create: "sent", body: void,
			prepare: func(id string) { _ = s.Open(id, "1") }},
		{name: "draft", create: "created", body: void,
			wantCode: "ENVELOPE_CANNOT_VOID_INVALID_STATE"},
		{name: "completed", create: "sent", body: void,
			prepare:  func(id string) { _ = s.SignAll(id) },
			wantCode: "ENVELOPE_CANNOT_VOID_INVALID_STATE"},
		{name: "declined", create: "sent", body: void,
			prepare:  func(id string) { _ = s.Decline(id, "1", "no") },
			wantCode: "ENVELOPE_CANNOT_VOID_INVALID_STATE"},
		{name: "missing reason", create: "sent", body: map[string]any{"status": "voided"},
			wantCode: "INVALID_REQUEST_PARAMETER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := createEnvelope(t, s, token, twoSignerEnvelope(tt.create))
			if tt.prepare != nil {
				tt.prepare(id)
			}
			resp := call(t, s, token, "PUT", "/envelopes/"+id, tt.body)
			if tt.wantCode != "" {
				if resp.status != http.StatusBadRequest || resp.errorCode(t) != tt.wantCode {
					t.Errorf("got %d %s, want 400 %s", resp.status, resp.body, tt.wantCode)
				}
				return
			}
			if resp.status != http.StatusOK || resp.json(t)["envelopeId"] != id {
				t.Fatalf("got %d %s, want 200 with the envelopeId", resp.status, resp.body)
			}
			env := call(t, s, token, "GET", "/envelopes/"+id, nil).json(t)
			if env["status"] != "voided" || env["voidedReason"] != "Client changed counsel" {
				t.Errorf("envelope = %v/%v, want voided with the reason", env["status"],
					env["voidedReason"])
			}
			if _, ok := env["voidedDateTime"]; !ok {
				t.Errorf("voidedDateTime missing")
			}
		})
	}
}

func TestVoidAgainMessage(t *testing.T) {
	s, _ := newSim(t, Options{VoidReasonOptional: true})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	if resp := call(t, s, token, "PUT", "/envelopes/"+id,
		map[string]any{"status": "voided"}); resp.status != http.StatusOK {
		t.Fatalf("void without reason = %d, want 200 with VoidReasonOptional", resp.status)
	}
	resp := call(t, s, token, "PUT", "/envelopes/"+id, map[string]any{"status": "voided"})
	want := "Only envelopes in the 'Sent' or 'Delivered' states may be voided."
	if msg := resp.json(t)["message"]; msg != want {
		t.Errorf("message = %v, want %q", msg, want)
	}
}

func TestSendDraftAndResend(t *testing.T) {
	s, clock := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("created"))
	resend := "/envelopes/" + id + "?resend_envelope=true"
	if resp := call(t, s, token, "PUT", resend, map[string]any{}); resp.status != 200 {
		t.Errorf("resend of a draft = %d %s, want 200", resp.status, resp.body)
	}
	if resp := call(t, s, token, "PUT", "/envelopes/"+id,
		map[string]any{"status": "sent"}); resp.status != http.StatusOK {
		t.Fatalf("send draft = %d %s, want 200", resp.status, resp.body)
	}
	if got := envelopeField(t, s, token, id, "status"); got != "sent" {
		t.Errorf("status = %v after sending the draft, want sent", got)
	}
	first := envelopeField(t, s, token, id, "lastModifiedDateTime")
	clock.Add(time.Minute)
	if resp := call(t, s, token, "PUT", resend, map[string]any{}); resp.status != 200 {
		t.Errorf("resend of a sent envelope = %d %s, want 200", resp.status, resp.body)
	}
	if got := envelopeField(t, s, token, id, "lastModifiedDateTime"); got == first {
		t.Errorf("lastModifiedDateTime unchanged by resend")
	}
	_ = s.SignAll(id)
	resp := call(t, s, token, "PUT", resend, map[string]any{})
	if resp.status != http.StatusBadRequest || resp.errorCode(t) != "ENVELOPE_INVALID_STATUS" {
		t.Errorf("resend of a completed envelope = %d %s, want 400 ENVELOPE_INVALID_STATUS",
			resp.status, resp.body)
	}
}

func TestSendIncompleteDraft(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, map[string]any{"emailSubject": "Draft"})
	resp := call(t, s, token, "PUT", "/envelopes/"+id, map[string]any{"status": "sent"})
	if resp.status != http.StatusBadRequest || resp.errorCode(t) != "ENVELOPE_IS_INCOMPLETE" {
		t.Errorf("send = %d %s, want 400 ENVELOPE_IS_INCOMPLETE", resp.status, resp.body)
	}
}

func TestExpiry(t *testing.T) {
	s, clock := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := twoSignerEnvelope("sent")
	body["notification"] = map[string]any{"useAccountDefaults": "false",
		"expirations": map[string]any{"expireEnabled": "true", "expireAfter": "5"}}
	id := createEnvelope(t, s, token, body)
	if got := envelopeField(t, s, token, id, "expireAfter"); got != "5" {
		t.Errorf("expireAfter = %v, want 5", got)
	}
	clock.Add(5*24*time.Hour + time.Second)
	token = accessToken(t, s, "")
	env := call(t, s, token, "GET", "/envelopes/"+id, nil).json(t)
	if env["status"] != "voided" || env["voidedReason"] != ExpiredVoidReason {
		t.Errorf("envelope = %v/%v after five days, want voided with %q", env["status"],
			env["voidedReason"], ExpiredVoidReason)
	}

	other := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	if err := s.Expire(other); err != nil {
		t.Fatalf("Expire: %v", err)
	}
	if got := envelopeField(t, s, token, other, "voidedReason"); got != ExpiredVoidReason {
		t.Errorf("voidedReason = %v after Expire, want %q", got, ExpiredVoidReason)
	}
}

func TestControlHTTP(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	base := "/sim/envelopes/" + id
	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		wantStatus int
		wantCode   string
	}{
		{name: "out of sequence", method: "POST", path: base + "/recipients/2/sign",
			wantStatus: 400, wantCode: "RECIPIENT_NOT_IN_SEQUENCE"},
		{name: "open", method: "POST", path: base + "/recipients/1/open", wantStatus: 200},
		{name: "sign", method: "POST", path: base + "/recipients/1/sign", wantStatus: 200},
		{name: "decline", method: "POST", path: base + "/recipients/2/decline",
			body: map[string]any{"reason": "Wrong matter"}, wantStatus: 200},
		{name: "status", method: "GET", path: base, wantStatus: 200},
		{name: "unknown", method: "POST", path: "/sim/envelopes/" + newGUID() + "/sign-all",
			wantStatus: 400, wantCode: "ENVELOPE_DOES_NOT_EXIST"},
		{name: "clock", method: "POST", path: "/sim/clock/advance",
			body: map[string]any{"seconds": 60}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, s, "", tt.method, tt.path, tt.body)
			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", resp.status, resp.body, tt.wantStatus)
			}
			if tt.wantCode != "" && resp.errorCode(t) != tt.wantCode {
				t.Errorf("errorCode = %s, want %s", resp.errorCode(t), tt.wantCode)
			}
		})
	}
	if got, _ := s.Status(id); got != "declined" {
		t.Errorf("status = %s after the HTTP decline, want declined", got)
	}
	calls := call(t, s, "", "GET", "/sim/calls", nil).json(t)
	if calls[OpCreateEnvelope] != float64(1) {
		t.Errorf("calls[%s] = %v, want 1", OpCreateEnvelope, calls[OpCreateEnvelope])
	}
}

func TestSignAllDraft(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("created"))
	if err := s.SignAll(id); errorCodeOf(err) != "ENVELOPE_INVALID_STATUS" {
		t.Errorf("SignAll on a draft: err = %v, want ENVELOPE_INVALID_STATUS", err)
	}
}
