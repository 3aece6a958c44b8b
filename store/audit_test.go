package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// seedAudit appends n records to a new encrypted store in a temporary directory, closes it
// and returns the directory.
func seedAudit(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	s := openTest(t, dir, testKey)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	for i := range n {
		rec := AuditRecord{Kind: AuditDocusignCall, Caller: fmt.Sprintf("agent-%d", i%2),
			Operation: "Envelopes:get", Method: "GET", StatusCode: 200,
			EnvelopeID: fmt.Sprintf("env-%d", i)}
		if _, err := log.Append(rec); err != nil {
			t.Fatalf("Append %d failed: %v", i, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}
	return dir
}

// tamper opens the store in dir, lets change rewrite keys through Badger, and closes it.
func tamper(t *testing.T, dir string, change func(txn *badger.Txn) error) {
	t.Helper()
	s := openTest(t, dir, testKey)
	defer s.Close()
	if err := s.db.Update(change); err != nil {
		t.Fatalf("tampering failed: %v", err)
	}
}

func rawValue(t *testing.T, txn *badger.Txn, key []byte) []byte {
	t.Helper()
	item, err := txn.Get(key)
	if err != nil {
		t.Fatalf("reading %s failed: %v", key, err)
	}
	value, err := item.ValueCopy(nil)
	if err != nil {
		t.Fatalf("reading %s failed: %v", key, err)
	}
	return value
}

// verifyDir verifies the store in dir through a read-only open, as the audit command does.
func verifyDir(t *testing.T, dir string) (AuditSummary, error) {
	t.Helper()
	s, err := OpenReadOnly(dir, Options{EncryptionKey: testKey})
	if err != nil {
		t.Fatalf("OpenReadOnly failed: %v", err)
	}
	defer s.Close()
	return VerifyAudit(context.Background(), s)
}

func TestVerifyAuditUntouched(t *testing.T) {
	dir := seedAudit(t, 20)
	summary, err := verifyDir(t, dir)
	if err != nil {
		t.Fatalf("VerifyAudit on an untouched log failed: %v", err)
	}
	if summary.Records != 20 || summary.First != 1 || summary.Last != 20 {
		t.Errorf("summary = %+v, want 20 records from 1 to 20", summary)
	}
}

func TestVerifyAuditEmpty(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir, testKey).Close()
	summary, err := verifyDir(t, dir)
	if err != nil {
		t.Fatalf("VerifyAudit on an empty store failed: %v", err)
	}
	if summary.Records != 0 {
		t.Errorf("Records = %d, want 0", summary.Records)
	}
}

func TestVerifyAuditDetectsTampering(t *testing.T) {
	tests := []struct {
		name    string
		change  func(t *testing.T, txn *badger.Txn) error
		wantSeq uint64
		wantIn  string
	}{
		{name: "byte flipped in a value", wantSeq: 7, wantIn: "hash does not match",
			change: func(t *testing.T, txn *badger.Txn) error {
				value := rawValue(t, txn, auditRecordKey(7))
				i := bytes.Index(value, []byte("agent-"))
				value[i] ^= 0x01 // "agent" becomes "`gent"
				return txn.Set(auditRecordKey(7), value)
			}},
		{name: "byte flipped into invalid JSON", wantSeq: 3, wantIn: "not a valid record",
			change: func(t *testing.T, txn *badger.Txn) error {
				value := rawValue(t, txn, auditRecordKey(3))
				value[0] = 'x'
				return txn.Set(auditRecordKey(3), value)
			}},
		{name: "field value rewritten", wantSeq: 5, wantIn: "hash does not match",
			change: func(t *testing.T, txn *badger.Txn) error {
				value := rawValue(t, txn, auditRecordKey(5))
				value = bytes.Replace(value, []byte(`"status_code":200`),
					[]byte(`"status_code":201`), 1)
				return txn.Set(auditRecordKey(5), value)
			}},
		{name: "whitespace added", wantSeq: 2, wantIn: "canonical",
			change: func(t *testing.T, txn *badger.Txn) error {
				value := append(rawValue(t, txn, auditRecordKey(2)), ' ')
				return txn.Set(auditRecordKey(2), value)
			}},
		{name: "record removed", wantSeq: 4, wantIn: "missing",
			change: func(_ *testing.T, txn *badger.Txn) error {
				return txn.Delete(auditRecordKey(4))
			}},
		{name: "records reordered", wantSeq: 8, wantIn: "reordered",
			change: func(t *testing.T, txn *badger.Txn) error {
				a, b := rawValue(t, txn, auditRecordKey(8)), rawValue(t, txn, auditRecordKey(9))
				if err := txn.Set(auditRecordKey(8), b); err != nil {
					return err
				}
				return txn.Set(auditRecordKey(9), a)
			}},
		{name: "tail truncated", wantSeq: 9, wantIn: "cut from the end",
			change: func(_ *testing.T, txn *badger.Txn) error {
				if err := txn.Delete(auditRecordKey(10)); err != nil {
					return err
				}
				return txn.Delete(auditRecordKey(9))
			}},
		{name: "head removed with records", wantSeq: 1, wantIn: "past the head",
			change: func(_ *testing.T, txn *badger.Txn) error {
				return txn.Delete([]byte(auditHeadKey))
			}},
		{name: "record resealed", wantSeq: 7, wantIn: "previous hash",
			change: func(t *testing.T, txn *badger.Txn) error {
				rec, err := decodeRecord(rawValue(t, txn, auditRecordKey(6)))
				if err != nil {
					return err
				}
				rec.StatusCode = 500
				value, err := sealRecord(&rec)
				if err != nil {
					return err
				}
				return txn.Set(auditRecordKey(6), value)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := seedAudit(t, 10)
			tamper(t, dir, func(txn *badger.Txn) error { return tt.change(t, txn) })
			_, err := verifyDir(t, dir)
			var auditErr *AuditError
			if !errors.As(err, &auditErr) {
				t.Fatalf("VerifyAudit error = %v, want an *AuditError", err)
			}
			if auditErr.Seq != tt.wantSeq {
				t.Errorf("bad record = %d (%s), want %d", auditErr.Seq, auditErr.Problem,
					tt.wantSeq)
			}
			if !strings.Contains(auditErr.Problem, tt.wantIn) {
				t.Errorf("problem = %q, want it to mention %q", auditErr.Problem, tt.wantIn)
			}
		})
	}
}

func TestAuditReopenContinuesChain(t *testing.T) {
	dir := seedAudit(t, 3)
	s := openTest(t, dir, testKey)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	rec, err := log.Append(AuditRecord{Kind: AuditToolCall, Tool: "list_templates"})
	if err != nil {
		t.Fatalf("Append failed: %v", err)
	}
	if rec.Seq != 4 {
		t.Errorf("Seq after reopening = %d, want 4", rec.Seq)
	}
	if _, err := VerifyAudit(context.Background(), s); err != nil {
		t.Errorf("VerifyAudit after reopening failed: %v", err)
	}
	s.Close()
}

func TestAuditConcurrentAppends(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 25 {
				if _, err := log.Append(AuditRecord{Kind: AuditToolCall,
					Caller: fmt.Sprint(i)}); err != nil {
					t.Errorf("Append failed: %v", err)
				}
			}
		})
	}
	wg.Wait()
	summary, err := VerifyAudit(context.Background(), s)
	if err != nil {
		t.Fatalf("VerifyAudit after concurrent appends failed: %v", err)
	}
	if summary.Records != 200 {
		t.Errorf("Records = %d, want 200", summary.Records)
	}
}

