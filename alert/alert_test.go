package alert

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

// fakeClock is a clock that moves only when a test advances it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recordingAudit keeps appended records in memory.
type recordingAudit struct {
	mu      sync.Mutex
	records []store.AuditRecord
}

func (a *recordingAudit) Append(rec store.AuditRecord) (store.AuditRecord, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.records = append(a.records, rec)
	return rec, nil
}

func (a *recordingAudit) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.records)
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRaiseBoundsRepeats(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	audit := &recordingAudit{}
	sink, err := New(Options{Interval: time.Hour, Audit: audit, Now: clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer sink.Close()
	ctx := context.Background()
	stuck := Alert{Kind: "stuck_envelope", Key: "env-1", EnvelopeID: "env-1", Message: "m"}
	steps := []struct {
		name    string
		advance time.Duration
		alert   Alert
		want    bool
	}{
		{name: "first", alert: stuck, want: true},
		{name: "repeat within interval", advance: 59 * time.Minute, alert: stuck, want: false},
		{name: "other key", alert: Alert{Kind: "stuck_envelope", Key: "env-2"}, want: true},
		{name: "other kind", alert: Alert{Kind: "archive_failed", Key: "env-1"}, want: true},
		{name: "after interval", advance: time.Minute, alert: stuck, want: true},
		{name: "repeat again", advance: time.Second, alert: stuck, want: false},
	}
	for _, step := range steps {
		clock.Advance(step.advance)
		if got := sink.Raise(ctx, step.alert); got != step.want {
			t.Errorf("%s: Raise = %v, want %v", step.name, got, step.want)
		}
	}
	stats := sink.Stats()
	if got := stats.Raised["stuck_envelope"]; got != 3 {
		t.Errorf("Raised[stuck_envelope] = %d, want 3", got)
	}
	if stats.Suppressed != 2 {
		t.Errorf("Suppressed = %d, want 2", stats.Suppressed)
	}
	if got := audit.len(); got != 4 {
		t.Errorf("audit records = %d, want one per raised alert (4)", got)
	}
	rec := audit.records[0]
	if rec.Kind != AuditKind || rec.Code != "stuck_envelope" || rec.EnvelopeID != "env-1" {
		t.Errorf("first audit record = %+v, want kind alert, code stuck_envelope, env-1", rec)
	}
}

func TestRaisePostsWithRetries(t *testing.T) {
	var calls atomic.Int32
	bodies := make(chan payload, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var p payload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Errorf("decode alert body: %v", err)
		}
		bodies <- p
	}))
	defer srv.Close()
	sink, err := New(Options{URL: srv.URL + "/hook?token=secret", Backoff: time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer sink.Close()
	sink.Raise(context.Background(), Alert{Kind: "consent_revoked", Key: "account",
		Message: "consent was revoked"})
	var got payload
	select {
	case got = <-bodies:
	case <-time.After(20 * time.Second):
		t.Fatal("timed out waiting for the alert post")
	}
	if got.Kind != "consent_revoked" || got.Message != "consent was revoked" {
		t.Errorf("posted body = %+v, want kind consent_revoked with the message", got)
	}
	waitFor(t, "the post to be counted", func() bool { return sink.Stats().Posted == 1 })
	if n := calls.Load(); n != 2 {
		t.Errorf("alert URL saw %d requests, want 2 (one 503, one success)", n)
	}
}

func TestRaiseGivesUpAfterMaxAttempts(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	sink, err := New(Options{URL: srv.URL, MaxAttempts: 3, Backoff: time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer sink.Close()
	sink.Raise(context.Background(), Alert{Kind: "k", Key: "x"})
	waitFor(t, "the post to fail", func() bool { return sink.Stats().PostFailures == 1 })
	if n := calls.Load(); n != 3 {
		t.Errorf("alert URL saw %d requests, want MaxAttempts (3)", n)
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
	}{
		{name: "no scheme", url: "alerts.internal/hook"},
		{name: "ftp", url: "ftp://127.0.0.1/hook"},
		{name: "no host", url: "http:///hook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(Options{URL: tt.url}); err == nil {
				t.Errorf("New(%q) succeeded, want an error", tt.url)
			}
		})
	}
}

func TestRedactURLDropsSecrets(t *testing.T) {
	got := redactURL("https://user:pw@127.0.0.1:9/hook?token=abc#frag")
	if want := "https://127.0.0.1:9/..."; got != want {
		t.Errorf("redactURL = %q, want %q", got, want)
	}
}
