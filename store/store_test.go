package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
)

var testKey = bytes.Repeat([]byte{7}, 32)

func openTest(t *testing.T, dir string, key []byte) *Store {
	t.Helper()
	s, err := Open(dir, Options{EncryptionKey: key, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("Open(%s) failed: %v", dir, err)
	}
	return s
}

func TestPutGetDocument(t *testing.T) {
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 3*chunkSize+17)...)
	tests := []struct {
		name     string
		content  []byte
		wantMIME string
		wantName string
	}{
		{name: "pdf over several chunks", content: pdf, wantMIME: "application/pdf",
			wantName: "1.pdf"},
		{name: "zip", content: []byte("PK\x03\x04rest"), wantMIME: "application/zip",
			wantName: "1.zip"},
		{name: "empty", content: nil, wantMIME: "application/octet-stream", wantName: "1"},
	}
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := DocumentKey{EnvelopeID: "env-" + tt.name, DocumentID: "1"}
			meta, err := s.PutDocument(context.Background(), key, bytes.NewReader(tt.content))
			if err != nil {
				t.Fatalf("PutDocument failed: %v", err)
			}
			sum := sha256.Sum256(tt.content)
			if meta.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("sha256 = %s, want the digest of the content", meta.SHA256)
			}
			if meta.Size != int64(len(tt.content)) {
				t.Errorf("size = %d, want %d", meta.Size, len(tt.content))
			}
			if meta.MIMEType != tt.wantMIME {
				t.Errorf("mime type = %q, want %q", meta.MIMEType, tt.wantMIME)
			}
			if meta.Name != tt.wantName {
				t.Errorf("name = %q, want %q", meta.Name, tt.wantName)
			}
			var got bytes.Buffer
			if _, err := s.GetDocument(context.Background(), key, &got); err != nil {
				t.Fatalf("GetDocument failed: %v", err)
			}
			if !bytes.Equal(got.Bytes(), tt.content) {
				t.Errorf("GetDocument returned %d bytes that differ from the %d stored",
					got.Len(), len(tt.content))
			}
		})
	}
}

func TestPutDocumentReplaces(t *testing.T) {
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	key := DocumentKey{EnvelopeID: "e", DocumentID: "combined"}
	long := bytes.Repeat([]byte("a"), 2*chunkSize+1)
	if _, err := s.PutDocument(context.Background(), key, bytes.NewReader(long)); err != nil {
		t.Fatalf("first PutDocument failed: %v", err)
	}
	if _, err := s.PutDocument(context.Background(), key, strings.NewReader("short")); err != nil {
		t.Fatalf("second PutDocument failed: %v", err)
	}
	var got bytes.Buffer
	if _, err := s.GetDocument(context.Background(), key, &got); err != nil {
		t.Fatalf("GetDocument failed: %v", err)
	}
	if got.String() != "short" {
		t.Errorf("GetDocument = %d bytes, want the 5 bytes of the replacement", got.Len())
	}
}

func TestGetDocumentNotFound(t *testing.T) {
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	_, err := s.GetDocument(context.Background(), DocumentKey{EnvelopeID: "e", DocumentID: "9"},
		io.Discard)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("GetDocument error = %v, want ErrNotFound", err)
	}
}

func TestReopenWithKey(t *testing.T) {
	dir := t.TempDir()
	key := DocumentKey{EnvelopeID: "e", DocumentID: "certificate"}
	s := openTest(t, dir, testKey)
	_, err := s.PutDocument(context.Background(), key, strings.NewReader("%PDF-1.7 c"))
	if err != nil {
		t.Fatalf("PutDocument failed: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}

	s = openTest(t, dir, testKey)
	defer s.Close()
	var got bytes.Buffer
	if _, err := s.GetDocument(context.Background(), key, &got); err != nil {
		t.Fatalf("GetDocument after reopen failed: %v", err)
	}
	if got.String() != "%PDF-1.7 c" {
		t.Errorf("GetDocument after reopen = %q, want the stored bytes", got.String())
	}
}

func TestOpenRejects(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testKey)
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}
	tests := []struct {
		name    string
		dir     string
		key     []byte
		wantSub string
	}{
		{name: "wrong key", dir: dir, key: bytes.Repeat([]byte{8}, 32),
			wantSub: "wrong encryption key"},
		{name: "bad key length", dir: t.TempDir(), key: []byte("short"),
			wantSub: "use 16, 24 or 32 bytes"},
		{name: "empty dir", dir: "", key: nil, wantSub: "empty directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.dir, Options{EncryptionKey: tt.key})
			if err == nil {
				s.Close()
				t.Fatalf("Open succeeded, want an error containing %q", tt.wantSub)
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("Open error = %q, want it to contain %q", err, tt.wantSub)
			}
		})
	}
}

func TestPutDocumentRejectsBadKey(t *testing.T) {
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	_, err := s.PutDocument(context.Background(), DocumentKey{EnvelopeID: "a/b", DocumentID: "1"},
		strings.NewReader("x"))
	if err == nil {
		t.Errorf("PutDocument with a slash in the envelope id succeeded, want an error")
	}
}

func TestPutDocumentCancelled(t *testing.T) {
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	key := DocumentKey{EnvelopeID: "e", DocumentID: "1"}
	if _, err := s.PutDocument(ctx, key, strings.NewReader("x")); err == nil {
		t.Fatalf("PutDocument with a cancelled context succeeded, want an error")
	}
}
