// Package store keeps downloaded Docusign documents and their metadata in a Badger database on
// disk, optionally encrypted at rest with Badger's built-in AES encryption.
package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// ErrNotFound is returned by GetDocument and StatDocument when no document is stored under a key.
var ErrNotFound = errors.New("document not found in store")

// chunkSize is the size of the pieces a document is split into. Badger rejects a single
// transaction above about 15% of its memtable size (about 1.2 MB with memTableSize), so a
// 25 MB document cannot be one value. Reads follow the chunk count in the metadata, so
// documents stored with another chunk size still read back.
const chunkSize = 512 << 10

// indexCacheSize is the block index cache Badger requires once encryption is on.
const indexCacheSize = 32 << 20

// Badger's memory options. Without jemalloc, each memtable is a Go byte slice of
// memTableSize that the garbage collector counts as live, and flushing one to a table
// allocates about as much again. So Badger's defaults (five of 64 MB and a 256 MB block
// cache) let the heap, and RSS under load, grow well past the store's needs. An 8 MB
// memtable still takes the 512 KB document chunks, since Badger allows a transaction up to
// about 15% of it (1.2 MB). Under load (bench, 10 sessions, default mix, 20 s), serve's
// peak RSS was about 133 MiB with 16 MB memtables and 82 MiB with 8 MB ones.
const (
	memTableSize   = 8 << 20
	numMemtables   = 2
	blockCacheSize = 16 << 20
)

// valueThreshold is the value size from which Badger keeps a value in its value log rather
// than in the tables. Document chunks stay in the value log, as with Badger's default of
// 1 MB and the earlier 1 MB chunks, so that compactions do not copy document bytes.
const valueThreshold = 64 << 10

// Options configures Open.
type Options struct {
	// EncryptionKey is an AES key of 16, 24 or 32 bytes. Empty leaves the data unencrypted.
	// Opening an encrypted database needs the key it was created with.
	EncryptionKey []byte
	// Logger receives Badger's own log lines. Nil discards them.
	Logger *slog.Logger
	// Retention decides when archived envelopes are purged. The zero value keeps them.
	Retention RetentionPolicy
	// MinFreeBytes is the free disk space that Open and every write leave in reserve.
	// 0 means DefaultMinFreeBytes, and a negative value turns the check off.
	MinFreeBytes int64

	// tune lets tests change Badger's options, such as the value-log file size.
	tune func(badger.Options) badger.Options
}

// DocumentKey identifies one stored document: an envelope id and a Docusign document id, which
// is a number or one of the keywords combined, archive, certificate and portfolio.
type DocumentKey struct {
	EnvelopeID string
	DocumentID string
}

// DocumentMeta describes a stored document.
type DocumentMeta struct {
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256"`
	MIMEType string    `json:"mime_type"`
	Name     string    `json:"name"`
	StoredAt time.Time `json:"stored_at"`
	// Generation names the chunk set that holds the bytes, so a replaced document never mixes
	// old and new chunks.
	Generation string `json:"generation"`
	Chunks     int    `json:"chunks"`
}

// Store is a document store on one Badger database. It is safe for concurrent use.
type Store struct {
	db        *badger.DB
	now       func() time.Time
	retention RetentionPolicy
	// dir, minFree and freeSpace check the free disk space before each write.
	dir       string
	minFree   int64
	freeSpace freeSpaceFunc
	// failWrite, when set by a test, injects a write failure such as a full disk before
	// each commit.
	failWrite func(op string) error

	upkeepCtx  context.Context
	stopUpkeep context.CancelFunc
	upkeepDone sync.WaitGroup

	guard *closeGuard
	// listeners receive each committed envelope state change.
	listeners envelopeListeners
}

// noFault injects no failure.
func noFault(string) error { return nil }

// injectedFault returns the failure a test injected for op, or nil.
func (s *Store) injectedFault(op string) error {
	if s.failWrite == nil {
		return nil
	}
	return s.failWrite(op)
}

// checkSpace returns an error wrapping ErrDiskFull unless need bytes fit above the reserve.
func (s *Store) checkSpace(need int) error {
	return checkFreeSpace(s.freeSpace, s.dir, s.minFree, int64(need))
}

// Open opens or creates the Badger database in dir.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("open store: empty directory: set a data directory")
	}
	switch len(opts.EncryptionKey) {
	case 0, 16, 24, 32:
	default:
		return nil, fmt.Errorf("open store: encryption key is %d bytes: use 16, 24 or 32 bytes",
			len(opts.EncryptionKey))
	}
	if err := checkFreeSpace(diskFree, dir, opts.minFreeBytes(), 0); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	bo := badger.DefaultOptions(dir).WithLogger(slogAdapter{opts.Logger}).
		WithMemTableSize(memTableSize).WithNumMemtables(numMemtables).
		WithBlockCacheSize(blockCacheSize).WithValueThreshold(valueThreshold)
	if len(opts.EncryptionKey) > 0 {
		bo = bo.WithEncryptionKey(opts.EncryptionKey).WithIndexCacheSize(indexCacheSize)
	}
	if opts.tune != nil {
		bo = opts.tune(bo)
	}
	if err := flushLargerMemtables(bo); err != nil {
		return nil, openError(dir, err)
	}
	db, err := badger.Open(bo)
	if err != nil {
		return nil, openError(dir, err)
	}
	return newStore(db, opts), nil
}

