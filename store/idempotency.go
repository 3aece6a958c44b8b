package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// ErrIdempotencyKeyNotFound is returned when no idempotency record is stored under a key.
var ErrIdempotencyKeyNotFound = errors.New("idempotency key not found in store")

// Idempotency record states.
const (
	// IdempotencyPending marks a record written before the Docusign call whose outcome is not
	// stored yet: the call is running, failed ambiguously, or the process stopped during it.
	IdempotencyPending = "pending"
	// IdempotencyCompleted marks a record that holds the envelope id and the result.
	IdempotencyCompleted = "completed"
)

// AuditReconciliation is the audit record kind of one idempotency reconciliation: the
// listing that looks for the envelope of a pending record. Its Outcome is "adopted",
// "not_found", "failed" or "deleted".
const AuditReconciliation = "idempotency_reconciliation"

// maxConflictRetries bounds the retries of a transaction that a concurrent one conflicted with.
const maxConflictRetries = 5

// IdempotencyRecord is the stored state of one idempotency key of create_envelope.
type IdempotencyRecord struct {
	Key string `json:"key"`
	// FieldValue is the value of the envelope custom field that carries the key to
	// Docusign, so that an envelope of this record can be found by listing.
	FieldValue  string `json:"field_value"`
	RequestHash string `json:"request_hash"`
	Principal   string `json:"principal"`
	// Derived is true when the server derived the key from the caller and the request.
	Derived bool   `json:"derived"`
	State   string `json:"state"`
	// CreatedAt is when the pending record was written, before the first Docusign call.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when a completed record stops counting, so that its key can be reused.
	// The zero time means never. A pending record never expires.
	ExpiresAt   time.Time       `json:"expires_at,omitzero"`
	CompletedAt time.Time       `json:"completed_at,omitzero"`
	EnvelopeID  string          `json:"envelope_id,omitempty"`
	Result      json.RawMessage `json:"result,omitempty"`
}

// Pending reports whether the record's outcome is not stored yet.
func (r IdempotencyRecord) Pending() bool { return r.State == IdempotencyPending }

// expired reports whether a completed record no longer counts at now.
func (r IdempotencyRecord) expired(now time.Time) bool {
	return r.State == IdempotencyCompleted && !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt)
}

// ReserveIdempotencyKey writes rec as a pending record, unless a record that still counts is
// stored under rec.Key: then it returns that record and false. An expired completed record is
// replaced. The write is synced to disk before ReserveIdempotencyKey returns, so a crash
// right after it cannot lose the record. CreatedAt defaults to the store's clock.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, rec IdempotencyRecord) (
	IdempotencyRecord, bool, error) {
	if rec.Key == "" || rec.FieldValue == "" || rec.RequestHash == "" {
		return IdempotencyRecord{}, false, errors.New("reserve idempotency key: key, field " +
			"value and request hash must be set")
	}
	rec.State = IdempotencyPending
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = s.now().UTC()
	}
	var existing IdempotencyRecord
	reserved := false
	err := s.updateSynced(ctx, func(txn *badger.Txn) error {
		found, ok, err := readIdempotency(txn, rec.Key)
		if err != nil {
			return err
		}
		if ok && !found.expired(s.now()) {
			existing, reserved = found, false
			return nil
		}
		reserved = true
		return writeIdempotency(txn, rec)
	})
	if err != nil {
		return IdempotencyRecord{}, false, fmt.Errorf("reserve idempotency key %s: %w",
			rec.Key, err)
	}
	if reserved {
		return rec, true, nil
	}
	return existing, false, nil
}

// CompleteIdempotencyKey stores the envelope id and result in the pending record under key
// and sets its expiry to ttl from now, where zero means never. The write is synced to disk.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, key, envelopeID string,
	result []byte, ttl time.Duration) (IdempotencyRecord, error) {
	var rec IdempotencyRecord
	err := s.updateSynced(ctx, func(txn *badger.Txn) error {
		found, ok, err := readIdempotency(txn, key)
		if err != nil {
			return err
		}
		if !ok {
			return ErrIdempotencyKeyNotFound
		}
		now := s.now().UTC()
		found.State = IdempotencyCompleted
		found.EnvelopeID = envelopeID
		found.Result = json.RawMessage(result)
		found.CompletedAt = now
		found.ExpiresAt = time.Time{}
		if ttl > 0 {
			found.ExpiresAt = now.Add(ttl)
		}
		rec = found
		return writeIdempotency(txn, found)
	})
	if err != nil {
		return IdempotencyRecord{}, fmt.Errorf("complete idempotency key %s: %w", key, err)
	}
	return rec, nil
}

