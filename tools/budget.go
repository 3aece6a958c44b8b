package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

const (
	// DefaultCallBudget is how long a tool call may run before it returns. MCP clients time
	// out after 60 seconds by default, so a call must return well before that.
	DefaultCallBudget = 45 * time.Second
	// MaxCallBudget is the largest CallBudget that Tools accepts.
	MaxCallBudget = 59 * time.Second
	// DefaultResultBudget is the max size in bytes of a result's JSON text.
	DefaultResultBudget = 64 << 10
	// MinResultBudget is the smallest ResultBudget that Tools accepts. It is meant to fit one
	// list item of any tool, so that paging moves forward.
	MinResultBudget = 4 << 10
	// writeDeadline bounds a Docusign write that runs on after its call returned. It is longer
	// than the Docusign client's 60-second retry budget, so the client gives up first.
	writeDeadline = 3 * time.Minute
	// pendingRetryAfter is the wait in seconds that a pending result names.
	pendingRetryAfter = 10
)

// checkOptions rejects budgets that a client could not rely on.
func checkOptions(o Options) error {
	if o.CallBudget < 0 || o.CallBudget > MaxCallBudget {
		return fmt.Errorf("tools: call budget %s is invalid: pass 0 for the default %s, or "+
			"a positive duration up to %s", o.CallBudget, DefaultCallBudget, MaxCallBudget)
	}
	if o.ResultBudget != 0 && o.ResultBudget < MinResultBudget {
		return fmt.Errorf("tools: result budget %d bytes is too small: pass 0 for the "+
			"default %d, or at least %d", o.ResultBudget, DefaultResultBudget, MinResultBudget)
	}
	return nil
}

func (d *Deps) callBudget() time.Duration {
	if d.Options.CallBudget > 0 {
		return d.Options.CallBudget
	}
	return DefaultCallBudget
}

func (d *Deps) resultBudget() int {
	if d.Options.ResultBudget > 0 {
		return d.Options.ResultBudget
	}
	return DefaultResultBudget
}

// runOutcome is the return values of spec.run.
type runOutcome[Out any] struct {
	out   Out
	extra []mcp.Content
	terr  *ToolError
}

// runWrite runs a write on a context that the client's cancellation does not stop, so that a
// cancel or the call budget cannot abandon a request that Docusign may apply. When the budget
// runs out first, the write goes on in the background and the call returns spec.pending's
// result, or an in_progress error for a tool without one.
func (spec toolSpec[In, Out]) runWrite(ctx context.Context, d *Deps, in *In) (Out,
	[]mcp.Content, *ToolError) {
	// The pending result is built before the write starts, because run may change in.
	var pendingOut Out
	hasPending := false
	if spec.pending != nil {
		pendingOut, hasPending = spec.pending(ctx, in)
	}
	done := make(chan runOutcome[Out], 1)
	go func() {
		runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeDeadline)
		defer cancel()
		out, extra, terr := spec.run(runCtx, in)
		done <- runOutcome[Out]{out: out, extra: extra, terr: terr}
	}()
	timer := time.NewTimer(d.callBudget())
	defer timer.Stop()
	select {
	case r := <-done:
		return r.out, r.extra, r.terr
	case <-timer.C:
	case <-ctx.Done():
	}
	go func() {
		r := <-done
		attrs := []any{"tool", spec.name}
		if r.terr != nil {
			attrs = append(attrs, "code", r.terr.Code, "message", r.terr.Message)
		}
		d.Logger.Info("write finished after its call returned", attrs...)
	}()
	if hasPending {
		return pendingOut, nil, nil
	}
	var zero Out
	return zero, nil, &ToolError{Code: CodeInProgress, Retryable: true,
		RetryAfter: pendingRetryAfter,
		Message:    spec.name + " is still running and finishes in the background",
		NextStep: fmt.Sprintf("wait %d seconds, then check the result with "+
			"get_envelope_status before calling %s again", pendingRetryAfter, spec.name)}
}

// fitItems returns how many leading items of a list of n fit the result budget: the largest
// k for which encode(k) is at most budget bytes. It returns at least 1 when n > 0, because a
// page must move forward.
// NOTE: MinResultBudget fits one item of each list tool only while Docusign's names and
// descriptions stay under about 1,000 characters. A bigger single item fails with too_large.
func fitItems(budget, n int, encode func(k int) []byte) int {
	if n == 0 || len(encode(n)) <= budget {
		return n
	}
	// The result is in [lo, hi]: encode(hi+1) is over budget, and lo is 1 or fits.
	lo, hi := 1, n-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if len(encode(mid)) <= budget {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// mustJSON encodes v, which holds only strings, numbers, booleans and slices of them.
func mustJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("tools: encoding %T failed: %v", v, err))
	}
	return raw
}
