package tools

import (
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/policy"
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
		t.Run(tt.name, func(t *testing.T) {
			l := &downloadLedger{spent: map[string][]download{}}
			for _, offset := range tt.earlier {
				l.record("agent", 100, start.Add(offset))
			}
			left, frees := l.remaining("agent", 250, start.Add(tt.at))
			if left != tt.wantLeft {
				t.Errorf("left = %d, want %d", left, tt.wantLeft)
			}
			if !frees.Equal(tt.wantFrees) {
				t.Errorf("frees = %s, want %s", frees, tt.wantFrees)
			}
			if other, _ := l.remaining("other", 250, start.Add(tt.at)); other != 250 {
				t.Errorf("another principal has %d bytes left, want 250: budgets are "+
					"per principal", other)
			}
		})
	}
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
