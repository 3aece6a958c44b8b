package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func TestOpenWrongKeyMessage(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testKey)
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}
	s, err := Open(dir, Options{EncryptionKey: bytes.Repeat([]byte{8}, 32)})
	if err == nil {
		s.Close()
		t.Fatal("Open with another key succeeded, want a wrong encryption key error")
	}
	msg := err.Error()
	if n := strings.Count(msg, "use the key the store was created with"); n != 1 {
		t.Errorf("Open error = %q states the fix %d times, want once", msg, n)
	}
	if strings.Contains(strings.ToLower(msg), "encryption key mismatch") {
		t.Errorf("Open error = %q repeats Badger's text after wrong encryption key", msg)
	}
	if !errors.Is(err, badger.ErrEncryptionKeyMismatch) {
		t.Errorf("Open error = %v, want it to wrap badger.ErrEncryptionKeyMismatch", err)
	}
}
