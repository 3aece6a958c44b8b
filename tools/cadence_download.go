package tools

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/policy"
)

// downloadWindow is the rolling window of the per-principal download budget.
const downloadWindow = 24 * time.Hour

// download is one document a principal downloaded.
type download struct {
	at    time.Time
	bytes int64
}

// downloadLedger counts the document bytes each principal downloaded in the last 24 hours.
// NOTE: it is kept in memory, so a restart starts every principal's budget afresh.
type downloadLedger struct {
	mu    sync.Mutex
	spent map[string][]download
}

// remaining prunes the principal's downloads older than the window and returns the bytes
// left of budget, and when the oldest download in the window leaves it.
func (l *downloadLedger) remaining(principal string, budget int64, now time.Time) (int64,
	time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list := l.spent[principal]
	cutoff := now.Add(-downloadWindow)
	i := 0
	for i < len(list) && !list[i].at.After(cutoff) {
		i++
	}
	list = list[i:]
	l.spent[principal] = list
	var used int64
	for _, d := range list {
		used += d.bytes
	}
	var frees time.Time
	if len(list) > 0 {
		frees = list[0].at.Add(downloadWindow)
	}
	return budget - used, frees
}

// record adds a download of size bytes at now.
func (l *downloadLedger) record(principal string, size int64, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.spent[principal] = append(l.spent[principal], download{at: now, bytes: size})
}

// freedAt returns when enough of the principal's downloads leave the window for need more
// bytes to fit in budget, or the zero time when they never would.
func (l *downloadLedger) freedAt(principal string, budget, need int64) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	list := l.spent[principal]
	var used int64
	for _, d := range list {
		used += d.bytes
	}
	for _, d := range list {
		if used+need <= budget {
			break
		}
		used -= d.bytes
		if used+need <= budget {
			return d.at.Add(downloadWindow)
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
	left, frees := d.controls.downloads.remaining(principal, budget, now)
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
	frees := d.controls.downloads.freedAt(principal, budget, left+1)
	terr := downloadDenied(budget, frees, d.Now())
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

// recordDownload counts a finished download against the caller's budget.
func (d *Deps) recordDownload(ctx context.Context, size int64) {
	d.controls.downloads.record(policy.PrincipalFrom(ctx), size, d.Now())
}
