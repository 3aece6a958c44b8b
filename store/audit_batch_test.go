package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestAppendBatchedChainVerifies mixes batched and synced appends from several goroutines
// and checks that the chain verifies after the store is closed.
func TestAppendBatchedChainVerifies(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testKey)
	log, err := OpenAuditLog(s, AuditOptions{BatchWindow: time.Millisecond})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				rec := AuditRecord{Kind: AuditToolCall, Tool: "get_envelope_status",
					Outcome: "ok"}
				var err error
				if (g+i)%10 == 0 {
					_, err = log.Append(rec)
				} else {
					_, err = log.AppendBatched(rec)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("append failed: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}
	summary, err := verifyDir(t, dir)
	if err != nil {
		t.Fatalf("VerifyAudit failed after batched appends: %v", err)
	}
	if summary.Records != 200 {
		t.Errorf("verified %d records, want the 200 appended", summary.Records)
	}
}

// TestAppendBatchedWritesHeadFile checks that the background flush brings the head file
// up to the newest batched record.
func TestAppendBatchedWritesHeadFile(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, filepath.Join(dir, "store"), testKey)
	defer s.Close()
	headFile := filepath.Join(dir, AuditHeadFileName)
	log, err := OpenAuditLog(s, AuditOptions{HeadFile: headFile,
		BatchWindow: time.Millisecond})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	const appended = 5
	for range appended {
		if _, err := log.AppendBatched(AuditRecord{Kind: AuditToolCall}); err != nil {
			t.Fatalf("AppendBatched failed: %v", err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	var mark auditMark
	for {
		raw, err := os.ReadFile(headFile)
		if err == nil && json.Unmarshal(raw, &mark) == nil && mark.Seq == appended {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("head file %s did not reach record %d within a minute: %s, %v",
				headFile, appended, raw, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	recs, err := QueryAudit(context.Background(), s, AuditQuery{})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	if len(recs) != appended {
		t.Fatalf("QueryAudit returned %d records, want the %d appended", len(recs), appended)
	}
	if last := recs[len(recs)-1]; mark.Hash != last.Hash {
		t.Errorf("head file hash = %s, want %s of record %d", mark.Hash, last.Hash, last.Seq)
	}
}

// TestAppendBatchedAfterClose checks that a batched append to a closed store fails and
// that the pending flush of earlier records does not panic.
func TestAppendBatchedAfterClose(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	log, err := OpenAuditLog(s, AuditOptions{BatchWindow: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	if _, err := log.AppendBatched(AuditRecord{Kind: AuditToolCall}); err != nil {
		t.Fatalf("AppendBatched failed: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}
	time.Sleep(50 * time.Millisecond) // let the pending flush run against the closed store
	_, err = log.AppendBatched(AuditRecord{Kind: AuditToolCall})
	if err == nil {
		t.Fatal("AppendBatched after Close succeeded, want an error")
	}
	if flushErr := log.Flush(); !errors.Is(flushErr, ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", flushErr)
	}
}
