package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// auditRetentionKey stores the retention an operator set, so every process that opens the
// audit log of the store prunes alike.
const auditRetentionKey = "audit/retention"

// AuditRetention is the retention of an audit log: Prune keeps at most MaxRecords records, and
// none older than MaxAge.
type AuditRetention struct {
	MaxRecords uint64        `json:"max_records"`
	MaxAge     time.Duration `json:"max_age_ns"`
}

// DefaultAuditRetention is the retention of a store where none was saved.
var DefaultAuditRetention = AuditRetention{MaxRecords: DefaultAuditMaxRecords,
	MaxAge: DefaultAuditMaxAge}

// SaveAuditRetention stores r in s. Audit logs opened later with zero limits apply it.
func SaveAuditRetention(s *Store, r AuditRetention) error {
	if r.MaxRecords == 0 || r.MaxAge <= 0 {
		return fmt.Errorf("save audit retention: max records %d and max age %s must both "+
			"be positive", r.MaxRecords, r.MaxAge)
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("save audit retention: %w", err)
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(auditRetentionKey), raw)
	})
	if err != nil {
		return fmt.Errorf("save audit retention: %w", err)
	}
	return nil
}

// LoadAuditRetention returns the retention saved in s, or DefaultAuditRetention and false.
func LoadAuditRetention(s *Store) (AuditRetention, bool, error) {
	r := DefaultAuditRetention
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(auditRetentionKey))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return item.Value(func(v []byte) error { return json.Unmarshal(v, &r) })
	})
	if err != nil {
		return DefaultAuditRetention, false, fmt.Errorf("load audit retention: %w", err)
	}
	return r, found, nil
}
