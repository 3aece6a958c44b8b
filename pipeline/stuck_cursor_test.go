package pipeline

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// TestStuckCheckPagesAcrossRuns checks that a run after a truncated list starts at the last
// envelope that list returned and still reports the stored open envelopes it does not
// list. A complete list then sends the next run back to the oldest open envelope.
func TestStuckCheckPagesAcrossRuns(t *testing.T) {
	clock := newFakeClock()
	ctx := context.Background()
	st := openStore(t, t.TempDir())
	format := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
	openID := "aaaaaaaa-0000-4000-8000-000000000001"
	sent := clock.Now().Add(-10 * 24 * time.Hour)
	lister := &pagedLister{envelopes: []docusign.Envelope{{EnvelopeID: openID,
		Status: "sent", SentDateTime: format(sent), LastModifiedDateTime: format(sent)}}}
	var lastChange time.Time
	for i := range stuckListCount + 10 {
		lastChange = sent.Add(time.Duration(i+1) * time.Minute)
		lister.envelopes = append(lister.envelopes, docusign.Envelope{
			EnvelopeID: fmt.Sprintf("cccccccc-0000-4000-8000-%012d", i), Status: "completed",
			SentDateTime: format(sent), LastModifiedDateTime: format(lastChange)})
	}
	_, _, err := st.PutEnvelope(ctx, store.EnvelopeState{EnvelopeID: openID, Status: "sent",
		Source: store.SourceCreate, ObservedAt: sent})
	if err != nil {
		t.Fatalf("PutEnvelope(%s): %v", openID, err)
	}
	checker, err := NewStuckChecker(StuckOptions{Store: st, Envelopes: lister,
		Now: clock.Now})
	if err != nil {
		t.Fatalf("NewStuckChecker: %v", err)
	}

	first, err := checker.Run(ctx)
	if err != nil {
		t.Fatalf("first Run: %v", err)
	}
	if !first.Truncated {
		t.Fatalf("first run was not truncated with %d envelopes listed", first.Listed)
	}
	pageEnd, _ := docusign.ParseTime(lister.envelopes[stuckListCount-1].LastModifiedDateTime)

	clock.Advance(MinStuckCheckInterval)
	second, err := checker.Run(ctx)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if !second.FromDate.Equal(pageEnd) {
		t.Errorf("second run from_date = %v, want %v, the last change the first run listed",
			second.FromDate, pageEnd)
	}
	if second.Truncated {
		t.Errorf("second run was truncated, want the rest of the changes in one page")
	}
	if !slices.Contains(second.Stuck, openID) {
		t.Errorf("second run stuck = %v, want %s from its stored state, because the list "+
			"started after its last change", second.Stuck, openID)
	}

	clock.Advance(MinStuckCheckInterval)
	third, err := checker.Run(ctx)
	if err != nil {
		t.Fatalf("third Run: %v", err)
	}
	if want := sent.Add(-fromDateSlack); !third.FromDate.Equal(want) {
		t.Errorf("third run from_date = %v, want %v: a complete list resets the cursor",
			third.FromDate, want)
	}
}
