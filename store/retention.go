package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// DefaultMatterField is the envelope custom field that names an envelope's matter type
// unless the retention policy names another.
const DefaultMatterField = "Matter Type"

// RetentionPolicy decides how long an archived envelope is kept, by its matter type.
type RetentionPolicy struct {
	// MatterField is the envelope custom field whose value is the matter type, compared
	// without regard to case. Empty means DefaultMatterField.
	MatterField string
	// Default applies to matter types without an entry in ByMatter. Zero keeps them forever.
	Default time.Duration
	// ByMatter maps a lower-case matter type to its retention period. Zero keeps forever.
	ByMatter map[string]time.Duration
}

// Period returns the retention period of a matter type, 0 meaning forever.
func (p RetentionPolicy) Period(matterType string) time.Duration {
	if d, ok := p.ByMatter[strings.ToLower(strings.TrimSpace(matterType))]; ok {
		return d
	}
	return p.Default
}

// matterType returns the value of the policy's matter field in fields, or "".
func (p RetentionPolicy) matterType(fields map[string]string) string {
	name := p.MatterField
	if name == "" {
		name = DefaultMatterField
	}
	for k, v := range fields {
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ParseRetention parses a comma-separated list of MATTER=PERIOD entries, where the matter
// "default" sets the period of every other matter type. A period is a number of days (90d),
// years of 365 days (7y), a Go duration (36h), or 0 or "forever" to keep without end.
func ParseRetention(spec string) (RetentionPolicy, error) {
	p := RetentionPolicy{ByMatter: map[string]time.Duration{}}
	for entry := range strings.SplitSeq(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		matter, period, ok := strings.Cut(entry, "=")
		matter = strings.ToLower(strings.TrimSpace(matter))
		if !ok || matter == "" {
			return RetentionPolicy{}, fmt.Errorf("retention entry %q is invalid: use "+
				"MATTER=PERIOD, e.g. default=7y,nda=3y", entry)
		}
		d, err := parsePeriod(strings.TrimSpace(period))
		if err != nil {
			return RetentionPolicy{}, fmt.Errorf("retention entry %q: %w", entry, err)
		}
		if matter == "default" {
			p.Default = d
			continue
		}
		p.ByMatter[matter] = d
	}
	return p, nil
}

// parsePeriod parses one retention period: Nd, Ny, a Go duration, 0 or forever.
func parsePeriod(s string) (time.Duration, error) {
	const fix = "use days (90d), years (7y), a duration (36h) or forever"
	if s == "0" || strings.EqualFold(s, "forever") {
		return 0, nil
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'y': 365 * 24 * time.Hour}
	if n := len(s); n > 1 && unit[s[n-1]] > 0 {
		count, err := strconv.Atoi(s[:n-1])
		if err != nil || count <= 0 || count > 1000*365 {
			return 0, fmt.Errorf("period %q is invalid: %s", s, fix)
		}
		return time.Duration(count) * unit[s[n-1]], nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("period %q is invalid: %s", s, fix)
	}
	return d, nil
}

// ArchiveRequest names an envelope to mark archived and the documents that are its archived
// copies. Every other stored document of the envelope is a working copy.
type ArchiveRequest struct {
	EnvelopeID string
	// CustomFields are the envelope's custom fields by name; the policy's matter field
	// among them selects the retention period.
	CustomFields map[string]string
	// Documents are document ids already in the store, such as "archive" or "combined".
	Documents []string
}

// ArchiveRecord is the store's record of an archived envelope.
type ArchiveRecord struct {
	EnvelopeID string    `json:"envelope_id"`
	MatterType string    `json:"matter_type"`
	ArchivedAt time.Time `json:"archived_at"`
	Documents  []string  `json:"documents"`
}

// MarkArchived records an envelope as archived. The upkeep job then prunes its working
// copies and, once the matter type's retention period has passed since the first
// MarkArchived, purges the envelope. Each named document must already be stored, so a
// wrong id fails here instead of leaving nothing to keep.
func (s *Store) MarkArchived(ctx context.Context, req ArchiveRequest) (ArchiveRecord, error) {
	if err := validateArchive(req); err != nil {
		return ArchiveRecord{}, err
	}
	for _, id := range req.Documents {
		key := DocumentKey{EnvelopeID: req.EnvelopeID, DocumentID: id}
		if _, err := s.StatDocument(ctx, key); err != nil {
			return ArchiveRecord{}, fmt.Errorf("mark envelope %s archived: %w: store the "+
				"document before archiving", req.EnvelopeID, err)
		}
	}
	rec := ArchiveRecord{EnvelopeID: req.EnvelopeID, ArchivedAt: s.now().UTC(),
		MatterType: s.retention.matterType(req.CustomFields)}
	old, err := s.archiveRecord(req.EnvelopeID)
	switch {
	case err == nil:
		rec.ArchivedAt = old.ArchivedAt
		rec.Documents = old.Documents
	case !errors.Is(err, ErrNotFound):
		return ArchiveRecord{}, err
	}
	for _, id := range req.Documents {
		if !slices.Contains(rec.Documents, id) {
			rec.Documents = append(rec.Documents, id)
		}
	}
	if err := s.putArchiveRecord(rec); err != nil {
		return ArchiveRecord{}, err
	}
	return rec, nil
}

func validateArchive(req ArchiveRequest) error {
	if len(req.Documents) == 0 {
		return fmt.Errorf("mark envelope %s archived: no documents: name at least one "+
			"stored document to keep", req.EnvelopeID)
	}
	for _, id := range req.Documents {
		key := DocumentKey{EnvelopeID: req.EnvelopeID, DocumentID: id}
		if err := key.validate(); err != nil {
			return fmt.Errorf("mark envelope archived: %w", err)
		}
	}
	return nil
}

// ArchiveRecord returns the archive record of an envelope, or an error wrapping ErrNotFound.
func (s *Store) ArchiveRecord(envelopeID string) (ArchiveRecord, error) {
	return s.archiveRecord(envelopeID)
}

func (s *Store) archiveRecord(envelopeID string) (ArchiveRecord, error) {
	var rec ArchiveRecord
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(archiveKey(envelopeID))
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { return json.Unmarshal(v, &rec) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ArchiveRecord{}, fmt.Errorf("archive record of %s: %w", envelopeID, ErrNotFound)
	}
	if err != nil {
		return ArchiveRecord{}, fmt.Errorf("read archive record of %s: %w", envelopeID, err)
	}
	return rec, nil
}

func (s *Store) putArchiveRecord(rec ArchiveRecord) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode archive record of %s: %w", rec.EnvelopeID, err)
	}
	err = s.injectedFault("put archive record")
	if err == nil {
		err = s.checkSpace(len(raw))
	}
	if err == nil {
		err = s.db.Update(func(txn *badger.Txn) error {
			return txn.Set(archiveKey(rec.EnvelopeID), raw)
		})
	}
	if err != nil {
		return fmt.Errorf("write archive record of %s: %w", rec.EnvelopeID, err)
	}
	return nil
}

