package store

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSyncGroupCoversEachCaller has 64 callers write and then sync at once. Each sync
// covers the writes made before it started, and each caller must return only after a sync
// that covers its write, while the callers share fewer syncs than there are callers.
func TestSyncGroupCoversEachCaller(t *testing.T) {
	var g syncGroup
	var writes, covered, syncs atomic.Int64
	do := func() error {
		upTo := writes.Load()
		syncs.Add(1)
		time.Sleep(2 * time.Millisecond)
		covered.Store(max(covered.Load(), upTo))
		return nil
	}
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			mine := writes.Add(1)
			if err := g.sync(do); err != nil {
				t.Errorf("sync failed: %v", err)
			}
			if got := covered.Load(); got < mine {
				t.Errorf("sync returned after covering writes up to %d, want at least %d",
					got, mine)
			}
		})
	}
	wg.Wait()
	if n := syncs.Load(); n >= 64 {
		t.Errorf("64 concurrent callers ran %d syncs, want them to share", n)
	}
}

// TestSyncGroupReturnsError checks that a failed sync reaches its callers and that a later
// sync succeeds again.
func TestSyncGroupReturnsError(t *testing.T) {
	var g syncGroup
	failure := errors.New("disk failed")
	if err := g.sync(func() error { return failure }); !errors.Is(err, failure) {
		t.Errorf("sync = %v, want the sync's error %v", err, failure)
	}
	if err := g.sync(func() error { return nil }); err != nil {
		t.Errorf("sync after a failure = %v, want nil from the new sync", err)
	}
}
