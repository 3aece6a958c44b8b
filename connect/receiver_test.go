package connect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

const testEnvelope = "7e4b9c2a-1f3d-4a6b-8c5e-0d2f1a3b4c5d"

// receiverEnv is a receiver on a real store and audit log in a temporary directory.
type receiverEnv struct {
	rcv     *Receiver
	store   *store.Store
	changes atomic.Int64
	now     time.Time
}

func newReceiverEnv(t testing.TB, secrets ...string) *receiverEnv {
	t.Helper()
	s, err := store.Open(t.TempDir(), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	audit, err := store.OpenAuditLog(s, store.AuditOptions{})
	if err != nil {
		t.Fatalf("open audit log: %v", err)
	}
	env := &receiverEnv{store: s, now: time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)}
	t.Cleanup(s.OnEnvelopeChange(func(store.EnvelopeState) { env.changes.Add(1) }))
	env.rcv, err = NewReceiver(ReceiverOptions{Verifier: mustVerifier(t, secrets...),
		Store: s, Audit: audit, MaxBodyBytes: 64 << 10,
		Now: func() time.Time { return env.now }})
	if err != nil {
		t.Fatalf("NewReceiver failed: %v", err)
	}
	return env
}

// post delivers body signed with the given secrets, one X-DocuSign-Signature-N header each.
func (e *receiverEnv) post(body []byte, contentType string, secrets ...string) int {
	req := httptest.NewRequest(http.MethodPost, "/connect", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Authorization-Digest", "HMACSHA256")
	for i, secret := range secrets {
		req.Header.Set(fmt.Sprint("X-DocuSign-Signature-", i+1), signHeader(body, secret))
	}
	w := httptest.NewRecorder()
	e.rcv.ServeHTTP(w, req)
	return w.Code
}

// postSignedOver delivers body with a signature computed over signed, as a forger would.
func (e *receiverEnv) postSignedOver(body, signed []byte, contentType string) int {
	req := httptest.NewRequest(http.MethodPost, "/connect", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-DocuSign-Signature-1", signHeader(signed, oldSecret))
	w := httptest.NewRecorder()
	e.rcv.ServeHTTP(w, req)
	return w.Code
}

func (e *receiverEnv) state(t *testing.T) store.EnvelopeState {
	t.Helper()
	st, err := e.store.GetEnvelope(context.Background(), testEnvelope)
	if err != nil {
		t.Fatalf("GetEnvelope failed: %v", err)
	}
	return st
}

func (e *receiverEnv) auditRecords(t *testing.T) []store.AuditRecord {
	t.Helper()
	recs, err := store.QueryAudit(context.Background(), e.store,
		store.AuditQuery{Kind: store.AuditWebhook})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	return recs
}

// eventBody is a JSON SIM message for the test envelope.
func eventBody(event, generated string) []byte {
	return fmt.Appendf(nil, `{"event":%q,"apiVersion":"v2.1","retryCount":0,`+
		`"generatedDateTime":%q,"data":{"accountId":"5c1f0a4e-2b7d-4e8a-9f31-6d0c2e7b9a10",`+
		`"envelopeId":%q}}`, event, generated, testEnvelope)
}

func TestReceiverValidDelivery(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	if code := env.post(readFixture(t, "envelope-completed.json"), "application/json",
		oldSecret); code != http.StatusOK {
		t.Fatalf("valid delivery answered %d, want 200", code)
	}
	st := env.state(t)
	if st.Status != "completed" || st.Source != store.SourceWebhook {
		t.Errorf("state = %s from %s, want completed from webhook", st.Status, st.Source)
	}
	want := time.Date(2026, 3, 2, 10, 15, 30, 123456700, time.UTC)
	if !st.ObservedAt.Equal(want) {
		t.Errorf("ObservedAt = %s, want generatedDateTime %s", st.ObservedAt, want)
	}
	if len(st.Snapshot) == 0 {
		t.Errorf("state has no snapshot, want the envelope summary")
	}
	recs := env.auditRecords(t)
	if len(recs) != 1 {
		t.Fatalf("%d webhook audit records, want 1", len(recs))
	}
	rec := recs[0]
	if rec.KeyID != KeyID([]byte(oldSecret)) || rec.Action != "envelope-completed" ||
		rec.Outcome != "ok" || rec.EnvelopeID != testEnvelope {
		t.Errorf("audit record = %+v, want key %s, envelope-completed, ok", rec,
			KeyID([]byte(oldSecret)))
	}
	if got := env.rcv.Stats(); got != (ReceiverStats{Accepted: 1}) {
		t.Errorf("Stats = %+v, want one accepted", got)
	}
}

func TestReceiverRejectsReserialisedBody(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	signed := readFixture(t, "envelope-completed.json")
	var compact bytes.Buffer
	compact.Write(bytes.Join(bytes.Fields(signed), nil))
	req := httptest.NewRequest(http.MethodPost, "/connect", &compact)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-DocuSign-Signature-1", signHeader(signed, oldSecret))
	w := httptest.NewRecorder()
	env.rcv.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("re-serialised body answered %d, want 401", w.Code)
	}
	if _, err := env.store.GetEnvelope(context.Background(), testEnvelope); err == nil {
		t.Errorf("a rejected delivery stored an envelope state")
	}
	recs := env.auditRecords(t)
	if len(recs) != 1 || recs[0].Outcome != OutcomeBadSignature || recs[0].StatusCode != 401 {
		t.Fatalf("audit records = %+v, want one bad_signature 401", recs)
	}
	if recs[0].EnvelopeID != testEnvelope {
		t.Errorf("rejected audit record envelope = %q, want the readable %s",
			recs[0].EnvelopeID, testEnvelope)
	}
	if got := env.rcv.Stats(); got != (ReceiverStats{Rejected: 1}) {
		t.Errorf("Stats = %+v, want one rejected", got)
	}
}

func TestReceiverSecondKeyDuringRotation(t *testing.T) {
	env := newReceiverEnv(t, oldSecret, newSecret)
	body := eventBody("envelope-sent", "2026-03-02T10:00:00Z")
	if code := env.post(body, "application/json", "unknown-key", newSecret); code != 200 {
		t.Fatalf("delivery signed by the second key answered %d, want 200", code)
	}
	recs := env.auditRecords(t)
	if len(recs) != 1 || recs[0].KeyID != KeyID([]byte(newSecret)) {
		t.Errorf("audit records = %+v, want one naming key %s", recs,
			KeyID([]byte(newSecret)))
	}
}

func TestReceiverMissingSignature(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	if code := env.post(eventBody("envelope-sent", "2026-03-02T10:00:00Z"),
		"application/json"); code != http.StatusUnauthorized {
		t.Fatalf("unsigned delivery answered %d, want 401", code)
	}
	if _, err := env.store.GetEnvelope(context.Background(), testEnvelope); err == nil {
		t.Errorf("an unsigned delivery stored an envelope state")
	}
	recs := env.auditRecords(t)
	if len(recs) != 1 || recs[0].Outcome != OutcomeNoSignature {
		t.Errorf("audit records = %+v, want one no_signature", recs)
	}
}

func TestReceiverReplayHasNoSecondEffect(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	body := eventBody("envelope-delivered", "2026-03-02T10:00:00Z")
	for i := range 3 {
		if code := env.post(body, "application/json", oldSecret); code != http.StatusOK {
			t.Fatalf("delivery %d answered %d, want 200", i+1, code)
		}
	}
	redelivered := bytes.Replace(body, []byte(`"retryCount":0`), []byte(`"retryCount":1`), 1)
	if code := env.post(redelivered, "application/json", oldSecret); code != http.StatusOK {
		t.Fatalf("redelivery with retryCount 1 answered %d, want 200", code)
	}
	if got := env.changes.Load(); got != 1 {
		t.Errorf("envelope listeners were called %d times, want once", got)
	}
	if recs := env.auditRecords(t); len(recs) != 1 {
		t.Errorf("%d webhook audit records, want 1 for the applied delivery", len(recs))
	}
	if got := env.rcv.Stats(); got != (ReceiverStats{Accepted: 1, Duplicate: 3}) {
		t.Errorf("Stats = %+v, want 1 accepted and 3 duplicates", got)
	}
}

func TestReceiverOlderEventAfterNewer(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	newer := eventBody("envelope-completed", "2026-03-02T10:15:00Z")
	older := eventBody("envelope-delivered", "2026-03-02T10:05:00Z")
	for _, body := range [][]byte{newer, older} {
		if code := env.post(body, "application/json", oldSecret); code != http.StatusOK {
			t.Fatalf("delivery answered %d, want 200", code)
		}
	}
	st := env.state(t)
	if st.Status != "completed" {
		t.Errorf("status after an older delivered event = %s, want completed", st.Status)
	}
	if got := env.changes.Load(); got != 1 {
		t.Errorf("envelope listeners were called %d times, want once", got)
	}
	if got := env.rcv.Stats(); got.Accepted != 2 {
		t.Errorf("Stats accepted = %d, want both deliveries recorded", got.Accepted)
	}
}

func TestReceiverRecipientEventKeepsStatus(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	sent := eventBody("envelope-sent", "2026-03-02T10:00:00Z")
	if code := env.post(sent, "application/json", oldSecret); code != http.StatusOK {
		t.Fatalf("envelope-sent answered %d, want 200", code)
	}
	recipient := readFixture(t, "recipient-delivered.json")
	if code := env.post(recipient, "application/json", oldSecret); code != http.StatusOK {
		t.Fatalf("recipient-delivered answered %d, want 200", code)
	}
	if st := env.state(t); st.Status != "sent" {
		t.Errorf("status after a recipient event = %s, want sent", st.Status)
	}
	if got := env.changes.Load(); got != 1 {
		t.Errorf("a recipient event without summary changed the state (%d changes)", got)
	}
}

func TestReceiverXMLDelivery(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	body := readFixture(t, "envelope-sent.xml")
	if code := env.post(body, "text/xml; charset=utf-8", oldSecret); code != http.StatusOK {
		t.Fatalf("XML delivery answered %d, want 200", code)
	}
	st, err := env.store.GetEnvelope(context.Background(),
		"3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a")
	if err != nil {
		t.Fatalf("GetEnvelope failed: %v", err)
	}
	if st.Status != "sent" {
		t.Errorf("status = %s, want sent", st.Status)
	}
}

func TestReceiverHTTPErrors(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		body     []byte
		sign     bool
		chunked  bool // no Content-Length, so only the reader's limit applies
		wantCode int
		wantOut  string
	}{
		{name: "GET", method: http.MethodGet, wantCode: http.StatusMethodNotAllowed},
		{name: "body over the limit", method: http.MethodPost,
			body: bytes.Repeat([]byte("x"), 64<<10+1), sign: true,
			wantCode: http.StatusRequestEntityTooLarge, wantOut: OutcomeBodyTooLarge},
		{name: "chunked body over the limit", method: http.MethodPost,
			body: bytes.Repeat([]byte("x"), 64<<10+1), sign: true, chunked: true,
			wantCode: http.StatusRequestEntityTooLarge, wantOut: OutcomeBodyTooLarge},
		{name: "signed but unparseable", method: http.MethodPost, body: []byte(`{"event":`),
			sign: true, wantCode: http.StatusBadRequest, wantOut: OutcomeInvalidBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newReceiverEnv(t, oldSecret)
			req := httptest.NewRequest(tt.method, "/connect", bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.chunked {
				req.ContentLength = -1
			}
			if tt.sign {
				req.Header.Set("X-DocuSign-Signature-1", signHeader(tt.body, oldSecret))
			}
			w := httptest.NewRecorder()
			env.rcv.ServeHTTP(w, req)
			if w.Code != tt.wantCode {
				t.Fatalf("%s answered %d, want %d", tt.name, w.Code, tt.wantCode)
			}
			recs := env.auditRecords(t)
			if tt.wantOut == "" {
				if len(recs) != 0 {
					t.Errorf("%d audit records, want none", len(recs))
				}
				return
			}
			if len(recs) != 1 || recs[0].Outcome != tt.wantOut {
				t.Errorf("audit records = %+v, want one %s", recs, tt.wantOut)
			}
		})
	}
}