// flushLargerMemtables flushes memtable files that a process with larger memtables left
// behind, such as an earlier release with 16 MB memtables that crashed. Badger replays a
// memtable file into an arena sized by the current options and ends the process when the
// data does not fit. So when a file is larger than the current options create, the
// database is opened once with memtables of that file's size, which flushes them on Close.
func flushLargerMemtables(bo badger.Options) error {
	largest := largestMemtableFile(bo.Dir)
	// Badger sizes a memtable file at twice the memtable size.
	if largest/2 <= bo.MemTableSize {
		return nil
	}
	db, err := badger.Open(bo.WithMemTableSize(largest / 2))
	if err != nil {
		return fmt.Errorf("replay memtables of %d bytes: %w", largest/2, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("flush memtables of %d bytes: %w", largest/2, err)
	}
	return nil
}

// largestMemtableFile returns the size of the largest Badger memtable file in dir, or 0.
func largestMemtableFile(dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var largest int64
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".mem") {
			continue
		}
		if info, err := entry.Info(); err == nil {
			largest = max(largest, info.Size())
		}
	}
	return largest
}

// newStore wraps an open database. Every Store should come from it, so that Close and
// StartUpkeep find their context.
func newStore(db *badger.DB, opts Options) *Store {
	s := &Store{db: db, now: time.Now, retention: opts.Retention, guard: &closeGuard{},
		dir: db.Opts().Dir, minFree: opts.minFreeBytes(), freeSpace: diskFree}
	s.upkeepCtx, s.stopUpkeep = context.WithCancel(context.Background())
	return s
}

// openError explains why Badger could not open dir and what to do about it.
func openError(dir string, err error) error {
	if errors.Is(err, badger.ErrEncryptionKeyMismatch) {
		return &keyMismatchError{dir: dir, err: err}
	}
	var locked *LockedError
	if errors.As(lockedError(dir, err), &locked) {
		return locked
	}
	return fmt.Errorf("open store %s: %w: if the directory is damaged, restore it from a "+
		"backup or set another data directory", dir, err)
}

// keyMismatchError is Badger's ErrEncryptionKeyMismatch with the fix. Its message leaves
// out Badger's own text, which would only repeat "wrong encryption key".
type keyMismatchError struct {
	dir string
	err error
}

func (e *keyMismatchError) Error() string {
	return fmt.Sprintf("open store %s: wrong encryption key: use the key the store was "+
		"created with", e.dir)
}

func (e *keyMismatchError) Unwrap() error { return e.err }

// Close stops the upkeep job, then flushes and closes the database.
func (s *Store) Close() error {
	if s.stopUpkeep != nil {
		s.stopUpkeep()
		s.upkeepDone.Wait()
	}
	if err := s.guard.close(s.db.Close); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// PutDocument streams r into the store under key, replacing any earlier version, and returns
// the new metadata. The MIME type is sniffed from the first bytes and the name is the document
// id with the matching extension. The new version becomes visible only once all bytes are written.
func (s *Store) PutDocument(ctx context.Context, key DocumentKey, r io.Reader) (DocumentMeta,
	error) {
	if err := key.validate(); err != nil {
		return DocumentMeta{}, err
	}
	old, err := s.StatDocument(ctx, key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return DocumentMeta{}, err
	}
	meta, err := s.writeChunks(ctx, key, r)
	if err != nil {
		return DocumentMeta{}, err
	}
	if err := s.writeMeta(key, meta); err != nil {
		s.deleteChunks(key, meta)
		return DocumentMeta{}, err
	}
	if old.Generation != "" {
		s.deleteChunks(key, old)
	}
	return meta, nil
}

func (s *Store) writeChunks(ctx context.Context, key DocumentKey, r io.Reader) (DocumentMeta,
	error) {
	meta := DocumentMeta{Generation: newGeneration()}
	hash := sha256.New()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	buf := make([]byte, chunkSize)
	for {
		if err := ctx.Err(); err != nil {
			return DocumentMeta{}, fmt.Errorf("put document %s: %w", key, err)
		}
		n, readErr := io.ReadFull(r, buf)
		if n > 0 {
			if meta.Chunks == 0 {
				meta.MIMEType = sniffMIME(buf[:n])
			}
			if err := s.checkSpace(n); err != nil {
				return DocumentMeta{}, fmt.Errorf("put document %s: %w", key, err)
			}
			hash.Write(buf[:n])
			value := bytes.Clone(buf[:n])
			if err := wb.Set(chunkKey(key, meta.Generation, meta.Chunks), value); err != nil {
				return DocumentMeta{}, fmt.Errorf("put document %s: write chunk: %w", key, err)
			}
			meta.Chunks++
			meta.Size += int64(n)
		}
		if errors.Is(readErr, io.EOF) || errors.Is(readErr, io.ErrUnexpectedEOF) {
			break
		}
		if readErr != nil {
			return DocumentMeta{}, fmt.Errorf("put document %s: read: %w", key, readErr)
		}
	}
	if err := s.injectedFault("put document chunks"); err != nil {
		return DocumentMeta{}, fmt.Errorf("put document %s: flush: %w", key, err)
	}
	if err := wb.Flush(); err != nil {
		return DocumentMeta{}, fmt.Errorf("put document %s: flush: %w", key, err)
	}
	if meta.MIMEType == "" {
		meta.MIMEType = "application/octet-stream"
	}
	meta.SHA256 = hex.EncodeToString(hash.Sum(nil))
	meta.Name = key.DocumentID + extensionFor(meta.MIMEType)
	meta.StoredAt = s.now().UTC()
	return meta, nil
}

func (s *Store) writeMeta(key DocumentKey, meta DocumentMeta) error {
	raw, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("put document %s: encode metadata: %w", key, err)
	}
	err = s.injectedFault("put document metadata")
	if err == nil {
		err = s.checkSpace(len(raw))
	}
	if err == nil {
		err = s.db.Update(func(txn *badger.Txn) error {
			return txn.Set(metaKey(key), raw)
		})
	}
	if err != nil {
		return fmt.Errorf("put document %s: write metadata: %w", key, err)
	}
	return nil
}