func TestAuditPrune(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		maxRecords uint64
		maxAge     time.Duration
		wantFirst  uint64
		wantKept   uint64
	}{
		{name: "by count", maxRecords: 4, maxAge: 1000 * time.Hour, wantFirst: 7,
			wantKept: 4},
		{name: "by age", maxRecords: 100, maxAge: 4 * time.Hour, wantFirst: 7,
			wantKept: 4},
		{name: "nothing due", maxRecords: 100, maxAge: 1000 * time.Hour, wantFirst: 1,
			wantKept: 10},
		{name: "everything due", maxRecords: 100, maxAge: time.Minute, wantFirst: 0,
			wantKept: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, t.TempDir(), testKey)
			defer s.Close()
			now := start
			log, err := OpenAuditLog(s, AuditOptions{MaxRecords: tt.maxRecords,
				MaxAge: tt.maxAge, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatalf("OpenAuditLog failed: %v", err)
			}
			for range 10 {
				if _, err := log.Append(AuditRecord{Kind: AuditToolCall}); err != nil {
					t.Fatalf("Append failed: %v", err)
				}
				now = now.Add(time.Hour) // record i is 10-i hours old at the end
			}
			pruned, err := log.Prune()
			if err != nil {
				t.Fatalf("Prune failed: %v", err)
			}
			if pruned != 10-tt.wantKept {
				t.Errorf("pruned %d records, want %d", pruned, 10-tt.wantKept)
			}
			summary, err := VerifyAudit(context.Background(), s)
			if err != nil {
				t.Fatalf("VerifyAudit after pruning failed: %v", err)
			}
			if summary.Records != tt.wantKept || summary.First != tt.wantFirst {
				t.Errorf("summary = %+v, want %d records from %d", summary, tt.wantKept,
					tt.wantFirst)
			}
			if _, err := log.Append(AuditRecord{Kind: AuditToolCall}); err != nil {
				t.Fatalf("Append after pruning failed: %v", err)
			}
			if _, err := VerifyAudit(context.Background(), s); err != nil {
				t.Errorf("VerifyAudit after appending to a pruned log failed: %v", err)
			}
		})
	}
}

