package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// putState stores a state of envelope e1 and fails t on an error.
func putState(t *testing.T, s *Store, status string, at time.Time, snapshot string) {
	t.Helper()
	_, _, err := s.PutEnvelope(context.Background(), EnvelopeState{EnvelopeID: "e1",
		Status: status, Source: SourceDocusign, ObservedAt: at,
		Snapshot: json.RawMessage(snapshot)})
	if err != nil {
		t.Fatalf("PutEnvelope(%s) failed: %v", status, err)
	}
}

// getStatus reads envelope e1 twice, so that the second read comes from the cache, and
// returns the second read's status and snapshot.
func getStatus(t *testing.T, s *Store) (string, string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.GetEnvelope(ctx, "e1"); err != nil {
		t.Fatalf("first GetEnvelope failed: %v", err)
	}

	state, err := s.GetEnvelope(ctx, "e1")
	if err != nil {
		t.Fatalf("second GetEnvelope failed: %v", err)
	}

	return state.Status, string(state.Snapshot)
}

func TestEnvelopeCacheSeesEveryPut(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		name         string
		status       string
		at           time.Time
		snapshot     string
		wantStatus   string
		wantSnapshot string
	}{
		{name: "first state", status: "sent", at: at, snapshot: `{"v":1}`,
			wantStatus: "sent", wantSnapshot: `{"v":1}`},
		{name: "newer view of same status", status: "sent", at: at.Add(time.Minute),
			snapshot: `{"v":2}`, wantStatus: "sent", wantSnapshot: `{"v":2}`},
		{name: "next status", status: "delivered", at: at.Add(2 * time.Minute),
			snapshot: `{"v":3}`, wantStatus: "delivered", wantSnapshot: `{"v":3}`},
		{name: "ignored older status", status: "sent", at: at.Add(3 * time.Minute),
			snapshot: `{"v":4}`, wantStatus: "delivered", wantSnapshot: `{"v":3}`},
		{name: "final status", status: "completed", at: at.Add(4 * time.Minute),
			snapshot: `{"v":5}`, wantStatus: "completed", wantSnapshot: `{"v":5}`},
	}

	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			putState(t, s, step.status, step.at, step.snapshot)
			status, snapshot := getStatus(t, s)
			if status != step.wantStatus {
				t.Errorf("status after the put = %s, want %s: the cache kept an old state",
					status, step.wantStatus)
			}
			if snapshot != step.wantSnapshot {
				t.Errorf("snapshot after the put = %s, want %s: the cache kept an old state",
					snapshot, step.wantSnapshot)
			}
		})
	}
}

func TestEnvelopeCacheSeesPurge(t *testing.T) {
	s, now := archiveFixture(t, RetentionPolicy{Default: time.Hour})
	ctx := context.Background()
	_, _, err := s.PutEnvelope(ctx, EnvelopeState{EnvelopeID: "env", Status: "completed",
		Source: SourceWebhook})
	if err != nil {
		t.Fatalf("PutEnvelope failed: %v", err)
	}

	if _, err := s.GetEnvelope(ctx, "env"); err != nil {
		t.Fatalf("GetEnvelope before the purge failed: %v", err)
	}

	_, err = s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: "env",
		Documents: []string{"archive"}})
	if err != nil {
		t.Fatalf("MarkArchived failed: %v", err)
	}

	*now = now.Add(2 * time.Hour)
	report, err := s.RunUpkeep(ctx)
	if err != nil {
		t.Fatalf("RunUpkeep failed: %v", err)
	}

	if report.Purged != 1 {
		t.Fatalf("RunUpkeep purged %d envelopes, want 1", report.Purged)
	}

	if _, err := s.GetEnvelope(ctx, "env"); !errors.Is(err, ErrEnvelopeNotFound) {
		t.Errorf("GetEnvelope after the purge: error = %v, want ErrEnvelopeNotFound: the "+
			"cache kept the purged state", err)
	}
}

func TestEnvelopeCacheListenerReadsNewState(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	putState(t, s, "sent", at, `{"v":1}`)
	getStatus(t, s)
	var readBack []string
	remove := s.OnEnvelopeChange(func(changed EnvelopeState) {
		state, err := s.GetEnvelope(ctx, changed.EnvelopeID)
		if err != nil {
			t.Errorf("GetEnvelope in the listener failed: %v", err)
			return
		}
		readBack = append(readBack, state.Status)
	})

	defer remove()
	putState(t, s, "delivered", at.Add(time.Minute), `{"v":2}`)
	putState(t, s, "completed", at.Add(2*time.Minute), `{"v":3}`)
	if got, want := strings.Join(readBack, ","), "delivered,completed"; got != want {
		t.Errorf("listener read back %s, want %s: a listener saw the state before the change",
			got, want)
	}
}

