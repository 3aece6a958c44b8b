package docusigntest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var generatedPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)

func TestConnectJSONSignedInOrder(t *testing.T) {
	rc := newReceiver(t, nil)
	keys := []string{"first-connect-key", "second connect key, rotated in"}
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url(), HMACKeys: keys,
		IncludeData: []string{"recipients", "custom_fields", "documents"}}})
	_, envelopeID := sentEnvelope(t, s)
	if err := s.SignAll(envelopeID); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	waitConnect(t, s)

	got := rc.accepted()
	var events []string
	for _, m := range got {
		events = append(events, eventKey(t, m.body))
	}
	if !slices.Equal(events, completedSequence) {
		t.Fatalf("events = %v, want %v", events, completedSequence)
	}
	accountID := s.Credentials().AccountID
	var previous string
	for i, m := range got {
		checkSignedHeaders(t, m, keys, accountID)
		msg := decodeSIM(t, m.body)
		checkSIMEnvelope(t, msg, accountID, envelopeID, s.Credentials().UserID)
		generated, _ := msg["generatedDateTime"].(string)
		if i > 0 && generated <= previous {
			t.Errorf("message %d generatedDateTime %s is not after %s", i, generated, previous)
		}
		previous = generated
	}
	last := decodeSIM(t, got[len(got)-1].body)
	summary, _ := last["data"].(map[string]any)["envelopeSummary"].(map[string]any)
	if summary["status"] != StatusCompleted {
		t.Errorf("envelope-completed summary status = %v, want completed", summary["status"])
	}
	for _, part := range []string{"recipients", "customFields", "envelopeDocuments"} {
		if summary[part] == nil {
			t.Errorf("envelopeSummary has no %s although includeData asks for it", part)
		}
	}
}

func checkSignedHeaders(t *testing.T, m receivedMessage, keys []string, accountID string) {
	t.Helper()
	if got := m.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if got := m.header.Get("X-Authorization-Digest"); got != "HMACSHA256" {
		t.Errorf("X-Authorization-Digest = %q, want HMACSHA256", got)
	}
	if got := m.header.Get("X-DocuSign-AccountId"); got != accountID {
		t.Errorf("X-DocuSign-AccountId = %q, want %s", got, accountID)
	}
	for i, key := range keys {
		name := "X-DocuSign-Signature-" + itoa(i+1)
		if !validSignature(key, m.body, m.header.Get(name)) {
			t.Errorf("%s = %q does not verify with key %d", name, m.header.Get(name), i+1)
		}
	}
	if extra := m.header.Get("X-DocuSign-Signature-" + itoa(len(keys)+1)); extra != "" {
		t.Errorf("unexpected signature header %d = %q", len(keys)+1, extra)
	}
}

func checkSIMEnvelope(t *testing.T, msg map[string]any, accountID, envelopeID,
	userID string) {
	t.Helper()
	event, _ := msg["event"].(string)
	if msg["apiVersion"] != "v2.1" {
		t.Errorf("%s apiVersion = %v, want v2.1", event, msg["apiVersion"])
	}
	wantURI := "/restapi/v2.1/accounts/" + accountID + "/envelopes/" + envelopeID
	if msg["uri"] != wantURI {
		t.Errorf("%s uri = %v, want %s", event, msg["uri"], wantURI)
	}
	if msg["retryCount"] != float64(0) {
		t.Errorf("%s retryCount = %v, want 0 on a first delivery", event, msg["retryCount"])
	}
	if msg["configurationId"] != float64(DefaultConnectConfigurationID) {
		t.Errorf("%s configurationId = %v, want %d", event, msg["configurationId"],
			DefaultConnectConfigurationID)
	}
	if g, _ := msg["generatedDateTime"].(string); !generatedPattern.MatchString(g) {
		t.Errorf("%s generatedDateTime = %q, want 7 fractional digits and Z", event, g)
	}
	data, _ := msg["data"].(map[string]any)
	want := map[string]string{"accountId": accountID, "envelopeId": envelopeID,
		"userId": userID}
	for key, value := range want {
		if data[key] != value {
			t.Errorf("%s data.%s = %v, want %s", event, key, data[key], value)
		}
	}
	_, hasRecipient := data["recipientId"]
	if strings.HasPrefix(event, "recipient-") != hasRecipient {
		t.Errorf("%s data.recipientId present = %v, want it on recipient events only",
			event, hasRecipient)
	}
}