func TestAuditPruneDetectsRemovalAfterCheckpoint(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	log, err := OpenAuditLog(s, AuditOptions{MaxRecords: 5})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	for range 10 {
		if _, err := log.Append(AuditRecord{Kind: AuditToolCall}); err != nil {
			t.Fatalf("Append failed: %v", err)
		}
	}
	if _, err := log.Prune(); err != nil {
		t.Fatalf("Prune failed: %v", err)
	}
	err = s.db.Update(func(txn *badger.Txn) error { return txn.Delete(auditRecordKey(6)) })
	if err != nil {
		t.Fatalf("deleting record 6 failed: %v", err)
	}
	_, err = VerifyAudit(context.Background(), s)
	var auditErr *AuditError
	if !errors.As(err, &auditErr) || auditErr.Seq != 6 {
		t.Errorf("VerifyAudit error = %v, want record 6 missing", err)
	}
}

func TestAuditPruneKeepsBadRecord(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	log, err := OpenAuditLog(s, AuditOptions{MaxRecords: 1})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	for range 4 {
		if _, err := log.Append(AuditRecord{Kind: AuditToolCall}); err != nil {
			t.Fatalf("Append failed: %v", err)
		}
	}
	err = s.db.Update(func(txn *badger.Txn) error { return txn.Delete(auditRecordKey(2)) })
	if err != nil {
		t.Fatalf("deleting record 2 failed: %v", err)
	}
	pruned, err := log.Prune()
	if err == nil {
		t.Errorf("Prune over a missing record succeeded, want an error")
	}
	if pruned != 0 {
		t.Errorf("pruned %d records, want 0: the failed batch must roll back", pruned)
	}
}

func TestOpenReadOnlyWhileLocked(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testKey)
	defer s.Close()
	_, err := OpenReadOnly(dir, Options{EncryptionKey: testKey})
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("OpenReadOnly on an open store: error = %v, want a *LockedError", err)
	}
	if !strings.Contains(err.Error(), "process ") {
		t.Errorf("error %q does not name the process holding the lock", err)
	}
}