func TestEnvelopeCacheClosedStoreFails(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	putState(t, s, "sent", time.Time{}, `{"v":1}`)
	getStatus(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}

	if _, err := s.GetEnvelope(context.Background(), "e1"); err == nil {
		t.Errorf("GetEnvelope after Close succeeded, want an error as before the cache")
	}
}

func TestEnvelopeCacheDropsRacingFill(t *testing.T) {
	var c envelopeStateCache
	generation := c.currentGeneration()

	// A write runs between the reader's generation and its fill.
	c.beginWrite("e1")
	c.endWrite("e1")
	c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "sent"}, 1, generation)
	if state, ok := c.get("e1"); ok {
		t.Errorf("cache holds %s after a fill that raced a write, want a miss", state.Status)
	}

	c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "delivered"}, 2,
		c.currentGeneration())
	if state, ok := c.get("e1"); !ok || state.Status != "delivered" {
		t.Errorf("cache holds %q (found %v) after a fill, want delivered", state.Status, ok)
	}
}

// TestEnvelopeCacheNoFillDuringWrite replays two readers that race a write: one read the
// state before the commit, the other after it. Neither may fill the cache while the write
// runs, or the older state could replace the newer one.
func TestEnvelopeCacheNoFillDuringWrite(t *testing.T) {
	var c envelopeStateCache
	c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "sent"}, 1, c.currentGeneration())
	before := c.currentGeneration()
	c.beginWrite("e1")
	if state, ok := c.get("e1"); ok {
		t.Errorf("cache holds %s during a write, want a miss", state.Status)
	}

	during := c.currentGeneration()
	c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "delivered"}, 2, during)
	c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "sent"}, 1, during)
	if state, ok := c.get("e1"); ok {
		t.Errorf("cache holds %s after fills during a write, want a miss", state.Status)
	}

	c.endWrite("e1")
	for _, generation := range []uint64{before, during} {
		c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "sent"}, 1, generation)
		if state, ok := c.get("e1"); ok {
			t.Errorf("cache holds %s from a read that started before the write ended, "+
				"want a miss", state.Status)
		}
	}

	c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "delivered"}, 2,
		c.currentGeneration())
	if state, ok := c.get("e1"); !ok || state.Status != "delivered" {
		t.Errorf("cache holds %q (found %v) after the write, want delivered", state.Status,
			ok)
	}

	if len(c.writing) != 0 {
		t.Errorf("cache still counts writes %v after endWrite", c.writing)
	}
}

// TestEnvelopeCacheFloorAfterDroppedFill replays a reader whose fill of the newer state is
// dropped, because another envelope's write changed the generation, and a reader of the
// older state that took its generation after that change. The older fill must not land.
func TestEnvelopeCacheFloorAfterDroppedFill(t *testing.T) {
	var c envelopeStateCache
	generationNew := c.currentGeneration()
	c.beginWrite("other envelope")
	c.endWrite("other envelope")
	generationOld := c.currentGeneration()
	c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "completed"}, 2, generationNew)
	c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "sent"}, 1, generationOld)
	if state, ok := c.get("e1"); ok {
		t.Errorf("cache holds %s after a reader saw version 2, want a miss", state.Status)
	}

	c.fill("e1", EnvelopeState{EnvelopeID: "e1", Status: "completed"}, 2,
		c.currentGeneration())
	if state, ok := c.get("e1"); !ok || state.Status != "completed" {
		t.Errorf("cache holds %q (found %v) after a fill at the floor's version, want "+
			"completed", state.Status, ok)
	}
}

func TestEnvelopeCacheBounds(t *testing.T) {
	tests := []struct {
		name     string
		states   int
		snapshot int
	}{
		{name: "many small states", states: 2 * maxCachedEnvelopes, snapshot: 10},
		{name: "large states", states: 100, snapshot: maxCachedEnvelopeBytes / 10},
		{name: "state over the byte bound", states: 1, snapshot: maxCachedEnvelopeBytes + 1},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c envelopeStateCache
			snapshot := json.RawMessage(strings.Repeat("x", tt.snapshot))
			for i := range tt.states {
				id := fmt.Sprintf("e%d", i)
				c.fill(id, EnvelopeState{EnvelopeID: id, Snapshot: snapshot}, 1,
					c.currentGeneration())
			}

			if len(c.states) > maxCachedEnvelopes {
				t.Errorf("cache holds %d states, over the bound of %d", len(c.states),
					maxCachedEnvelopes)
			}
			if c.bytes > maxCachedEnvelopeBytes {
				t.Errorf("cache counts %d bytes, over the bound of %d", c.bytes,
					maxCachedEnvelopeBytes)
			}

			total := 0
			for _, entry := range c.states {
				total += cachedSize(entry)
			}
			if total != c.bytes {
				t.Errorf("cache counts %d bytes, but its states add up to %d", c.bytes, total)
			}
		})
	}
}

