package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

// TestWebhookStateNotifiedAfterHeadFileFailure applies a Connect delivery whose state
// commits while the audit head file cannot be written, as on a full disk. The delivery
// returns an error, so Docusign retries it, and the retry is a duplicate. The state is
// committed all the same, so the listeners must hear of it: OnEnvelopeChange promises a
// call after every committed change, and the receiver's earlier path through PutEnvelope
// notified them before the audit append could fail.
func TestWebhookStateNotifiedAfterHeadFileFailure(t *testing.T) {
	s := openTestCounters(t)

	// A head file in a missing directory fails every write of it after the commit.
	headFile := filepath.Join(t.TempDir(), "missing", "audit-head.json")
	log, err := OpenAuditLog(s, AuditOptions{HeadFile: headFile})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}

	var mu sync.Mutex
	var notified []string
	remove := s.OnEnvelopeChange(func(state EnvelopeState) {
		mu.Lock()
		defer mu.Unlock()
		notified = append(notified, state.Status)
	})

	defer remove()

	ctx := context.Background()
	d, rec := webhookAuditFixture("a", 0)
	if _, err := s.ApplyWebhookDelivery(ctx, d, webhookStateFixture(), log, rec); err == nil {
		t.Fatalf("ApplyWebhookDelivery succeeded with an unwritable head file, want an error")
	}

	retry, retryRec := webhookAuditFixture("a", 1)
	out, err := s.ApplyWebhookDelivery(ctx, retry, webhookStateFixture(), log, retryRec)
	if err == nil && !out.Duplicate {
		t.Errorf("the retried delivery was applied again, want a duplicate")
	}

	state, err := s.GetEnvelope(ctx, "env-1")
	if err != nil {
		t.Fatalf("GetEnvelope after the deliveries failed: %v", err)
	}

	if state.Status != "completed" {
		t.Fatalf("stored status = %s, want completed from the first delivery", state.Status)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(notified) != 1 {
		t.Errorf("listeners got %d changes (%v) of the committed completed state, want 1: "+
			"wait_for_envelope, resource subscribers and the archiver (until its scan at "+
			"the next start) never learn of it", len(notified), notified)
	}
}
