package store

import (
	"context"
	"testing"
	"time"
)

func TestOnEnvelopeChangeSeesOnlyAppliedStates(t *testing.T) {
	s := openTestCounters(t)
	ctx := context.Background()
	var seen []string
	remove := s.OnEnvelopeChange(func(st EnvelopeState) { seen = append(seen, st.Status) })
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	puts := []EnvelopeState{
		{EnvelopeID: "e1", Status: "sent", ObservedAt: at},
		{EnvelopeID: "e1", Status: "completed", ObservedAt: at.Add(time.Minute)},
		// Older and lower: ignored, so no listener call.
		{EnvelopeID: "e1", Status: "delivered", ObservedAt: at.Add(2 * time.Minute)},
	}
	for _, p := range puts {
		if _, _, err := s.PutEnvelope(ctx, p); err != nil {
			t.Fatalf("PutEnvelope(%s): %v", p.Status, err)
		}
	}
	remove()
	if _, _, err := s.PutEnvelope(ctx, EnvelopeState{EnvelopeID: "e2", Status: "sent"}); err != nil {
		t.Fatalf("PutEnvelope(e2): %v", err)
	}
	if got, want := len(seen), 2; got != want {
		t.Fatalf("listener saw %v, want [sent completed]: an ignored observation or a write "+
			"after removal reached it", seen)
	}
	if seen[0] != "sent" || seen[1] != "completed" {
		t.Errorf("listener saw %v, want [sent completed]", seen)
	}
}
