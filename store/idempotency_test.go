package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func pendingRecord(key, hash string) IdempotencyRecord {
	return IdempotencyRecord{Key: key, FieldValue: key, RequestHash: hash, Principal: "local"}
}

func TestReserveIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	first, reserved, err := s.ReserveIdempotencyKey(ctx, pendingRecord("k1", "h1"))
	if err != nil || !reserved {
		t.Fatalf("first reserve = %v, %v; want a new reservation", reserved, err)
	}
	if !first.Pending() || first.CreatedAt.IsZero() {
		t.Errorf("reserved record = %+v, want pending with CreatedAt set", first)
	}
	again, reserved, err := s.ReserveIdempotencyKey(ctx, pendingRecord("k1", "h2"))
	if err != nil || reserved {
		t.Fatalf("second reserve = %v, %v; want the existing record", reserved, err)
	}
	if again.RequestHash != "h1" {
		t.Errorf("existing record has hash %q, want h1 from the first reservation",
			again.RequestHash)
	}
}

func TestReserveIdempotencyKeyConcurrent(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	const callers = 8
	var wg sync.WaitGroup
	results := make(chan bool, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, reserved, err := s.ReserveIdempotencyKey(ctx, pendingRecord("same", "h"))
			if err != nil {
				t.Errorf("reserve failed: %v", err)
			}
			results <- reserved
		}()
	}
	wg.Wait()
	close(results)
	won := 0
	for reserved := range results {
		if reserved {
			won++
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent reservations succeeded, want exactly 1", won, callers)
	}
}

func TestCompleteAndExpireIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	if _, _, err := s.ReserveIdempotencyKey(ctx, pendingRecord("k", "h")); err != nil {
		t.Fatalf("reserve failed: %v", err)
	}
	rec, err := s.CompleteIdempotencyKey(ctx, "k", "env-1", []byte(`{"envelope_id":"env-1"}`),
		time.Hour)
	if err != nil {
		t.Fatalf("complete failed: %v", err)
	}
	if rec.Pending() || rec.EnvelopeID != "env-1" || !rec.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("completed record = %+v, want completed with env-1 expiring in an hour", rec)
	}
	now = now.Add(59 * time.Minute)
	if _, reserved, _ := s.ReserveIdempotencyKey(ctx, pendingRecord("k", "h")); reserved {
		t.Errorf("key reserved again before its expiry, want the completed record")
	}
	now = now.Add(2 * time.Minute)
	fresh, reserved, err := s.ReserveIdempotencyKey(ctx, pendingRecord("k", "h"))
	if err != nil || !reserved {
		t.Fatalf("reserve after expiry = %v, %v; want a new reservation", reserved, err)
	}
	if !fresh.Pending() {
		t.Errorf("record after expiry = %+v, want a new pending record", fresh)
	}
}

func TestPendingAndReleaseIdempotencyKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, testKey)
	base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for i, key := range []string{"b", "a", "c"} {
		rec := pendingRecord(key, "h-"+key)
		rec.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		if _, _, err := s.ReserveIdempotencyKey(ctx, rec); err != nil {
			t.Fatalf("reserve %s failed: %v", key, err)
		}
	}
	if _, err := s.CompleteIdempotencyKey(ctx, "a", "env-a", []byte("{}"), 0); err != nil {
		t.Fatalf("complete a failed: %v", err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, "c", "other-hash"); err != nil {
		t.Fatalf("release with another hash failed: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close failed: %v", err)
	}
	s = openTest(t, dir, testKey)
	defer s.Close()
	pending, err := s.PendingIdempotencyKeys(ctx)
	if err != nil {
		t.Fatalf("pending failed: %v", err)
	}
	var keys []string
	for _, rec := range pending {
		keys = append(keys, rec.Key)
	}
	if len(keys) != 2 || keys[0] != "b" || keys[1] != "c" {
		t.Errorf("pending keys after reopening = %v, want [b c] oldest first", keys)
	}
	if err := s.ReleaseIdempotencyKey(ctx, "c", "h-c"); err != nil {
		t.Fatalf("release failed: %v", err)
	}
	if _, err := s.GetIdempotencyKey(ctx, "c"); !errors.Is(err, ErrIdempotencyKeyNotFound) {
		t.Errorf("get after release = %v, want ErrIdempotencyKeyNotFound", err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, "a", "h-a"); err != nil {
		t.Fatalf("release of a completed key failed: %v", err)
	}
	if _, err := s.GetIdempotencyKey(ctx, "a"); err != nil {
		t.Errorf("completed key a is gone after release: %v, want it kept", err)
	}
}

func TestPruneIdempotencyKeys(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	for _, key := range []string{"short", "long", "forever", "pending"} {
		if _, _, err := s.ReserveIdempotencyKey(ctx, pendingRecord(key, "h")); err != nil {
			t.Fatalf("reserve %s failed: %v", key, err)
		}
	}
	ttls := map[string]time.Duration{"short": time.Minute, "long": time.Hour, "forever": 0}
	for key, ttl := range ttls {
		if _, err := s.CompleteIdempotencyKey(ctx, key, "env", []byte("{}"), ttl); err != nil {
			t.Fatalf("complete %s failed: %v", key, err)
		}
	}
	now = now.Add(10 * time.Minute)
	pruned, err := s.PruneIdempotencyKeys(ctx)
	if err != nil {
		t.Fatalf("prune failed: %v", err)
	}
	if pruned != 1 {
		t.Errorf("pruned %d records, want 1 (short)", pruned)
	}
	for _, key := range []string{"long", "forever", "pending"} {
		if _, err := s.GetIdempotencyKey(ctx, key); err != nil {
			t.Errorf("record %s is gone after pruning: %v", key, err)
		}
	}
}
