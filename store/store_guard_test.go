package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// oldChunkSize is the document chunk size of the previous release.
const oldChunkSize = 1 << 20

// previousReleaseOptions returns the Badger memory options of the previous release: 16 MB
// memtables, a 32 MB block cache and Badger's default value threshold of 1 MB.
func previousReleaseOptions(o badger.Options) badger.Options {
	return o.WithMemTableSize(16 << 20).WithBlockCacheSize(32 << 20).
		WithValueThreshold(1 << 20)
}

// writeOldLayoutDocument stores data under key as the previous release did: 1 MiB chunks
// and their metadata, written with that release's Badger options. It returns the metadata.
func writeOldLayoutDocument(t *testing.T, dir string, key DocumentKey,
	data []byte) DocumentMeta {
	t.Helper()
	s, err := Open(dir, Options{EncryptionKey: testKey, tune: previousReleaseOptions})
	if err != nil {
		t.Fatalf("Open with the earlier options failed: %v", err)
	}

	defer s.Close()
	sum := sha256.Sum256(data)
	meta := DocumentMeta{Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		MIMEType: "application/pdf", Name: key.DocumentID + ".pdf",
		StoredAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), Generation: "old-generation"}
	for start := 0; start < len(data); start += oldChunkSize {
		chunk := data[start:min(start+oldChunkSize, len(data))]
		err := s.db.Update(func(txn *badger.Txn) error {
			return txn.Set(chunkKey(key, meta.Generation, meta.Chunks), chunk)
		})
		if err != nil {
			t.Fatalf("writing chunk %d failed: %v", meta.Chunks, err)
		}
		meta.Chunks++
	}

	raw, err := json.Marshal(meta)
	if err != nil {
		t.Fatalf("encoding the metadata failed: %v", err)
	}

	err = s.db.Update(func(txn *badger.Txn) error { return txn.Set(metaKey(key), raw) })
	if err != nil {
		t.Fatalf("writing the metadata failed: %v", err)
	}

	return meta
}

// TestOldChunkDocumentReadsBack stores a document in 1 MiB chunks with the previous
// release's options, closes the store cleanly, and checks that the current release reads
// it back, replaces it and removes the old chunks.
func TestOldChunkDocumentReadsBack(t *testing.T) {
	dir := t.TempDir()
	key := DocumentKey{EnvelopeID: "env-old", DocumentID: "contract"}
	data := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("o"), 2*oldChunkSize+4321)...)
	old := writeOldLayoutDocument(t, dir, key, data)
	if old.Chunks != 3 {
		t.Fatalf("old layout wrote %d chunks, want 3", old.Chunks)
	}

	s := openTest(t, dir, testKey)
	defer s.Close()
	ctx := context.Background()
	var buf bytes.Buffer
	meta, err := s.GetDocument(ctx, key, &buf)
	if err != nil {
		t.Fatalf("GetDocument of the old document failed: %v", err)
	}

	if !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("GetDocument read %d bytes that differ from the %d stored", buf.Len(),
			len(data))
	}

	if meta.Chunks != old.Chunks {
		t.Errorf("metadata names %d chunks, want the %d stored", meta.Chunks, old.Chunks)
	}

	replacement := bytes.Repeat([]byte("n"), chunkSize+10)
	if _, err := s.PutDocument(ctx, key, bytes.NewReader(replacement)); err != nil {
		t.Fatalf("PutDocument over the old document failed: %v", err)
	}

	buf.Reset()
	if _, err := s.GetDocument(ctx, key, &buf); err != nil {
		t.Fatalf("GetDocument of the replacement failed: %v", err)
	}

	if !bytes.Equal(buf.Bytes(), replacement) {
		t.Errorf("GetDocument after the replacement read %d bytes, want the %d of the "+
			"replacement", buf.Len(), len(replacement))
	}

	for i := range old.Chunks {
		err := s.db.View(func(txn *badger.Txn) error {
			_, err := txn.Get(chunkKey(key, old.Generation, i))
			return err
		})
		if !errors.Is(err, badger.ErrKeyNotFound) {
			t.Errorf("old chunk %d after the replacement: error = %v, want it deleted", i, err)
		}
	}
}
