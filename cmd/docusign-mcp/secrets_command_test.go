package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/store"
)

// secretFixture writes an RSA key PEM and two different hex keys, and returns their paths.
func secretFixture(t *testing.T) (dir, pemPath, secretsKeyPath, storeKeyPath string) {
	t.Helper()
	dir = t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Bytes: x509.MarshalPKCS1PrivateKey(key)})
	files := map[string][]byte{
		"key.pem":     pemBytes,
		"secrets.key": []byte(strings.Repeat("1f", 32) + "\n"),
		"store.key":   []byte(strings.Repeat("2e", 32) + "\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	return dir, filepath.Join(dir, "key.pem"), filepath.Join(dir, "secrets.key"),
		filepath.Join(dir, "store.key")
}

func TestSecretsImportListDelete(t *testing.T) {
	dir, pemPath, secretsKeyPath, _ := secretFixture(t)
	vars := map[string]string{
		secretsFileEnv:    filepath.Join(dir, "secrets.enc"),
		secretsKeyFileEnv: secretsKeyPath,
	}
	run := func(stdin string, args ...string) (int, string, string) {
		env, stdout, stderr := testEnv(vars)
		env.stdin = strings.NewReader(stdin)
		code := runMain(t.Context(), append([]string{"secrets"}, args...), env)
		return code, stdout.String(), stderr.String()
	}
	if code, _, stderr := run("", "import", "--name", store.SecretPrivateKey,
		"--file", pemPath); code != exitOK {
		t.Fatalf("import private key: exit %d, stderr %s", code, stderr)
	}
	if code, _, stderr := run("abc123\n", "import", "--name",
		store.SecretConnectHMACKey); code != exitOK {
		t.Fatalf("import HMAC key from stdin: exit %d, stderr %s", code, stderr)
	}
	code, stdout, _ := run("", "list")
	want := store.SecretConnectHMACKey + "\n" + store.SecretPrivateKey + "\n"
	if code != exitOK || stdout != want {
		t.Errorf("list: exit %d, output %q; want %q", code, stdout, want)
	}
	if code, _, stderr := run("", "delete", "--name", store.SecretConnectHMACKey); code != exitOK {
		t.Errorf("delete: exit %d, stderr %s", code, stderr)
	}
	if code, _, stderr := run("", "delete", "--name", "absent"); code != exitFailure ||
		!strings.Contains(stderr, "not found") {
		t.Errorf("delete of a missing secret: exit %d, stderr %q; want not found", code, stderr)
	}
	if _, stdout, _ := run("", "list"); stdout != store.SecretPrivateKey+"\n" {
		t.Errorf("list after delete = %q, want only the private key", stdout)
	}
}

func TestSecretsCommandRejects(t *testing.T) {
	dir, _, secretsKeyPath, _ := secretFixture(t)
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatalf("write garbage: %v", err)
	}
	file := filepath.Join(dir, "secrets.enc")
	tests := []struct {
		name     string
		vars     map[string]string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "no action", args: nil, wantCode: exitUsage, wantErr: "missing action"},
		{name: "unknown action", args: []string{"show"}, wantCode: exitUsage,
			wantErr: `unknown action "show"`},
		{name: "no file", vars: map[string]string{secretsKeyFileEnv: secretsKeyPath},
			args: []string{"list"}, wantCode: exitUsage, wantErr: secretsFileEnv},
		{name: "no key", vars: map[string]string{secretsFileEnv: file},
			args: []string{"list"}, wantCode: exitUsage, wantErr: "is missing"},
		{name: "both keys", vars: map[string]string{secretsFileEnv: file,
			secretsKeyFileEnv: secretsKeyPath, secretsKeyEnv: strings.Repeat("ab", 32)},
			args: []string{"list"}, wantCode: exitUsage, wantErr: "keep one of them"},
		{name: "key in environment too short", vars: map[string]string{secretsFileEnv: file,
			secretsKeyEnv: "abcd"}, args: []string{"list"}, wantCode: exitUsage,
			wantErr: "does not contain 64 hexadecimal characters"},
		{name: "invalid private key", vars: map[string]string{secretsFileEnv: file,
			secretsKeyFileEnv: secretsKeyPath},
			args:     []string{"import", "--name", store.SecretPrivateKey, "--file", garbage},
			wantCode: exitFailure, wantErr: "contains no PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, stderr := testEnv(tt.vars)
			code := runMain(t.Context(), append([]string{"secrets"}, tt.args...), env)
			if code != tt.wantCode {
				t.Errorf("exit status = %d, want %d; stderr %s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(file); err == nil {
		t.Errorf("a rejected command created %s, want no file", file)
	}
}

func TestLoadSecretsFromSecretFile(t *testing.T) {
	dir, pemPath, secretsKeyPath, storeKeyPath := secretFixture(t)
	file := filepath.Join(dir, "secrets.enc")
	pemBytes, err := os.ReadFile(pemPath)
	if err != nil {
		t.Fatalf("read PEM: %v", err)
	}
	key, problem := readStoreKey(secretsKeyPath)
	if problem != "" {
		t.Fatalf("read secrets key: %s", problem)
	}
	f, err := store.OpenSecrets(file, key)
	if err != nil {
		t.Fatalf("OpenSecrets failed: %v", err)
	}
	if err := f.Set(store.SecretPrivateKey, pemBytes); err != nil {
		t.Fatalf("Set failed: %v", err)
	}
	if err := f.Save(); err != nil {
		t.Fatalf("Save failed: %v", err)
	}
	tests := []struct {
		name        string
		storeKey    string
		keyFile     string
		wantProblem string
	}{
		{name: "private key from the secret file", storeKey: storeKeyPath,
			keyFile: secretsKeyPath},
		{name: "store key reused", storeKey: secretsKeyPath, keyFile: secretsKeyPath,
			wantProblem: "use a separate key"},
		{name: "wrong secrets key", storeKey: secretsKeyPath, keyFile: storeKeyPath,
			wantProblem: "wrong secrets key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := serveConfig{StoreKeyFile: tt.storeKey, SecretsFile: file,
				SecretsKeyFile: tt.keyFile}
			got, problems := loadSecrets(cfg)
			if tt.wantProblem == "" {
				if len(problems) != 0 {
					t.Fatalf("problems = %q, want none", problems)
				}
				if !bytes.Equal(got.PrivateKeyPEM, pemBytes) {
					t.Errorf("private key was not taken from the secret file")
				}
				return
			}
			if len(problems) != 1 || !strings.Contains(problems[0], tt.wantProblem) {
				t.Errorf("problems = %q, want one containing %q", problems, tt.wantProblem)
			}
		})
	}
}

