package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/ys88io/docusign-mcp/docusign"
)

// Defaults of AccountBudgetOptions. Docusign's default account limit is 3,000 calls per clock
// hour, and its burst limit is 200 calls per 30 seconds on developer accounts and 500 on
// production accounts.
const (
	DefaultHourlyLimit   = 3000
	DefaultBurstLimit    = 200
	DefaultBudgetReserve = 0.10
	burstWindow          = 30 * time.Second
)

// AccountBudgetOptions configures the limiter in front of the Docusign client. The limits
// are the account's, which every integration of the account shares.
type AccountBudgetOptions struct {
	// HourlyLimit is the account's calls per clock hour. 0 means DefaultHourlyLimit. The
	// X-RateLimit-Limit header of a response replaces it.
	HourlyLimit int
	// BurstLimit is the account's calls per 30 seconds. 0 means DefaultBurstLimit. The
	// X-BurstLimit-Limit header of a response replaces it.
	BurstLimit int
	// Reserve is the share of both limits left to other integrations of the account, from
	// 0 to 0.9. 0 means DefaultBudgetReserve, and a negative value keeps no reserve.
	Reserve float64
}

// AccountBudget rejects a Docusign call that would spend the account's reserve, before it
// is sent. It counts the calls of this server and takes the remaining counts from the
// rate-limit headers of each response, which include the calls of other integrations.
type AccountBudget struct {
	mu  sync.Mutex
	now func() time.Time

	hourlyLimit int
	burstLimit  int
	reserve     float64

	// remaining is the estimate of calls left in the hour that ends at resetAt.
	remaining int
	resetAt   time.Time
	// burst holds the times of this server's calls in the last 30 seconds.
	burst []time.Time
	// burstFloorUntil is when a response's X-BurstLimit-Remaining at or below the reserve
	// stops blocking calls.
	burstFloorUntil time.Time
}

// BudgetSnapshot is the budget left, as results that spent it show it.
type BudgetSnapshot struct {
	HourlyRemaining int    `json:"hourly_remaining"`
	ResetAt         string `json:"reset_at"`
}

// BudgetExhaustedError is the error of a call that the account budget rejected, so it was
// not sent.
type BudgetExhaustedError struct {
	// Window is hourly or burst.
	Window    string
	Remaining int
	Reserve   int
	ResetAt   time.Time
}

// Error describes the exhausted window and when it resets.
func (e *BudgetExhaustedError) Error() string {
	return fmt.Sprintf("account %s budget exhausted: %d calls left, %d kept in reserve for "+
		"other integrations, resets at %s", e.Window, e.Remaining, e.Reserve,
		e.ResetAt.UTC().Format(time.RFC3339))
}

// NewAccountBudget returns a budget with o's limits. now is the clock, nil for time.Now.
func NewAccountBudget(o AccountBudgetOptions, now func() time.Time) *AccountBudget {
	if now == nil {
		now = time.Now
	}
	b := &AccountBudget{now: now, hourlyLimit: o.HourlyLimit, burstLimit: o.BurstLimit,
		reserve: o.Reserve}
	if b.hourlyLimit <= 0 {
		b.hourlyLimit = DefaultHourlyLimit
	}
	if b.burstLimit <= 0 {
		b.burstLimit = DefaultBurstLimit
	}
	switch {
	case b.reserve == 0:
		b.reserve = DefaultBudgetReserve
	case b.reserve < 0:
		b.reserve = 0
	}
	b.reserve = min(b.reserve, 0.9)
	return b
}

func (b *AccountBudget) reserved(limit int) int {
	return int(math.Ceil(float64(limit) * b.reserve))
}

// roll starts a new hour when now has reached the reset time. Docusign resets the hourly
// count at the top of each clock hour.
func (b *AccountBudget) roll(now time.Time) {
	if b.resetAt.IsZero() || !now.Before(b.resetAt) {
		b.resetAt = now.Truncate(time.Hour).Add(time.Hour)
		b.remaining = b.hourlyLimit
	}
	cutoff := now.Add(-burstWindow)
	i := 0
	for i < len(b.burst) && !b.burst[i].After(cutoff) {
		i++
	}
	b.burst = b.burst[i:]
}

