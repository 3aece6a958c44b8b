package pipeline

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/store"
)

func TestStuckAlertNamesOwner(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	stuckID := env.sendEnvelope(t)
	if _, _, err := env.store.PutEnvelope(ctx, store.EnvelopeState{EnvelopeID: stuckID,
		Status: "sent", Source: store.SourceCreate}); err != nil {
		t.Fatalf("PutEnvelope(%s): %v", stuckID, err)
	}
	posted := make(chan map[string]any, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p map[string]any
		if json.Unmarshal(body, &p) == nil {
			posted <- p
		}
	}))
	defer receiver.Close()

	clock := &fakeClock{now: time.Now().Add(80 * time.Hour)}
	sink, err := alert.New(alert.Options{URL: receiver.URL, Interval: time.Hour,
		Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("alert.New: %v", err)
	}
	defer sink.Close()
	checker, err := NewStuckChecker(StuckOptions{Store: env.store,
		Envelopes: env.client.Envelopes, Alerts: sink, Now: clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewStuckChecker: %v", err)
	}
	if _, err := checker.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}

	select {
	case p := <-posted:
		if p["kind"] != AlertStuckEnvelope {
			t.Errorf("posted alert kind = %v, want %s", p["kind"], AlertStuckEnvelope)
		}
		want := env.sim.Credentials().UserID
		if p["owner_user_id"] != want {
			t.Errorf("posted alert owner_user_id = %v, want the sender's user id %s",
				p["owner_user_id"], want)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no alert reached the alert URL within 30 seconds")
	}
}
