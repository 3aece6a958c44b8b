package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// crashImageEnv names the crash image that the child test opens.
const crashImageEnv = "DOCUSIGN_MCP_BREAK_CRASH_IMAGE"

// crashImageDocs and crashImageDocSize fill about 11.7 MB of the memtable: below the 16 MB
// at which the earlier options flushed it, above what an 8 MB memtable's arena holds.
const (
	crashImageDocs    = 13
	crashImageDocSize = 900 << 10
)

// oldBadgerOptions returns the Badger options of the previous release: 16 MB memtables, a
// 32 MB block cache and Badger's default value threshold of 1 MB. Values below the
// threshold stay in the memtable.
func oldBadgerOptions(o badger.Options) badger.Options {
	return o.WithMemTableSize(16 << 20).WithBlockCacheSize(32 << 20).
		WithValueThreshold(1 << 20)
}

// crashImageDoc returns the bytes of document i of the crash image.
func crashImageDoc(i int) []byte {
	return bytes.Repeat([]byte{byte('a' + i)}, crashImageDocSize)
}

// TestOpenCrashImageOfOldMemtables stores 900 KB documents with the previous release's
// options and copies the data directory while the store is open, as a crash leaves it.
// The current options must open the copy and read the documents back. Badger replays an
// unflushed memtable into an arena sized by the current options. When it does not fit,
// Badger calls log.Fatalf, so the copy is opened in a child process.
func TestOpenCrashImageOfOldMemtables(t *testing.T) {
	if os.Getenv(crashImageEnv) != "" {
		t.Skip("runs as the parent of TestOpenCrashImageChild only")
	}

	image := writeOldCrashImage(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestOpenCrashImageChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashImageEnv+"="+image)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("the new release failed to open a crash image of the previous release "+
			"(%v): documents stored before the memtable change no longer read back; "+
			"the child's output ends with:\n%s", err, lastBytes(out, 600))
	}
}

// TestOpenCrashImageChild opens the crash image named by crashImageEnv with the current
// options and reads every document back. It runs only as the child of
// TestOpenCrashImageOfOldMemtables.
func TestOpenCrashImageChild(t *testing.T) {
	image := os.Getenv(crashImageEnv)
	if image == "" {
		t.Skip("runs as the child of TestOpenCrashImageOfOldMemtables only")
	}

	s := openTest(t, image, testKey)
	defer s.Close()
	for i := range crashImageDocs {
		var buf bytes.Buffer
		key := DocumentKey{EnvelopeID: "env-crash", DocumentID: fmt.Sprintf("doc%d", i)}
		if _, err := s.GetDocument(context.Background(), key, &buf); err != nil {
			t.Fatalf("GetDocument(%s) after the upgrade failed: %v", key, err)
		}
		if !bytes.Equal(buf.Bytes(), crashImageDoc(i)) {
			t.Errorf("document %s read back %d bytes that differ from the %d stored", key,
				buf.Len(), crashImageDocSize)
		}
	}
}

// writeOldCrashImage stores the documents with the earlier options, syncs, and returns a
// copy of the directory taken before Close, so that the memtable is still unflushed in it.
func writeOldCrashImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, Options{EncryptionKey: testKey, tune: oldBadgerOptions})
	if err != nil {
		t.Fatalf("Open with the earlier options failed: %v", err)
	}

	defer s.Close()
	for i := range crashImageDocs {
		key := DocumentKey{EnvelopeID: "env-crash", DocumentID: fmt.Sprintf("doc%d", i)}
		if _, err := s.PutDocument(context.Background(), key,
			bytes.NewReader(crashImageDoc(i))); err != nil {
			t.Fatalf("PutDocument(%s) failed: %v", key, err)
		}
	}

	if err := s.db.Sync(); err != nil {
		t.Fatalf("Sync failed: %v", err)
	}

	image := t.TempDir()
	if err := copyDir(dir, image); err != nil {
		t.Fatalf("copying the data directory failed: %v", err)
	}

	return image
}

// copyDir copies the regular files of src into dst, which exists.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(filepath.Join(dst, d.Name()))
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// lastBytes returns at most n bytes from the end of b.
func lastBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}

	return string(b)
}
