package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/ys88io/docusign-mcp/store"
)

// auditDataDir returns a data directory whose store holds n audit records, and its key file.
func auditDataDir(t *testing.T, n int) (dataDir, keyFile string) {
	t.Helper()
	dataDir = t.TempDir()
	key := bytes.Repeat([]byte{3}, 32)
	keyFile = filepath.Join(dataDir, "store.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)), 0o600); err != nil {
		t.Fatalf("writing the key file failed: %v", err)
	}
	s, err := store.Open(filepath.Join(dataDir, "store"), store.Options{EncryptionKey: key})
	if err != nil {
		t.Fatalf("store.Open failed: %v", err)
	}
	defer s.Close()
	log, err := store.OpenAuditLog(s, store.AuditOptions{
		HeadFile: filepath.Join(dataDir, store.AuditHeadFileName)})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	start := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		_, err := log.Append(store.AuditRecord{Kind: store.AuditDocusignCall,
			Time: start.Add(time.Duration(i) * time.Hour), Caller: "agent-1",
			Operation: "Envelopes:get", StatusCode: 200, EnvelopeID: fmt.Sprintf("env-%d", i%2)})
		if err != nil {
			t.Fatalf("Append failed: %v", err)
		}
	}
	return dataDir, keyFile
}

func runAudit(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := environment{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: func(string) string { return "" }}
	code = runMain(context.Background(), append([]string{"audit"}, args...), env)
	return code, out.String(), errOut.String()
}

func TestAuditVerifyCommand(t *testing.T) {
	dataDir, keyFile := auditDataDir(t, 5)
	code, stdout, stderr := runAudit(t, "verify", "--data-dir", dataDir,
		"--store-key-file", keyFile)
	if code != exitOK {
		t.Fatalf("audit verify exit = %d, stderr %q, want 0", code, stderr)
	}
	if !strings.HasPrefix(stdout, "OK: 5 audit records verified (1 to 5)") {
		t.Errorf("audit verify output = %q, want OK with 5 records", stdout)
	}
}

