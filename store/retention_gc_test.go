package store

import (
	"bytes"
	"context"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

func TestUpkeepReclaimsValueLog(t *testing.T) {
	dir := t.TempDir()
	opts := Options{EncryptionKey: testKey, tune: func(o badger.Options) badger.Options {
		return o.WithValueLogFileSize(4 << 20).WithValueThreshold(1 << 10).
			WithMemTableSize(1 << 20).WithNumLevelZeroTables(1)
	}}
	ctx := context.Background()
	key := DocumentKey{EnvelopeID: "env", DocumentID: "1"}
	// Each replacement leaves the earlier version's chunks as garbage in the value log.
	// Closing after each round flushes a table, and compacting the tables drops the
	// deleted chunks and records the value-log bytes they held, which GC reads.
	var s *Store
	for round := range 4 {
		var err error
		s, err = Open(dir, opts)
		if err != nil {
			t.Fatalf("Open failed: %v", err)
		}
		for i := range 3 {
			doc := bytes.Repeat([]byte{byte(round*3 + i)}, 2*chunkSize)
			if _, err := s.PutDocument(ctx, key, bytes.NewReader(doc)); err != nil {
				t.Fatalf("PutDocument failed: %v", err)
			}
		}
		if round < 3 {
			if err := s.Close(); err != nil {
				t.Fatalf("Close failed: %v", err)
			}
		}
	}
	defer s.Close()
	if err := s.db.Flatten(1); err != nil {
		t.Fatalf("Flatten failed: %v", err)
	}
	report, err := s.RunUpkeep(ctx)
	if err != nil {
		t.Fatalf("RunUpkeep failed: %v", err)
	}
	if report.GCRewrites == 0 {
		t.Errorf("value-log files rewritten = 0, want at least one after 11 replacements")
	}
	var buf bytes.Buffer
	if _, err := s.GetDocument(ctx, key, &buf); err != nil || buf.Len() != 2*chunkSize {
		t.Errorf("GetDocument after value-log GC: %d bytes, err %v; want the current version",
			buf.Len(), err)
	}
}
