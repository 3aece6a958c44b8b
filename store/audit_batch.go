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
	// err is the error of the last background flush, reported by the next AppendBatched.
	err error
}

// AppendBatched appends rec like Append, in the same hash chain, but returns before the disk
// sync. A background flush syncs every record appended within BatchWindow at once and then
// updates the head file, and any later Append syncs them too. Records and head are written in
// one transaction, so after a power loss or an operating system crash the log may lack the
// batched records since the last sync but still verifies. A process crash loses nothing,
// because the operating system keeps the written data. Use it for the records of read-only
// calls; the records of writes go through Append.
func (l *AuditLog) AppendBatched(rec AuditRecord) (AuditRecord, error) {
	if err := l.takeFlushError(); err != nil {
		return AuditRecord{}, fmt.Errorf("append audit record: an earlier batched sync "+
			"failed: %w", err)
	}
	stored, prune, err := l.commit(rec)
	if err != nil {
		return AuditRecord{}, err
	}
	l.scheduleFlush()
	if prune {
		if _, err := l.Prune(); err != nil {
			return stored, fmt.Errorf("append audit record %d: %w", stored.Seq, err)
		}
	}
	return stored, nil
}

// Flush syncs the batched records to disk now and updates the head file.
func (l *AuditLog) Flush() error {
	l.mu.Lock()
	head := l.head
	l.mu.Unlock()
	if err := l.guard.sync(l.db); err != nil {
		return fmt.Errorf("sync audit log: %w", err)
	}
	if l.opts.HeadFile != "" && head.Seq > 0 {
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

// backgroundFlush runs Flush and keeps its error for the next AppendBatched. A store closed
// in the meantime is no error: Close writes the records out.
func (l *AuditLog) backgroundFlush() {
	l.batch.mu.Lock()
	l.batch.pending = false
	l.batch.mu.Unlock()
	err := l.Flush()
	if err == nil || errors.Is(err, ErrClosed) {
		return
	}
	l.batch.mu.Lock()
	l.batch.err = err
	l.batch.mu.Unlock()
}

func (l *AuditLog) takeFlushError() error {
	l.batch.mu.Lock()
	defer l.batch.mu.Unlock()
	err := l.batch.err
	l.batch.err = nil
	return err
}
