package store

import (
	"context"
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
// race a Connect delivery. ApplyWebhookDelivery invalidates the cache only after the
// group's sync, so between its commit and that sync the cache takes fills as before the
// write. Reader A takes the generation and reads the older state before the commit.
// Reader B reads the newer state after it and fills it. A's fill then replaces B's, and
// every later read returns the envelope gone back from completed to sent until the sync ends.
// PutEnvelope and the purge close this window with beginWrite and endWrite.
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
