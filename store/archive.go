package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// ArchivedDocumentPrefix starts the store document id of an archived copy, such as
// archived-combined. Docusign document ids are numbers or keywords, so no download of a
// working copy can replace an archived copy.
const ArchivedDocumentPrefix = "archived-"

// Artifact is one archived document of a completed envelope.
type Artifact struct {
	// Name is the artifact's role: combined, certificate, or attachment-<document id>.
	// It is never the document's name in Docusign, which may name a person.
	Name string `json:"name"`
	// DocumentID is Docusign's document id, such as combined, certificate or 3.
	DocumentID string `json:"document_id"`
	// StoreID is the document id of the archived copy in the store.
	StoreID    string    `json:"store_id"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	MIMEType   string    `json:"mime_type"`
	ArchivedAt time.Time `json:"archived_at"`
}

// Archive is the record of an archived envelope: its archived copies with their hashes.
type Archive struct {
	EnvelopeID string `json:"envelope_id"`
	// CompletedAt is when the envelope completed, as the archiver observed it.
	CompletedAt time.Time  `json:"completed_at,omitzero"`
	ArchivedAt  time.Time  `json:"archived_at"`
	Artifacts   []Artifact `json:"artifacts"`
}

// ArchivedDocumentKey returns the store key of the archived copy of a Docusign document.
func ArchivedDocumentKey(envelopeID, documentID string) DocumentKey {
	return DocumentKey{EnvelopeID: envelopeID, DocumentID: ArchivedDocumentPrefix + documentID}
}

// PutArchivedDocument streams r into the archived copy of a Docusign document, like
// PutDocument, and returns its metadata.
func (s *Store) PutArchivedDocument(ctx context.Context, envelopeID, documentID string,
	r io.Reader) (DocumentMeta, error) {
	return s.PutDocument(ctx, ArchivedDocumentKey(envelopeID, documentID), r)
}

// GetArchivedDocument writes the archived copy of a Docusign document to w and returns its
// metadata, or an error wrapping ErrNotFound.
func (s *Store) GetArchivedDocument(ctx context.Context, envelopeID, documentID string,
	w io.Writer) (DocumentMeta, error) {
	return s.GetDocument(ctx, ArchivedDocumentKey(envelopeID, documentID), w)
}

// DeleteArchivedDocument removes the archived copy of a Docusign document, such as one that
// failed its checks. A missing copy is not an error.
func (s *Store) DeleteArchivedDocument(ctx context.Context, envelopeID,
	documentID string) error {
	key := ArchivedDocumentKey(envelopeID, documentID)
	meta, err := s.StatDocument(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.deleteDocument(key, meta)
}

// SaveArchive records a as the envelope's archive and marks the envelope archived with its
// artifacts as the documents to keep (see MarkArchived), so the upkeep job prunes every
// other document of the envelope. customFields select the retention period.
func (s *Store) SaveArchive(ctx context.Context, a Archive,
	customFields map[string]string) (Archive, error) {
	if len(a.Artifacts) == 0 {
		return Archive{}, fmt.Errorf("save archive of %s: no artifacts: store at least one "+
			"archived document first", a.EnvelopeID)
	}
	if a.ArchivedAt.IsZero() {
		a.ArchivedAt = s.now()
	}
	a.ArchivedAt = a.ArchivedAt.UTC()
	ids := make([]string, 0, len(a.Artifacts))
	for _, art := range a.Artifacts {
		ids = append(ids, art.StoreID)
	}
	_, err := s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: a.EnvelopeID,
		CustomFields: customFields, Documents: ids})
	if err != nil {
		return Archive{}, fmt.Errorf("save archive of %s: %w", a.EnvelopeID, err)
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return Archive{}, fmt.Errorf("save archive of %s: encode: %w", a.EnvelopeID, err)
	}
	err = s.injectedFault("save archive")
	if err == nil {
		err = s.checkSpace(len(raw))
	}
	if err == nil {
		err = s.updateSynced(ctx, func(txn *badger.Txn) error {
			return txn.Set(envelopeArchiveKey(a.EnvelopeID), raw)
		})
	}
	if err != nil {
		return Archive{}, fmt.Errorf("save archive of %s: %w", a.EnvelopeID, err)
	}
	return a, nil
}

// PruneWorkingCopies deletes the working copies of an archived envelope that were stored
// before cutoff and returns how many it deleted. Later copies stay until the upkeep job's
// next run, so that an agent can still read a document it has just downloaded.
func (s *Store) PruneWorkingCopies(ctx context.Context, envelopeID string,
	cutoff time.Time) (int, error) {
	rec, err := s.archiveRecord(envelopeID)
	if err != nil {
		return 0, fmt.Errorf("prune working copies: %w", err)
	}
	docs, err := s.envelopeDocuments(ctx, envelopeID)
	if err != nil {
		return 0, fmt.Errorf("prune working copies: %w", err)
	}
	pruned := 0
	for id, meta := range docs {
		if slices.Contains(rec.Documents, id) || !meta.StoredAt.Before(cutoff) {
			continue
		}
		key := DocumentKey{EnvelopeID: envelopeID, DocumentID: id}
		if err := s.deleteDocument(key, meta); err != nil {
			return pruned, fmt.Errorf("prune working copies: %w", err)
		}
		pruned++
	}
	return pruned, nil
}

// GetArchive returns the archive record of an envelope, or an error wrapping ErrNotFound
// when the envelope is not archived, or was purged after its retention period.
func (s *Store) GetArchive(ctx context.Context, envelopeID string) (Archive, error) {
	if err := ctx.Err(); err != nil {
		return Archive{}, fmt.Errorf("get archive of %s: %w", envelopeID, err)
	}
	var a Archive
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(envelopeArchiveKey(envelopeID))
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { return json.Unmarshal(v, &a) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Archive{}, fmt.Errorf("get archive of %s: %w", envelopeID, ErrNotFound)
	}
	if err != nil {
		return Archive{}, fmt.Errorf("get archive of %s: %w", envelopeID, err)
	}
	return a, nil
}

// ListEnvelopeStates returns the stored state of every envelope for which keep returns true,
// in envelope id order. A nil keep returns them all.
func (s *Store) ListEnvelopeStates(ctx context.Context,
	keep func(EnvelopeState) bool) ([]EnvelopeState, error) {
	var states []EnvelopeState
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("env/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !strings.HasSuffix(string(it.Item().Key()), "/state") {
				continue
			}
			var st EnvelopeState
			err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &st) })
			if err != nil {
				return fmt.Errorf("decode %s: %w", it.Item().Key(), err)
			}
			if keep == nil || keep(st) {
				states = append(states, st)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list envelope states: %w", err)
	}
	return states, nil
}

// envelopeArchiveKey sits under the envelope's env/ prefix, so that a purge after the
// retention period removes it with the envelope's state.
func envelopeArchiveKey(envelopeID string) []byte {
	return []byte("env/" + envelopeID + "/archive")
}
