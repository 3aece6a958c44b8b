package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// OpenReadOnly opens the Badger database in dir for reading only, as the audit commands do.
// Badger takes a shared lock, so while a server has the store open this fails with a
// *LockedError that names the process id Badger recorded.
//
// NOTE: Badger refuses a read-only open when the last writer crashed and left a value log to
// replay. Opening the store once for writing (serve) replays it.
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
	if err != nil {
		return nil, openError(dir, err)
	}
	// NOTE: this mirrors the fields Open sets, minus retention, which never runs read-only.
	s := &Store{db: db, now: time.Now, failWrite: noFault}
	s.upkeepCtx, s.stopUpkeep = context.WithCancel(context.Background())
	return s, nil
}
