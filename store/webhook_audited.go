package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// RecordWebhookDeliveryAudited records d like RecordWebhookDelivery and appends rec to log
// in the same transaction, as ApplyWebhookDelivery does without a state. It returns the
// delivery recorded with true, or the earlier copy that d duplicates with false.
func (s *Store) RecordWebhookDeliveryAudited(ctx context.Context, d WebhookDelivery,
	log *AuditLog, rec AuditRecord) (WebhookDelivery, bool, error) {
	out, err := s.ApplyWebhookDelivery(ctx, d, nil, log, rec)
	if err != nil {
		return WebhookDelivery{}, false, err
	}
	return out.Delivery, !out.Duplicate, nil
}

// WebhookOutcome is the result of ApplyWebhookDelivery.
type WebhookOutcome struct {
	// Delivery is the delivery recorded, or the earlier copy of a duplicate.
	Delivery WebhookDelivery
	// Duplicate reports that an earlier copy was recorded, so nothing was written.
	Duplicate bool
	// State is the envelope state kept, and StateChanged reports whether the delivery's
	// state replaced the stored one, as PutEnvelope reports them. Both are zero for a
	// duplicate and for a delivery without a state.
	State        EnvelopeState
	StateChanged bool
}

// ApplyWebhookDelivery records d, applies state (unless nil) to the envelope as PutEnvelope
// does, and appends rec to log, all in one transaction. A process killed at any point thus
// leaves all or nothing, and a redelivery after the kill either finds the record or is
// applied and audited as the first copy, so each delivery gets exactly one audit record.
// When a delivery with the same event key or body hash is already recorded, or queued
// before d in the same group, it writes nothing and reports a duplicate. The audit log's
// committer writes many deliveries in one transaction, and each call returns after a sync
// that covers its group, duplicates included. log must be the audit log of s.
func (s *Store) ApplyWebhookDelivery(ctx context.Context, d WebhookDelivery,
	state *EnvelopeState, log *AuditLog, rec AuditRecord) (WebhookOutcome, error) {
	if err := ctx.Err(); err != nil {
		return WebhookOutcome{}, fmt.Errorf("record webhook delivery: %w", err)
	}
	if log.db != s.db {
		return WebhookOutcome{}, fmt.Errorf("record webhook delivery %s: the audit log "+
			"belongs to another store: open it with OpenAuditLog on this store",
			d.EnvelopeID)
	}
	raw, d, err := s.encodeWebhook(d)
	if err != nil {
		return WebhookOutcome{}, fmt.Errorf("record webhook delivery: %w", err)
	}
	next, err := s.prepareWebhookState(state)
	if err != nil {
		return WebhookOutcome{}, fmt.Errorf("record webhook delivery: %w", err)
	}
	out := WebhookOutcome{Delivery: d}
	item := &auditItem{rec: rec, durable: true, with: func(txn *badger.Txn) (bool, error) {
		return s.writeWebhookDelivery(txn, d, raw, next, &out)
	}}
	if next != nil {
		// As PutEnvelope does, the state cache takes no fill of this envelope from before
		// the commit until the write ends, which here is after the group's sync.
		s.listeners.states.beginWrite(next.EnvelopeID)
	}
	err = log.appendWait(item)
	if next != nil {
		s.listeners.states.endWrite(next.EnvelopeID)
	}
	if err != nil {
		return WebhookOutcome{}, fmt.Errorf("record webhook delivery %s %s: %w",
			d.EnvelopeID, d.Event, err)
	}
	// A duplicate waits for the sync too, because its first copy may share the group.
	syncErr := log.finishAppend(item)
	// The state is committed even when the sync or the head file failed, so the listeners
	// hear of it either way, as they do after PutEnvelope, which does not sync.
	if out.StateChanged {
		s.listeners.notify(out.State)
	}
	if syncErr != nil {
		return WebhookOutcome{}, fmt.Errorf("record webhook delivery %s %s: %w",
			d.EnvelopeID, d.Event, syncErr)
	}
	return out, nil
}

// prepareWebhookState checks state and sets its time as PutEnvelope does. It returns a copy,
// or nil for a nil state.
func (s *Store) prepareWebhookState(state *EnvelopeState) (*EnvelopeState, error) {
	if state == nil {
		return nil, nil
	}
	next := *state
	if next.EnvelopeID == "" || strings.ContainsAny(next.EnvelopeID, "/\x00") {
		return nil, fmt.Errorf("invalid envelope id %q in the state: use the envelope GUID",
			next.EnvelopeID)
	}
	if next.ObservedAt.IsZero() {
		next.ObservedAt = s.now()
	}
	next.ObservedAt = next.ObservedAt.UTC()
	return &next, nil
}

// writeWebhookDelivery is the write of ApplyWebhookDelivery in the group's transaction. It
// sets out, and reports skip for a duplicate. It may run more than once, so it sets every
// field of out that it decides.
func (s *Store) writeWebhookDelivery(txn *badger.Txn, d WebhookDelivery, raw []byte,
	state *EnvelopeState, out *WebhookOutcome) (skip bool, err error) {
	*out = WebhookOutcome{Delivery: d}
	existing, duplicate, err := findWebhook(txn, d)
	if err != nil {
		return false, err
	}
	if duplicate {
		*out = WebhookOutcome{Delivery: existing, Duplicate: true}
		return true, nil
	}
	if state != nil {
		cur, found, err := readEnvelope(txn, state.EnvelopeID)
		if err != nil {
			return false, err
		}
		out.State, out.StateChanged = NextEnvelopeState(cur, found, *state)
		if out.StateChanged {
			encoded, err := json.Marshal(out.State)
			if err != nil {
				return false, fmt.Errorf("encode envelope state: %w", err)
			}
			if err := txn.Set(envelopeKey(state.EnvelopeID), encoded); err != nil {
				return false, err
			}
		}
	}
	if err := writeWebhook(txn, d, raw); err != nil {
		return false, err
	}
	return false, s.injectedFault("record webhook delivery")
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
