package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
)

// maxAuditGroup bounds the queued items that one Badger transaction commits. Records of a
// few hundred bytes each keep a full group far below Badger's transaction size limit, and a
// group that still exceeds it is split.
const maxAuditGroup = 512

// maxAuditQueue is the queue length above which AppendBatched waits for its record's commit,
// so that callers faster than the committer cannot grow the queue without bound.
const maxAuditQueue = 8192

// auditItem is one unit of work for the audit log's committer: a record to append, with
// optional writes of the caller in the same transaction, or a barrier without a record.
type auditItem struct {
	rec AuditRecord
	// with, when set, runs first in the group's transaction, so its writes commit
	// together with the record. When it returns skip, neither its writes nor the record
	// are kept. It may run more than once, each time in a new transaction, so it must
	// depend only on what it reads there.
	with func(*badger.Txn) (skip bool, err error)
	// barrier marks an item without a record, which lets a caller wait for every item
	// queued before it.
	barrier bool
	// done is closed once the item's group has committed or failed, and synced when
	// durable is set. It is nil for a batched record, whose caller does not wait.
	done chan struct{}
	// durable makes the item wait for a sync after its commit before done is closed.
	durable bool

	// The results, set before done is closed. appended is false for a barrier, for a
	// skipped item and for a failed one. prune reports that a prune is due. err is the
	// commit's error, syncErr the sync's error, and synced the newest record that the sync
	// covered, for the head file.
	stored   AuditRecord
	appended bool
	prune    bool
	err      error
	syncErr  error
	synced   auditMark
}

// auditQueue holds the items that wait for the committer, in chain order.
type auditQueue struct {
	mu    sync.Mutex
	items []*auditItem
	// running is set while a committer goroutine drains items. It stops when the queue is
	// empty, so an idle log holds no goroutine.
	running bool
	closed  bool
	// idle is broadcast when running turns false.
	idle *sync.Cond
}

// enqueue adds item to the queue and starts the committer unless it is running. It sets the
// record's time, when zero, under the queue's lock, so times follow the chain order. It
// makes a batched record wait for its commit while the queue is long.
func (l *AuditLog) enqueue(item *auditItem) error {
	q := &l.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	if !item.barrier && item.rec.Time.IsZero() {
		item.rec.Time = l.opts.Now()
	}
	if item.done == nil && len(q.items) >= maxAuditQueue {
		item.done = make(chan struct{})
	}
	q.items = append(q.items, item)
	if !q.running {
		q.running = true
		go l.commitLoop()
	}
	return nil
}

// appendWait queues item and waits for its group's commit, and for the sync after it when
// item.durable is set. It returns the commit's error.
func (l *AuditLog) appendWait(item *auditItem) error {
	item.done = make(chan struct{})
	if err := l.enqueue(item); err != nil {
		return err
	}
	<-item.done
	return item.err
}

// commitLoop commits the queued items group by group until the queue is empty. Each group
// that a durable item waits for gets one sync, in a goroutine of its own, and the items
// that queue meanwhile form the next group.
func (l *AuditLog) commitLoop() {
	q := &l.queue
	for {
		q.mu.Lock()
		group := q.items
		q.items = nil
		if len(group) == 0 {
			q.running = false
			q.idle.Broadcast()
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		for rest := group; len(rest) > 0; {
			n := l.commitPrefix(rest[:min(len(rest), maxAuditGroup)])
			rest = rest[n:]
		}
		durable := durableItems(group)
		if len(durable) == 0 {
			l.finishItems(group, false)
			continue
		}
		// The group's sync runs beside the commit of the next group.
		l.syncing.Add(1)
		go func() {
			defer l.syncing.Done()
			l.finishItems(group, l.syncItems(durable))
		}()
	}
}

// durableItems returns the committed items of group that wait for a sync.
func durableItems(group []*auditItem) []*auditItem {
	var durable []*auditItem
	for _, item := range group {
		if item.durable && item.err == nil {
			durable = append(durable, item)
		}
	}
	return durable
}

// syncItems syncs the database for the durable items of one group and reports whether the
// sync succeeded. Concurrent calls share syncs (closeGuard.sync), and Badger holds commits
// back only while it syncs the memtable's log, so the committer keeps committing. The
// waiters write the head file after it.
func (l *AuditLog) syncItems(durable []*auditItem) bool {
	// The sync covers every record committed before it starts.
	newest := l.committedHead()
	err := l.guard.sync(l.db)
	if err != nil {
		err = fmt.Errorf("sync: %w", err)
	}
	for _, item := range durable {
		item.syncErr, item.synced = err, newest
	}
	return err == nil
}

// finishDurable returns the sync's error of a committed durable item, or else brings the
// head file up to the newest record that the sync covered. The first waiter of a group
// writes the file, and the others find it current.
func (l *AuditLog) finishDurable(item *auditItem) error {
	if item.syncErr != nil {
		return item.syncErr
	}
	if l.opts.HeadFile != "" && item.synced.Seq > l.openSeq {
		return l.writeHeadFile(item.synced)
	}
	return nil
}

// commitPrefix commits a leading part of items in one transaction and returns its length.
// An item that cannot be written ends the part before it, and fails alone when it comes
// first. A part that keeps conflicting shrinks to its first item. Any other failed commit
// fails every item of the part.
func (l *AuditLog) commitPrefix(items []*auditItem) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit, conflicts := len(items), 0
	for {
		stop, err := l.tryCommit(items[:limit])
		switch {
		case err == nil:
			return limit
		case stop == 0:
			items[0].fail(err)
			return 1
		case stop > 0:
			// Commit the items before the one that failed, then retry that one alone.
			limit = stop
		case errors.Is(err, badger.ErrConflict) && conflicts < maxConflictRetries-1:
			// Only the reads of the items' with functions can conflict, because l.mu
			// orders the audit writes.
			conflicts++
		case errors.Is(err, badger.ErrConflict) && limit > 1:
			// Keep one item's conflicting reads from failing the others: commit the
			// first item alone, so that only an item that keeps conflicting fails.
			limit, conflicts = 1, 0
		default:
			for _, item := range items[:limit] {
				item.fail(err)
			}
			return limit
		}
	}
}