// archiveRecords returns every archive record.
func (s *Store) archiveRecords(ctx context.Context) ([]ArchiveRecord, error) {
	var records []ArchiveRecord
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(archivePrefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var rec ArchiveRecord
			err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &rec) })
			if err != nil {
				return fmt.Errorf("decode %s: %w", it.Item().Key(), err)
			}
			records = append(records, rec)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list archive records: %w", err)
	}
	return records, nil
}

// envelopeDocuments returns the metadata of every stored document of an envelope, by id.
func (s *Store) envelopeDocuments(ctx context.Context, envelopeID string) (
	map[string]DocumentMeta, error) {
	docs := map[string]DocumentMeta{}
	prefix := []byte("doc/" + envelopeID + "/")
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			rest := strings.TrimPrefix(string(it.Item().Key()), string(prefix))
			id, ok := strings.CutSuffix(rest, "/meta")
			if !ok || strings.Contains(id, "/") {
				continue
			}
			var meta DocumentMeta
			err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &meta) })
			if err != nil {
				return fmt.Errorf("decode metadata of %s: %w", id, err)
			}
			docs[id] = meta
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list documents of %s: %w", envelopeID, err)
	}
	return docs, nil
}

// deleteDocument removes a document's metadata, which makes it unreadable at once, and
// then its chunks.
func (s *Store) deleteDocument(key DocumentKey, meta DocumentMeta) error {
	err := s.injectedFault("delete document")
	if err == nil {
		err = s.db.Update(func(txn *badger.Txn) error { return txn.Delete(metaKey(key)) })
	}
	if err != nil {
		return fmt.Errorf("delete document %s: %w", key, err)
	}
	s.deleteChunks(key, meta)
	return nil
}

const archivePrefix = "arc/"

func archiveKey(envelopeID string) []byte { return []byte(archivePrefix + envelopeID) }
