package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// AuditWebhook is the audit record kind of one Docusign Connect delivery, accepted or
// rejected. Its Action is the event name, KeyID the HMAC key that matched, StatusCode the
// HTTP status returned to Docusign, and Outcome "ok" or the reason for the rejection.
const AuditWebhook = "webhook"

// DefaultWebhookRetention is how long a delivery record is kept for de-duplication. Docusign
// retries a failed delivery at most ten times, once a day at most, so a redelivery older
// than 30 days is not expected.
const DefaultWebhookRetention = 30 * 24 * time.Hour

// Keys of the delivery records. A record is stored under the hash of its event key, and two
// index keys point at that hash: one by body hash and one by receipt time for pruning.
const (
	webhookEventPrefix = "webhook/event/"
	webhookBodyPrefix  = "webhook/body/"
	webhookTimePrefix  = "webhook/time/"
	webhookTimeDigits  = 20
)

// webhookPruneBatch bounds the records one transaction of PruneWebhookDeliveries deletes,
// far below Badger's limit on the size of one transaction.
const webhookPruneBatch = 1000

// WebhookDelivery is the durable record of one accepted Docusign Connect delivery.
type WebhookDelivery struct {
	// EnvelopeID is empty for events about something other than an envelope, such as a
	// template.
	EnvelopeID string `json:"envelope_id,omitempty"`
	// RecipientID is set on recipient events, so that events of two recipients generated
	// at the same instant stay apart.
	RecipientID string `json:"recipient_id,omitempty"`
	// TemplateID is set on template events, which have no envelope id.
	TemplateID string `json:"template_id,omitempty"`
	// Event is the Connect event name, such as envelope-completed.
	Event string `json:"event"`
	// GeneratedAt is Docusign's generatedDateTime of the message.
	GeneratedAt time.Time `json:"generated_at"`
	// BodySHA256 is the hex SHA-256 of the exact request body.
	BodySHA256 string `json:"body_sha256"`
	// KeyID names the HMAC key that verified the delivery, never the key itself.
	KeyID      string `json:"key_id,omitempty"`
	RetryCount int    `json:"retry_count,omitempty"`
	// ReceivedAt is when the record was written. RecordWebhookDelivery sets it from the
	// store's clock when it is zero.
	ReceivedAt time.Time `json:"received_at"`
}

// EventKey returns the identity of the event: the envelope id, the recipient id, the event
// name and the generated time, as Docusign repeats them on every redelivery of one message.
// A template event is identified by its template id, name and generated time instead. Any
// other event without an envelope id is identified by its body hash alone, because two
// such events may share the name and the time. A redelivery's body differs from the first
// copy's in retryCount, so only the first kinds of key match redeliveries.
func (d WebhookDelivery) EventKey() string {
	if d.EnvelopeID == "" && d.TemplateID != "" {
		return "template|" + d.TemplateID + "|" + d.Event + "|" +
			d.GeneratedAt.UTC().Format(time.RFC3339Nano)
	}
	if d.EnvelopeID == "" {
		return "body|" + d.BodySHA256
	}
	return d.EnvelopeID + "|" + d.RecipientID + "|" + d.Event + "|" +
		d.GeneratedAt.UTC().Format(time.RFC3339Nano)
}

// eventHash returns the hex SHA-256 of the event key, which keeps the record key short and
// free of the separator.
func (d WebhookDelivery) eventHash() string {
	sum := sha256.Sum256([]byte(d.EventKey()))
	return hex.EncodeToString(sum[:])
}

func (d WebhookDelivery) validate() error {
	if d.Event == "" {
		return errors.New("webhook delivery has no event name: set Event from the message")
	}
	if _, err := hex.DecodeString(d.BodySHA256); err != nil || len(d.BodySHA256) != 64 {
		return fmt.Errorf("webhook delivery body hash %q is invalid: set the hex SHA-256 of "+
			"the request body", d.BodySHA256)
	}
	return nil
}

// FindWebhookDelivery returns the recorded delivery with the same event key or the same body
// hash as d, and whether one was found.
func (s *Store) FindWebhookDelivery(ctx context.Context, d WebhookDelivery) (
	WebhookDelivery, bool, error) {
	if err := ctx.Err(); err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("find webhook delivery: %w", err)
	}
	var found WebhookDelivery
	var ok bool
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		found, ok, err = findWebhook(txn, d)
		return err
	})
	if err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("find webhook delivery %s: %w",
			d.EnvelopeID, err)
	}
	return found, ok, nil
}

