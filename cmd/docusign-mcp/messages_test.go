package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

func TestServeConfigMessages(t *testing.T) {
	tests := []struct {
		name string
		args []string
		vars map[string]string
		want []string // parts of the problems, joined by newlines
		deny []string // parts that must not appear
	}{
		{
			name: "no account suggests the simulator",
			vars: map[string]string{"HOME": "/home/test"},
			want: []string{"docusign-mcp serve --simulator"},
		},
		{
			name: "email user id is not echoed",
			args: []string{"--user-id", "me@example.com"},
			vars: realAccountVars(),
			want: []string{"DOCUSIGN_USER_ID (--user-id) is an email address, not a GUID"},
			deny: []string{"me@example.com"},
		},
		{
			name: "tilde path is not expanded",
			args: []string{"--private-key-file", "~/keys/docusign.pem"},
			vars: realAccountVars(),
			want: []string{`"~/keys/docusign.pem" starts with ~`, "$HOME/keys/docusign.pem"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			_, problems, err := parseServeConfig(tt.args, env)
			if err != nil {
				t.Fatalf("parseServeConfig: %v", err)
			}
			text := strings.Join(problems, "\n")
			for _, part := range tt.want {
				if !strings.Contains(text, part) {
					t.Errorf("problems %q lack %q", text, part)
				}
			}
			for _, part := range tt.deny {
				if strings.Contains(text, part) {
					t.Errorf("problems %q contain %q, which they must not repeat", text, part)
				}
			}
		})
	}
}

func TestSimulatorWarnsIgnoredFlags(t *testing.T) {
	env, _, _ := testEnv(map[string]string{"HOME": "/home/test"})
	cfg, problems, err := parseServeConfig([]string{"--simulator", "--user-id", testUser}, env)
	if err != nil || len(problems) > 0 {
		t.Fatalf("parseServeConfig: err %v, problems %q, want neither", err, problems)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "--user-id is ignored") {
		t.Errorf("Warnings = %q, want one that says --user-id is ignored", cfg.Warnings)
	}
}

func TestRedirectWarningSkipsSimulator(t *testing.T) {
	tests := []struct {
		name       string
		authServer string
		want       bool
	}{
		{name: "developer account", authServer: defaultAuthServer, want: false},
		{name: "local simulator", authServer: "https://127.0.0.1:8443", want: true},
		{name: "localhost simulator", authServer: "http://localhost:9000", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := isLocalAuthServer(docusignConfig{AuthServer: tt.authServer})
			if got != tt.want {
				t.Errorf("isLocalAuthServer(%q) = %v, want %v", tt.authServer, got, tt.want)
			}
		})
	}
}

// writePEM writes a PEM block of type typ into dir/name and returns the path.
func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return path
}

func TestReadPrivateKeyProblems(t *testing.T) {
	dir := t.TempDir()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	publicDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate EC key: %v", err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatalf("marshal EC key: %v", err)
	}
	tests := []struct {
		name string
		path string
		want string
	}{
		{name: "directory", path: dir, want: "is a directory: set the path of the file"},
		{name: "public key",
			path: writePEM(t, dir, "public.pem", "PUBLIC KEY", publicDER),
			want: "contains a public key (PEM type PUBLIC KEY)"},
		{name: "EC key in PKCS#8",
			path: writePEM(t, dir, "ec.pem", "PRIVATE KEY", ecDER),
			want: "not an RSA key, and JWT Grant needs an RSA private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problem := readPrivateKey(tt.path)
			if !strings.Contains(problem, tt.want) {
				t.Errorf("readPrivateKey(%s) problem = %q, want it to contain %q",
					tt.name, problem, tt.want)
			}
		})
	}
}

func TestKeyFileWarnings(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open.pem")
	closed := filepath.Join(dir, "closed.key")
	if err := os.WriteFile(open, []byte("x"), 0o644); err != nil {
		t.Fatalf("write %s: %v", open, err)
	}
	if err := os.WriteFile(closed, []byte("x"), 0o600); err != nil {
		t.Fatalf("write %s: %v", closed, err)
	}
	cfg := serveConfig{Docusign: docusignConfig{PrivateKeyFile: open}, StoreKeyFile: closed}
	warnings := keyFileWarnings(cfg)
	if len(warnings) != 1 {
		t.Fatalf("keyFileWarnings = %q, want one warning for the mode 644 file", warnings)
	}
	if !strings.Contains(warnings[0], "chmod 600") {
		t.Errorf("warning %q does not name the fix chmod 600", warnings[0])
	}
}

