package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// waitUntil polls cond until it holds, failing the test after a minute.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within a minute", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdCommitter blocks the committer of log on a barrier and returns a function that
// releases it once n items wait in the queue, so that those n items commit in one group.
func holdCommitter(t *testing.T, log *AuditLog) (release func(n int)) {
	t.Helper()
	log.mu.Lock()
	go log.settle()
	queued := func(n int) func() bool {
		return func() bool {
			log.queue.mu.Lock()
			defer log.queue.mu.Unlock()
			return log.queue.running && len(log.queue.items) == n
		}
	}

	waitUntil(t, "the committer taking the barrier", queued(0))
	return func(n int) {
		waitUntil(t, "the items reaching the queue", queued(n))
		log.mu.Unlock()
	}
}

// webhookStateFixture returns a completed state of the envelope of webhookAuditFixture.
func webhookStateFixture() *EnvelopeState {
	return &EnvelopeState{EnvelopeID: "env-1", Status: "completed", Source: SourceWebhook,
		ObservedAt: time.Date(2026, 12, 4, 10, 20, 0, 0, time.UTC),
		Snapshot:   []byte(`{"status":"completed"}`)}
}

func TestGroupDuplicateAppliedOnce(t *testing.T) {
	s := openTestCounters(t)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	var changes atomic.Int64
	t.Cleanup(s.OnEnvelopeChange(func(EnvelopeState) { changes.Add(1) }))

	ctx := context.Background()
	release := holdCommitter(t, log)
	outcomes := make([]WebhookOutcome, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, bodyHex := range []string{"a", "b"} {
		d, rec := webhookAuditFixture(bodyHex, i)
		wg.Go(func() {
			outcomes[i], errs[i] = s.ApplyWebhookDelivery(ctx, d, webhookStateFixture(), log,
				rec)
		})
		// The first copy must be queued first, so wait for it before the second.
		waitUntil(t, "delivery queued", func() bool {
			log.queue.mu.Lock()
			defer log.queue.mu.Unlock()
			return len(log.queue.items) == i+1
		})
	}

	release(2)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("ApplyWebhookDelivery %d failed: %v", i, err)
		}
	}

	if outcomes[0].Duplicate || !outcomes[0].StateChanged {
		t.Errorf("first copy = %+v, want applied and not a duplicate", outcomes[0])
	}

	if !outcomes[1].Duplicate || outcomes[1].StateChanged {
		t.Errorf("second copy in the same group = %+v, want a duplicate without a state "+
			"change", outcomes[1])
	}

	if got := changes.Load(); got != 1 {
		t.Errorf("envelope listeners called %d times, want 1 for the first copy alone", got)
	}

	recs, err := QueryAudit(ctx, s, AuditQuery{Kind: AuditWebhook})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}

	if len(recs) != 1 {
		t.Errorf("webhook audit records = %d, want 1: none for the duplicate", len(recs))
	}

	if _, err := VerifyAudit(ctx, s); err != nil {
		t.Errorf("VerifyAudit after a group with a duplicate failed: %v", err)
	}
}

func TestGroupCommitFailureFailsEveryWaiter(t *testing.T) {
	s := openTestCounters(t)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	ctx := context.Background()
	release := holdCommitter(t, log)
	s.failWrite = diskFull("commit audit group")
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i, bodyHex := range []string{"a", "b"} {
		d, rec := webhookAuditFixture(bodyHex, i)
		d.EnvelopeID = "env-" + bodyHex
		wg.Go(func() {
			_, err := s.ApplyWebhookDelivery(ctx, d, nil, log, rec)
			errs <- err
		})
	}

	wg.Go(func() {
		_, err := log.Append(AuditRecord{Kind: AuditToolCall, Outcome: "ok"})
		errs <- err
	})

	release(3)
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("waiter of the failed group got %v, want the commit's ENOSPC", err)
		}
	}

	s.failWrite = nil
	summary, err := VerifyAudit(ctx, s)
	if err != nil {
		t.Fatalf("VerifyAudit after the failed group failed: %v", err)
	}

	if summary.Records != 0 {
		t.Errorf("audit records after the failed group = %d, want 0", summary.Records)
	}

	d, rec := webhookAuditFixture("a", 1)
	d.EnvelopeID = "env-a"
	out, err := s.ApplyWebhookDelivery(ctx, d, nil, log, rec)
	if err != nil || out.Duplicate {
		t.Errorf("redelivery after the failed group = %+v, %v; want recorded", out, err)
	}
}

func TestCloseDrainsQueuedRecords(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testKey)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	release := holdCommitter(t, log)
	const queued = 100
	for range queued {
		if _, err := log.AppendBatched(AuditRecord{Kind: AuditToolCall}); err != nil {
			t.Fatalf("AppendBatched failed: %v", err)
		}
	}

	release(queued)
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}

	summary, err := verifyDir(t, dir)
	if err != nil {
		t.Fatalf("VerifyAudit after Close failed: %v", err)
	}

	if summary.Records != queued {
		t.Errorf("records after Close = %d, want the %d queued before it", summary.Records,
			queued)
	}
}