func TestConnectWithoutIncludeData(t *testing.T) {
	rc := newReceiver(t, nil)
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url(),
		Events: []string{EventEnvelopeSent}}})
	sentEnvelope(t, s)
	waitConnect(t, s)

	got := rc.accepted()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1 envelope-sent", len(got))
	}
	data, _ := decodeSIM(t, got[0].body)["data"].(map[string]any)
	if _, ok := data["envelopeSummary"]; ok {
		t.Errorf("data.envelopeSummary is present without includeData")
	}
	if len(data) != 3 {
		t.Errorf("data has keys %v, want accountId, userId and envelopeId only", data)
	}
	if got[0].header.Get("X-DocuSign-Signature-1") != "" {
		t.Errorf("unsigned configuration sent X-DocuSign-Signature-1")
	}
	if got[0].header.Get("X-Authorization-Digest") != "" {
		t.Errorf("unsigned configuration sent X-Authorization-Digest")
	}
}

func TestConnectRetriesWithRetryCount(t *testing.T) {
	// The first two requests fail, so envelope-sent is tried three times and
	// recipient-sent follows it.
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url(), MaxAttempts: 4,
		RetryDelay: time.Millisecond, HMACKeys: []string{"k"}}})
	_, envelopeID := sentEnvelope(t, s)
	waitConnect(t, s)

	all := rc.all()
	if len(all) != 4 {
		t.Fatalf("received %d requests, want 3 tries of envelope-sent and recipient-sent", len(all))
	}
	for i, m := range all {
		msg := decodeSIM(t, m.body)
		wantRetry, wantEvent := float64(i), EventEnvelopeSent
		if i == 3 {
			wantRetry, wantEvent = 0, EventRecipientSent
		}
		if msg["event"] != wantEvent || msg["retryCount"] != wantRetry {
			t.Errorf("request %d = %v retryCount %v, want %s retryCount %v", i+1,
				msg["event"], msg["retryCount"], wantEvent, wantRetry)
		}
		if !validSignature("k", m.body, m.header.Get("X-DocuSign-Signature-1")) {
			t.Errorf("request %d: the signature does not match its retried body", i+1)
		}
	}
	deliveries := s.ConnectDeliveries()
	if len(deliveries) != 4 {
		t.Fatalf("ConnectDeliveries has %d attempts, want 4", len(deliveries))
	}
	wantStatus := []int{503, 503, 200, 200}
	for i, d := range deliveries {
		if d.StatusCode != wantStatus[i] || d.EnvelopeID != envelopeID {
			t.Errorf("delivery %d = status %d envelope %s, want %d %s", i+1, d.StatusCode,
				d.EnvelopeID, wantStatus[i], envelopeID)
		}
	}
	if deliveries[2].RetryCount != 2 || deliveries[2].Attempt != 3 {
		t.Errorf("third attempt retryCount %d attempt %d, want 2 and 3",
			deliveries[2].RetryCount, deliveries[2].Attempt)
	}
}

func TestConnectGivesUpAfterMaxAttempts(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request) int { return http.StatusInternalServerError })
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url(), MaxAttempts: 2,
		RetryDelay: time.Millisecond}})
	sentEnvelope(t, s)
	waitConnect(t, s)

	var events []string
	for _, d := range s.ConnectDeliveries() {
		events = append(events, d.Event+"#"+itoa(d.RetryCount))
	}
	want := []string{"envelope-sent#0", "envelope-sent#1", "recipient-sent#0",
		"recipient-sent#1"}
	if !slices.Equal(events, want) {
		t.Errorf("attempts = %v, want %v", events, want)
	}
}