// RecordWebhookDelivery writes d and returns it with true. When a delivery with the same event
// key or body hash is already recorded, it writes nothing and returns that delivery with
// false. The write is synced to disk before
// RecordWebhookDelivery returns, together with every write committed before it, so a 200
// sent after it survives a crash.
func (s *Store) RecordWebhookDelivery(ctx context.Context, d WebhookDelivery) (
	WebhookDelivery, bool, error) {
	if err := d.validate(); err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("record webhook delivery: %w", err)
	}
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = s.now()
	}
	d.ReceivedAt = d.ReceivedAt.UTC()
	d.GeneratedAt = d.GeneratedAt.UTC()
	raw, err := json.Marshal(d)
	if err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("record webhook delivery: encode: %w", err)
	}
	if err := s.checkSpace(len(raw)); err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("record webhook delivery: %w", err)
	}
	var existing WebhookDelivery
	var duplicate bool
	err = s.updateSynced(ctx, func(txn *badger.Txn) error {
		var err error
		existing, duplicate, err = findWebhook(txn, d)
		if err != nil || duplicate {
			return err
		}
		return writeWebhook(txn, d, raw)
	})
	if err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("record webhook delivery %s %s: %w",
			d.EnvelopeID, d.Event, err)
	}
	if duplicate {
		return existing, false, nil
	}
	return d, true, nil
}

// PruneWebhookDeliveries deletes the delivery records received before cutoff and returns how
// many it deleted. A redelivery of a pruned message is then applied again, which moves no
// envelope backwards because envelope states never do.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, cutoff time.Time) (int, error) {
	deleted := 0
	for {
		if err := ctx.Err(); err != nil {
			return deleted, fmt.Errorf("prune webhook deliveries: %w", err)
		}
		n, err := s.pruneWebhookBatch(cutoff)
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("prune webhook deliveries: %w", err)
		}
		if n < webhookPruneBatch {
			return deleted, nil
		}
	}
}

// pruneWebhookBatch deletes up to webhookPruneBatch records received before cutoff.
func (s *Store) pruneWebhookBatch(cutoff time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(txn *badger.Txn) error {
		n = 0
		for _, key := range oldWebhookTimeKeys(txn, cutoff) {
			if err := deleteWebhook(txn, key); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// oldWebhookTimeKeys returns up to webhookPruneBatch time index keys before cutoff, oldest
// first.
func oldWebhookTimeKeys(txn *badger.Txn, cutoff time.Time) [][]byte {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(webhookTimePrefix)})
	defer it.Close()
	limit := webhookTimeKey(cutoff, "")
	var keys [][]byte
	for it.Rewind(); it.Valid() && len(keys) < webhookPruneBatch; it.Next() {
		key := it.Item().KeyCopy(nil)
		if string(key) >= string(limit) {
			break
		}
		keys = append(keys, key)
	}
	return keys
}

// deleteWebhook deletes the record that a time index key names, with both index keys.
func deleteWebhook(txn *badger.Txn, timeKey []byte) error {
	_, hash, ok := strings.Cut(strings.TrimPrefix(string(timeKey), webhookTimePrefix), "/")
	if !ok {
		return fmt.Errorf("invalid webhook time key %q", timeKey)
	}
	rec, found, err := readWebhook(txn, hash)
	if err != nil {
		return err
	}
	if found {
		if err := txn.Delete([]byte(webhookBodyPrefix + rec.BodySHA256)); err != nil {
			return err
		}
		if err := txn.Delete([]byte(webhookEventPrefix + hash)); err != nil {
			return err
		}
	}
	return txn.Delete(timeKey)
}

// findWebhook looks d up by event key, then by body hash.
func findWebhook(txn *badger.Txn, d WebhookDelivery) (WebhookDelivery, bool, error) {
	rec, found, err := readWebhook(txn, d.eventHash())
	if err != nil || found {
		return rec, found, err
	}
	item, err := txn.Get([]byte(webhookBodyPrefix + d.BodySHA256))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return WebhookDelivery{}, false, nil
	}
	if err != nil {
		return WebhookDelivery{}, false, err
	}
	hash, err := item.ValueCopy(nil)
	if err != nil {
		return WebhookDelivery{}, false, err
	}
	return readWebhook(txn, string(hash))
}

func readWebhook(txn *badger.Txn, hash string) (WebhookDelivery, bool, error) {
	item, err := txn.Get([]byte(webhookEventPrefix + hash))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return WebhookDelivery{}, false, nil
	}
	if err != nil {
		return WebhookDelivery{}, false, err
	}
	var rec WebhookDelivery
	err = item.Value(func(v []byte) error { return json.Unmarshal(v, &rec) })
	if err != nil {
		return WebhookDelivery{}, false, fmt.Errorf("decode webhook delivery %s: %w", hash, err)
	}
	return rec, true, nil
}

func writeWebhook(txn *badger.Txn, d WebhookDelivery, raw []byte) error {
	hash := d.eventHash()
	if err := txn.Set([]byte(webhookEventPrefix+hash), raw); err != nil {
		return err
	}
	if err := txn.Set([]byte(webhookBodyPrefix+d.BodySHA256), []byte(hash)); err != nil {
		return err
	}
	return txn.Set(webhookTimeKey(d.ReceivedAt, hash), nil)
}

// webhookTimeKey orders records by receipt time. Times before 1970 sort as 0.
func webhookTimeKey(at time.Time, hash string) []byte {
	nanos := max(at.UnixNano(), 0)
	return fmt.Appendf(nil, "%s%0*d/%s", webhookTimePrefix, webhookTimeDigits, nanos, hash)
}