// tryCommit writes items in one transaction and commits it. When an item cannot be written,
// it commits nothing and returns the item's index with the error. When the commit fails, it
// returns -1 with the error.
func (l *AuditLog) tryCommit(items []*auditItem) (stop int, err error) {
	if l.db.IsClosed() {
		return -1, ErrClosed
	}
	txn := l.db.NewTransaction(true)
	defer txn.Discard()

	head := l.head
	for i, item := range items {
		if err := item.write(txn, &head); err != nil {
			return i, err
		}
	}
	if head != l.head {
		raw, err := json.Marshal(head)
		if err != nil {
			return -1, fmt.Errorf("encode head: %w", err)
		}
		if err := txn.Set([]byte(auditHeadKey), raw); err != nil {
			// The head did not fit after the last record: leave that record out.
			return len(items) - 1, err
		}
	}

	if err := l.fault("commit audit group"); err != nil {
		return -1, err
	}
	if err := txn.Commit(); err != nil {
		return -1, err
	}
	l.head = head
	l.committed.Store(&head)
	for _, item := range items {
		if item.appended {
			l.appends++
			item.prune = l.appends%l.opts.PruneEvery == 0
		}
	}
	return -1, nil
}

// write runs the item's with function and writes its record as the record after head, which
// it then moves to the record.
func (item *auditItem) write(txn *badger.Txn, head *auditMark) error {
	item.stored, item.appended, item.prune, item.err = AuditRecord{}, false, false, nil
	if item.barrier {
		return nil
	}
	if item.with != nil {
		skip, err := item.with(txn)
		if err != nil || skip {
			return err
		}
	}
	rec := item.rec
	rec.Time = rec.Time.UTC()
	rec.Seq = head.Seq + 1
	rec.Prev = head.Hash
	rec.Hash = ""
	value, err := sealRecord(&rec)
	if err != nil {
		return err
	}
	if err := txn.Set(auditRecordKey(rec.Seq), value); err != nil {
		return fmt.Errorf("append audit record %d: %w", rec.Seq, err)
	}
	*head = auditMark{Seq: rec.Seq, Hash: rec.Hash}
	item.stored, item.appended = rec, true
	return nil
}

// fail ends the item with err.
func (item *auditItem) fail(err error) {
	item.stored, item.appended, item.prune, item.err = AuditRecord{}, false, false, err
}

// finishItems wakes the callers that wait for items. The batched records have no caller, so
// their failure goes to the next AppendBatched, and finishItems schedules their sync
// (unless synced reports that the group was synced) and runs a prune they made due.
func (l *AuditLog) finishItems(items []*auditItem, synced bool) {
	batched, prune := false, false
	for _, item := range items {
		if item.done != nil {
			close(item.done)
			continue
		}
		if item.err != nil {
			l.keepFlushError(fmt.Errorf("append audit record: %w", item.err))
		}
		batched = batched || item.appended
		prune = prune || item.prune
	}
	if batched && !synced {
		l.scheduleFlush()
	}
	if prune {
		if _, err := l.Prune(); err != nil {
			l.keepFlushError(err)
		}
	}
}

// settle returns once every item queued before the call is committed or failed. It does not
// wait for a sync.
func (l *AuditLog) settle() {
	_ = l.appendWait(&auditItem{barrier: true})
}

// drain rejects new items, waits for the committer to commit the queued ones, and syncs
// them with the head file. Close runs it before it closes the database.
func (l *AuditLog) drain() {
	q := &l.queue
	q.mu.Lock()
	q.closed = true
	for q.running {
		q.idle.Wait()
	}
	q.mu.Unlock()
	l.syncing.Wait()
	// An error here has no caller to reach. Closing the database writes the memtables
	// out, which makes the records durable as a sync would.
	_ = l.syncHead()
}
