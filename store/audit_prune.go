package store

import (
	"context"
	"encoding/json"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// pruneBatch bounds the deletions of one transaction, well below Badger's transaction size
// limit.
const pruneBatch = 1000

// Prune deletes the oldest records beyond MaxRecords and those older than MaxAge, and moves
// the checkpoint to the last deleted record, so the remaining log still verifies. It returns
// the number of records deleted. Each batch deletes records and moves the checkpoint in one
// transaction.
func (l *AuditLog) Prune() (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cutoff := l.opts.Now().Add(-l.opts.MaxAge)
	var total uint64
	for {
		n, err := l.pruneBatch(func(rec AuditRecord, kept uint64) bool {
			return kept > l.opts.MaxRecords || rec.Time.Before(cutoff)
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("prune audit log: %w", err)
		}
		if n < pruneBatch {
			return total, nil
		}
	}
}

// pruneBatch deletes up to pruneBatch records from the oldest on while drop returns true. drop
// receives the record and how many records the log holds before deleting it.
func (l *AuditLog) pruneBatch(drop func(rec AuditRecord, kept uint64) bool) (uint64, error) {
	var deleted uint64
	err := l.db.Update(func(txn *badger.Txn) error {
		check, _, err := readCheckpoint(txn)
		if err != nil {
			return err
		}
		var keys [][]byte
		last := check
		err = scanRecords(context.Background(), txn, check.Seq+1,
			func(key, value []byte) (bool, error) {
				rec, err := checkLink(key, value, last)
				if err != nil {
					return false, err
				}
				if len(keys) == pruneBatch || !drop(rec, l.head.Seq-last.Seq) {
					return false, nil
				}
				keys = append(keys, key)
				last = auditMark{Seq: rec.Seq, Hash: rec.Hash}
				return true, nil
			})
		if err != nil || len(keys) == 0 {
			return err
		}
		deleted = uint64(len(keys))
		return deleteWithCheckpoint(txn, keys, last)
	})
	if err != nil {
		return 0, err
	}
	return deleted, nil
}

func deleteWithCheckpoint(txn *badger.Txn, keys [][]byte, last auditMark) error {
	for _, key := range keys {
		if err := txn.Delete(key); err != nil {
			return err
		}
	}
	mark, err := json.Marshal(last)
	if err != nil {
		return err
	}
	return txn.Set([]byte(auditCheckKey), mark)
}

// checkLink decodes the record after last and checks that it follows last, so pruning never
// deletes a record that fails verification and hides the evidence.
func checkLink(key, value []byte, last auditMark) (AuditRecord, error) {
	v := &verifier{want: last.Seq + 1, prev: last.Hash}
	rec, err := decodeRecord(value)
	if err != nil {
		return AuditRecord{}, &AuditError{Seq: v.want, Problem: err.Error()}
	}
	if _, err := v.check(key, value); err != nil {
		return AuditRecord{}, fmt.Errorf("%w: run audit verify before pruning", err)
	}
	return rec, nil
}
