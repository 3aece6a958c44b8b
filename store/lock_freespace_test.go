package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPutDocumentKeepsReserve(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	ctx := context.Background()
	key := DocumentKey{EnvelopeID: "env", DocumentID: "1"}
	if _, err := s.PutDocument(ctx, key, strings.NewReader("version 1")); err != nil {
		t.Fatalf("PutDocument failed: %v", err)
	}
	// Each check returns one chunk less free space, as if every chunk had reached the disk.
	free := uint64(s.minFree) + 3*chunkSize
	s.freeSpace = func(string) (uint64, error) {
		free -= chunkSize
		return free, nil
	}
	big := bytes.Repeat([]byte("x"), 5*chunkSize)
	_, err := s.PutDocument(ctx, key, bytes.NewReader(big))
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("PutDocument beyond the reserve: err = %v, want ErrDiskFull", err)
	}
	if !strings.Contains(err.Error(), "free disk space or move the data directory") {
		t.Errorf("error = %q, want it to say what to do", err)
	}
	var got bytes.Buffer
	if _, err := s.GetDocument(ctx, key, &got); err != nil {
		t.Fatalf("GetDocument after the rejected write failed: %v", err)
	}
	if got.String() != "version 1" {
		t.Errorf("GetDocument = %q, want the earlier version kept", got.String())
	}
	free = uint64(s.minFree) + 3*chunkSize
	if _, err := s.PutDocument(ctx, key, strings.NewReader("small")); err != nil {
		t.Errorf("PutDocument that fits above the reserve failed: %v", err)
	}
}

func TestOpenChecksFreeSpace(t *testing.T) {
	tests := []struct {
		name    string
		free    uint64
		min     int64
		wantErr bool
	}{
		{name: "below the default reserve", free: DefaultMinFreeBytes - 1, wantErr: true},
		{name: "at the default reserve", free: DefaultMinFreeBytes},
		{name: "check turned off", free: 0, min: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			free := func(string) (uint64, error) { return tt.free, nil }
			err := checkFreeSpace(free, filepath.Join(t.TempDir(), "absent", "store"),
				Options{MinFreeBytes: tt.min}.minFreeBytes(), 0)
			if got := errors.Is(err, ErrDiskFull); got != tt.wantErr {
				t.Errorf("checkFreeSpace error = %v, want ErrDiskFull %t", err, tt.wantErr)
			}
		})
	}
}

// tmpfsHelperEnv names the directory in which a child test process fills a store.
const tmpfsHelperEnv = "DOCUSIGN_MCP_TEST_FILL_STORE"

// TestFillStoreHelper writes 1 MiB documents into a store until a write fails, then
// checks that the first one is still readable. It runs only as a child process of
// TestTinyTmpfs, because Badger kills its process with SIGBUS if the disk fills anyway.
func TestFillStoreHelper(t *testing.T) {
	dir := os.Getenv(tmpfsHelperEnv)
	if dir == "" {
		t.Skip("runs only as a child process of TestTinyTmpfs")
	}
	s, err := Open(dir, Options{EncryptionKey: testKey, MinFreeBytes: 24 << 20})
	if err != nil {
		t.Fatalf("Open failed: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	doc := bytes.Repeat([]byte("d"), 1<<20)
	stored := 0
	for ; stored < 100; stored++ {
		key := DocumentKey{EnvelopeID: "env", DocumentID: fmt.Sprint(stored)}
		if _, err = s.PutDocument(ctx, key, bytes.NewReader(doc)); err != nil {
			break
		}
	}
	fmt.Printf("stored %d documents, then: %v\n", stored, err)
	_, err = s.GetDocument(ctx, DocumentKey{EnvelopeID: "env", DocumentID: "0"}, io.Discard)
	if err != nil {
		t.Errorf("GetDocument of the first document failed: %v", err)
	}
}

func TestTinyTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root; TestDiskFullKeepsOldVersion injects the failure")
	}
	mnt := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mnt).
		CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s); TestDiskFullKeepsOldVersion injects the "+
			"failure", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})

	_, err = Open(filepath.Join(mnt, "default"), Options{EncryptionKey: testKey})
	if !errors.Is(err, ErrDiskFull) {
		t.Errorf("Open on 48 MiB with the default reserve: err = %v, want ErrDiskFull", err)
	}

	child := exec.Command(os.Args[0], "-test.run=^TestFillStoreHelper$", "-test.v")
	child.Env = append(os.Environ(), tmpfsHelperEnv+"="+filepath.Join(mnt, "fill"))
	out, err = child.CombinedOutput()
	if err != nil {
		t.Fatalf("filling the store crashed or failed: %v\n%s", err, out)
	}
	t.Logf("child output:\n%s", out)
	if !bytes.Contains(out, []byte(ErrDiskFull.Error())) {
		t.Errorf("child output does not report %q:\n%s", ErrDiskFull, out)
	}
	if bytes.Contains(out, []byte("stored 0 documents")) {
		t.Errorf("no document fit, want some stored before the reserve:\n%s", out)
	}
}
