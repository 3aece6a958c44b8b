package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRotateKey(t *testing.T) {
	dir := t.TempDir()
	newKey := bytes.Repeat([]byte{3}, 32)
	s := openTest(t, dir, testKey)
	key := DocumentKey{EnvelopeID: "env", DocumentID: "1"}
	if _, err := s.PutDocument(context.Background(), key, strings.NewReader("%PDF-1.7 x")); err != nil {
		t.Fatalf("PutDocument failed: %v", err)
	}
	var locked *LockedError
	if err := RotateKey(dir, testKey, newKey); !errors.As(err, &locked) {
		t.Errorf("RotateKey of an open store: err = %v, want a *LockedError", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}
	err := RotateKey(dir, bytes.Repeat([]byte{4}, 32), newKey)
	if err == nil || !strings.Contains(err.Error(), "wrong encryption key") {
		t.Errorf("RotateKey with a wrong old key: err = %v, want wrong encryption key", err)
	}
	if err := RotateKey(dir, testKey, newKey); err != nil {
		t.Fatalf("RotateKey failed: %v", err)
	}

	if s, err := Open(dir, Options{EncryptionKey: testKey}); err == nil {
		s.Close()
		t.Errorf("Open with the old key after rotation succeeded, want wrong key")
	}
	s = openTest(t, dir, newKey)
	defer s.Close()
	var got bytes.Buffer
	if _, err := s.GetDocument(context.Background(), key, &got); err != nil {
		t.Fatalf("GetDocument with the new key failed: %v", err)
	}
	if got.String() != "%PDF-1.7 x" {
		t.Errorf("GetDocument = %q, want the bytes stored before rotation", got.String())
	}
}
