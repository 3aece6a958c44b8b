package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/store"
)

// checkFixture is a simulator and a real-account configuration that points at it.
type checkFixture struct {
	sim      *docusigntest.Server
	dir      string
	vars     map[string]string
	storeKey string // hex
}

func newCheckFixture(t *testing.T) *checkFixture {
	t.Helper()
	return newCheckFixtureWith(t, docusigntest.Options{})
}

// newCheckFixtureWith starts a simulator with opts and returns a fixture pointing at it.
func newCheckFixtureWith(t *testing.T, opts docusigntest.Options) *checkFixture {
	t.Helper()
	sim, err := docusigntest.Start(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(sim.Close)
	creds := sim.Credentials()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "private-key.pem")
	writeTestFile(t, keyPath, string(creds.PrivateKeyPEM))
	storeKey := make([]byte, 32)
	_, _ = rand.Read(storeKey)
	storeKeyPath := filepath.Join(dir, "store.key")
	writeTestFile(t, storeKeyPath, hex.EncodeToString(storeKey)+"\n")
	return &checkFixture{sim: sim, dir: dir, storeKey: hex.EncodeToString(storeKey),
		vars: map[string]string{
			"HOME":                        dir,
			"DOCUSIGN_INTEGRATION_KEY":    creds.IntegrationKey,
			"DOCUSIGN_USER_ID":            creds.UserID,
			"DOCUSIGN_PRIVATE_KEY_FILE":   keyPath,
			"DOCUSIGN_AUTH_SERVER":        sim.URL,
			"DOCUSIGN_MCP_STORE_KEY_FILE": storeKeyPath,
			"DOCUSIGN_MCP_DATA_DIR":       filepath.Join(dir, "data"),
		}}
}

// run runs check with the fixture's variables and returns the exit status and output.
func (f *checkFixture) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	env, stdout, stderr := testEnv(f.vars)
	code := runMain(t.Context(), append([]string{"check"}, args...), env)
	out := stdout.String()
	for _, secret := range []string{f.storeKey, "PRIVATE KEY"} {
		if strings.Contains(out+stderr.String(), secret) {
			t.Errorf("check printed a secret:\n%s%s", out, stderr)
		}
	}
	return code, out, stderr.String()
}

// checkLine returns the line of the named check with the given status, or "".
func checkLine(out, status, name string) string {
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == status && strings.HasPrefix(line[6:], name+" ") {
			return line
		}
	}
	return ""
}

// writeRSAKey writes a new RSA key that the simulator does not know.
func writeRSAKey(t *testing.T, path string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatalf("write key: %v", err)
	}
}

func TestCheckPassesAgainstSimulator(t *testing.T) {
	f := newCheckFixture(t)
	code, out, stderr := f.run(t)
	if code != exitOK {
		t.Fatalf("check exited with %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	for _, name := range []string{"configuration", "private key", "store key", "token",
		"userinfo", "account", "policy", "data directory"} {
		if checkLine(out, statusOK, name) == "" {
			t.Errorf("no ok line for %s:\n%s", name, out)
		}
	}
	if strings.Contains(out, statusFail) {
		t.Errorf("output has a FAIL line:\n%s", out)
	}
	if !strings.Contains(checkLine(out, statusOK, "account"), f.sim.Credentials().AccountID) {
		t.Errorf("account line does not name the account %s:\n%s",
			f.sim.Credentials().AccountID, out)
	}
}

func TestCheckWrongPrivateKey(t *testing.T) {
	f := newCheckFixture(t)
	writeRSAKey(t, f.vars["DOCUSIGN_PRIVATE_KEY_FILE"])
	code, out, stderr := f.run(t)
	if code != exitFailure {
		t.Errorf("check exited with %d, want 1", code)
	}
	line := checkLine(out, statusFail, "token")
	if !strings.Contains(line, "wrong private key") ||
		!strings.Contains(line, "no_valid_keys_or_signatures") {
		t.Errorf("token line = %q, want a wrong private key failure\n%s", line, out)
	}
	if checkLine(out, statusOK, "private key") == "" {
		t.Errorf("private key line is not ok, but the file is a valid RSA key:\n%s", out)
	}
	if !strings.Contains(stderr, "1 of") {
		t.Errorf("stderr = %q, want the count of failed checks", stderr)
	}
}

func TestCheckMissingConsent(t *testing.T) {
	f := newCheckFixture(t)
	f.sim.RevokeConsent(f.vars["DOCUSIGN_USER_ID"])
	f.vars["DOCUSIGN_REDIRECT_URI"] = "http://localhost:8080/callback"
	code, out, _ := f.run(t)
	if code != exitFailure {
		t.Errorf("check exited with %d, want 1", code)
	}
	line := checkLine(out, statusFail, "token")
	if !strings.Contains(line, "consent missing") {
		t.Errorf("token line = %q, want consent missing\n%s", line, out)
	}
	if !strings.Contains(line, "/oauth/auth?response_type=code") ||
		!strings.Contains(line, "consent-url") {
		t.Errorf("token line = %q, want the consent URL and the consent-url command", line)
	}
	if checkLine(out, statusSkip, "userinfo") == "" {
		t.Errorf("userinfo is not skipped after the token failed:\n%s", out)
	}
}

func TestCheckBadPolicyFile(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{name: "invalid json", content: `{"principals": {`, want: "policy"},
		{name: "unknown tool", content: `{"principals": {"a": {"tools": ["send_fax"]}}}`,
			want: "send_fax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCheckFixture(t)
			path := filepath.Join(f.dir, "policy.json")
			writeTestFile(t, path, tt.content)
			code, out, _ := f.run(t, "--policy", path)
			if code != exitFailure {
				t.Errorf("check exited with %d, want 1", code)
			}
			line := checkLine(out, statusFail, "policy")
			if !strings.Contains(line, tt.want) || !strings.Contains(line, "docs/policy.md") {
				t.Errorf("policy line = %q, want it to contain %q and the docs\n%s", line,
					tt.want, out)
			}
			if checkLine(out, statusOK, "token") == "" {
				t.Errorf("token line is not ok, but only the policy is wrong:\n%s", out)
			}
		})
	}
}

