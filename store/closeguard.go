package store

import (
	"errors"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// ErrClosed is returned by a write that reaches the store after Close, such as a write that
// finishes in the background after its caller went away.
var ErrClosed = errors.New("store is closed")

// closeGuard keeps Sync and Close apart. Badger's Sync dereferences the memtable that Close
// releases, so a Sync racing a Close panics instead of failing. A nil guard does not guard.
type closeGuard struct {
	mu     sync.RWMutex
	closed bool
	// syncs lets concurrent callers share one disk sync.
	syncs syncGroup
}

// sync flushes db to disk unless the store is closed or closing. Concurrent callers share
// syncs, so each sync covers the writes of every caller waiting for it.
func (g *closeGuard) sync(db *badger.DB) error {
	if g == nil {
		return db.Sync()
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return ErrClosed
	}
	return g.syncs.sync(db.Sync)
}

// close marks the store closed, waits for running syncs, and then runs closeDB.
func (g *closeGuard) close(closeDB func() error) error {
	if g == nil {
		return closeDB()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	return closeDB()
}