func TestConnectTimeoutRetries(t *testing.T) {
	// The first request hangs until the simulator gives up on it. Later attempts may time
	// out too on a loaded machine, so the test checks the first and the last attempt.
	rc := newReceiver(t, func(n int, r *http.Request) int {
		if n == 1 {
			<-r.Context().Done()
		}
		return http.StatusOK
	})
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url(),
		Events: []string{EventEnvelopeSent}, Timeout: 500 * time.Millisecond,
		RetryDelay: time.Millisecond}})
	sentEnvelope(t, s)
	waitConnect(t, s)

	deliveries := s.ConnectDeliveries()
	if len(deliveries) < 2 {
		t.Fatalf("ConnectDeliveries has %d attempts, want a timeout and a retry", len(deliveries))
	}
	first, last := deliveries[0], deliveries[len(deliveries)-1]
	if first.StatusCode != 0 || !strings.Contains(first.Err, "timed out") {
		t.Errorf("first attempt = status %d error %q, want no status and a timeout error",
			first.StatusCode, first.Err)
	}
	if !last.OK() || last.RetryCount != len(deliveries)-1 {
		t.Errorf("last attempt = status %d retryCount %d, want 200 and %d",
			last.StatusCode, last.RetryCount, len(deliveries)-1)
	}
}

func TestConnectOrderPerEnvelope(t *testing.T) {
	rc := newReceiver(t, nil)
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url()}})
	token := accessToken(t, s, "")
	first := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	second := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	steps := []struct{ envelope, recipient string }{
		{first, "1"}, {second, "1"}, {second, "2"}, {first, "2"},
	}
	for _, step := range steps {
		if err := s.Sign(step.envelope, step.recipient); err != nil {
			t.Fatalf("Sign(%s, %s): %v", step.envelope, step.recipient, err)
		}
	}
	waitConnect(t, s)

	byEnvelope := map[string][]string{}
	for _, m := range rc.accepted() {
		data, _ := decodeSIM(t, m.body)["data"].(map[string]any)
		id, _ := data["envelopeId"].(string)
		byEnvelope[id] = append(byEnvelope[id], eventKey(t, m.body))
	}
	for _, id := range []string{first, second} {
		if !slices.Equal(byEnvelope[id], completedSequence) {
			t.Errorf("envelope %s events = %v, want %v", id, byEnvelope[id], completedSequence)
		}
	}
}

func TestConnectEventsOfEachAction(t *testing.T) {
	tests := []struct {
		name   string
		act    func(t *testing.T, s *Server, token, envelopeID string) error
		events []string
	}{
		{name: "decline", act: func(_ *testing.T, s *Server, _, id string) error {
			return s.Decline(id, "1", "wrong fee")
		}, events: []string{"recipient-delivered:1", "recipient-declined:1",
			"envelope-declined"}},
		{name: "void", act: func(t *testing.T, s *Server, token, id string) error {
			resp := call(t, s, token, "PUT", "/envelopes/"+id,
				map[string]any{"status": "voided", "voidedReason": "replaced"})
			if resp.status != http.StatusOK {
				t.Errorf("void status = %d, body %s", resp.status, resp.body)
			}
			return nil
		}, events: []string{"envelope-voided"}},
		{name: "resend", act: func(t *testing.T, s *Server, token, id string) error {
			resp := call(t, s, token, "PUT", "/envelopes/"+id+"?resend_envelope=true",
				map[string]any{})
			if resp.status != http.StatusOK {
				t.Errorf("resend status = %d, body %s", resp.status, resp.body)
			}
			return nil
		}, events: []string{"recipient-resent:1", "envelope-resent"}},
		{name: "expire", act: func(_ *testing.T, s *Server, _, id string) error {
			return s.Expire(id)
		}, events: []string{"envelope-voided"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, nil)
			s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url()}})
			token, envelopeID := sentEnvelope(t, s)
			if err := tt.act(t, s, token, envelopeID); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			waitConnect(t, s)
			var events []string
			for _, m := range rc.accepted()[2:] { // after envelope-sent, recipient-sent:1
				events = append(events, eventKey(t, m.body))
			}
			if !slices.Equal(events, tt.events) {
				t.Errorf("events = %v, want %v", events, tt.events)
			}
		})
	}
}