// spend counts one call, or returns a *BudgetExhaustedError when it would use the reserve.
func (b *AccountBudget) spend() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.roll(now)
	if reserve := b.reserved(b.hourlyLimit); b.remaining <= reserve {
		return &BudgetExhaustedError{Window: "hourly", Remaining: b.remaining,
			Reserve: reserve, ResetAt: b.resetAt}
	}
	reserve := b.reserved(b.burstLimit)
	if len(b.burst) >= b.burstLimit-reserve {
		return &BudgetExhaustedError{Window: "burst",
			Remaining: max(0, b.burstLimit-len(b.burst)), Reserve: reserve,
			ResetAt: b.burst[0].Add(burstWindow)}
	}
	if now.Before(b.burstFloorUntil) {
		return &BudgetExhaustedError{Window: "burst", Remaining: reserve, Reserve: reserve,
			ResetAt: b.burstFloorUntil}
	}
	b.remaining--
	b.burst = append(b.burst, now)
	return nil
}

// observe takes the limits and remaining counts from a successful response's rate-limit
// headers. A retried call counts each extra attempt too. An error response is left out,
// because its rate-limit error already reaches the caller with the reset time.
// NOTE: so after Docusign reports a limit, the next call is sent and may be rejected again.
func (b *AccountBudget) observe(resp *docusign.Response) {
	if resp == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.roll(now)
	for range max(0, resp.Attempts-1) {
		b.remaining--
		b.burst = append(b.burst, now)
	}
	rl := resp.RateLimit
	if rl.Limit > 0 {
		b.hourlyLimit = rl.Limit
	}
	if rl.BurstLimit > 0 {
		b.burstLimit = rl.BurstLimit
	}
	if rl.Remaining >= 0 && !rl.Reset.IsZero() {
		b.remaining, b.resetAt = rl.Remaining, rl.Reset
	}
	if rl.BurstRemaining >= 0 && rl.BurstRemaining <= b.reserved(b.burstLimit) {
		b.burstFloorUntil = now.Add(burstWindow)
	}
}

// Snapshot returns the hourly budget left and when it resets.
func (b *AccountBudget) Snapshot() BudgetSnapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(b.now())
	return BudgetSnapshot{HourlyRemaining: max(0, b.remaining),
		ResetAt: b.resetAt.UTC().Format(time.RFC3339)}
}

// spendNote marks a tool call that sent at least one Docusign call, so its result shows the
// budget.
type spendNote struct{ spent atomic.Bool }

type spendNoteKey struct{}

func withSpendNote(ctx context.Context) (context.Context, *spendNote) {
	note := &spendNote{}
	return context.WithValue(ctx, spendNoteKey{}, note), note
}

// budgeted runs call when the budget allows it and records the response's headers.
func budgeted[T any](ctx context.Context, b *AccountBudget,
	call func() (T, *docusign.Response, error)) (T, *docusign.Response, error) {
	if err := b.spend(); err != nil {
		noteDenial(ctx, RuleAccountBudget)
		var zero T
		return zero, nil, err
	}
	if note, ok := ctx.Value(spendNoteKey{}).(*spendNote); ok {
		note.spent.Store(true)
	}
	out, resp, err := call()
	b.observe(resp)
	return out, resp, err
}

// budgetExhausted is the tool error of a call that the account budget rejected. It has the
// code of Docusign's own rate-limit errors, so agents and the idempotency records treat both
// alike.
func budgetExhausted(e *BudgetExhaustedError, now time.Time) *ToolError {
	reset := e.ResetAt.UTC().Format(time.RFC3339)
	terr := cadenceDenied(RuleAccountBudget, fmt.Sprintf("the Docusign account's %s API "+
		"budget for this server is spent (%d calls left, %d kept for other integrations), "+
		"so the call was not sent; it resets at %s", e.Window, e.Remaining, e.Reserve, reset),
		"wait until "+reset+", then call again", e.ResetAt, now)
	terr.Code = CodeRateLimited
	return terr
}

// withBudgetProperty adds the optional budget object to a tool's output schema.
func withBudgetProperty(output json.RawMessage) (json.RawMessage, error) {
	var s jsonschema.Schema
	if err := json.Unmarshal(output, &s); err != nil {
		return nil, fmt.Errorf("decode output schema: %w", err)
	}
	budget, err := reflectSchema(new(BudgetSnapshot))
	if err != nil {
		return nil, err
	}
	var property jsonschema.Schema
	if err := json.Unmarshal(budget, &property); err != nil {
		return nil, fmt.Errorf("decode budget schema: %w", err)
	}
	property.Description = "The Docusign account's API calls left for this server this " +
		"hour, when the call spent any. Calls beyond it, less a reserve for other " +
		"integrations, are refused until reset_at."
	s.Properties.Set("budget", &property)
	return json.Marshal(&s)
}
