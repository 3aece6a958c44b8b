package tools

import (
	"context"
	"fmt"
	"time"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// downloadWindow is the rolling window of the per-principal download budget.
const downloadWindow = 24 * time.Hour

// downloadLedger counts the document bytes each principal downloaded in the last 24 hours.
// With a store as its events, the count survives a restart.
type downloadLedger struct {
	events EventStore
}

// inWindow prunes the downloads older than the window and returns the principal's
// downloads inside it, oldest first.
func (l *downloadLedger) inWindow(ctx context.Context, principal string, now time.Time) (
	[]store.Event, error) {
	cutoff := now.Add(-downloadWindow)
	if _, err := l.events.PruneEvents(ctx, store.EventDownload, cutoff); err != nil {
		return nil, err
	}
	return l.events.EventsSince(ctx, store.EventDownload, principal, cutoff.Add(1))
}

// remaining returns the bytes left of the principal's budget, and when the oldest download
// in the window leaves it.
func (l *downloadLedger) remaining(ctx context.Context, principal string, budget int64,
	now time.Time) (int64, time.Time, error) {
	list, err := l.inWindow(ctx, principal, now)
	if err != nil {
		return 0, time.Time{}, err
	}
	var frees time.Time
	if len(list) > 0 {
		frees = list[0].At.Add(downloadWindow)
	}
	return budget - spent(list), frees, nil
}

func spent(list []store.Event) int64 {
	var used int64
	for _, d := range list {
		used += d.Amount
	}
	return used
}

// record adds a download of size bytes at now.
func (l *downloadLedger) record(ctx context.Context, principal string, size int64,
	now time.Time) error {
	_, err := l.events.RecordEvent(ctx, store.EventDownload, principal, now, size)
	return err
}

// freedAt returns when enough of the principal's downloads leave the window for need more
// bytes to fit in budget, or the zero time when they never would.
func (l *downloadLedger) freedAt(ctx context.Context, principal string, budget, need int64,
	now time.Time) time.Time {
	list, err := l.inWindow(ctx, principal, now)
	if err != nil {
		return time.Time{}
	}
	used := spent(list)
	for _, d := range list {
		if used+need <= budget {
			break
		}
		used -= d.Amount
		if used+need <= budget {
			return d.At.Add(downloadWindow)
		}
	}
	return time.Time{}
}

// downloadAllowance returns the max bytes the caller may download now, or a denial that
// names the budget and when it frees.
func (d *Deps) downloadAllowance(ctx context.Context) (int64, *ToolError) {
	principal := policy.PrincipalFrom(ctx)
	budget := policy.ScopeOf(ctx, d.Policy).DownloadBudgetBytes
	now := d.Now()
	left, frees, err := d.controls.downloads.remaining(ctx, principal, budget, now)
	if err != nil {
		return 0, counterFailed("read the download budget", err)
	}
	if left > 0 {
		return left, nil
	}
	noteDenial(ctx, RuleDownloadBudget)
	return 0, downloadDenied(budget, frees, now)
}

// downloadOverBudget is the denial of a document larger than the budget left.
func (d *Deps) downloadOverBudget(ctx context.Context, left int64) *ToolError {
	principal := policy.PrincipalFrom(ctx)
	budget := policy.ScopeOf(ctx, d.Policy).DownloadBudgetBytes
	noteDenial(ctx, RuleDownloadBudget)
	now := d.Now()
	frees := d.controls.downloads.freedAt(ctx, principal, budget, left+1, now)
	terr := downloadDenied(budget, frees, now)
	terr.Message += fmt.Sprintf("; the document is larger than the %d bytes left", left)
	return terr
}

func downloadDenied(budget int64, frees, now time.Time) *ToolError {
	reason := fmt.Sprintf("this principal's download budget of %d bytes per 24 hours is "+
		"spent", budget)
	next := "do not retry; ask the server operator to raise download_budget_bytes"
	if !frees.IsZero() {
		at := frees.UTC().Format(time.RFC3339)
		reason += ", and it frees up from " + at
		next = "wait until " + at + ", then call again"
	}
	return cadenceDenied(RuleDownloadBudget, reason, next, frees, now)
}

// recordDownload counts a finished download against the caller's budget. A failure to
// record is logged: the document is already fetched, so the call still succeeds.
func (d *Deps) recordDownload(ctx context.Context, size int64) {
	err := d.controls.downloads.record(ctx, policy.PrincipalFrom(ctx), size, d.Now())
	if err != nil {
		d.Logger.WarnContext(ctx, "failed to record a download against the budget",
			"error", err)
	}
}
