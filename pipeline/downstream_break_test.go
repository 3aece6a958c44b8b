package pipeline

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

// TestHangingDownstreamBlocksArchiving guards against a defect, since fixed, in which one
// downstream URL that accepts the connection and never responds stops all archiving. The
// archiver runs its jobs one at a time on one goroutine, so a post waits PostTimeout (30
// seconds by default) before the next job starts, per attempt and per pending delivery.
// With many pending deliveries a completed envelope waits hours to be archived. Here
// PostTimeout is an hour, so the second envelope is never archived within the test's
// deadline. Expected: archiving does not wait on downstream posts. Fix: run deliveries on
// their own goroutine (or a small pool per target), apart from the archive jobs.
func TestHangingDownstreamBlocksArchiving(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	requests := make(chan struct{}, 16)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		requests <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	a, err := NewArchiver(ArchiverOptions{Store: env.store, Documents: env.client.Documents,
		Downstream: []string{srv.URL}, DownstreamKey: []byte("downstream-key"),
		PostTimeout: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	a.Start(ctx)
	defer a.Close()

	first := env.completeEnvelope(t)
	putCompleted(t, env.store, first)
	select {
	case <-requests:
	case <-time.After(30 * time.Second):
		t.Fatalf("the completion event of %s was never posted", first)
	}

	second := env.completeEnvelope(t)
	putCompleted(t, env.store, second)
	deadline := time.Now().Add(20 * time.Second)
	for !archived(ctx, env.store, second) {
		if time.Now().After(deadline) {
			t.Fatalf("envelope %s was not archived while the post of %s hangs: the "+
				"archiver waits for the downstream post before any other job", second, first)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// putCompleted records envelopeID as completed, as a Connect message would.
func putCompleted(t *testing.T, s *store.Store, envelopeID string) {
	t.Helper()
	_, _, err := s.PutEnvelope(context.Background(), store.EnvelopeState{
		EnvelopeID: envelopeID, Status: "completed", Source: store.SourceWebhook})
	if err != nil {
		t.Fatalf("PutEnvelope(%s, completed): %v", envelopeID, err)
	}
}
