package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// pagedLister returns listStatusChanges results as Docusign does: envelopes whose status changed at
// or after from_date, with one of the requested statuses, ordered by last_modified, at most
// count of them, and a nextUri when more remain.
type pagedLister struct {
	envelopes []docusign.Envelope
}

func (l *pagedLister) ListStatusChanges(_ context.Context,
	opts *docusign.ListStatusChangesOptions) (*docusign.EnvelopesInformation,
	*docusign.Response, error) {
	var match []docusign.Envelope
	for _, env := range l.envelopes {
		changed, _ := docusign.ParseTime(env.LastModifiedDateTime)
		if changed.Before(opts.FromDate) {
			continue
		}
		if len(opts.Status) > 0 && !slices.Contains(opts.Status, env.Status) {
			continue
		}
		match = append(match, env)
	}
	sort.SliceStable(match, func(i, j int) bool {
		a, _ := docusign.ParseTime(match[i].LastModifiedDateTime)
		b, _ := docusign.ParseTime(match[j].LastModifiedDateTime)
		if opts.Order == "desc" {
			return a.After(b)
		}
		return a.Before(b)
	})
	info := &docusign.EnvelopesInformation{TotalSetSize: strconv.Itoa(len(match))}
	if opts.Count > 0 && len(match) > opts.Count {
		match = match[:opts.Count]
		info.NextURI = "/envelopes?start_position=" + strconv.Itoa(opts.Count)
	}
	info.Envelopes = match
	info.ResultSetSize = strconv.Itoa(len(match))
	return info, &docusign.Response{StatusCode: 200}, nil
}

// TestStuckCheckMissesLaterPage shows that the stuck check lists the oldest 1,000 status
// changes since the oldest open envelope and never looks further. An account that completes
// 1,000 envelopes while one envelope waits then hides every newer stuck envelope for good.
// Here envelope B was sent 80 hours ago and viewed 2 hours ago, so it is stuck, but 1,000
// completions since the older open envelope A fill the one page. Expected: B is reported
// stuck. Fix: list only the open statuses (sent, delivered) for the stuck part, or order by
// last_modified descending, and reconcile the rest from Connect. Either keeps one call per
// run.
func TestStuckCheckMissesLaterPage(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	st := openStore(t, t.TempDir())
	format := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
	idA := "aaaaaaaa-0000-4000-8000-000000000001"
	idB := "bbbbbbbb-0000-4000-8000-000000000002"
	sentA, sentB := now.Add(-30*24*time.Hour), now.Add(-80*time.Hour)
	lister := &pagedLister{envelopes: []docusign.Envelope{
		{EnvelopeID: idA, Status: "sent", InitialSentDateTime: format(sentA),
			SentDateTime: format(sentA), LastModifiedDateTime: format(sentA)},
		{EnvelopeID: idB, Status: "delivered", InitialSentDateTime: format(sentB),
			SentDateTime: format(sentB), LastModifiedDateTime: format(now.Add(-2 * time.Hour))},
	}}
	for i := range 1000 {
		changed := sentA.Add(time.Duration(i+1) * 30 * time.Minute)
		lister.envelopes = append(lister.envelopes, docusign.Envelope{
			EnvelopeID: fmt.Sprintf("cccccccc-0000-4000-8000-%012d", i), Status: "completed",
			SentDateTime: format(changed.Add(-time.Hour)), LastModifiedDateTime: format(changed)})
	}
	for _, s := range []struct {
		id   string
		sent time.Time
	}{{idA, sentA}, {idB, sentB}} {
		_, _, err := st.PutEnvelope(ctx, store.EnvelopeState{EnvelopeID: s.id, Status: "sent",
			Source: store.SourceCreate, ObservedAt: s.sent})
		if err != nil {
			t.Fatalf("PutEnvelope(%s): %v", s.id, err)
		}
	}
	alerts := &recordingAlerts{}
	checker, err := NewStuckChecker(StuckOptions{Store: st, Envelopes: lister, Alerts: alerts,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("NewStuckChecker: %v", err)
	}

	report, err := checker.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !slices.Contains(report.Stuck, idB) {
		t.Errorf("stuck = %v (listed %d, truncated %v), want it to contain %s, sent 80 hours "+
			"ago and still delivered", report.Stuck, report.Listed, report.Truncated, idB)
	}
}
