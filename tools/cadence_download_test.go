package tools

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

func TestDownloadLedger(t *testing.T) {
	start := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		// earlier are downloads of 100 bytes each, at these offsets from start.
		earlier   []time.Duration
		at        time.Duration
		wantLeft  int64
		wantFrees time.Time
	}{
		{name: "nothing spent", at: 0, wantLeft: 250},
		{name: "two downloads", earlier: []time.Duration{0, time.Hour}, at: 2 * time.Hour,
			wantLeft: 50, wantFrees: start.Add(24 * time.Hour)},
		{name: "oldest left the window", earlier: []time.Duration{0, time.Hour},
			at: 24 * time.Hour, wantLeft: 150, wantFrees: start.Add(25 * time.Hour)},
		{name: "over the budget", earlier: []time.Duration{0, time.Hour, 2 * time.Hour},
			at: 3 * time.Hour, wantLeft: -50, wantFrees: start.Add(24 * time.Hour)},
	}
	for _, tt := range tests {
		for _, backend := range eventBackends(t) {
			t.Run(tt.name+" in "+backend.name, func(t *testing.T) {
				testDownloadCase(t, &downloadLedger{events: backend.open(t)}, start,
					tt.earlier, tt.at, tt.wantLeft, tt.wantFrees)
			})
		}
	}
}

func testDownloadCase(t *testing.T, l *downloadLedger, start time.Time,
	earlier []time.Duration, at time.Duration, wantLeft int64, wantFrees time.Time) {
	ctx := context.Background()
	for _, offset := range earlier {
		if err := l.record(ctx, "agent", 100, start.Add(offset)); err != nil {
			t.Fatalf("record: %v", err)
		}
	}
	left, frees, err := l.remaining(ctx, "agent", 250, start.Add(at))
	if err != nil {
		t.Fatalf("remaining: %v", err)
	}
	if left != wantLeft {
		t.Errorf("left = %d, want %d", left, wantLeft)
	}
	if !frees.Equal(wantFrees) {
		t.Errorf("frees = %s, want %s", frees, wantFrees)
	}
	other, _, _ := l.remaining(ctx, "other", 250, start.Add(at))
	if other != 250 {
		t.Errorf("another principal has %d bytes left, want 250: budgets are per principal",
			other)
	}
}

// eventBackend opens an empty EventStore.
type eventBackend struct {
	name string
	open func(t *testing.T) EventStore
}

// eventBackends are the memory and the Badger event stores, so that ledger tests cover both.
func eventBackends(t *testing.T) []eventBackend {
	t.Helper()
	return []eventBackend{
		{name: "memory", open: func(*testing.T) EventStore { return eventsFor(nil) }},
		{name: "store", open: func(t *testing.T) EventStore { return openEventStore(t) }},
	}
}

func openEventStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatalf("store.Open failed: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestDownloadBudgetOverHTTP(t *testing.T) {
	decider := &scopedDecider{scope: policy.Scope{DownloadBudgetBytes: 1 << 30}}
	h := newHarness(t, func(d *Deps) { d.Policy = decider })
	c := h.httpClient(t)
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &created)
	args := map[string]any{"envelope_id": created.EnvelopeID, "document_id": "1"}
	var first downloadOutput
	mustSucceed(t, callTool(t, c, "download_document", args), &first)

	// The budget now fits the first download and half of another.
	decider.scope.DownloadBudgetBytes = first.Size + first.Size/2
	terr := mustFail(t, callTool(t, c, "download_document", args))
	if terr.Code != CodePolicyDenied {
		t.Errorf("code = %q, want %q", terr.Code, CodePolicyDenied)
	}
	for _, want := range []string{RuleDownloadBudget, "per 24 hours", "frees up from"} {
		if !strings.Contains(terr.Message, want) {
			t.Errorf("message %q does not contain %q", terr.Message, want)
		}
	}
	if !terr.Retryable || terr.RetryAfter < 86000 {
		t.Errorf("retryable = %v, retry_after = %d, want retryable after about 24 hours",
			terr.Retryable, terr.RetryAfter)
	}

	// With the budget spent, the next call fails before Docusign is called.
	decider.scope.DownloadBudgetBytes = first.Size
	h.sim.ResetCalls()
	terr = mustFail(t, callTool(t, c, "download_document", args))
	if !strings.Contains(terr.Message, "is spent") {
		t.Errorf("message %q does not say the budget is spent", terr.Message)
	}
	if got := h.sim.Calls()["EnvelopeDocuments:get"]; got != 0 {
		t.Errorf("EnvelopeDocuments:get calls = %d, want 0 with the budget spent", got)
	}
}
