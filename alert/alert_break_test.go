package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log buffer that the sink's sender goroutine and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAlertURLPathSecretNotLogged guards against a defect, since fixed, in which a failed
// alert post logs the alert URL's path. Chat webhooks (Slack, Teams, Discord) carry their
// secret in the path, such as /services/T0/B0/<secret>, and the doc comment of
// pipelineConfig.AlertURL states that the URL may carry a token and must never be logged
// whole. Expected: the log names the host at most, never the path. Fix: log a hash or the
// scheme and host only, as the downstream targets do with TargetID.
func TestAlertURLPathSecretNotLogged(t *testing.T) {
	const secret = "XyZsecretPathToken0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	logs := &syncBuffer{}
	sink, err := New(Options{URL: srv.URL + "/services/T000/B000/" + secret,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)), MaxAttempts: 2,
		Backoff: time.Millisecond})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer sink.Close()
	sink.Raise(context.Background(), Alert{Kind: "consent_revoked", Key: "k", Message: "m"})
	waitFor(t, "the failed post", func() bool { return sink.Stats().PostFailures == 1 })
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the log contains the alert URL's secret path %q:\n%s", secret, logs.String())
	}
}

// TestAlertFloodKeepsOtherKinds guards against a defect, since fixed, in which a flood of
// alerts of one kind fills the 64-entry post queue, such as one stuck_envelope alert per
// envelope from a single stuck check. A later alert of another kind, such as
// consent_revoked, is then dropped and never posted. Each stuck envelope has its own key,
// so the per-key interval does not bound the flood. Expected: the rare alert still reaches
// the alert URL. Fix: bound the rate per kind (or summarise a flood in one post) and never
// drop a kind that has no post queued.
func TestAlertFloodKeepsOtherKinds(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var kinds []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p payload
		_ = json.NewDecoder(r.Body).Decode(&p)
		<-release
		mu.Lock()
		kinds = append(kinds, p.Kind)
		mu.Unlock()
	}))
	defer srv.Close()
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseAll()
	sink, err := New(Options{URL: srv.URL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer sink.Close()

	ctx := context.Background()
	for i := range 200 {
		id := fmt.Sprintf("env-%03d", i)
		sink.Raise(ctx, Alert{Kind: "stuck_envelope", Key: id, EnvelopeID: id, Message: "m"})
	}
	if !sink.Raise(ctx, Alert{Kind: "consent_revoked", Key: "user", Message: "m"}) {
		t.Fatalf("consent_revoked was not admitted")
	}
	releaseAll()

	waitFor(t, "the queued posts", func() bool {
		st := sink.Stats()
		return st.Posted+st.PostFailures >= 201
	})
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, k := range kinds {
		found = found || k == "consent_revoked"
	}
	if !found {
		t.Errorf("the consent_revoked alert was never posted: %d posts, all stuck_envelope, "+
			"and %d counted as failures", len(kinds), sink.Stats().PostFailures)
	}
}

// TestAlertTrackingBounded guards against a defect, since fixed, in which the sink's map of
// recent alerts grows past maxTracked when more than maxTracked distinct keys are raised
// within one interval, because the pruning only drops entries older than the interval. Each
// stuck envelope of a large account is its own key. Expected: at most maxTracked entries.
// Fix: evict the oldest entries (or keep a count per kind) once the map is full.
func TestAlertTrackingBounded(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	sink, err := New(Options{Interval: time.Hour, Now: clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer sink.Close()
	for i := range maxTracked + 100 {
		sink.Raise(context.Background(), Alert{Kind: "stuck_envelope",
			Key: fmt.Sprintf("env-%05d", i), Message: "m"})
		clock.Advance(time.Millisecond)
	}
	sink.mu.Lock()
	tracked := len(sink.last)
	sink.mu.Unlock()
	if tracked > maxTracked {
		t.Errorf("the sink tracks %d alert keys, want at most maxTracked %d", tracked,
			maxTracked)
	}
}

// TestAlertCloseDeliversQueued guards against a defect, since fixed, in which Close drops
// the alert posts still queued. A consent halt or an archive failure raised just before a
// shutdown, such as a restart by systemd, then never reaches the alert URL, although Raise
// returned true and the audit log records it as raised. Expected: Close posts what is
// queued, within a bounded time. Fix: drain the queue in send after stop, each post under
// PostTimeout, and give up after a total deadline.
func TestAlertCloseDeliversQueued(t *testing.T) {
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	var mu sync.Mutex
	received := 0
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		received++
		first := received == 1
		mu.Unlock()
		if first {
			started <- struct{}{}
			<-release
		}
	}))
	defer srv.Close()
	sink, err := New(Options{URL: srv.URL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx := context.Background()
	sink.Raise(ctx, Alert{Kind: "archive_failed", Key: "first", Message: "m"})
	<-started
	const queued = 10
	for i := range queued {
		sink.Raise(ctx, Alert{Kind: "archive_failed", Key: fmt.Sprintf("q-%d", i),
			Message: "m"})
	}

	closed := make(chan struct{})
	go func() {
		sink.Close()
		close(closed)
	}()
	waitFor(t, "Close to stop the sink", func() bool {
		select {
		case <-sink.stop:
			return true
		default:
			return false
		}
	})
	close(release)
	<-closed

	mu.Lock()
	defer mu.Unlock()
	if received != queued+1 {
		t.Errorf("the alert URL received %d posts, want %d: Close dropped %d queued alerts",
			received, queued+1, queued+1-received)
	}
}
