package tools

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// scopedDecider allows every call and gives every principal one scope, which a test may
// change between calls.
type scopedDecider struct{ scope policy.Scope }

func (s *scopedDecider) Decide(context.Context, policy.Request) (policy.Decision, error) {
	return policy.Decision{Allow: true, Reason: "allowed", Rule: "test"}, nil
}

func (s *scopedDecider) Scope(string) (policy.Scope, bool) { return s.scope, true }

func TestResendLedger(t *testing.T) {
	start := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	scope := policy.Scope{ResendMinInterval: policy.Duration(time.Hour), ResendMaxCount: 2}
	tests := []struct {
		name string
		// earlier are the offsets from start of resends already recorded.
		earlier   []time.Duration
		at        time.Duration
		wantRule  string
		wantRetry int
	}{
		{name: "first resend", at: 0},
		{name: "inside the interval", earlier: []time.Duration{0}, at: 10 * time.Minute,
			wantRule: RuleResendMinInterval, wantRetry: 3000},
		{name: "after the interval", earlier: []time.Duration{0}, at: time.Hour},
		{name: "over the max count", earlier: []time.Duration{0, time.Hour},
			at: 5 * time.Hour, wantRule: RuleResendMaxCount},
	}
	ctx := context.Background()
	for _, tt := range tests {
		for _, backend := range eventBackends(t) {
			t.Run(tt.name+" in "+backend.name, func(t *testing.T) {
				l := &resendLedger{events: backend.open(t)}
				for _, offset := range tt.earlier {
					_, rule, _ := l.reserve(ctx, "env", start.Add(offset), scope)
					if rule != "" {
						t.Fatalf("earlier resend at %s denied by %s", offset, rule)
					}
				}
				_, rule, terr := l.reserve(ctx, "env", start.Add(tt.at), scope)
				if rule != tt.wantRule {
					t.Fatalf("rule = %q, want %q", rule, tt.wantRule)
				}
				if tt.wantRule != "" {
					checkCadenceDenial(t, terr, tt.wantRetry)
				}
			})
		}
	}
}

func checkCadenceDenial(t *testing.T, terr *ToolError, wantRetry int) {
	t.Helper()
	if terr.Code != CodePolicyDenied {
		t.Errorf("code = %q, want %q", terr.Code, CodePolicyDenied)
	}
	if terr.RetryAfter != wantRetry {
		t.Errorf("retry_after = %d, want %d", terr.RetryAfter, wantRetry)
	}
	if terr.Retryable != (wantRetry > 0) {
		t.Errorf("retryable = %v, want %v", terr.Retryable, wantRetry > 0)
	}
}

func TestResendRefusalSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	scope := policy.Scope{ResendMinInterval: policy.Duration(time.Hour), ResendMaxCount: 1}
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("store.Open failed: %v", err)
	}
	first := &resendLedger{events: eventsFor(st)}
	if _, _, terr := first.reserve(ctx, "env", now, scope); terr != nil {
		t.Fatalf("first resend denied: %v", terr)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	st, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("reopen store: %v", err)
	}
	defer st.Close()
	restarted := &resendLedger{events: eventsFor(st)}
	_, rule, _ := restarted.reserve(ctx, "env", now.Add(2*time.Hour), scope)
	if rule != RuleResendMaxCount {
		t.Errorf("rule after restart = %q, want %q: the stored resend must still count",
			rule, RuleResendMaxCount)
	}
}

func TestResendReleaseFreesSlot(t *testing.T) {
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	scope := policy.Scope{ResendMinInterval: policy.Duration(time.Hour), ResendMaxCount: 1}
	l := &resendLedger{events: openEventStore(t)}
	release, _, terr := l.reserve(context.Background(), "env", now, scope)
	if terr != nil {
		t.Fatalf("first reserve failed: %v", terr)
	}
	release()
	_, _, terr = l.reserve(context.Background(), "env", now.Add(time.Second), scope)
	if terr != nil {
		t.Errorf("reserve after release failed: %v; a released resend must not count", terr)
	}
}

func TestSecondResendRefusedOverHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.httpClient(t)
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &created)
	args := map[string]any{"envelope_id": created.EnvelopeID}
	var first envelopeActionOutput
	mustSucceed(t, callTool(t, c, "resend_envelope", args), &first)
	before := time.Now()
	terr := mustFail(t, callTool(t, c, "resend_envelope", args))
	if terr.Code != CodePolicyDenied {
		t.Errorf("code = %q, want %q", terr.Code, CodePolicyDenied)
	}
	if !strings.Contains(terr.Message, RuleResendMinInterval) {
		t.Errorf("message %q does not name rule %s", terr.Message, RuleResendMinInterval)
	}
	next := before.Add(policy.DefaultResendMinInterval).UTC()
	if !strings.Contains(terr.Message, next.Format("2006-01-02T15:")) {
		t.Errorf("message %q does not name the next allowed time, about %s", terr.Message,
			next.Format(time.RFC3339))
	}
	if terr.RetryAfter < 3590 || terr.RetryAfter > 3600 {
		t.Errorf("retry_after = %d, want about 3600 seconds", terr.RetryAfter)
	}
	if got := h.sim.Calls()["Envelopes:update"]; got != 1 {
		t.Errorf("Envelopes:update calls = %d, want 1: the refused resend must not be sent",
			got)
	}
}

func TestStatusPollingCostsOneRead(t *testing.T) {
	clock := &testClock{now: time.Now()}
	h := newHarness(t)
	h.deps.Envelopes, h.deps.Now = h.store, clock.Now
	c := h.httpClient(t)
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &created)
	h.sim.ResetCalls()
	args := map[string]any{"envelope_id": created.EnvelopeID}
	var last envelopeStatusOutput
	for range 100 {
		mustSucceed(t, callTool(t, c, "get_envelope_status", args), &last)
		clock.Advance(600 * time.Millisecond)
	}
	if got := statusReads(h); got > 1 {
		t.Errorf("100 status calls in a minute made %d Docusign reads, want at most 1", got)
	}
	if last.Source != statusSourceCache {
		t.Errorf("last source = %s, want cache", last.Source)
	}
	if last.NextLiveReadAt == "" {
		t.Errorf("next_live_read_at is missing on a status that is not final")
	}
	if v := h.sim.Violations(); v.Total() != 0 {
		t.Errorf("simulator violations = %+v, want none", v)
	}
}

func TestResendDenialAudited(t *testing.T) {
	h, _ := auditHarness(t)
	tools := directTools(t, h.deps)
	agent := policy.WithPrincipal(context.Background(), "agent-1")
	created := callDirect(t, agent, tools, "create_envelope", documentsEnvelope(t, "sent"))
	var out createEnvelopeOutput
	mustSucceed(t, created, &out)
	args := map[string]any{"envelope_id": out.EnvelopeID}
	if res := callDirect(t, agent, tools, "resend_envelope", args); res.IsError {
		t.Fatalf("first resend failed: %s", resultText(res))
	}
	if res := callDirect(t, agent, tools, "resend_envelope", args); !res.IsError {
		t.Fatalf("second resend succeeded, want a %s denial", RuleResendMinInterval)
	}
	records, err := store.QueryAudit(context.Background(), h.store,
		store.AuditQuery{Kind: store.AuditToolCall})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	last := records[len(records)-1]
	if last.Tool != "resend_envelope" {
		t.Fatalf("last audit record is for %s, want resend_envelope", last.Tool)
	}
	if last.Decision != store.DecisionDeny {
		t.Errorf("decision = %q, want %q", last.Decision, store.DecisionDeny)
	}
	if last.PolicyRule != RuleResendMinInterval {
		t.Errorf("policy rule = %q, want %q", last.PolicyRule, RuleResendMinInterval)
	}
	if last.Code != RuleResendMinInterval {
		t.Errorf("code = %q, want %q", last.Code, RuleResendMinInterval)
	}
	if last.Outcome != CodePolicyDenied {
		t.Errorf("outcome = %q, want %q", last.Outcome, CodePolicyDenied)
	}
}

func TestConcurrentStatusCallsShareRead(t *testing.T) {
	h := newHarness(t)
	h.deps.Envelopes = h.store
	tools := directTools(t, h.deps)
	id := createSent(t, tools)
	h.sim.ResetCalls()
	var req mcp.CallToolRequest
	req.Params.Name = "get_envelope_status"
	req.Params.Arguments = map[string]any{"envelope_id": id}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			// t.Fatal must not run off the test's goroutine, so this calls the handler
			// directly instead of through callDirect.
			res, err := tools[req.Params.Name].Handler(context.Background(), req)
			if err != nil {
				t.Errorf("get_envelope_status handler returned an error: %v", err)
				return
			}
			if res.IsError {
				t.Errorf("get_envelope_status failed: %s", resultText(res))
			}
		})
	}
	wg.Wait()
	if got := statusReads(h); got != 1 {
		t.Errorf("20 concurrent status calls made %d Docusign reads, want 1", got)
	}
}
