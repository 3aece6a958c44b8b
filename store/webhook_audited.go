package store

import (
	"context"
	"encoding/json"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// RecordWebhookDeliveryAudited records d like RecordWebhookDelivery and appends rec to log
// in the same transaction, so a process killed at any point leaves either both or neither.
// A redelivery after the kill then finds the record, or is recorded and audited as the
// first copy, and each delivery gets exactly one audit record. When a delivery with the
// same event key or body hash is already recorded, it writes nothing, neither record nor
// audit record, and returns that delivery with false. The write is synced to disk before
// it returns. log must be the audit log of s.
func (s *Store) RecordWebhookDeliveryAudited(ctx context.Context, d WebhookDelivery,
	log *AuditLog, rec AuditRecord) (WebhookDelivery, bool, error) {
	if err := ctx.Err(); err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("record webhook delivery: %w", err)
	}
	if log.db != s.db {
		return WebhookDelivery{}, false, fmt.Errorf("record webhook delivery %s: the audit "+
			"log belongs to another store: open it with OpenAuditLog on this store",
			d.EnvelopeID)
	}
	raw, d, err := s.encodeWebhook(d)
	if err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("record webhook delivery: %w", err)
	}
	var existing WebhookDelivery
	stored, appended, prune, err := log.commitWith(rec, func(txn *badger.Txn) (bool, error) {
		var duplicate bool
		var err error
		existing, duplicate, err = findWebhook(txn, d)
		if err != nil || duplicate {
			return duplicate, err
		}
		if err := writeWebhook(txn, d, raw); err != nil {
			return false, err
		}
		return false, s.injectedFault("record webhook delivery")
	})
	if err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("record webhook delivery %s %s: %w",
			d.EnvelopeID, d.Event, err)
	}
	if !appended {
		return existing, false, nil
	}
	if err := log.finishAppend(stored, prune); err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("record webhook delivery %s %s: %w",
			d.EnvelopeID, d.Event, err)
	}
	return d, true, nil
}

// encodeWebhook validates d, sets its times as RecordWebhookDelivery does, checks the free
// space and returns the encoded record with the updated d.
func (s *Store) encodeWebhook(d WebhookDelivery) ([]byte, WebhookDelivery, error) {
	if err := d.validate(); err != nil {
		return nil, d, err
	}
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = s.now()
	}
	d.ReceivedAt = d.ReceivedAt.UTC()
	d.GeneratedAt = d.GeneratedAt.UTC()
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, d, fmt.Errorf("encode: %w", err)
	}
	if err := s.checkSpace(len(raw)); err != nil {
		return nil, d, err
	}
	return raw, d, nil
}

// finishAppend syncs a record that commitWith wrote, updates the head file and prunes when
// a prune is due, as Append does after its commit.
func (l *AuditLog) finishAppend(stored AuditRecord, prune bool) error {
	if err := l.guard.sync(l.db); err != nil {
		return fmt.Errorf("append audit record %d: sync: %w", stored.Seq, err)
	}
	if l.opts.HeadFile != "" {
		if err := l.writeHeadFile(auditMark{Seq: stored.Seq, Hash: stored.Hash}); err != nil {
			return fmt.Errorf("append audit record %d: %w", stored.Seq, err)
		}
	}
	if prune {
		if _, err := l.Prune(); err != nil {
			return fmt.Errorf("append audit record %d: %w", stored.Seq, err)
		}
	}
	return nil
}
