package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Delivery is the record of one attempt to post an event to a downstream URL.
type Delivery struct {
	EventID    string `json:"event_id"`
	EnvelopeID string `json:"envelope_id"`
	// Target is the downstream target's id, a hash prefix of its URL, never the URL,
	// which may carry a token.
	Target  string    `json:"target"`
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	// StatusCode is the HTTP status of the response, 0 when none arrived.
	StatusCode int `json:"status_code,omitempty"`
	// Error describes a failed attempt.
	Error     string `json:"error,omitempty"`
	Delivered bool   `json:"delivered"`
}

// RecordDelivery stores one delivery attempt, synced to disk. The record lives under the
// envelope, so a purge after the retention period removes it.
func (s *Store) RecordDelivery(ctx context.Context, d Delivery) error {
	if d.EnvelopeID == "" || strings.ContainsAny(d.EnvelopeID, "/\x00") {
		return fmt.Errorf("record delivery: invalid envelope id %q: use the envelope GUID",
			d.EnvelopeID)
	}
	if d.At.IsZero() {
		d.At = s.now()
	}
	d.At = d.At.UTC()
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("record delivery of %s: encode: %w", d.EventID, err)
	}
	nonce := make([]byte, 4)
	_, _ = rand.Read(nonce)
	// The zero-padded time keeps Badger's key order the order of the attempts.
	key := fmt.Appendf(nil, "%s%020d-%s", deliveryPrefix(d.EnvelopeID), d.At.UnixNano(),
		hex.EncodeToString(nonce))
	if err := s.checkSpace(len(key) + len(raw)); err != nil {
		return fmt.Errorf("record delivery of %s: %w", d.EventID, err)
	}
	err = s.updateSynced(ctx, func(txn *badger.Txn) error { return txn.Set(key, raw) })
	if err != nil {
		return fmt.Errorf("record delivery of %s: %w", d.EventID, err)
	}
	return nil
}

// Deliveries returns the delivery attempts recorded for an envelope, oldest first.
func (s *Store) Deliveries(ctx context.Context, envelopeID string) ([]Delivery, error) {
	out, err := scanJSON[Delivery](ctx, s.db, []byte(deliveryPrefix(envelopeID)))
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", envelopeID, err)
	}
	return out, nil
}

func deliveryPrefix(envelopeID string) string { return "env/" + envelopeID + "/delivery/" }