func TestReceiverFutureTimeClamped(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	future := eventBody("envelope-sent", "2030-01-01T00:00:00Z")
	if code := env.post(future, "application/json", oldSecret); code != http.StatusOK {
		t.Fatalf("delivery answered %d, want 200", code)
	}
	if st := env.state(t); !st.ObservedAt.Equal(env.now) {
		t.Errorf("ObservedAt = %s, want the receiver's clock %s", st.ObservedAt, env.now)
	}
	later := eventBody("envelope-delivered", "2026-03-02T10:59:00Z")
	if code := env.post(later, "application/json", oldSecret); code != http.StatusOK {
		t.Fatalf("delivery answered %d, want 200", code)
	}
	if st := env.state(t); st.Status != "delivered" {
		t.Errorf("status = %s, want delivered after the future-dated sent", st.Status)
	}
}

func TestReceiverConcurrentCopiesApplyOnce(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	body := eventBody("envelope-completed", "2026-03-02T10:15:00Z")
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if code := env.post(body, "application/json", oldSecret); code != 200 {
				t.Errorf("concurrent copy answered %d, want 200", code)
			}
		})
	}
	wg.Wait()
	if got := env.changes.Load(); got != 1 {
		t.Errorf("envelope listeners were called %d times, want once", got)
	}
	if got := env.rcv.Stats(); got != (ReceiverStats{Accepted: 1, Duplicate: 5}) {
		t.Errorf("Stats = %+v, want 1 accepted and 5 duplicates", got)
	}
}