// ReleaseIdempotencyKey deletes the record under key if it is still pending with
// requestHash, after a failure that certainly created nothing, so the key can be used again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, key, requestHash string) error {
	err := s.updateSynced(ctx, func(txn *badger.Txn) error {
		found, ok, err := readIdempotency(txn, key)
		if err != nil || !ok || !found.Pending() || found.RequestHash != requestHash {
			return err
		}
		return txn.Delete(idempotencyKey(key))
	})
	if err != nil {
		return fmt.Errorf("release idempotency key %s: %w", key, err)
	}
	return nil
}

// GetIdempotencyKey returns the record under key, expired or not, or
// ErrIdempotencyKeyNotFound.
func (s *Store) GetIdempotencyKey(ctx context.Context, key string) (IdempotencyRecord, error) {
	if err := ctx.Err(); err != nil {
		return IdempotencyRecord{}, fmt.Errorf("get idempotency key %s: %w", key, err)
	}
	var rec IdempotencyRecord
	err := s.db.View(func(txn *badger.Txn) error {
		found, ok, err := readIdempotency(txn, key)
		if err != nil {
			return err
		}
		if !ok {
			return ErrIdempotencyKeyNotFound
		}
		rec = found
		return nil
	})
	if err != nil {
		return IdempotencyRecord{}, fmt.Errorf("get idempotency key %s: %w", key, err)
	}
	return rec, nil
}

// PendingIdempotencyKeys returns every pending record, oldest first.
func (s *Store) PendingIdempotencyKeys(ctx context.Context) ([]IdempotencyRecord, error) {
	var out []IdempotencyRecord
	err := s.db.View(func(txn *badger.Txn) error {
		return scanIdempotency(ctx, txn, func(rec IdempotencyRecord) {
			if rec.Pending() {
				out = append(out, rec)
			}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list pending idempotency keys: %w", err)
	}
	slices.SortFunc(out, func(a, b IdempotencyRecord) int {
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	return out, nil
}

// PruneIdempotencyKeys deletes the completed records that expired and returns how many.
func (s *Store) PruneIdempotencyKeys(ctx context.Context) (int, error) {
	var keys []string
	err := s.db.View(func(txn *badger.Txn) error {
		return scanIdempotency(ctx, txn, func(rec IdempotencyRecord) {
			if rec.expired(s.now()) {
				keys = append(keys, rec.Key)
			}
		})
	})
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, key := range keys {
		if err := wb.Delete(idempotencyKey(key)); err != nil {
			return 0, fmt.Errorf("prune idempotency key %s: %w", key, err)
		}
	}
	if err := wb.Flush(); err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return len(keys), nil
}

// updateSynced runs fn in a read-write transaction, retries it when a concurrent transaction
// conflicts, and syncs the database to disk after the commit.
func (s *Store) updateSynced(ctx context.Context, fn func(*badger.Txn) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.db.Update(fn)
		if errors.Is(err, badger.ErrConflict) && attempt < maxConflictRetries {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.guard.sync(s.db); err != nil {
			return fmt.Errorf("sync to disk: %w", err)
		}
		return nil
	}
}

func readIdempotency(txn *badger.Txn, key string) (IdempotencyRecord, bool, error) {
	item, err := txn.Get(idempotencyKey(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return IdempotencyRecord{}, false, nil
	}
	if err != nil {
		return IdempotencyRecord{}, false, err
	}
	var rec IdempotencyRecord
	err = item.Value(func(v []byte) error { return json.Unmarshal(v, &rec) })
	if err != nil {
		return IdempotencyRecord{}, false, fmt.Errorf("decode record: %w", err)
	}
	return rec, true, nil
}

func writeIdempotency(txn *badger.Txn, rec IdempotencyRecord) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	return txn.Set(idempotencyKey(rec.Key), raw)
}

func scanIdempotency(ctx context.Context, txn *badger.Txn, visit func(IdempotencyRecord)) error {
	prefix := []byte(idempotencyPrefix)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true,
		PrefetchSize: 16})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		var rec IdempotencyRecord
		err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &rec) })
		if err != nil {
			return fmt.Errorf("decode record %s: %w", it.Item().Key(), err)
		}
		visit(rec)
	}
	return nil
}

const idempotencyPrefix = "idem/"

func idempotencyKey(key string) []byte { return []byte(idempotencyPrefix + key) }
