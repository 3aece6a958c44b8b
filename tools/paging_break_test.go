package tools

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestListPagesSkipNothing checks that paging list_envelopes returns every envelope once when
// an envelope changes status between two pages. The pages are offsets into a list sorted by
// the latest status change, so a change moves an envelope to the front and shifts the rest.
func TestListPagesSkipNothing(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	now := time.Now().UTC().Add(-time.Hour)
	h.sim.SetClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	})
	c := h.stdioClient(t)
	var ids []string
	for i := range 3 {
		var created struct {
			EnvelopeID string `json:"envelope_id"`
		}
		args := documentsEnvelope(t, "sent")
		args["email_subject"] = fmt.Sprintf("Agreement %d", i)
		mustSucceed(t, callTool(t, c, "create_envelope", args), &created)
		ids = append(ids, created.EnvelopeID)
	}
	type page struct {
		Envelopes []struct {
			EnvelopeID string `json:"envelope_id"`
		} `json:"envelopes"`
		NextCursor string `json:"next_cursor"`
	}
	seen := map[string]int{}
	var first page
	mustSucceed(t, callTool(t, c, "list_envelopes", map[string]any{"page_size": 1}), &first)
	for _, e := range first.Envelopes {
		seen[e.EnvelopeID]++
	}
	var voided map[string]any
	mustSucceed(t, callTool(t, c, "void_envelope", map[string]any{"envelope_id": ids[0],
		"reason": "Wrong client"}), &voided)
	cursor := first.NextCursor
	for i := 0; cursor != "" && i < 5; i++ {
		var next page
		mustSucceed(t, callTool(t, c, "list_envelopes", map[string]any{"cursor": cursor}),
			&next)
		for _, e := range next.Envelopes {
			seen[e.EnvelopeID]++
		}
		cursor = next.NextCursor
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("envelope %s listed %d times across the pages, want once", id, seen[id])
		}
	}
}
