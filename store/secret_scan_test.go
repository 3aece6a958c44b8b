package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// signerName is a signer name that must never reach the disk in plaintext.
const signerName = "Philippa Quondam-Zwartkop"

func TestNothingPlaintextOnDisk(t *testing.T) {
	tests := []struct {
		name      string
		key       []byte
		wantFound bool
	}{
		{name: "encrypted store", key: testKey, wantFound: false},
		// The control proves that the scan finds what an unencrypted store leaves.
		{name: "unencrypted control", key: nil, wantFound: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			secrets := writeSensitiveData(t, dir, tt.key)
			found := scanDir(t, dir, 3, secrets)
			if tt.wantFound && !foundSecret(found, "signer name") {
				t.Fatalf("scan missed the signer name in an unencrypted store, so it cannot " +
					"detect leaks")
			}
			if !tt.wantFound {
				for _, f := range found {
					t.Errorf("%s contains the plaintext %s", f.file, f.what)
				}
			}
		})
	}
}

// writeSensitiveData stores a small document that names a signer, a large random one that
// Badger keeps in its value log, and an archive record, then closes the store. It returns
// the byte strings that must not appear on disk, by description.
func writeSensitiveData(t *testing.T, dir string, key []byte) map[string][]byte {
	t.Helper()
	s := openTest(t, dir, key)
	ctx := context.Background()
	small := []byte(`{"signer":"` + signerName + `","note":"signed by ` + signerName + `"}`)
	large := make([]byte, 3*chunkSize)
	if _, err := rand.Read(large); err != nil {
		t.Fatalf("generate document bytes: %v", err)
	}
	docs := map[string][]byte{"1": small, "combined": large}
	for id, content := range docs {
		k := DocumentKey{EnvelopeID: "env", DocumentID: id}
		if _, err := s.PutDocument(ctx, k, bytes.NewReader(content)); err != nil {
			t.Fatalf("PutDocument(%s) failed: %v", id, err)
		}
	}
	_, err := s.MarkArchived(ctx, ArchiveRequest{EnvelopeID: "env",
		CustomFields: map[string]string{"Matter Type": signerName},
		Documents:    []string{"combined"}})
	if err != nil {
		t.Fatalf("MarkArchived failed: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close failed: %v", err)
	}
	secrets := map[string][]byte{
		"signer name":             []byte(signerName),
		"document bytes (start)":  large[:64],
		"document bytes (middle)": large[chunkSize+1000 : chunkSize+1064],
	}
	for i, b64 := range base64Forms([]byte(signerName)) {
		secrets["base64 signer name, alignment "+string(rune('0'+i))] = b64
	}
	for i, b64 := range base64Forms(large[4096 : 4096+96]) {
		secrets["base64 document bytes, alignment "+string(rune('0'+i))] = b64
	}
	return secrets
}

// base64Forms returns the part of the standard base64 encoding of b that is the same
// wherever b starts in a longer input: one form for each of the three alignments.
func base64Forms(b []byte) [][]byte {
	var forms [][]byte
	for pad := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, pad), b...))
		// Drop the characters that mix in the padding bytes and the unknown tail.
		start := (pad*8 + 5) / 6
		forms = append(forms, []byte(enc[start:len(enc)-4]))
	}
	return forms
}

type leak struct{ file, what string }

func foundSecret(found []leak, what string) bool {
	for _, f := range found {
		if f.what == what {
			return true
		}
	}
	return false
}

func TestBase64FormsMatchAnyOffset(t *testing.T) {
	for offset := range 6 {
		text := append(bytes.Repeat([]byte("z"), offset), signerName+" tail"...)
		enc := []byte(base64.StdEncoding.EncodeToString(text))
		matched := false
		for _, form := range base64Forms([]byte(signerName)) {
			matched = matched || bytes.Contains(enc, form)
		}
		if !matched {
			t.Errorf("no base64 form matches the name at offset %d", offset)
		}
	}
}

// scanDir reads every file under dir, at least minFiles of them, and returns each one that
// contains a secret.
func scanDir(t *testing.T, dir string, minFiles int, secrets map[string][]byte) []leak {
	t.Helper()
	var found []leak
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for what, secret := range secrets {
			if bytes.Contains(data, secret) {
				found = append(found, leak{file: filepath.Base(path), what: what})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", dir, err)
	}
	if files < minFiles {
		t.Fatalf("scan read %d files, want at least %d", files, minFiles)
	}
	return found
}
