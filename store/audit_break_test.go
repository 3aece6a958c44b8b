package store

import (
	"context"
	"sync"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// TestGroupConflictSparesOtherRecords commits a Connect delivery and an unrelated synced
// audit record in one group, while another writer changes the delivery's envelope during
// every commit attempt. A status read or a create of that envelope writes it so, though
// rarely in all five attempts. Only the delivery's reads conflict. Before the group commit,
// the delivery failed alone and the tool call's record still committed. The group now
// fails every item after its conflict retries, so the record of a write that Docusign
// already made is lost.
func TestGroupConflictSparesOtherRecords(t *testing.T) {
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

	raw := readStoredRaw(t, s, "env-1")

	release := holdCommitter(t, log)

	// The hook runs inside each commit attempt, between the group's reads and its commit.
	s.failWrite = func(op string) error {
		if op != "commit audit group" {
			return nil
		}
		return s.db.Update(func(txn *badger.Txn) error {
			return txn.Set(envelopeKey("env-1"), raw)
		})
	}

	var wg sync.WaitGroup
	var appendErr error
	wg.Go(func() {
		// The delivery may fail: Connect retries it.
		d, rec := webhookAuditFixture("a", 0)
		_, _ = s.ApplyWebhookDelivery(ctx, d, webhookStateFixture(), log, rec)
	})

	wg.Go(func() {
		_, appendErr = log.Append(AuditRecord{Kind: AuditToolCall, Tool: "void_envelope",
			Outcome: "ok"})
	})

	release(2)
	wg.Wait()
	s.failWrite = nil

	if appendErr != nil {
		t.Errorf("Append of an unrelated tool record failed with %v: a conflict on the "+
			"delivery's reads failed every record of its group", appendErr)
	}
}

// readStoredRaw returns the stored bytes of an envelope state.
func readStoredRaw(t *testing.T, s *Store, envelopeID string) []byte {
	t.Helper()
	var raw []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(envelopeKey(envelopeID))
		if err != nil {
			return err
		}
		raw, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		t.Fatalf("reading the state of %s failed: %v", envelopeID, err)
	}

	return raw
}
