package main

import (
	"bytes"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	testIK      = "11111111-2222-3333-4444-555555555555"
	testUser    = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	testAccount = "99999999-8888-7777-6666-555555555555"
)

// testEnv returns an environment whose variables come from vars.
func testEnv(vars map[string]string) (environment, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return environment{
		stdin:  strings.NewReader(""),
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(k string) string { return vars[k] },
	}, &stdout, &stderr
}

// realAccountVars are the variables of a complete real-account configuration.
func realAccountVars() map[string]string {
	return map[string]string{
		"HOME":                        "/home/test",
		"DOCUSIGN_INTEGRATION_KEY":    testIK,
		"DOCUSIGN_USER_ID":            testUser,
		"DOCUSIGN_PRIVATE_KEY_FILE":   "/keys/docusign.pem",
		"DOCUSIGN_MCP_STORE_KEY_FILE": "/keys/store.key",
	}
}

func TestParseServeConfigValid(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		vars  map[string]string
		check func(t *testing.T, cfg serveConfig)
	}{
		{
			name: "environment only uses defaults",
			vars: realAccountVars(),
			check: func(t *testing.T, cfg serveConfig) {
				if cfg.Docusign.AuthServer != defaultAuthServer {
					t.Errorf("AuthServer = %q, want the developer default %q",
						cfg.Docusign.AuthServer, defaultAuthServer)
				}
				want := filepath.Join("/home/test", ".local", "share", "docusign-mcp")
				if cfg.DataDir != want {
					t.Errorf("DataDir = %q, want the per-user default %q", cfg.DataDir, want)
				}
				if cfg.HTTP.Addr != "" {
					t.Errorf("HTTP.Addr = %q, want empty so that serve uses stdio", cfg.HTTP.Addr)
				}
				if cfg.HTTP.MaxBodyBytes != defaultMaxBodyBytes {
					t.Errorf("MaxBodyBytes = %d, want %d",
						cfg.HTTP.MaxBodyBytes, defaultMaxBodyBytes)
				}
			},
		},
		{
			name: "flag wins over variable",
			args: []string{"--user-id", "AAAAAAAA-BBBB-CCCC-DDDD-000000000000",
				"--auth-server", "https://account.docusign.com/"},
			vars: realAccountVars(),
			check: func(t *testing.T, cfg serveConfig) {
				if cfg.Docusign.UserID != "AAAAAAAA-BBBB-CCCC-DDDD-000000000000" {
					t.Errorf("UserID = %q, want the flag's value", cfg.Docusign.UserID)
				}
				if cfg.Docusign.AuthServer != "https://account.docusign.com" {
					t.Errorf("AuthServer = %q, want the flag's value without the slash",
						cfg.Docusign.AuthServer)
				}
			},
		},
		{
			name: "XDG data home",
			vars: with(realAccountVars(), "XDG_DATA_HOME", "/xdg"),
			check: func(t *testing.T, cfg serveConfig) {
				if want := filepath.Join("/xdg", "docusign-mcp"); cfg.DataDir != want {
					t.Errorf("DataDir = %q, want %q", cfg.DataDir, want)
				}
			},
		},
		{
			name: "simulator needs no account and ignores data dir variable",
			args: []string{"--simulator"},
			vars: map[string]string{"DOCUSIGN_MCP_DATA_DIR": "/real/store"},
			check: func(t *testing.T, cfg serveConfig) {
				if !cfg.Simulator {
					t.Errorf("Simulator = false, want true")
				}
				if cfg.DataDir != "" {
					t.Errorf("DataDir = %q, want empty so that serve uses a temporary directory",
						cfg.DataDir)
				}
			},
		},
		{
			name: "simulator with data dir flag",
			args: []string{"--simulator", "--data-dir", "/tmp/sim/"},
			check: func(t *testing.T, cfg serveConfig) {
				if cfg.DataDir != "/tmp/sim" {
					t.Errorf("DataDir = %q, want /tmp/sim", cfg.DataDir)
				}
			},
		},
		{
			name: "http without host binds loopback",
			args: []string{"--simulator", "--http", ":8931", "--no-auth",
				"--allowed-origins", "HTTP://LocalHost:6274, https://app.example/"},
			check: func(t *testing.T, cfg serveConfig) {
				if cfg.HTTP.Addr != "127.0.0.1:8931" {
					t.Errorf("HTTP.Addr = %q, want 127.0.0.1:8931", cfg.HTTP.Addr)
				}
				want := []string{"http://localhost:6274", "https://app.example"}
				if strings.Join(cfg.HTTP.AllowedOrigins, " ") != strings.Join(want, " ") {
					t.Errorf("AllowedOrigins = %q, want normalized %q",
						cfg.HTTP.AllowedOrigins, want)
				}
			},
		},
		{
			name: "loopback http auth server for a local simulator",
			vars: with(realAccountVars(), "DOCUSIGN_AUTH_SERVER", "http://127.0.0.1:9000"),
			check: func(t *testing.T, cfg serveConfig) {
				if cfg.Docusign.AuthServer != "http://127.0.0.1:9000" {
					t.Errorf("AuthServer = %q, want http://127.0.0.1:9000", cfg.Docusign.AuthServer)
				}
			},
		},
		{
			name: "account guid and debug JSON logs",
			args: []string{"--account-id", "0c9a5e52-7d3f-4b1e-9a6c-2f8b1d4e7a90",
				"--log-level", "DEBUG", "--log-format", "json"},
			vars: realAccountVars(),
			check: func(t *testing.T, cfg serveConfig) {
				want := "0c9a5e52-7d3f-4b1e-9a6c-2f8b1d4e7a90"
				if cfg.Docusign.AccountID != want {
					t.Errorf("AccountID = %q, want %s", cfg.Docusign.AccountID, want)
				}
				if cfg.Log.Level != slog.LevelDebug || cfg.Log.Format != "json" {
					t.Errorf("Log = %+v, want debug level and json format", cfg.Log)
				}
			},
		},
		{
			name: "read only",
			args: []string{"--simulator", "--read-only"},
			check: func(t *testing.T, cfg serveConfig) {
				if !cfg.ReadOnly {
					t.Errorf("ReadOnly = false, want true")
				}
			},
		},
		{
			name: "session idle ttl",
			args: []string{"--simulator", "--session-idle-ttl", "90s"},
			check: func(t *testing.T, cfg serveConfig) {
				if cfg.HTTP.SessionIdleTTL != 90*time.Second {
					t.Errorf("SessionIdleTTL = %s, want 1m30s", cfg.HTTP.SessionIdleTTL)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			cfg, problems, err := parseServeConfig(tt.args, env)
			if err != nil {
				t.Fatalf("parseServeConfig returned error %v, want none", err)
			}
			if len(problems) != 0 {
				t.Fatalf("parseServeConfig found problems %q, want none", problems)
			}
			tt.check(t, cfg)
		})
	}
}