func TestRotateStoreKeyCommand(t *testing.T) {
	dir, _, newKeyPath, oldKeyPath := secretFixture(t)
	dataDir := filepath.Join(dir, "data")
	oldKey, _ := readStoreKey(oldKeyPath)
	newKey, _ := readStoreKey(newKeyPath)
	s, err := store.Open(filepath.Join(dataDir, "store"), store.Options{EncryptionKey: oldKey})
	if err != nil {
		t.Fatalf("create store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	tests := []struct {
		name     string
		vars     map[string]string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "same key", vars: map[string]string{"DOCUSIGN_MCP_DATA_DIR": dataDir,
			"DOCUSIGN_MCP_STORE_KEY_FILE": oldKeyPath},
			args:     []string{"--new-store-key-file", oldKeyPath},
			wantCode: exitUsage, wantErr: "equals the current one"},
		{name: "no new key", vars: map[string]string{"DOCUSIGN_MCP_DATA_DIR": dataDir,
			"DOCUSIGN_MCP_STORE_KEY_FILE": oldKeyPath},
			wantCode: exitUsage, wantErr: "--new-store-key-file is missing"},
		{name: "no data dir", vars: map[string]string{"DOCUSIGN_MCP_STORE_KEY_FILE": oldKeyPath},
			args:     []string{"--new-store-key-file", newKeyPath},
			wantCode: exitUsage, wantErr: "DOCUSIGN_MCP_DATA_DIR (--data-dir) is missing"},
		{name: "rotated", vars: map[string]string{"DOCUSIGN_MCP_DATA_DIR": dataDir,
			"DOCUSIGN_MCP_STORE_KEY_FILE": oldKeyPath},
			args:     []string{"--new-store-key-file", newKeyPath},
			wantCode: exitOK, wantErr: "now opens with the key in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, stderr := testEnv(tt.vars)
			args := append([]string{"secrets", "rotate-store-key"}, tt.args...)
			if code := runMain(t.Context(), args, env); code != tt.wantCode {
				t.Errorf("exit status = %d, want %d; stderr %s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
		})
	}
	s, err = store.Open(filepath.Join(dataDir, "store"), store.Options{EncryptionKey: newKey})
	if err != nil {
		t.Fatalf("open with the new key after rotation: %v", err)
	}
	s.Close()
}

func TestSecretsRotateKey(t *testing.T) {
	dir, pemPath, secretsKeyPath, newKeyPath := secretFixture(t)
	file := filepath.Join(dir, "secrets.enc")
	run := func(keyPath string, args ...string) (int, string) {
		env, _, stderr := testEnv(map[string]string{secretsFileEnv: file,
			secretsKeyFileEnv: keyPath})
		code := runMain(t.Context(), append([]string{"secrets"}, args...), env)
		return code, stderr.String()
	}
	if code, stderr := run(secretsKeyPath, "import", "--name", store.SecretPrivateKey,
		"--file", pemPath); code != exitOK {
		t.Fatalf("import: exit %d, stderr %s", code, stderr)
	}
	if code, stderr := run(secretsKeyPath, "rotate-key"); code != exitUsage ||
		!strings.Contains(stderr, "--new-key-file is missing") {
		t.Errorf("rotate-key without a new key: exit %d, stderr %q", code, stderr)
	}
	if code, stderr := run(secretsKeyPath, "rotate-key", "--new-key-file",
		newKeyPath); code != exitOK {
		t.Fatalf("rotate-key: exit %d, stderr %s", code, stderr)
	}
	if code, stderr := run(secretsKeyPath, "list"); code != exitUsage ||
		!strings.Contains(stderr, "wrong secrets key") {
		t.Errorf("list with the old key: exit %d, stderr %q; want wrong secrets key",
			code, stderr)
	}
	env, stdout, stderr := testEnv(map[string]string{secretsFileEnv: file,
		secretsKeyFileEnv: newKeyPath})
	if code := runMain(t.Context(), []string{"secrets", "list"}, env); code != exitOK ||
		stdout.String() != store.SecretPrivateKey+"\n" {
		t.Errorf("list with the new key: exit %d, output %q, stderr %s", code, stdout, stderr)
	}
}
