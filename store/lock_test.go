package store

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestOpenLockedStore(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testKey)
	defer s.Close()
	_, err := Open(dir, Options{EncryptionKey: testKey, Logger: slog.New(slog.DiscardHandler)})
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second Open error = %v, want a *LockedError", err)
	}
	if locked.PID != os.Getpid() {
		t.Errorf("holder pid = %d, want this process %d", locked.PID, os.Getpid())
	}
	if want := "locked by process " + strconv.Itoa(os.Getpid()); !strings.Contains(
		err.Error(), want) {
		t.Errorf("error = %q, want it to contain %q", err, want)
	}
}

func TestOpenCorruptStore(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, dir string)
	}{
		{name: "garbage manifest", corrupt: func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "MANIFEST"), []byte("not a manifest"))
		}},
		{name: "garbage key registry", corrupt: func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "KEYREGISTRY"), []byte("0123456789abcdef-bad"))
		}},
		{name: "file instead of directory", corrupt: func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatalf("remove %s: %v", dir, err)
			}
			writeFile(t, dir, []byte("x"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTest(t, dir, testKey)
			if err := s.Close(); err != nil {
				t.Fatalf("Close failed: %v", err)
			}
			tt.corrupt(t, dir)
			s, err := Open(dir, Options{EncryptionKey: testKey})
			if err == nil {
				s.Close()
				t.Fatalf("Open of a damaged store succeeded, want an error")
			}
			if !strings.Contains(err.Error(), "open store "+dir) {
				t.Errorf("error = %q, want it to name the store directory", err)
			}
		})
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

func TestOwnerFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := Owner{PID: 42, URL: "http://127.0.0.1:8931/mcp", Command: "docusign-mcp serve",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := WriteOwner(dir, want); err != nil {
		t.Fatalf("WriteOwner failed: %v", err)
	}
	got, err := ReadOwner(dir)
	if err != nil {
		t.Fatalf("ReadOwner failed: %v", err)
	}
	if got != want {
		t.Errorf("ReadOwner = %+v, want %+v", got, want)
	}
	info, err := os.Stat(filepath.Join(dir, OwnerFileName))
	if err != nil {
		t.Fatalf("stat owner file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("owner file mode = %v, want 0600", perm)
	}
	if err := RemoveOwner(dir, 43); err != nil {
		t.Fatalf("RemoveOwner of another pid failed: %v", err)
	}
	if _, err := ReadOwner(dir); err != nil {
		t.Errorf("owner file of pid 42 gone after RemoveOwner(43): %v", err)
	}
	if err := RemoveOwner(dir, 42); err != nil {
		t.Fatalf("RemoveOwner failed: %v", err)
	}
	if _, err := ReadOwner(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadOwner after RemoveOwner: err = %v, want fs.ErrNotExist", err)
	}
}

func TestReadOwnerInvalid(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, OwnerFileName), []byte("{"))
	if _, err := ReadOwner(dir); err == nil || !strings.Contains(err.Error(), "invalid JSON") {
		t.Errorf("ReadOwner of a truncated file: err = %v, want invalid JSON", err)
	}
}