func TestParseServeConfigProblems(t *testing.T) {
	tests := []struct {
		name string
		args []string
		vars map[string]string
		want []string // substrings, one per expected problem, in order
	}{
		{
			name: "nothing set",
			vars: map[string]string{"HOME": "/home/test"},
			want: []string{
				"DOCUSIGN_INTEGRATION_KEY (--integration-key) is missing",
				"DOCUSIGN_USER_ID (--user-id) is missing",
				"no Docusign account is configured",
				"DOCUSIGN_PRIVATE_KEY_FILE (--private-key-file) is missing",
				"DOCUSIGN_MCP_STORE_KEY_FILE (--store-key-file) is missing",
			},
		},
		{
			name: "email as user id",
			vars: with(realAccountVars(), "DOCUSIGN_USER_ID", "ada@example.com"),
			want: []string{`DOCUSIGN_USER_ID (--user-id) is an email address, not a GUID`},
		},
		{
			name: "plain http auth server",
			vars: with(realAccountVars(), "DOCUSIGN_AUTH_SERVER", "http://account-d.docusign.com"),
			want: []string{`DOCUSIGN_AUTH_SERVER (--auth-server) ` +
				`"http://account-d.docusign.com" must use https`},
		},
		{
			name: "auth server with path",
			args: []string{"--auth-server", "https://account-d.docusign.com/oauth/token"},
			vars: realAccountVars(),
			want: []string{`(--auth-server) "https://account-d.docusign.com/oauth/token" ` +
				`is not a base URL`},
		},
		{
			name: "bad account id and redirect uri",
			args: []string{"--account-id", "acme", "--redirect-uri", "/callback"},
			vars: realAccountVars(),
			want: []string{
				`DOCUSIGN_ACCOUNT_ID (--account-id) "acme" is invalid`,
				`DOCUSIGN_REDIRECT_URI (--redirect-uri) "/callback" is not an absolute http(s) URL`,
			},
		},
		{
			name: "account number as account id",
			args: []string{"--account-id", "18361234"},
			vars: realAccountVars(),
			want: []string{`DOCUSIGN_ACCOUNT_ID (--account-id) "18361234" is invalid: use the ` +
				`API Account ID GUID`},
		},
		{
			name: "no home for default data dir",
			vars: without(realAccountVars(), "HOME"),
			want: []string{"$HOME is not set: set DOCUSIGN_MCP_DATA_DIR (--data-dir)"},
		},
		{
			name: "public http bind without auth",
			args: []string{"--simulator", "--http", "0.0.0.0:8931", "--no-auth"},
			want: []string{`--no-auth on 0.0.0.0:8931 is refused`},
		},
		{
			name: "http without auth choice",
			args: []string{"--simulator", "--http", "127.0.0.1:8931"},
			want: []string{"--http needs caller authentication: set --policy"},
		},
		{
			name: "no-auth with policy",
			args: []string{"--simulator", "--http", "127.0.0.1:8931", "--no-auth",
				"--policy", "/etc/p.json"},
			want: []string{"--no-auth and --policy both set"},
		},
		{
			name: "no-auth without http",
			args: []string{"--simulator", "--no-auth"},
			want: []string{"--no-auth applies to --http only"},
		},
		{
			name: "http without port",
			args: []string{"--simulator", "--http", "127.0.0.1"},
			want: []string{`--http "127.0.0.1" is invalid: use HOST:PORT`},
		},
		{
			name: "http port out of range",
			args: []string{"--simulator", "--http", "127.0.0.1:70000"},
			want: []string{`--http "127.0.0.1:70000" is invalid: the port must be a number`},
		},
		{
			name: "origin with path and limits not positive",
			args: []string{"--simulator", "--allowed-origins", "https://a.example/x",
				"--max-body-bytes", "0", "--session-idle-ttl", "-1s"},
			want: []string{
				`--allowed-origins entry "https://a.example/x" is not an origin`,
				"--max-body-bytes 0 is invalid",
				"--session-idle-ttl -1s is invalid",
			},
		},
		{
			name: "bad log settings",
			args: []string{"--simulator", "--log-format", "xml", "--log-level", "loud"},
			want: []string{`--log-format "xml" is invalid`, `--log-level "loud" is invalid`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			_, problems, err := parseServeConfig(tt.args, env)
			if err != nil {
				t.Fatalf("parseServeConfig returned error %v, want problems only", err)
			}
			if len(problems) != len(tt.want) {
				t.Fatalf("got %d problems %q, want %d matching %q",
					len(problems), problems, len(tt.want), tt.want)
			}
			for i, want := range tt.want {
				if !strings.Contains(problems[i], want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, problems[i], want)
				}
				if strings.Contains(problems[i], "\n") {
					t.Errorf("problem %d = %q spans several lines, want one line", i, problems[i])
				}
			}
		})
	}
}

func TestParseServeConfigFlagErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantHelp   bool
		wantStdout string
		wantStderr string
	}{
		{name: "help", args: []string{"--help"}, wantHelp: true,
			wantStdout: "Usage: docusign-mcp serve [flags]"},
		{name: "unknown flag", args: []string{"--nope"},
			wantStderr: "flag provided but not defined: -nope"},
		{name: "bad duration", args: []string{"--session-idle-ttl", "soon"},
			wantStderr: `invalid value "soon" for flag -session-idle-ttl`},
		{name: "positional argument", args: []string{"extra"},
			wantStderr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, stdout, stderr := testEnv(nil)
			_, _, err := parseServeConfig(tt.args, env)
			var usage *usageError
			switch {
			case tt.wantHelp && !errors.Is(err, errHelp):
				t.Errorf("error = %v, want errHelp", err)
			case !tt.wantHelp && !errors.As(err, &usage):
				t.Errorf("error = %v, want a usageError so the exit status is 2", err)
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", stdout, tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestRunMainExitStatus(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		vars       map[string]string
		want       int
		wantStderr string
	}{
		{name: "no arguments", want: exitUsage, wantStderr: "Usage:"},
		{name: "unknown command", args: []string{"deploy"}, want: exitUsage,
			wantStderr: `unknown command "deploy"`},
		{name: "version", args: []string{"--version"}, want: exitOK},
		{name: "serve help", args: []string{"serve", "--help"}, want: exitOK},
		{name: "sim help", args: []string{"sim", "-h"}, want: exitOK},
		{name: "demo help", args: []string{"demo", "--help"}, want: exitOK},
		{name: "serve config problems", args: []string{"serve"},
			vars: map[string]string{"HOME": "/home/test"}, want: exitUsage,
			wantStderr: "docusign-mcp serve: " +
				"DOCUSIGN_INTEGRATION_KEY (--integration-key) is missing"},
		{name: "serve missing key files", args: []string{"serve"}, vars: realAccountVars(),
			want:       exitUsage,
			wantStderr: `(--private-key-file) "/keys/docusign.pem" does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, stderr := testEnv(tt.vars)
			got := runMain(t.Context(), tt.args, env)
			if got != tt.want {
				t.Errorf("exit status = %d, want %d; stderr:\n%s", got, tt.want, stderr)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func with(m map[string]string, key, value string) map[string]string {
	m[key] = value
	return m
}

func without(m map[string]string, key string) map[string]string {
	delete(m, key)
	return m
}