func TestAuditVerifyCommandFindsChange(t *testing.T) {
	dataDir, keyFile := auditDataDir(t, 5)
	rewriteAuditRecord(t, dataDir, 3)
	code, _, stderr := runAudit(t, "verify", "--data-dir", dataDir, "--store-key-file", keyFile)
	if code != exitFailure {
		t.Errorf("audit verify exit = %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr, "audit record 3: hash does not match") {
		t.Errorf("audit verify stderr = %q, want it to name record 3", stderr)
	}
}

func TestAuditVerifyCommandWhileLocked(t *testing.T) {
	dataDir, keyFile := auditDataDir(t, 1)
	key := bytes.Repeat([]byte{3}, 32)
	s, err := store.Open(filepath.Join(dataDir, "store"), store.Options{EncryptionKey: key})
	if err != nil {
		t.Fatalf("store.Open failed: %v", err)
	}
	defer s.Close()
	code, _, stderr := runAudit(t, "verify", "--data-dir", dataDir, "--store-key-file", keyFile)
	if code != exitFailure {
		t.Errorf("audit verify exit = %d, want %d", code, exitFailure)
	}
	want := fmt.Sprintf("locked by process %d", os.Getpid())
	if !strings.Contains(stderr, want) {
		t.Errorf("audit verify stderr = %q, want it to contain %q", stderr, want)
	}
}

func TestAuditReadCommands(t *testing.T) {
	dataDir, _ := auditDataDir(t, 6)
	tests := []struct {
		name      string
		args      []string
		wantLines int
		wantIn    string
	}{
		{name: "tail", args: []string{"tail", "-n", "2"}, wantLines: 2, wantIn: `"seq":6`},
		{name: "query envelope", args: []string{"query", "--envelope-id", "env-1"},
			wantLines: 3, wantIn: `"envelope_id":"env-1"`},
		{name: "query time range", args: []string{"query", "--since",
			"2026-02-01T09:00:00Z", "--until", "2026-02-01T11:00:00Z"}, wantLines: 2,
			wantIn: `"seq":2`},
		{name: "totals", args: []string{"totals"}, wantLines: 1, wantIn: `"calls":6`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The key file is found in the data directory when no flag names it.
			args := append(tt.args, "--data-dir", dataDir)
			code, stdout, stderr := runAudit(t, args...)
			if code != exitOK {
				t.Fatalf("exit = %d, stderr %q, want 0", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			if len(lines) != tt.wantLines {
				t.Errorf("printed %d lines, want %d: %s", len(lines), tt.wantLines, stdout)
			}
			for _, line := range lines {
				if !json.Valid([]byte(line)) {
					t.Errorf("line %q is not JSON", line)
				}
			}
			if !strings.Contains(stdout, tt.wantIn) {
				t.Errorf("output %q does not contain %s", stdout, tt.wantIn)
			}
		})
	}
}

func TestAuditPruneCommand(t *testing.T) {
	dataDir, _ := auditDataDir(t, 6)
	code, stdout, stderr := runAudit(t, "prune", "--max-records", "2", "--data-dir", dataDir)
	if code != exitOK {
		t.Fatalf("audit prune exit = %d, stderr %q, want 0", code, stderr)
	}
	if strings.TrimSpace(stdout) != "pruned 4 audit records" {
		t.Errorf("audit prune output = %q, want 4 pruned", stdout)
	}
	code, stdout, stderr = runAudit(t, "verify", "--data-dir", dataDir)
	if code != exitOK {
		t.Fatalf("audit verify after prune exit = %d, stderr %q, want 0", code, stderr)
	}
	if !strings.Contains(stdout, "2 audit records verified (5 to 6), pruned through 4") {
		t.Errorf("audit verify output = %q, want 2 records after checkpoint 4", stdout)
	}
}

func TestAuditCommandUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantIn   string
	}{
		{name: "no action", args: nil, wantCode: exitUsage, wantIn: "missing ACTION"},
		{name: "unknown action", args: []string{"delete"}, wantCode: exitUsage,
			wantIn: `unknown action "delete"`},
		{name: "bad time", args: []string{"query", "--since", "yesterday"},
			wantCode: exitUsage, wantIn: "not an RFC 3339 time"},
		{name: "missing key", args: []string{"verify", "--data-dir", "/nonexistent-dir"},
			wantCode: exitUsage, wantIn: "store key file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runAudit(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit = %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr, tt.wantIn) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantIn)
			}
		})
	}
}

// rewriteAuditRecord changes one byte of a record's value through Badger itself, because the
// files on disk are encrypted. The key format is the store's.
func rewriteAuditRecord(t *testing.T, dataDir string, seq int) {
	t.Helper()
	opts := badger.DefaultOptions(filepath.Join(dataDir, "store")).WithLogger(nil).
		WithEncryptionKey(bytes.Repeat([]byte{3}, 32)).WithIndexCacheSize(1 << 20)
	db, err := badger.Open(opts)
	if err != nil {
		t.Fatalf("badger.Open failed: %v", err)
	}
	defer db.Close()
	key := fmt.Appendf(nil, "audit/rec/%020d", seq)
	err = db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err != nil {
			return err
		}
		value, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		value = bytes.Replace(value, []byte("agent-1"), []byte("agent-2"), 1)
		return txn.Set(key, value)
	})
	if err != nil {
		t.Fatalf("rewriting record %d failed: %v", seq, err)
	}
}

func TestAuditRetentionCommand(t *testing.T) {
	dataDir, _ := auditDataDir(t, 6)
	code, stdout, stderr := runAudit(t, "retention", "--data-dir", dataDir)
	if code != exitOK {
		t.Fatalf("audit retention exit = %d, stderr %q, want 0", code, stderr)
	}
	if !strings.HasPrefix(stdout, "audit retention (default): keep at most 1000000 records") {
		t.Errorf("audit retention output = %q, want the default", stdout)
	}
	code, stdout, stderr = runAudit(t, "retention", "--max-records", "3", "--data-dir", dataDir)
	if code != exitOK {
		t.Fatalf("audit retention --max-records exit = %d, stderr %q, want 0", code, stderr)
	}
	if !strings.HasPrefix(stdout, "audit retention (saved): keep at most 3 records, none "+
		"older than 9600h0m0s") {
		t.Errorf("audit retention output = %q, want 3 records and the default age", stdout)
	}
	code, stdout, stderr = runAudit(t, "prune", "--data-dir", dataDir)
	if code != exitOK {
		t.Fatalf("audit prune exit = %d, stderr %q, want 0", code, stderr)
	}
	if strings.TrimSpace(stdout) != "pruned 3 audit records" {
		t.Errorf("audit prune output = %q, want 3 pruned by the saved limit", stdout)
	}
	code, _, stderr = runAudit(t, "retention", "--max-age", "-1h", "--data-dir", dataDir)
	if code != exitUsage || !strings.Contains(stderr, "positive duration") {
		t.Errorf("audit retention --max-age -1h: exit %d, stderr %q, want a usage error",
			code, stderr)
	}
}

