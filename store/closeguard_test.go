package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// TestCloseDuringSyncedWrites closes the store while writers keep writing, as a background
// write that outlives its caller does. Each write must fail cleanly, never panic.
func TestCloseDuringSyncedWrites(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				_, err := s.RecordEvent(context.Background(), EventResend,
					fmt.Sprintf("writer-%d-%d", w, i), time.Now(), 1)
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrClosed) && !errors.Is(err, badger.ErrDBClosed) &&
			!errors.Is(err, badger.ErrBlockedWrites) {
			t.Errorf("write after Close failed with %v, want a closed-store error", err)
		}
	}
}
