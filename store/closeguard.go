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

	// queuesMu guards queues, the writers that hold queued writes in memory, such as the
	// audit log's committer.
	queuesMu sync.Mutex
	queues   []writeQueue
}

// writeQueue is a writer that queues writes in memory before it commits them to Badger.
type writeQueue interface {
	// settle returns once every write queued before the call is committed or failed.
	settle()
	// drain rejects new writes with ErrClosed, commits the queued ones and syncs them.
	drain()
}

// addQueue registers q, so that reads through settleQueues see its queued writes and Close
// drains it before closing the database.
func (g *closeGuard) addQueue(q writeQueue) {
	if g == nil {
		return
	}
	g.queuesMu.Lock()
	defer g.queuesMu.Unlock()
	g.queues = append(g.queues, q)
}

// settleQueues returns once every write queued before the call is committed, so that a read
// after it finds them.
func (g *closeGuard) settleQueues() {
	for _, q := range g.registeredQueues() {
		q.settle()
	}
}

func (g *closeGuard) registeredQueues() []writeQueue {
	if g == nil {
		return nil
	}
	g.queuesMu.Lock()
	defer g.queuesMu.Unlock()
	return append([]writeQueue(nil), g.queues...)
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

// close drains the registered queues, marks the store closed, waits for running syncs, and
// then runs closeDB.
func (g *closeGuard) close(closeDB func() error) error {
	if g == nil {
		return closeDB()
	}
	// Draining syncs through g, so it runs before g.mu is taken.
	for _, q := range g.registeredQueues() {
		q.drain()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	return closeDB()
}