func TestOpenReadOnlyMissingStore(t *testing.T) {
	_, err := OpenReadOnly(t.TempDir(), Options{EncryptionKey: testKey})
	if err == nil || !strings.Contains(err.Error(), "no Badger database") {
		t.Errorf("OpenReadOnly on an empty directory: error = %v, want no Badger database", err)
	}
}

func TestQueryAuditAndTotals(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	log, err := OpenAuditLog(s, AuditOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	records := []AuditRecord{
		{Kind: AuditDocusignCall, Caller: "a", Operation: "Envelopes:get", StatusCode: 200,
			EnvelopeID: "e1"},
		{Kind: AuditDocusignCall, Caller: "b", Operation: "Envelopes:create", StatusCode: 201},
		{Kind: AuditDocusignCall, Caller: "a", Operation: "Envelopes:get", StatusCode: 429,
			EnvelopeID: "e1"},
		{Kind: AuditToolCall, Caller: "a", Tool: "get_envelope_status", EnvelopeID: "e1"},
		{Kind: AuditDocusignCall, Caller: "a", Operation: "Envelopes:get", StatusCode: 0,
			EnvelopeID: "e2"},
	}
	for _, rec := range records {
		if _, err := log.Append(rec); err != nil {
			t.Fatalf("Append failed: %v", err)
		}
		now = now.Add(time.Minute)
	}

	ctx := context.Background()
	tests := []struct {
		name     string
		query    AuditQuery
		wantSeqs string
	}{
		{name: "all", query: AuditQuery{}, wantSeqs: "1,2,3,4,5"},
		{name: "envelope", query: AuditQuery{EnvelopeID: "e1"}, wantSeqs: "1,3,4"},
		{name: "tail", query: AuditQuery{Limit: 2}, wantSeqs: "4,5"},
		{name: "time range", query: AuditQuery{
			Since: time.Date(2026, 3, 1, 12, 1, 0, 0, time.UTC),
			Until: time.Date(2026, 3, 1, 12, 3, 0, 0, time.UTC)}, wantSeqs: "2,3"},
		{name: "kind and caller", query: AuditQuery{Kind: AuditToolCall, Caller: "a"},
			wantSeqs: "4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := QueryAudit(ctx, s, tt.query)
			if err != nil {
				t.Fatalf("QueryAudit failed: %v", err)
			}
			var seqs []string
			for _, rec := range got {
				seqs = append(seqs, fmt.Sprint(rec.Seq))
			}
			if strings.Join(seqs, ",") != tt.wantSeqs {
				t.Errorf("records = %v, want %s", seqs, tt.wantSeqs)
			}
		})
	}

	totals, err := AuditCallTotals(ctx, s, time.Time{}, time.Time{})
	if err != nil {
		t.Fatalf("AuditCallTotals failed: %v", err)
	}
	if len(totals) != 2 {
		t.Fatalf("totals = %+v, want two callers", totals)
	}
	if a := totals[0]; a.Caller != "a" || a.Calls != 3 || a.Failed != 2 ||
		a.ByOperation["Envelopes:get"] != 3 {
		t.Errorf("totals of a = %+v, want 3 calls, 2 failed, 3 Envelopes:get", a)
	}
	if b := totals[1]; b.Caller != "b" || b.Calls != 1 || b.Failed != 0 {
		t.Errorf("totals of b = %+v, want 1 call, none failed", b)
	}
}

func BenchmarkAuditAppend(b *testing.B) {
	s, err := Open(b.TempDir(), Options{EncryptionKey: testKey})
	if err != nil {
		b.Fatalf("Open failed: %v", err)
	}
	defer s.Close()
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		b.Fatalf("OpenAuditLog failed: %v", err)
	}
	rec := AuditRecord{Kind: AuditDocusignCall, Caller: "agent-1", Operation: "Envelopes:get",
		Method: "GET", PathTemplate: "/v2.1/accounts/{accountId}/envelopes/{envelopeId}",
		StatusCode: 200, TraceToken: "7d0c1a52-0000-4000-8000-000000000000"}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := log.Append(rec); err != nil {
				b.Errorf("Append failed: %v", err)
				return
			}
		}
	})
}