func TestConnectDuplicateAndDrop(t *testing.T) {
	rc := newReceiver(t, nil)
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url(), Duplicate: true,
		DropEvents: []string{EventRecipientSent}}})
	sentEnvelope(t, s)
	waitConnect(t, s)

	got := rc.accepted()
	if len(got) != 2 {
		t.Fatalf("received %d messages, want envelope-sent twice", len(got))
	}
	if string(got[0].body) != string(got[1].body) {
		t.Errorf("duplicate body differs:\n%s\n%s", got[0].body, got[1].body)
	}
	if key := eventKey(t, got[0].body); key != EventEnvelopeSent {
		t.Errorf("first message = %s, want envelope-sent", key)
	}
	deliveries := s.ConnectDeliveries()
	if len(deliveries) != 3 {
		t.Fatalf("ConnectDeliveries has %d entries, want first, duplicate and dropped",
			len(deliveries))
	}
	if !deliveries[1].Duplicate {
		t.Errorf("second delivery is not marked Duplicate: %+v", deliveries[1])
	}
	if !deliveries[2].Dropped || deliveries[2].Event != EventRecipientSent {
		t.Errorf("third delivery = %+v, want the dropped recipient-sent", deliveries[2])
	}
}

func TestConnectReplaceAndClear(t *testing.T) {
	before := newReceiver(t, nil)
	after := newReceiver(t, nil)
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: before.url(),
		Events: []string{EventEnvelopeSent}}})
	sentEnvelope(t, s)
	waitConnect(t, s)
	if err := s.SetConnect(ConnectConfig{URL: after.url(),
		Events: []string{EventEnvelopeSent}}); err != nil {
		t.Fatalf("SetConnect: %v", err)
	}
	sentEnvelope(t, s)
	waitConnect(t, s)
	s.ClearConnect()
	sentEnvelope(t, s)
	waitConnect(t, s)

	if n := len(before.all()); n != 1 {
		t.Errorf("first receiver got %d messages, want 1", n)
	}
	if n := len(after.all()); n != 1 {
		t.Errorf("second receiver got %d messages, want 1 (none after ClearConnect)", n)
	}
	if _, ok := s.Connect(); ok {
		t.Errorf("Connect() reports a configuration after ClearConnect")
	}
}

func TestConnectAfterClose(t *testing.T) {
	rc := newReceiver(t, nil)
	s, _ := newSim(t, Options{})
	s.Close()
	if err := s.SetConnect(ConnectConfig{URL: rc.url()}); err == nil {
		t.Errorf("SetConnect after Close returned nil, want an error")
	}
}

func TestConnectCloseWithHungReceiver(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(_ int, r *http.Request) int {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return http.StatusOK
	})
	defer close(release)
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url(), Timeout: time.Hour}})
	sentEnvelope(t, s)
	s.Close() // returns once the grace period cancels the hung attempt
	if err := s.WaitConnectIdle(t.Context()); err != nil {
		t.Fatalf("WaitConnectIdle after Close: %v", err)
	}
}

func TestCheckLoopbackDial(t *testing.T) {
	tests := []struct {
		name    string
		address string
		wantErr bool
	}{
		{name: "IPv4 loopback", address: "127.0.0.1:80"},
		{name: "IPv6 loopback", address: "[::1]:80"},
		{name: "other loopback", address: "127.8.9.10:443"},
		{name: "documentation address", address: "192.0.2.1:80", wantErr: true},
		{name: "metadata address", address: "169.254.169.254:80", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkLoopbackDial("tcp", tt.address, nil)
			if (err != nil) != tt.wantErr {
				t.Errorf("checkLoopbackDial(%s) = %v, want error %v", tt.address, err,
					tt.wantErr)
			}
		})
	}
}