func TestReceiverRejectReportsAreLimited(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	body := eventBody("envelope-sent", "2026-03-02T10:00:00Z")
	for range maxRejectReports + 5 {
		if code := env.post(body, "application/json", "wrong"); code != 401 {
			t.Fatalf("bad signature answered %d, want 401", code)
		}
	}
	if recs := env.auditRecords(t); len(recs) != maxRejectReports {
		t.Errorf("%d audit records in one window, want the limit %d", len(recs),
			maxRejectReports)
	}
	if got := env.rcv.Stats().Rejected; got != maxRejectReports+5 {
		t.Errorf("Stats rejected = %d, want every rejection counted", got)
	}
	env.now = env.now.Add(rejectWindow)
	env.post(body, "application/json", "wrong")
	if recs := env.auditRecords(t); len(recs) != maxRejectReports+1 {
		t.Errorf("%d audit records after the window, want %d", len(recs), maxRejectReports+1)
	}
}

func TestReceiverPruneRecords(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	body := eventBody("envelope-sent", "2026-03-02T10:00:00Z")
	env.post(body, "application/json", oldSecret)
	env.now = env.now.Add(store.DefaultWebhookRetention + time.Second)
	n, err := env.rcv.PruneRecords(context.Background())
	if err != nil {
		t.Fatalf("PruneRecords failed: %v", err)
	}
	if n != 1 {
		t.Errorf("PruneRecords deleted %d records, want 1", n)
	}
}

func TestNewReceiverNeedsVerifierAndStore(t *testing.T) {
	_, err := NewReceiver(ReceiverOptions{})
	if err == nil || !strings.Contains(err.Error(), "Verifier") {
		t.Errorf("NewReceiver without options error = %v, want one naming Verifier", err)
	}
}

type failingAudit struct{}

func (failingAudit) Append(store.AuditRecord) (store.AuditRecord, error) {
	return store.AuditRecord{}, errors.New("disk full")
}

func TestReceiverAuditFailureAnswers500(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	env.rcv.opts.Audit = failingAudit{}
	body := eventBody("envelope-sent", "2026-03-02T10:00:00Z")
	if code := env.post(body, "application/json", oldSecret); code != 500 {
		t.Fatalf("delivery with a failing audit log answered %d, want 500", code)
	}
	d := store.WebhookDelivery{EnvelopeID: testEnvelope, Event: "envelope-sent",
		GeneratedAt: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	if _, found, _ := env.store.FindWebhookDelivery(context.Background(), d); found {
		t.Errorf("a delivery answered 500 was recorded, so its redelivery would be dropped")
	}
}
