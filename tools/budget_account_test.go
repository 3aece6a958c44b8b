package tools

import (
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

func TestAccountBudgetSpend(t *testing.T) {
	start := time.Date(2026, 6, 1, 10, 20, 0, 0, time.UTC)
	tests := []struct {
		name       string
		opts       AccountBudgetOptions
		calls      int
		header     *docusign.RateLimit
		wantWindow string
		wantReset  time.Time
	}{
		{name: "under the limits", opts: AccountBudgetOptions{HourlyLimit: 100},
			calls: 5},
		{name: "hourly reserve kept", opts: AccountBudgetOptions{HourlyLimit: 10,
			BurstLimit: 100}, calls: 9, wantWindow: "hourly",
			wantReset: time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC)},
		{name: "burst reserve kept", opts: AccountBudgetOptions{BurstLimit: 10}, calls: 9,
			wantWindow: "burst", wantReset: start.Add(30 * time.Second)},
		{name: "no reserve", opts: AccountBudgetOptions{HourlyLimit: 10, BurstLimit: 100,
			Reserve: -1}, calls: 10, wantWindow: "hourly",
			wantReset: time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC)},
		{name: "headers count other integrations", opts: AccountBudgetOptions{},
			header: &docusign.RateLimit{Limit: 1000, Remaining: 101,
				Reset: start.Add(5 * time.Minute), BurstLimit: -1, BurstRemaining: -1},
			calls: 1, wantWindow: "hourly", wantReset: start.Add(5 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewAccountBudget(tt.opts, func() time.Time { return start })
			if tt.header != nil {
				b.observe(&docusign.Response{StatusCode: 200, Attempts: 1,
					RateLimit: *tt.header})
			}
			for i := range tt.calls {
				if err := b.spend(); err != nil {
					t.Fatalf("call %d refused: %v", i+1, err)
				}
			}
			err := b.spend()
			if tt.wantWindow == "" {
				if err != nil {
					t.Errorf("call %d refused: %v, want allowed", tt.calls+1, err)
				}
				return
			}
			exhausted, ok := err.(*BudgetExhaustedError)
			if !ok {
				t.Fatalf("call %d error = %v, want a *BudgetExhaustedError", tt.calls+1, err)
			}
			if exhausted.Window != tt.wantWindow {
				t.Errorf("window = %s, want %s", exhausted.Window, tt.wantWindow)
			}
			if !exhausted.ResetAt.Equal(tt.wantReset) {
				t.Errorf("reset = %s, want %s", exhausted.ResetAt, tt.wantReset)
			}
		})
	}
}

func TestAccountBudgetRefusalOverHTTP(t *testing.T) {
	h := newHarnessWithSim(t, docusigntest.Options{HourlyLimit: 10}, docusign.RetryPolicy{})
	c := h.httpClient(t)
	var refused ToolError
	succeeded := 0
	for range 20 {
		res := callTool(t, c, "list_templates", map[string]any{})
		if res.IsError {
			refused = mustFail(t, res)
			break
		}
		var out struct {
			Budget *BudgetSnapshot `json:"budget"`
		}
		mustSucceed(t, res, &out)
		if out.Budget == nil || out.Budget.ResetAt == "" {
			t.Fatalf("list_templates result has no budget object: %+v", out)
		}
		succeeded++
	}
	if succeeded != 9 {
		t.Errorf("%d calls succeeded, want 9: the 10th is the reserve", succeeded)
	}
	if refused.Code != CodeRateLimited {
		t.Fatalf("code = %q (%s), want %q", refused.Code, refused.Message, CodeRateLimited)
	}
	reset := time.Now().UTC().Truncate(time.Hour).Add(time.Hour).Format(time.RFC3339)
	if !strings.Contains(refused.Message, "resets at "+reset) {
		t.Errorf("message %q does not name the reset time %s", refused.Message, reset)
	}
	if !strings.Contains(refused.Message, RuleAccountBudget) {
		t.Errorf("message %q does not name rule %s", refused.Message, RuleAccountBudget)
	}
	if refused.RetryAfter <= 0 {
		t.Errorf("retry_after = %d, want the seconds until the reset", refused.RetryAfter)
	}
	if v := h.sim.Violations(); v.Total() != 0 {
		t.Errorf("simulator violations = %+v, want none: the budget refuses first", v)
	}
}