func TestAuditVerifyCommandFindsRollback(t *testing.T) {
	dataDir, keyFile := auditDataDir(t, 3)
	saved, err := os.ReadFile(filepath.Join(dataDir, store.AuditHeadFileName))
	if err != nil {
		t.Fatalf("reading the head file failed: %v", err)
	}
	// A later head file, as if the store had been restored from an older copy.
	later := bytes.Replace(saved, []byte(`"seq":3`), []byte(`"seq":9`), 1)
	if err := os.WriteFile(filepath.Join(dataDir, store.AuditHeadFileName), later,
		0o600); err != nil {
		t.Fatalf("writing the head file failed: %v", err)
	}
	code, _, stderr := runAudit(t, "verify", "--data-dir", dataDir, "--store-key-file", keyFile)
	if code != exitFailure {
		t.Errorf("audit verify exit = %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr, "audit record 4: record is missing: the head file") {
		t.Errorf("audit verify stderr = %q, want record 4 missing by the head file", stderr)
	}
}

// crashDirEnv names the data directory in which TestAuditCrashChild appends and exits.
const crashDirEnv = "DOCUSIGN_MCP_TEST_AUDIT_CRASH_DIR"

// TestAuditCrashChild appends records and exits without closing the store, as a crashed
// serve would. It runs only as a child process of TestAuditVerifyAfterCrash.
func TestAuditCrashChild(t *testing.T) {
	dataDir := os.Getenv(crashDirEnv)
	if dataDir == "" {
		t.Skip("runs only as the child process of TestAuditVerifyAfterCrash")
	}
	s, err := store.Open(filepath.Join(dataDir, "store"),
		store.Options{EncryptionKey: bytes.Repeat([]byte{3}, 32)})
	if err != nil {
		t.Fatalf("store.Open failed: %v", err)
	}
	log, err := store.OpenAuditLog(s, store.AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	for range 3 {
		if _, err := log.Append(store.AuditRecord{Kind: store.AuditToolCall}); err != nil {
			t.Fatalf("Append failed: %v", err)
		}
	}
	os.Exit(0)
}

func TestAuditVerifyAfterCrash(t *testing.T) {
	dataDir, keyFile := auditDataDir(t, 2)
	child := exec.Command(os.Args[0], "-test.run=^TestAuditCrashChild$")
	child.Env = append(os.Environ(), crashDirEnv+"="+dataDir)
	if out, err := child.CombinedOutput(); err != nil {
		t.Fatalf("crash child failed: %v\n%s", err, out)
	}

	code, _, stderr := runAudit(t, "verify", "--data-dir", dataDir, "--store-key-file", keyFile)
	if code != exitFailure {
		t.Errorf("audit verify exit = %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr, "not closed cleanly") || !strings.Contains(stderr, "--replay") {
		t.Errorf("audit verify stderr = %q, want the unclean close and the --replay fix", stderr)
	}

	code, stdout, stderr := runAudit(t, "verify", "--replay", "--data-dir", dataDir,
		"--store-key-file", keyFile)
	if code != exitOK {
		t.Fatalf("audit verify --replay exit = %d, stderr %q, want 0", code, stderr)
	}
	if !strings.HasPrefix(stdout, "OK: 5 audit records verified (1 to 5)") {
		t.Errorf("audit verify --replay output = %q, want all 5 synced records", stdout)
	}
}