// TestEnvelopeCacheConcurrentReadsNeverGoBack runs readers against a writer that moves an
// envelope along its lifecycle. A reader must never see a status earlier than one it saw
// before, and every read after the writer ends must see the final status.
func TestEnvelopeCacheConcurrentReadsNeverGoBack(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	ctx := context.Background()
	statuses := []string{"created", "sent", "delivered", "signed", "completed"}
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	putState(t, s, statuses[0], at, `{"v":0}`)

	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			last := 0
			for {
				select {
				case <-done:
					return
				default:
				}

				state, err := s.GetEnvelope(ctx, "e1")
				if err != nil {
					t.Errorf("GetEnvelope failed: %v", err)
					return
				}
				rank := statusRanks[state.Status]
				if rank < last {
					t.Errorf("a reader saw %s after a later status, want no step back",
						state.Status)
					return
				}
				last = rank
			}
		})
	}

	for i, status := range statuses[1:] {
		putState(t, s, status, at.Add(time.Duration(i+1)*time.Minute),
			fmt.Sprintf(`{"v":%d}`, i+1))
	}

	close(done)
	readers.Wait()

	if status, _ := getStatus(t, s); status != "completed" {
		t.Errorf("status after the writer ended = %s, want completed", status)
	}
}

func TestEnvelopeCacheAppendCopies(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	putState(t, s, "sent", time.Time{}, `{"v":1}`)
	ctx := context.Background()
	first, err := s.GetEnvelope(ctx, "e1")
	if err != nil {
		t.Fatalf("GetEnvelope failed: %v", err)
	}

	hit, err := s.GetEnvelope(ctx, "e1")
	if err != nil {
		t.Fatalf("second GetEnvelope failed: %v", err)
	}

	extended := append(hit.Snapshot, "tail"...)
	again, err := s.GetEnvelope(ctx, "e1")
	if err != nil {
		t.Fatalf("third GetEnvelope failed: %v", err)
	}

	if string(again.Snapshot) != `{"v":1}` || string(first.Snapshot) != `{"v":1}` {
		t.Errorf("snapshots after a caller's append = %s and %s, want {\"v\":1}",
			first.Snapshot, again.Snapshot)
	}

	if cap(hit.Snapshot) != len(hit.Snapshot) {
		t.Errorf("cached snapshot has capacity %d beyond its %d bytes, so an append "+
			"(here %s) writes into shared memory", cap(hit.Snapshot), len(hit.Snapshot),
			extended)
	}
}

// TestEnvelopeCacheSeesWebhookDelivery checks the writer path of Connect deliveries, which
// commits the state in the audit log's transaction rather than through PutEnvelope.
func TestEnvelopeCacheSeesWebhookDelivery(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	ctx := context.Background()
	next := webhookStateFixture()
	_, _, err = s.PutEnvelope(ctx, EnvelopeState{EnvelopeID: next.EnvelopeID, Status: "sent",
		Source: SourceDocusign, ObservedAt: next.ObservedAt.Add(-time.Hour),
		Snapshot: json.RawMessage(`{"status":"sent"}`)})
	if err != nil {
		t.Fatalf("PutEnvelope failed: %v", err)
	}

	for range 2 {
		if _, err := s.GetEnvelope(ctx, next.EnvelopeID); err != nil {
			t.Fatalf("GetEnvelope before the delivery failed: %v", err)
		}
	}

	d, rec := webhookAuditFixture("a", 0)
	out, err := s.ApplyWebhookDelivery(ctx, d, next, log, rec)
	if err != nil || !out.StateChanged {
		t.Fatalf("ApplyWebhookDelivery changed the state %v, error %v; want a change",
			out.StateChanged, err)
	}

	state, err := s.GetEnvelope(ctx, next.EnvelopeID)
	if err != nil {
		t.Fatalf("GetEnvelope after the delivery failed: %v", err)
	}

	if state.Status != "completed" || string(state.Snapshot) != string(next.Snapshot) {
		t.Errorf("state after the delivery = %s %s, want completed %s: the cache kept the "+
			"state from before the delivery", state.Status, state.Snapshot, next.Snapshot)
	}
}
