package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAuditMixedWritersSurviveClose runs every kind of appender at once, with readers that
// settle the queue and prunes that fire during the run. It then closes the store and checks
// the log offline. The chain must verify, and the newest sequence number must count every
// record appended. The head file must name it, and each delivery must notify its state once.
func TestAuditMixedWritersSurviveClose(t *testing.T) {
	dir := t.TempDir()
	headFile := filepath.Join(t.TempDir(), AuditHeadFileName)
	s := openTest(t, dir, testKey)
	log, err := OpenAuditLog(s, AuditOptions{HeadFile: headFile, PruneEvery: 37,
		MaxRecords: 250})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	var changes atomic.Int64
	remove := s.OnEnvelopeChange(func(EnvelopeState) { changes.Add(1) })
	defer remove()

	const batchedWorkers, batchedEach = 4, 150
	const syncedWorkers, syncedEach = 2, 40
	const envelopes = 12
	var appended atomic.Int64
	var workers sync.WaitGroup
	for range batchedWorkers {
		workers.Go(func() {
			for range batchedEach {
				if _, err := log.AppendBatched(AuditRecord{Kind: AuditToolCall}); err != nil {
					t.Errorf("AppendBatched failed: %v", err)
					return
				}
				appended.Add(1)
			}
		})
	}

	for range syncedWorkers {
		workers.Go(func() {
			for range syncedEach {
				if _, err := log.Append(AuditRecord{Kind: AuditToolCall}); err != nil {
					t.Errorf("Append failed: %v", err)
					return
				}
				appended.Add(1)
			}
		})
	}

	for i := range envelopes {
		workers.Go(func() { applyTwice(t, s, log, i, &appended) })
	}

	stop := make(chan struct{})
	readers := settleWhileRunning(t, s, stop)
	workers.Wait()
	close(stop)
	readers.Wait()
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}

	summary, err := verifyDir(t, dir)
	if err != nil {
		t.Fatalf("VerifyAudit after Close failed: %v", err)
	}

	if want := uint64(appended.Load()); summary.Last != want {
		t.Errorf("newest sequence number = %d, want %d, one per record appended",
			summary.Last, want)
	}

	if summary.Checkpoint == 0 {
		t.Errorf("no record was pruned, want prunes during the run to keep 250 records")
	}

	if err := VerifyAuditHeadFile(summary, headFile); err != nil {
		t.Errorf("head file after Close does not match the log: %v", err)
	}

	if got := changes.Load(); got != envelopes {
		t.Errorf("listeners heard %d state changes, want %d, one per envelope", got,
			envelopes)
	}
}

// applyTwice applies one completed delivery for envelope i and then its redelivery, which
// must be a duplicate. It adds the one audit record appended to appended.
func applyTwice(t *testing.T, s *Store, log *AuditLog, i int, appended *atomic.Int64) {
	envelopeID := fmt.Sprintf("env-%02d", i)
	generated := time.Date(2026, 12, 4, 10, 20, 0, 0, time.UTC)
	for retry := range 2 {
		d := WebhookDelivery{EnvelopeID: envelopeID, Event: "envelope-completed",
			GeneratedAt: generated, BodySHA256: strings.Repeat(fmt.Sprintf("%02x", i), 32),
			KeyID: "1", RetryCount: retry}
		rec := AuditRecord{Kind: AuditWebhook, EnvelopeID: envelopeID, Action: d.Event,
			KeyID: "1", StatusCode: 200, Outcome: "ok", Attempt: retry + 1}
		state := &EnvelopeState{EnvelopeID: envelopeID, Status: "completed",
			Source: SourceWebhook, ObservedAt: generated}

		out, err := s.ApplyWebhookDelivery(context.Background(), d, state, log, rec)
		if err != nil {
			t.Errorf("ApplyWebhookDelivery(%s, retry %d) failed: %v", envelopeID, retry, err)
			return
		}
		if out.Duplicate != (retry == 1) {
			t.Errorf("ApplyWebhookDelivery(%s, retry %d): duplicate = %v, want %v",
				envelopeID, retry, out.Duplicate, retry == 1)
		}
		if !out.Duplicate {
			appended.Add(1)
		}
	}
}

// settleWhileRunning queries and verifies the log in a loop until stop is closed.
func settleWhileRunning(t *testing.T, s *Store, stop chan struct{}) *sync.WaitGroup {
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := VerifyAudit(context.Background(), s); err != nil {
				t.Errorf("VerifyAudit while appending failed: %v", err)
				return
			}
			if _, err := QueryAudit(context.Background(), s, AuditQuery{}); err != nil {
				t.Errorf("QueryAudit while appending failed: %v", err)
				return
			}
		}
	})

	return &readers
}