func TestLoadRootCAs(t *testing.T) {
	sim, err := docusigntest.Start(docusigntest.Options{TLS: true})
	if err != nil {
		t.Fatalf("start TLS simulator: %v", err)
	}
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, sim.CertificatePEM(), 0o600); err != nil {
		t.Fatalf("write %s: %v", caFile, err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello\n"), 0o600); err != nil {
		t.Fatalf("write %s: %v", notPEM, err)
	}
	tests := []struct {
		name     string
		path     string
		wantPool bool
		want     string
	}{
		{name: "unset", path: ""},
		{name: "simulator certificate", path: caFile, wantPool: true},
		{name: "missing file", path: filepath.Join(dir, "nope.pem"), want: "does not exist"},
		{name: "no certificate", path: notPEM, want: "contains no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool, problem := loadRootCAs(tt.path)
			if (pool != nil) != tt.wantPool {
				t.Errorf("loadRootCAs(%q) pool = %v, want a pool: %v", tt.path, pool, tt.wantPool)
			}
			if !strings.Contains(problem, tt.want) || (tt.want == "") != (problem == "") {
				t.Errorf("loadRootCAs(%q) problem = %q, want %q", tt.path, problem, tt.want)
			}
		})
	}
}

func TestCheckSimulatorDataDir(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		wantErr bool
	}{
		{name: "empty directory", wantErr: false},
		{name: "earlier simulator run", files: []string{"store.key", "store/MANIFEST"}},
		{name: "store without key", files: []string{"store/MANIFEST"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				path := filepath.Join(dir, f)
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatalf("create %s: %v", filepath.Dir(path), err)
				}
				if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
					t.Fatalf("write %s: %v", path, err)
				}
			}
			err := checkSimulatorDataDir(dir)
			if (err != nil) != tt.wantErr {
				t.Errorf("checkSimulatorDataDir = %v, want an error: %v", err, tt.wantErr)
			}
			if _, statErr := os.Stat(filepath.Join(dir, "store.key")); tt.wantErr &&
				statErr == nil {
				t.Errorf("store.key exists after the check, want the directory unchanged")
			}
		})
	}
}

func TestSimEnvFileNamesCAFile(t *testing.T) {
	sim, err := docusigntest.Start(docusigntest.Options{TLS: true})
	if err != nil {
		t.Fatalf("start TLS simulator: %v", err)
	}
	t.Cleanup(sim.Close)
	files, err := writeSimCredentials(t.TempDir(), sim.Credentials(), sim.CertificatePEM())
	if err != nil {
		t.Fatalf("writeSimCredentials: %v", err)
	}
	env, err := os.ReadFile(files.EnvFile)
	if err != nil {
		t.Fatalf("read env file: %v", err)
	}
	want := "DOCUSIGN_CA_FILE=" + shellQuote(files.Certificate) + "\n"
	if !strings.Contains(string(env), want) {
		t.Errorf("env file:\n%s\nlacks %q, so serve could not trust the simulator", env, want)
	}
}

func TestHelpCommands(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "help serve", args: []string{"help", "serve"}, wantCode: exitOK,
			want: []string{"Usage: docusign-mcp serve", "  --simulator\n", "  --ca-file string",
				"DOCUSIGN_MCP_STORE_KEY "}},
		{name: "help sim", args: []string{"help", "sim"}, wantCode: exitOK,
			want: []string{"Usage: docusign-mcp sim", "  --tls\n"}},
		{name: "help alone", args: []string{"help"}, wantCode: exitOK,
			want: []string{"docusign-mcp help COMMAND"}},
		{name: "short version flag", args: []string{"-v"}, wantCode: exitOK,
			want: []string{"docusign-mcp "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, stdout, stderr := testEnv(map[string]string{})
			code := runMain(t.Context(), tt.args, env)
			if code != tt.wantCode {
				t.Errorf("runMain(%q) = %d, want %d; stderr: %s", tt.args, code, tt.wantCode,
					stderr)
			}
			for _, part := range tt.want {
				if !strings.Contains(stdout.String(), part) {
					t.Errorf("runMain(%q) stdout lacks %q:\n%s", tt.args, part, stdout)
				}
			}
		})
	}
}

func TestPrintDemoFiles(t *testing.T) {
	tests := []struct {
		name string
		cfg  demoConfig
		want string
	}{
		{name: "temporary store", cfg: demoConfig{}, want: "deleted now; add --export-dir"},
		{name: "kept data directory", cfg: demoConfig{DataDir: "/data"},
			want: "encrypted store in /data"},
		{name: "export directory", cfg: demoConfig{ExportDir: "/out"},
			want: "plaintext copies of both files are in /out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			printDemoFiles(&out, tt.cfg)
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("printDemoFiles = %q, want it to contain %q", out.String(), tt.want)
			}
		})
	}
}
