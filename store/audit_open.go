package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// ErrReplayNeeded is returned by OpenReadOnly when the last process that wrote the store
// stopped without closing it. Badger must replay its write-ahead log, which only a writable
// open does, and that keeps every synced write.
var ErrReplayNeeded = errors.New("store was not closed cleanly, so its log must be replayed")

// OpenReadOnly opens the Badger database in dir for reading only, as the audit commands do.
// Badger takes a shared lock, so while a server has the store open this fails with a
// *LockedError that names the process id Badger recorded. After a crash it fails with
// ErrReplayNeeded.
func OpenReadOnly(dir string, opts Options) (*Store, error) {
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		return nil, fmt.Errorf("open store %s: no Badger database there: set the data "+
			"directory that serve uses: %w", dir, err)
	}
	bo := badger.DefaultOptions(dir).WithLogger(slogAdapter{opts.Logger}).WithReadOnly(true)
	if len(opts.EncryptionKey) > 0 {
		bo = bo.WithEncryptionKey(opts.EncryptionKey).WithIndexCacheSize(indexCacheSize)
	}
	db, err := badger.Open(bo)
	if errors.Is(err, badger.ErrTruncateNeeded) ||
		(err != nil && strings.Contains(err.Error(), badger.ErrTruncateNeeded.Error())) {
		return nil, fmt.Errorf("open store %s read-only: %w: open it once for writing, "+
			"as serve does", dir, ErrReplayNeeded)
	}
	if err != nil {
		return nil, openError(dir, err)
	}
	// NOTE: this mirrors the fields Open sets, minus retention, which never runs read-only.
	s := &Store{db: db, now: time.Now, failWrite: noFault, guard: &closeGuard{}}
	s.upkeepCtx, s.stopUpkeep = context.WithCancel(context.Background())
	return s, nil
}
