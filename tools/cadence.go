package tools

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// Rules that the cadence and budget checks name in denials and in the audit log. They are
// stable, like the error codes.
const (
	RuleResendMinInterval = "resend_min_interval"
	RuleResendMaxCount    = "resend_max_count"
	RuleAccountBudget     = "account_budget"
	RuleDownloadBudget    = "download_budget"
)

// controls are the per-server state of the cadence, budget and outbound data checks. Every
// session shares them, because the limits they enforce are per envelope and per account.
type controls struct {
	resends   *resendLedger
	downloads *downloadLedger
	budget    *AccountBudget
	status    keyedMutex
}

func newControls(o Options, events EventStore, now func() time.Time) *controls {
	return &controls{
		resends:   &resendLedger{events: events},
		downloads: &downloadLedger{events: events},
		budget:    NewAccountBudget(o.AccountBudget, now),
	}
}

// resendLedger records the resends of each envelope, for the minimum interval and the max
// count of the caller's policy scope. With a store as its events, the count survives a
// restart.
type resendLedger struct {
	// mu makes the check and the record one step, since the store does not.
	mu     sync.Mutex
	events EventStore
}

// reserve records a resend of envelopeID at now when the scope allows one, and returns a
// function that takes the record back for a resend that Docusign did not perform. A denial
// comes with the rule that made it.
func (l *resendLedger) reserve(ctx context.Context, envelopeID string, now time.Time,
	scope policy.Scope) (func(), string, *ToolError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sent, err := l.events.EventsSince(ctx, store.EventResend, envelopeID, time.Time{})
	if err != nil {
		return nil, "", counterFailed("read the resend count", err)
	}
	if rule, terr := resendDenial(envelopeID, sent, now, scope); terr != nil {
		return nil, rule, terr
	}
	id, err := l.events.RecordEvent(ctx, store.EventResend, envelopeID, now, 1)
	if err != nil {
		return nil, "", counterFailed("record the resend", err)
	}
	release := func() {
		_ = l.events.DeleteEvent(context.WithoutCancel(ctx), id)
	}
	return release, "", nil
}

// resendDenial applies the scope's resend rules to the earlier resends sent, oldest first.
func resendDenial(envelopeID string, sent []store.Event, now time.Time, scope policy.Scope) (
	string, *ToolError) {
	if len(sent) >= scope.ResendMaxCount {
		reason := fmt.Sprintf("envelope %s was already resent %d times, the max for this "+
			"principal", envelopeID, len(sent))
		return RuleResendMaxCount, cadenceDenied(RuleResendMaxCount, reason,
			"do not retry; ask the recipients directly, or ask the server operator to raise "+
				"resend_max_count", time.Time{}, now)
	}
	interval := time.Duration(scope.ResendMinInterval)
	if n := len(sent); n > 0 && now.Sub(sent[n-1].At) < interval {
		last := sent[n-1].At
		next := last.Add(interval).UTC().Format(time.RFC3339)
		reason := fmt.Sprintf("envelope %s was resent at %s, and this principal may resend "+
			"it only every %s: the next resend is allowed at %s", envelopeID,
			last.UTC().Format(time.RFC3339), interval, next)
		return RuleResendMinInterval, cadenceDenied(RuleResendMinInterval, reason,
			"wait until "+next+", then call again", last.Add(interval), now)
	}
	return "", nil
}

// cadenceDenied is a policy_denial for a cadence or budget rule. A non-zero next makes it
// retryable at that time.
func cadenceDenied(rule, reason, nextStep string, next, now time.Time) *ToolError {
	terr := &ToolError{Code: CodePolicyDenied, NextStep: nextStep,
		Message: fmt.Sprintf("denied by policy rule %s: %s", rule, reason)}
	if !next.IsZero() {
		terr.Retryable = true
		terr.RetryAfter = max(1, int(math.Ceil(next.Sub(now).Seconds())))
	}
	return terr
}

// noteDenial records a denial by a cadence or budget rule as the call's policy decision, so
// the audit log shows the rule.
func noteDenial(ctx context.Context, rule string) {
	if note, ok := ctx.Value(decisionNoteKey{}).(*decisionNote); ok {
		note.decision, note.rule, note.code = store.DecisionDeny, rule, rule
	}
}

// reserveResend applies the resend rules of the caller's scope to envelopeID.
func (d *Deps) reserveResend(ctx context.Context, envelopeID string) (func(), *ToolError) {
	scope := policy.ScopeOf(ctx, d.Policy)
	release, rule, terr := d.controls.resends.reserve(ctx, envelopeID, d.Now(), scope)
	if terr != nil {
		noteDenial(ctx, rule)
	}
	return release, terr
}

// keyedMutex serialises work per key, such as the Docusign read of one envelope's status,
// so concurrent calls share one read.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	sync.Mutex
	users int
}

// lock locks key and returns the function that unlocks it.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l, ok := k.locks[key]
	if !ok {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		l.users--
		if l.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