func TestAuditRetentionSaved(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	got, found, err := LoadAuditRetention(s)
	if err != nil {
		t.Fatalf("LoadAuditRetention failed: %v", err)
	}
	if found || got != DefaultAuditRetention {
		t.Errorf("retention before saving = %+v (found %v), want the default", got, found)
	}
	if err := SaveAuditRetention(s, AuditRetention{MaxRecords: 3, MaxAge: time.Hour}); err != nil {
		t.Fatalf("SaveAuditRetention failed: %v", err)
	}
	if err := SaveAuditRetention(s, AuditRetention{}); err == nil {
		t.Errorf("SaveAuditRetention of zero limits succeeded, want an error")
	}

	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	for range 5 {
		if _, err := log.Append(AuditRecord{Kind: AuditToolCall}); err != nil {
			t.Fatalf("Append failed: %v", err)
		}
	}
	pruned, err := log.Prune()
	if err != nil {
		t.Fatalf("Prune failed: %v", err)
	}
	if pruned != 2 {
		t.Errorf("pruned %d records with a saved limit of 3 of 5, want 2", pruned)
	}
}

func TestAuditHeadFile(t *testing.T) {
	dataDir := t.TempDir()
	headFile := filepath.Join(dataDir, AuditHeadFileName)
	s := openTest(t, filepath.Join(dataDir, "store"), testKey)
	defer s.Close()
	log, err := OpenAuditLog(s, AuditOptions{HeadFile: headFile})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	for range 4 {
		if _, err := log.Append(AuditRecord{Kind: AuditToolCall}); err != nil {
			t.Fatalf("Append failed: %v", err)
		}
	}
	summary, err := VerifyAudit(context.Background(), s)
	if err != nil {
		t.Fatalf("VerifyAudit failed: %v", err)
	}
	if err := VerifyAuditHeadFile(summary, headFile); err != nil {
		t.Errorf("VerifyAuditHeadFile on an untouched log failed: %v", err)
	}

	// Roll the store back by cutting the last record and moving the head key with it, which
	// the head key alone cannot reveal.
	err = s.db.Update(func(txn *badger.Txn) error {
		rec, err := decodeRecord(rawValue(t, txn, auditRecordKey(3)))
		if err != nil {
			return err
		}
		if err := txn.Delete(auditRecordKey(4)); err != nil {
			return err
		}
		head, _ := json.Marshal(auditMark{Seq: 3, Hash: rec.Hash})
		return txn.Set([]byte(auditHeadKey), head)
	})
	if err != nil {
		t.Fatalf("rolling back failed: %v", err)
	}
	summary, err = VerifyAudit(context.Background(), s)
	if err != nil {
		t.Fatalf("VerifyAudit of the rolled-back log failed: %v", err)
	}
	err = VerifyAuditHeadFile(summary, headFile)
	var auditErr *AuditError
	if !errors.As(err, &auditErr) || auditErr.Seq != 4 {
		t.Errorf("VerifyAuditHeadFile error = %v, want record 4 missing", err)
	}
	if err := VerifyAuditHeadFile(summary, filepath.Join(dataDir, "absent.json")); err != nil {
		t.Errorf("VerifyAuditHeadFile without a file failed: %v", err)
	}
}

func TestOpenAuditLogRejectsRecordPastHead(t *testing.T) {
	dir := seedAudit(t, 4)
	tamper(t, dir, func(txn *badger.Txn) error { return txn.Delete([]byte(auditHeadKey)) })
	s := openTest(t, dir, testKey)
	defer s.Close()
	_, err := OpenAuditLog(s, AuditOptions{})
	if err == nil || !strings.Contains(err.Error(), "audit record 4 is stored past the head 0") {
		t.Errorf("OpenAuditLog error = %v, want record 4 past the head", err)
	}
}
