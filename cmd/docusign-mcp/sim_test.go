package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

func TestWriteSimCredentials(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "with space")
	creds := docusigntest.Credentials{
		IntegrationKey: testIK, UserID: testUser, AccountID: testAccount,
		PrivateKeyPEM: []byte("-----BEGIN RSA PRIVATE KEY-----\n"),
		AuthServer:    "http://127.0.0.1:9000", BaseURI: "http://127.0.0.1:9000",
	}
	files, err := writeSimCredentials(dir, creds, nil)
	if err != nil {
		t.Fatalf("writeSimCredentials: %v", err)
	}
	for _, path := range []string{files.EnvFile, files.CredentialsJSON, files.PrivateKey,
		files.StoreKey} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatalf("stat %s: %v", path, err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(path), perm)
		}
	}
	env, err := os.ReadFile(files.EnvFile)
	if err != nil {
		t.Fatalf("read env file: %v", err)
	}
	for _, want := range []string{
		"DOCUSIGN_INTEGRATION_KEY=" + testIK + "\n",
		"DOCUSIGN_AUTH_SERVER=http://127.0.0.1:9000\n",
		"DOCUSIGN_PRIVATE_KEY_FILE='" + files.PrivateKey + "'\n",
	} {
		if !strings.Contains(string(env), want) {
			t.Errorf("env file lacks %q:\n%s", want, env)
		}
	}
	data, err := os.ReadFile(files.CredentialsJSON)
	if err != nil {
		t.Fatalf("read credentials.json: %v", err)
	}
	var got simCredentialsJSON
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("credentials.json is not JSON: %v", err)
	}
	if got.PrivateKeyFile != files.PrivateKey || got.ControlURL != "http://127.0.0.1:9000/sim/" {
		t.Errorf("credentials.json = %+v, want the key path and the control URL", got)
	}
	if bytes.Contains(data, []byte("PRIVATE KEY-----")) {
		t.Errorf("credentials.json contains the private key, want only its path")
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "plain path", in: "/tmp/sim-1/key.pem", want: "/tmp/sim-1/key.pem"},
		{name: "space", in: "/tmp/a b", want: "'/tmp/a b'"},
		{name: "single quote", in: "/tmp/it's", want: `'/tmp/it'\''s'`},
		{name: "dollar", in: "/tmp/$HOME", want: "'/tmp/$HOME'"},
		{name: "empty", in: "", want: "''"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shellQuote(tt.in); got != tt.want {
				t.Errorf("shellQuote(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseSimConfig(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantAddr string
		problem  string
	}{
		{name: "default", wantAddr: "127.0.0.1:0"},
		{name: "port only", args: []string{"--addr", ":8930"}, wantAddr: "127.0.0.1:8930"},
		{name: "public address", args: []string{"--addr", "0.0.0.0:8930"},
			problem: `--addr "0.0.0.0:8930" is invalid: bind a loopback address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(nil)
			cfg, problems, err := parseSimConfig(tt.args, env)
			if err != nil {
				t.Fatalf("parseSimConfig: %v", err)
			}
			if tt.problem == "" && len(problems) != 0 {
				t.Fatalf("problems = %q, want none", problems)
			}
			if tt.problem != "" {
				if len(problems) != 1 || !strings.Contains(problems[0], tt.problem) {
					t.Errorf("problems = %q, want one containing %q", problems, tt.problem)
				}
				return
			}
			if cfg.Addr != tt.wantAddr {
				t.Errorf("Addr = %q, want %q", cfg.Addr, tt.wantAddr)
			}
		})
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		name     string
		cfg      logConfig
		wantJSON bool
	}{
		{name: "auto on a pipe is JSON", cfg: logConfig{Format: "auto"}, wantJSON: true},
		{name: "json", cfg: logConfig{Format: "json"}, wantJSON: true},
		{name: "text", cfg: logConfig{Format: "text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			newLogger(&buf, tt.cfg).Info("hello", "key", "value")
			isJSON := json.Valid(bytes.TrimSpace(buf.Bytes()))
			if isJSON != tt.wantJSON {
				t.Errorf("output %q: JSON = %v, want %v", buf.String(), isJSON, tt.wantJSON)
			}
			if !strings.Contains(buf.String(), "hello") {
				t.Errorf("output %q lacks the message", buf.String())
			}
		})
	}
}

func TestAtLeastDropsLowerLevels(t *testing.T) {
	var buf bytes.Buffer
	base := newLogger(&buf, logConfig{Format: "json", Level: slog.LevelDebug})
	logger := atLeast(base, slog.LevelWarn).With("component", "store")
	logger.Info("routine")
	logger.Warn("unusual")
	if strings.Contains(buf.String(), "routine") {
		t.Errorf("info line passed the warn floor: %s", buf.String())
	}
	if !strings.Contains(buf.String(), `"msg":"unusual","component":"store"`) {
		t.Errorf("warn line with its attribute is missing: %s", buf.String())
	}
}
