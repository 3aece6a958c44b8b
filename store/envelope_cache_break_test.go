package store

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// readStoredState reads the state of envelopeID from Badger, past the state cache, as
// GetEnvelope does on a miss.
func readStoredState(t *testing.T, s *Store, envelopeID string) (EnvelopeState, uint64) {
	t.Helper()
	var state EnvelopeState
	var version uint64
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		state, version, _, err = readEnvelopeVersion(txn, envelopeID)
		return err
	})
	if err != nil {
		t.Fatalf("reading %s from Badger failed: %v", envelopeID, err)
	}

	return state, version
}

// TestEnvelopeCacheWebhookNeverGoesBack replays, step by step, two GetEnvelope calls that
// race a Connect delivery held at its group's sync. Reader A takes the generation and reads
// the older state before the commit. Reader B reads the newer state after it and returns
// it. A's fill then must not replace what B saw, or every later read would return the
// envelope gone back from completed to sent until the sync ends. The write's beginWrite
// and endWrite and the entries' versions each stop that fill.
func TestEnvelopeCacheWebhookNeverGoesBack(t *testing.T) {
	s := openTestCounters(t)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	ctx := context.Background()
	sent := webhookStateFixture()
	sent.Status, sent.ObservedAt = "sent", sent.ObservedAt.Add(-time.Hour)
	if _, _, err := s.PutEnvelope(ctx, *sent); err != nil {
		t.Fatalf("PutEnvelope failed: %v", err)
	}

	// Reader A: the first half of a GetEnvelope that misses, before the delivery commits.
	if _, hit := s.listeners.states.get("env-1"); hit {
		t.Fatalf("the cache holds env-1 after PutEnvelope, want a miss")
	}

	generationA := s.listeners.states.currentGeneration()
	stateA, versionA := readStoredState(t, s, "env-1")
	if stateA.Status != "sent" {
		t.Fatalf("reader A read %q, want sent", stateA.Status)
	}

	// Hold the group's sync, which waits for the close guard, so the delivery stays
	// between its commit and its invalidation.
	s.guard.mu.Lock()
	unlock := sync.OnceFunc(s.guard.mu.Unlock)
	defer unlock()
	done := make(chan error, 1)
	go func() {
		d, rec := webhookAuditFixture("a", 0)
		_, err := s.ApplyWebhookDelivery(ctx, d, webhookStateFixture(), log, rec)
		done <- err
	}()

	waitUntil(t, "the delivery's commit", func() bool {
		state, _ := readStoredState(t, s, "env-1")
		return state.Status == "completed"
	})

	// Reader B reads the committed state and fills the cache with it.
	if got, err := s.GetEnvelope(ctx, "env-1"); err != nil || got.Status != "completed" {
		t.Errorf("reader B read %q, %v; want completed", got.Status, err)
	}

	// Reader A ends its GetEnvelope: it fills the state it read before the commit.
	s.listeners.states.fill("env-1", stateA, versionA, generationA)
	got, err := s.GetEnvelope(ctx, "env-1")
	unlock()
	if err := <-done; err != nil {
		t.Fatalf("ApplyWebhookDelivery failed: %v", err)
	}
	if err != nil {
		t.Fatalf("GetEnvelope after both readers failed: %v", err)
	}

	if got.Status != "completed" {
		t.Errorf("GetEnvelope after reader B saw completed returned %s: the envelope went "+
			"back, because a fill of the older state succeeded after the commit", got.Status)
	}
}

// TestEnvelopeCacheEvictedFloorGoesBack replays the same race with reader B's fill dropped,
// because B took its generation before an unrelated write. The dropped fill leaves a version
// floor. Here reader C caches a large state, which evicts every other entry, floor
// included. Reader A's fill of the older state must still not land, or reads would go back
// from the completed that reader B returned to sent: evictions advance the generation.
func TestEnvelopeCacheEvictedFloorGoesBack(t *testing.T) {
	s := openTestCounters(t)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	ctx := context.Background()
	sent := webhookStateFixture()
	sent.Status, sent.ObservedAt = "sent", sent.ObservedAt.Add(-time.Hour)
	if _, _, err := s.PutEnvelope(ctx, *sent); err != nil {
		t.Fatalf("PutEnvelope(env-1) failed: %v", err)
	}

	// A state that fits the cache's byte bound only alone: its size, as cachedSize counts
	// it, is within 128 bytes (a floor's size) of maxCachedEnvelopeBytes.
	big := EnvelopeState{EnvelopeID: "env-big", Status: "sent", Source: SourceDocusign}
	fixed := cachedSize(cachedState{state: big}) + len(`{"v":""}`)
	big.Snapshot = []byte(`{"v":"` + strings.Repeat("x", maxCachedEnvelopeBytes-fixed-64) +
		`"}`)
	if _, _, err := s.PutEnvelope(ctx, big); err != nil {
		t.Fatalf("PutEnvelope(env-big) failed: %v", err)
	}

	generationB := s.listeners.states.currentGeneration()
	unrelated := EnvelopeState{EnvelopeID: "env-2", Status: "sent", Source: SourceDocusign}
	if _, _, err := s.PutEnvelope(ctx, unrelated); err != nil {
		t.Fatalf("PutEnvelope(env-2) failed: %v", err)
	}

	generationA := s.listeners.states.currentGeneration()
	stateA, versionA := readStoredState(t, s, "env-1")
	if stateA.Status != "sent" {
		t.Fatalf("reader A read %q, want sent", stateA.Status)
	}

	s.guard.mu.Lock()
	unlock := sync.OnceFunc(s.guard.mu.Unlock)
	defer unlock()
	done := make(chan error, 1)
	go func() {
		d, rec := webhookAuditFixture("a", 0)
		_, err := s.ApplyWebhookDelivery(ctx, d, webhookStateFixture(), log, rec)
		done <- err
	}()

	waitUntil(t, "the delivery's commit", func() bool {
		state, _ := readStoredState(t, s, "env-1")
		return state.Status == "completed"
	})

	// Reader B reads completed and returns it, but its fill is dropped and leaves a floor.
	stateB, versionB := readStoredState(t, s, "env-1")
	if stateB.Status != "completed" {
		t.Fatalf("reader B read %q, want completed", stateB.Status)
	}

	s.listeners.states.fill("env-1", stateB, versionB, generationB)

	// Reader C caches the large state, which evicts the floor.
	if _, err := s.GetEnvelope(ctx, "env-big"); err != nil {
		t.Fatalf("GetEnvelope of reader C failed: %v", err)
	}

	// Reader A ends its GetEnvelope with the state it read before the commit.
	s.listeners.states.fill("env-1", stateA, versionA, generationA)
	got, err := s.GetEnvelope(ctx, "env-1")
	unlock()
	if err := <-done; err != nil {
		t.Fatalf("ApplyWebhookDelivery failed: %v", err)
	}
	if err != nil {
		t.Fatalf("GetEnvelope after the readers failed: %v", err)
	}

	if got.Status != "completed" {
		t.Errorf("GetEnvelope after reader B returned completed returned %s: the envelope "+
			"went back, because eviction removed the version floor", got.Status)
	}
}
