package docusigntest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// receivedMessage is one POST that a test receiver accepted or refused.
type receivedMessage struct {
	header http.Header
	body   []byte
	status int
}

// connectReceiver is a loopback Connect listener for tests. respond picks the status of
// the n-th request (1-based). A nil respond returns 200.
type connectReceiver struct {
	srv     *httptest.Server
	respond func(n int, r *http.Request) int

	mu  sync.Mutex
	got []receivedMessage
}

func newReceiver(t *testing.T, respond func(n int, r *http.Request) int) *connectReceiver {
	t.Helper()
	rc := &connectReceiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *connectReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	n := len(rc.got) + 1
	rc.got = append(rc.got, receivedMessage{header: r.Header.Clone(), body: body})
	rc.mu.Unlock()
	status := http.StatusOK
	if rc.respond != nil {
		status = rc.respond(n, r)
	}
	rc.mu.Lock()
	rc.got[n-1].status = status
	rc.mu.Unlock()
	w.WriteHeader(status)
}

func (rc *connectReceiver) url() string { return rc.srv.URL + "/connect" }

// accepted returns the messages that got status 200, in arrival order.
func (rc *connectReceiver) accepted() []receivedMessage {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []receivedMessage
	for _, m := range rc.got {
		if m.status == http.StatusOK {
			out = append(out, m)
		}
	}
	return out
}

func (rc *connectReceiver) all() []receivedMessage {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedMessage(nil), rc.got...)
}

// waitConnect waits until the simulator has delivered or given up on every message.
func waitConnect(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.WaitConnectIdle(ctx); err != nil {
		t.Fatalf("Connect deliveries did not finish within 30s: %v", err)
	}
}

// decodeSIM decodes a JSON SIM body.
func decodeSIM(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("decode JSON SIM message %q: %v", body, err)
	}
	return out
}

// eventKey names a JSON SIM message as "event" or "event:recipientId".
func eventKey(t *testing.T, body []byte) string {
	t.Helper()
	msg := decodeSIM(t, body)
	data, _ := msg["data"].(map[string]any)
	key, _ := msg["event"].(string)
	if rid, _ := data["recipientId"].(string); rid != "" {
		key += ":" + rid
	}
	return key
}

// validSignature checks an X-DocuSign-Signature header the way a receiver does, with
// crypto/hmac and not with the simulator's code.
func validSignature(key string, body []byte, header string) bool {
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// sentEnvelope creates a sent two-signer envelope and returns the simulator's token and
// the envelope id.
func sentEnvelope(t *testing.T, s *Server) (string, string) {
	t.Helper()
	token := accessToken(t, s, "")
	return token, createEnvelope(t, s, token, twoSignerEnvelope("sent"))
}

// completedSequence is the event order of twoSignerEnvelope from send to SignAll.
var completedSequence = []string{
	"envelope-sent", "recipient-sent:1",
	"recipient-delivered:1", "recipient-completed:1", "recipient-sent:2",
	"recipient-delivered:2", "envelope-delivered", "recipient-completed:2",
	"recipient-sent:3", "envelope-completed",
}
