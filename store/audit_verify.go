package store

import (
	"context"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// AuditError names the first record of the audit log that fails verification.
type AuditError struct {
	// Seq is the sequence number of the bad or missing record.
	Seq uint64
	// Problem describes the fault, such as "hash does not match its content".
	Problem string
}

// Error returns the record and the problem.
func (e *AuditError) Error() string {
	return fmt.Sprintf("audit record %d: %s", e.Seq, e.Problem)
}

// AuditSummary describes a verified audit log.
type AuditSummary struct {
	// Records is the number of records checked.
	Records uint64
	// First and Last are the sequence numbers of the oldest and newest record, 0 when empty.
	First, Last uint64
	// Checkpoint is the sequence number of the last pruned record, 0 when none was pruned.
	Checkpoint uint64
	// LastHash is the hash of the newest record, or of the checkpoint when none is left.
	LastHash string
}

// verifier walks the chain from the checkpoint and remembers the last good record.
type verifier struct {
	want    uint64 // next expected sequence number
	prev    string // hash the next record must carry in Prev
	summary AuditSummary
}

// VerifyAudit checks the whole audit log of s in one snapshot. Each record must decode
// canonically, sit under its own sequence number and follow the previous record (or the
// pruning checkpoint) without a gap. It must carry the previous record's hash and match its
// own hash. The last record must be the stored head. It returns an *AuditError naming the
// first bad record, or another error when the store cannot be read. The snapshot includes
// the records queued in this process before the call.
func VerifyAudit(ctx context.Context, s *Store) (AuditSummary, error) {
	s.guard.settleQueues()
	var summary AuditSummary
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		summary, err = verifyChain(ctx, txn)
		return err
	})
	return summary, err
}

func verifyChain(ctx context.Context, txn *badger.Txn) (AuditSummary, error) {
	check, _, err := readCheckpoint(txn)
	if err != nil {
		return AuditSummary{}, err
	}
	head, hasHead, err := readMark(txn, auditHeadKey)
	if err != nil {
		return AuditSummary{}, err
	}
	v := &verifier{want: check.Seq + 1, prev: check.Hash}
	v.summary.Checkpoint = check.Seq
	if err := scanRecords(ctx, txn, 0, v.check); err != nil {
		return v.summary, err
	}
	if !hasHead {
		head = check
	}
	v.summary.LastHash = v.prev
	return v.summary, v.checkHead(head)
}

// check verifies one stored record against the chain so far.
func (v *verifier) check(key, value []byte) (bool, error) {
	seq, err := parseRecordKey(key)
	if err != nil {
		return false, &AuditError{Seq: v.want, Problem: err.Error()}
	}
	if seq < v.want {
		return false, &AuditError{Seq: seq, Problem: fmt.Sprintf("record is older than the "+
			"pruning checkpoint %d or repeated", v.summary.Checkpoint)}
	}
	if seq > v.want {
		return false, &AuditError{Seq: v.want, Problem: fmt.Sprintf("record is missing: "+
			"the next stored record is %d", seq)}
	}
	rec, err := decodeRecord(value)
	if err != nil {
		return false, &AuditError{Seq: seq, Problem: err.Error()}
	}
	if err := v.checkLinks(seq, rec); err != nil {
		return false, err
	}
	if v.summary.First == 0 {
		v.summary.First = seq
	}
	v.summary.Last, v.summary.Records = seq, v.summary.Records+1
	v.want, v.prev = seq+1, rec.Hash
	return true, nil
}

// checkLinks checks that the decoded record stored under seq belongs there and is unchanged.
func (v *verifier) checkLinks(seq uint64, rec AuditRecord) error {
	if rec.Seq != seq {
		return &AuditError{Seq: seq, Problem: fmt.Sprintf("stored under %d but "+
			"carries sequence number %d: records were reordered or replaced", seq, rec.Seq)}
	}
	if rec.Prev != v.prev {
		return &AuditError{Seq: seq, Problem: "previous hash does not match the " +
			"record before it: a record before it was changed, removed or reordered"}
	}
	hash, err := recordHash(rec)
	if err != nil {
		return &AuditError{Seq: seq, Problem: err.Error()}
	}
	if hash != rec.Hash {
		return &AuditError{Seq: seq, Problem: "hash does not match its content: " +
			"the record was changed"}
	}
	return nil
}

// checkHead compares the end of the chain with the stored head, which catches records cut
// from the end.
func (v *verifier) checkHead(head auditMark) error {
	last := v.want - 1
	if head.Seq > last {
		return &AuditError{Seq: last + 1, Problem: fmt.Sprintf("record is missing: the head "+
			"names record %d but the log ends at %d, so records were cut from the end",
			head.Seq, last)}
	}
	if head.Seq < last {
		return &AuditError{Seq: head.Seq + 1, Problem: fmt.Sprintf("record is past the "+
			"head %d: the head was rolled back or records were added", head.Seq)}
	}
	if head.Hash != v.prev {
		return &AuditError{Seq: last, Problem: "hash differs from the head's: the newest " +
			"record or the head was changed"}
	}
	return nil
}
