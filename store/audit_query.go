package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// AuditQuery selects audit records. Zero fields select everything.
type AuditQuery struct {
	EnvelopeID string
	Caller     string
	Kind       string
	// Since and Until bound the record time: Since <= time < Until.
	Since, Until time.Time
	// Limit keeps only the newest Limit matching records. 0 keeps all.
	Limit int
}

func (q AuditQuery) match(rec AuditRecord) bool {
	switch {
	case q.EnvelopeID != "" && rec.EnvelopeID != q.EnvelopeID:
		return false
	case q.Caller != "" && rec.Caller != q.Caller:
		return false
	case q.Kind != "" && rec.Kind != q.Kind:
		return false
	case !q.Since.IsZero() && rec.Time.Before(q.Since):
		return false
	case !q.Until.IsZero() && !rec.Time.Before(q.Until):
		return false
	}
	return true
}

// QueryAudit returns the records of s that match q, oldest first. It reads every stored
// record, which retention bounds, and skips none: a record that does not decode is an error.
func QueryAudit(ctx context.Context, s *Store, q AuditQuery) ([]AuditRecord, error) {
	var out []AuditRecord
	err := eachRecord(ctx, s, func(rec AuditRecord) {
		if !q.match(rec) {
			return
		}
		out = append(out, rec)
		if q.Limit > 0 && len(out) > 2*q.Limit {
			out = append(out[:0], out[len(out)-q.Limit:]...)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("query audit log: %w", err)
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

// CallTotal counts the Docusign calls of one caller.
type CallTotal struct {
	Caller string `json:"caller"`
	// Calls counts HTTP requests, retries and token requests included.
	Calls uint64 `json:"calls"`
	// Failed counts requests with no response or a status of 400 or above.
	Failed uint64 `json:"failed"`
	// ByOperation counts Calls per Docusign operation, such as Envelopes:create.
	ByOperation map[string]uint64 `json:"by_operation"`
}

// AuditCallTotals returns the Docusign calls per caller within [since, until), sorted by
// caller, for cost attribution. Zero times leave that side open. Calls made outside a tool
// call, such as at startup, count under the empty caller.
func AuditCallTotals(ctx context.Context, s *Store, since, until time.Time) ([]CallTotal,
	error) {
	q := AuditQuery{Kind: AuditDocusignCall, Since: since, Until: until}
	totals := map[string]*CallTotal{}
	err := eachRecord(ctx, s, func(rec AuditRecord) {
		if !q.match(rec) {
			return
		}
		t := totals[rec.Caller]
		if t == nil {
			t = &CallTotal{Caller: rec.Caller, ByOperation: map[string]uint64{}}
			totals[rec.Caller] = t
		}
		t.Calls++
		t.ByOperation[rec.Operation]++
		if rec.StatusCode == 0 || rec.StatusCode >= 400 {
			t.Failed++
		}
	})
	if err != nil {
		return nil, fmt.Errorf("total audit calls: %w", err)
	}
	out := make([]CallTotal, 0, len(totals))
	for _, t := range totals {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Caller < out[j].Caller })
	return out, nil
}

// eachRecord calls fn with every stored record, oldest first, from one snapshot, which
// includes the records queued in this process before the call.
func eachRecord(ctx context.Context, s *Store, fn func(AuditRecord)) error {
	s.guard.settleQueues()
	return s.db.View(func(txn *badger.Txn) error {
		return scanRecords(ctx, txn, 0, func(key, value []byte) (bool, error) {
			rec, err := decodeRecord(value)
			if err != nil {
				return false, fmt.Errorf("record under %s: %w", key, err)
			}
			fn(rec)
			return true, nil
		})
	})
}