func TestCheckInvalidConfiguration(t *testing.T) {
	f := newCheckFixture(t)
	f.vars["DOCUSIGN_USER_ID"] = "someone@example.com"
	code, out, _ := f.run(t)
	if code != exitFailure {
		t.Errorf("check exited with %d, want 1", code)
	}
	if line := checkLine(out, statusFail, "configuration"); !strings.Contains(line,
		"DOCUSIGN_USER_ID (--user-id) is an email address") {
		t.Errorf("configuration line = %q, want the user id problem\n%s", line, out)
	}
	if strings.Contains(out, "someone@example.com") {
		t.Errorf("output repeats the email address:\n%s", out)
	}
	if checkLine(out, statusSkip, "docusign") == "" {
		t.Errorf("Docusign checks ran with an invalid configuration:\n%s", out)
	}
}

func TestCheckStoreKeyMismatch(t *testing.T) {
	f := newCheckFixture(t)
	other := make([]byte, 32)
	_, _ = rand.Read(other)
	s, err := store.Open(filepath.Join(f.vars["DOCUSIGN_MCP_DATA_DIR"], "store"),
		store.Options{EncryptionKey: other, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("create store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	code, out, _ := f.run(t)
	if code != exitFailure {
		t.Errorf("check exited with %d, want 1", code)
	}
	line := checkLine(out, statusFail, "store")
	if !strings.Contains(line, "wrong encryption key") {
		t.Errorf("store line = %q, want a key mismatch\n%s", line, out)
	}
	if n := strings.Count(line, "use the key the store was created with"); n != 1 {
		t.Errorf("store line = %q states the fix %d times, want once", line, n)
	}
}

func TestCheckConnectKeys(t *testing.T) {
	tests := []struct {
		name, keys, status, want string
	}{
		{name: "two keys", keys: "first-key, second-key", status: statusOK, want: "2 HMAC keys"},
		{name: "one key", keys: "first-key", status: statusOK, want: "1 HMAC key from"},
		{name: "duplicate", keys: "same,same", status: statusFail, want: "used twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCheckFixture(t)
			f.vars[connectHMACKeysEnv] = tt.keys
			_, out, _ := f.run(t)
			line := checkLine(out, tt.status, "connect keys")
			if !strings.Contains(line, tt.want) {
				t.Errorf("connect keys line = %q, want %s with %q\n%s", line, tt.status,
					tt.want, out)
			}
			if strings.Contains(out, "first-key") || strings.Contains(out, "same,") {
				t.Errorf("output contains an HMAC key:\n%s", out)
			}
		})
	}
}

func TestCheckExamplePolicy(t *testing.T) {
	f := newCheckFixture(t)
	path := filepath.Join("..", "..", "examples", "policy-legal-team.json")
	code, out, stderr := f.run(t, "--policy", path)
	if code != exitOK {
		t.Fatalf("check with %s exited with %d\nstdout:\n%s\nstderr:\n%s", path, code, out,
			stderr)
	}
	if line := checkLine(out, statusOK, "policy"); !strings.Contains(line, "3 principals") {
		t.Errorf("policy line = %q, want the example's three principals\n%s", line, out)
	}
}

func TestCheckWarnings(t *testing.T) {
	f := newCheckFixture(t)
	if err := os.Chmod(f.vars["DOCUSIGN_PRIVATE_KEY_FILE"], 0o644); err != nil {
		t.Fatalf("chmod: %v", err)
	}
	code, out, _ := f.run(t)
	if code != exitOK {
		t.Errorf("check exited with %d, want 0: warnings do not fail the run\n%s", code, out)
	}
	if line := checkLine(out, statusWarn, "configuration"); !strings.Contains(line,
		"other users can read the key") {
		t.Errorf("configuration warning = %q, want the key file's mode\n%s", line, out)
	}
	if checkLine(out, statusWarn, "redirect uri") != "" {
		t.Errorf("redirect uri warned for a local simulator, which needs no consent URL\n%s",
			out)
	}
}

func TestRedactURLPaths(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "path", in: `--alert-url "htps://hooks.invalid/services/T0/B0/secret" is invalid`,
			want: `--alert-url "htps://hooks.invalid/..." is invalid`},
		{name: "query", in: `url "https://h.example:8443?token=abc" bad`,
			want: `url "https://h.example:8443/..." bad`},
		{name: "origin only", in: `origin https://app.example is not allowed`,
			want: `origin https://app.example is not allowed`},
		{name: "no url", in: "DOCUSIGN_USER_ID (--user-id) is missing",
			want: "DOCUSIGN_USER_ID (--user-id) is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactURLPaths(tt.in); got != tt.want {
				t.Errorf("redactURLPaths(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
