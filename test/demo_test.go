package test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoBinary runs 'docusign-mcp demo' as a user would and checks its transcript and
// the exported files: two SHA-256 hashes, each matching a file that begins with %PDF-.
func TestDemoBinary(t *testing.T) {
	exportDir := t.TempDir()
	env := append(os.Environ(), "HOME="+t.TempDir())
	stdout, stderr, code := runCommand(t, 2*time.Minute, env, binaryPath,
		"demo", "--export-dir", exportDir, "--log-format", "json")
	if code != 0 {
		t.Fatalf("demo exited with %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"create_envelope: envelope ", "get_envelope_status: sent",
		"get_envelope_status: completed", "both files are PDFs"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("transcript lacks %q:\n%s", want, stdout)
		}
	}
	hashes := regexp.MustCompile(`download_document (combined|certificate): \d+ bytes, `+
		`SHA-256 ([0-9a-f]{64})`).FindAllStringSubmatch(stdout, -1)
	if len(hashes) != 2 {
		t.Fatalf("transcript has %d download lines with a SHA-256, want 2:\n%s",
			len(hashes), stdout)
	}
	for _, h := range hashes {
		documentID, want := h[1], h[2]
		files, _ := filepath.Glob(filepath.Join(exportDir, "*_"+documentID+".pdf"))
		if len(files) != 1 {
			t.Errorf("export directory has %d files for %s, want 1", len(files), documentID)
			continue
		}
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatalf("read %s: %v", files[0], err)
		}
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			t.Errorf("%s begins with %q, want %%PDF-", documentID, data[:min(8, len(data))])
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s has SHA-256 %s, but the transcript printed %s", documentID, got, want)
		}
	}
}
