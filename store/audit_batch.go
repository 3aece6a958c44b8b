package store

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// auditBatch schedules the shared disk sync of batched audit records.
type auditBatch struct {
	mu      sync.Mutex
	pending bool
	// err is the error of the last failed background commit, sync or prune, reported by
	// the next AppendBatched.
	err error
}

// AppendBatched queues rec for the same hash chain as Append and returns without waiting
// for its commit or its sync. It returns rec with its time set. Its Seq, Prev and Hash stay
// zero, because the committer goroutine assigns them when it writes the record. Only while
// maxAuditQueue records wait does it wait for the commit, and then it returns the record
// as stored.
//
// Within BatchWindow of the commit, a background flush syncs every committed record at once
// and then updates the head file, and any later Append syncs them too. Records and head are
// written in one transaction, so the log still verifies after any crash. A process killed
// before the commit loses the queued records, and a power loss or an operating system
// crash may also lose the committed but unsynced ones. Use it for the records of read-only
// calls; the records of writes go through Append.
func (l *AuditLog) AppendBatched(rec AuditRecord) (AuditRecord, error) {
	if err := l.takeFlushError(); err != nil {
		return AuditRecord{}, fmt.Errorf("append audit record: an earlier batched append "+
			"failed: %w", err)
	}
	item := &auditItem{rec: rec}
	if err := l.enqueue(item); err != nil {
		return AuditRecord{}, fmt.Errorf("append audit record: %w", err)
	}
	if item.done == nil {
		return item.rec, nil
	}
	<-item.done
	if item.err != nil {
		return AuditRecord{}, fmt.Errorf("append audit record: %w", item.err)
	}
	return item.stored, nil
}

// Flush commits the queued records, syncs every committed record to disk and updates the
// head file.
func (l *AuditLog) Flush() error {
	item := &auditItem{barrier: true, durable: true}
	if err := l.appendWait(item); err != nil {
		return fmt.Errorf("sync audit log: %w", err)
	}
	if err := l.finishDurable(item); err != nil {
		return fmt.Errorf("sync audit log: %w", err)
	}
	return nil
}

// syncHead syncs the committed records to disk and brings the head file up to the newest.
func (l *AuditLog) syncHead() error {
	head := l.committedHead()
	if err := l.guard.sync(l.db); err != nil {
		return fmt.Errorf("sync audit log: %w", err)
	}
	if l.opts.HeadFile != "" && head.Seq > l.openSeq {
		if err := l.writeHeadFile(head); err != nil {
			return err
		}
	}
	return nil
}

// scheduleFlush starts a flush after BatchWindow unless one is already waiting.
func (l *AuditLog) scheduleFlush() {
	l.batch.mu.Lock()
	defer l.batch.mu.Unlock()
	if l.batch.pending {
		return
	}
	l.batch.pending = true
	time.AfterFunc(l.opts.BatchWindow, l.backgroundFlush)
}

// backgroundFlush syncs the records committed so far and keeps an error for the next
// AppendBatched. A store closed in the meantime is no error, because Close drains the
// queue and syncs.
func (l *AuditLog) backgroundFlush() {
	l.batch.mu.Lock()
	l.batch.pending = false
	l.batch.mu.Unlock()
	err := l.syncHead()
	if err == nil || errors.Is(err, ErrClosed) {
		return
	}
	l.keepFlushError(err)
}

// keepFlushError keeps err, which has no caller, for the next AppendBatched to return.
func (l *AuditLog) keepFlushError(err error) {
	l.batch.mu.Lock()
	defer l.batch.mu.Unlock()
	l.batch.err = err
}

func (l *AuditLog) takeFlushError() error {
	l.batch.mu.Lock()
	defer l.batch.mu.Unlock()
	err := l.batch.err
	l.batch.err = nil
	return err
}