// deleteChunks removes one generation's chunks. A failure is ignored because it only leaves
// unreachable chunks behind, which waste space but never corrupt a read.
func (s *Store) deleteChunks(key DocumentKey, meta DocumentMeta) {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for i := range meta.Chunks {
		if err := wb.Delete(chunkKey(key, meta.Generation, i)); err != nil {
			return
		}
	}
	_ = wb.Flush()
}

// StatDocument returns the metadata stored under key, or ErrNotFound.
func (s *Store) StatDocument(ctx context.Context, key DocumentKey) (DocumentMeta, error) {
	if err := ctx.Err(); err != nil {
		return DocumentMeta{}, fmt.Errorf("stat document %s: %w", key, err)
	}
	var meta DocumentMeta
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaKey(key))
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { return json.Unmarshal(v, &meta) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return DocumentMeta{}, fmt.Errorf("stat document %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return DocumentMeta{}, fmt.Errorf("stat document %s: %w", key, err)
	}
	return meta, nil
}

// GetDocument writes the document stored under key to w and returns its metadata. It reads
// from one snapshot, so a concurrent PutDocument never mixes two versions.
func (s *Store) GetDocument(ctx context.Context, key DocumentKey, w io.Writer) (DocumentMeta,
	error) {
	var meta DocumentMeta
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaKey(key))
		if err != nil {
			return err
		}
		if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &meta) }); err != nil {
			return err
		}
		return copyChunks(ctx, txn, key, meta, w)
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return DocumentMeta{}, fmt.Errorf("get document %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return DocumentMeta{}, fmt.Errorf("get document %s: %w", key, err)
	}
	return meta, nil
}

func copyChunks(ctx context.Context, txn *badger.Txn, key DocumentKey, meta DocumentMeta,
	w io.Writer) error {
	for i := range meta.Chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		item, err := txn.Get(chunkKey(key, meta.Generation, i))
		if err != nil {
			return fmt.Errorf("chunk %d of %d: %w", i, meta.Chunks, err)
		}
		err = item.Value(func(v []byte) error {
			_, err := w.Write(v)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// String returns the key as envelope/document, for errors and logs.
func (k DocumentKey) String() string { return k.EnvelopeID + "/" + k.DocumentID }

func (k DocumentKey) validate() error {
	for _, part := range []string{k.EnvelopeID, k.DocumentID} {
		if part == "" || strings.ContainsAny(part, "/\x00") {
			return fmt.Errorf("invalid document key %q: ids must be non-empty and contain no "+
				"slash", k.String())
		}
	}
	return nil
}

func metaKey(k DocumentKey) []byte {
	return []byte("doc/" + k.EnvelopeID + "/" + k.DocumentID + "/meta")
}

func chunkKey(k DocumentKey, generation string, index int) []byte {
	return fmt.Appendf(nil, "doc/%s/%s/chunk/%s/%08d", k.EnvelopeID, k.DocumentID, generation,
		index)
}

func newGeneration() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sniffMIME detects the type from content, never from a header the caller sent.
func sniffMIME(head []byte) string {
	mime, _, _ := strings.Cut(http.DetectContentType(head), ";")
	return mime
}

func extensionFor(mime string) string {
	switch mime {
	case "application/pdf":
		return ".pdf"
	case "application/zip":
		return ".zip"
	default:
		return ""
	}
}