func TestAppendBatchedDoesNotWaitForCommit(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "store"), testKey)
	defer s.Close()
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	release := holdCommitter(t, log)
	returned := make(chan error, 1)
	go func() {
		_, err := log.AppendBatched(AuditRecord{Kind: AuditToolCall})
		returned <- err
	}()

	select {
	case err := <-returned:
		if err != nil {
			t.Errorf("AppendBatched failed: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("AppendBatched waited a minute for a commit that the test holds back")
	}

	release(1)
	recs, err := QueryAudit(context.Background(), s, AuditQuery{})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}

	if len(recs) != 1 {
		t.Errorf("records after the release = %d, want the 1 batched record", len(recs))
	}
}

func TestApplyWebhookDeliveryInvalidatesCache(t *testing.T) {
	s := openTestCounters(t)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	ctx := context.Background()
	sent := webhookStateFixture()
	sent.Status, sent.ObservedAt = "sent", sent.ObservedAt.Add(-time.Hour)
	if _, _, err := s.PutEnvelope(ctx, *sent); err != nil {
		t.Fatalf("PutEnvelope failed: %v", err)
	}

	// Read twice, so that the second read comes from the cache.
	for range 2 {
		if got, err := s.GetEnvelope(ctx, "env-1"); err != nil || got.Status != "sent" {
			t.Fatalf("GetEnvelope before the delivery = %+v, %v; want sent", got, err)
		}
	}

	d, rec := webhookAuditFixture("a", 0)
	out, err := s.ApplyWebhookDelivery(ctx, d, webhookStateFixture(), log, rec)
	if err != nil {
		t.Fatalf("ApplyWebhookDelivery failed: %v", err)
	}

	if !out.StateChanged || out.State.Status != "completed" {
		t.Errorf("ApplyWebhookDelivery = %+v, want the completed state applied", out)
	}

	got, err := s.GetEnvelope(ctx, "env-1")
	if err != nil {
		t.Fatalf("GetEnvelope after the delivery failed: %v", err)
	}

	if got.Status != "completed" {
		t.Errorf("GetEnvelope after the delivery = %s, want completed: the cached state "+
			"is stale", got.Status)
	}
}

func TestApplyWebhookDeliveryInvalidState(t *testing.T) {
	s := openTestCounters(t)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	d, rec := webhookAuditFixture("a", 0)
	state := webhookStateFixture()
	state.EnvelopeID = "env/1"
	if _, err := s.ApplyWebhookDelivery(context.Background(), d, state, log, rec); err == nil {
		t.Error("ApplyWebhookDelivery with an envelope id containing a slash succeeded, " +
			"want an error")
	}
}

func TestSealRecordMatchesMarshal(t *testing.T) {
	tests := []struct {
		name string
		rec  AuditRecord
	}{
		{name: "minimal", rec: AuditRecord{Seq: 1, Kind: AuditToolCall, Prev: genesisHash}},
		{name: "tool call", rec: benchmarkRecord},
		{name: "escaped strings", rec: AuditRecord{Seq: 7, Kind: AuditWebhook,
			Caller: "a\"b<c>&\u2028", Action: "envelope-sent", Prev: genesisHash,
			Time: time.Date(2026, 12, 4, 10, 0, 0, 123456789, time.UTC)}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.rec
			value, err := sealRecord(&rec)
			if err != nil {
				t.Fatalf("sealRecord failed: %v", err)
			}

			want, err := json.Marshal(rec)
			if err != nil {
				t.Fatalf("json.Marshal failed: %v", err)
			}
			if string(value) != string(want) {
				t.Errorf("sealRecord = %s, want the encoding of the sealed record %s",
					value, want)
			}

			hash, err := recordHash(rec)
			if err != nil {
				t.Fatalf("recordHash failed: %v", err)
			}
			if rec.Hash != hash {
				t.Errorf("sealed hash = %s, want recordHash's %s", rec.Hash, hash)
			}
		})
	}
}

func TestCloseWithoutAppendsKeepsHeadFile(t *testing.T) {
	dir := t.TempDir()
	headFile := filepath.Join(dir, AuditHeadFileName)
	s := openTest(t, filepath.Join(dir, "store"), testKey)
	log, err := OpenAuditLog(s, AuditOptions{HeadFile: headFile})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	if _, err := log.Append(AuditRecord{Kind: AuditToolCall}); err != nil {
		t.Fatalf("Append failed: %v", err)
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}

	// A later head file, as if the store had been restored from an older copy.
	later := []byte(`{"seq":9,"hash":"` + genesisHash + `"}`)
	if err := os.WriteFile(headFile, later, 0o600); err != nil {
		t.Fatalf("writing the head file failed: %v", err)
	}

	s = openTest(t, filepath.Join(dir, "store"), testKey)
	log, err = OpenAuditLog(s, AuditOptions{HeadFile: headFile})
	if err != nil {
		t.Fatalf("OpenAuditLog again failed: %v", err)
	}

	if err := log.Flush(); err != nil {
		t.Fatalf("Flush failed: %v", err)
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}

	got, err := os.ReadFile(headFile)
	if err != nil {
		t.Fatalf("reading the head file failed: %v", err)
	}

	if string(got) != string(later) {
		t.Errorf("head file after a session without appends = %s, want it kept as %s",
			got, later)
	}
}
