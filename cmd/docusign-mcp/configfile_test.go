package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeConfig writes content to a config file in a temporary directory.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	return path
}

func TestConfigFilePrecedence(t *testing.T) {
	path := writeConfig(t, `{
		"integration-key": "11111111-1111-1111-1111-111111111111",
		"user-id": "22222222-2222-2222-2222-222222222222",
		"http": "127.0.0.1:9000",
		"no-auth": true,
		"session-idle-ttl": "45m",
		"max-body-bytes": 1000
	}`)
	vars := with(realAccountVars(), "DOCUSIGN_INTEGRATION_KEY",
		"33333333-3333-3333-3333-333333333333")
	vars = without(vars, "DOCUSIGN_USER_ID")
	env, _, _ := testEnv(vars)
	cfg, problems, err := parseServeConfig([]string{"--config", path,
		"--session-idle-ttl", "5m"}, env)
	if err != nil {
		t.Fatalf("parseServeConfig: %v", err)
	}
	if len(problems) != 0 {
		t.Fatalf("problems = %q, want none", problems)
	}
	if got := cfg.Docusign.IntegrationKey; got != "33333333-3333-3333-3333-333333333333" {
		t.Errorf("integration key = %s, want the environment's, which wins over the file", got)
	}
	if got := cfg.Docusign.UserID; got != "22222222-2222-2222-2222-222222222222" {
		t.Errorf("user id = %s, want the file's, because the variable is unset", got)
	}
	if cfg.HTTP.SessionIdleTTL != 5*time.Minute {
		t.Errorf("session idle TTL = %s, want the flag's 5m, which wins over the file",
			cfg.HTTP.SessionIdleTTL)
	}
	if cfg.HTTP.Addr != "127.0.0.1:9000" || !cfg.HTTP.NoAuth || cfg.HTTP.MaxBodyBytes != 1000 {
		t.Errorf("HTTP config = %+v, want the file's address, no-auth and body limit", cfg.HTTP)
	}
}

func TestConfigFileFromEnvironment(t *testing.T) {
	path := writeConfig(t, `{"read-only": true}`)
	env, _, _ := testEnv(with(realAccountVars(), configEnv, path))
	cfg, problems, err := parseServeConfig(nil, env)
	if err != nil || len(problems) != 0 {
		t.Fatalf("parseServeConfig = %v, %q; want no error or problem", err, problems)
	}
	if !cfg.ReadOnly {
		t.Errorf("ReadOnly = false, want true from the file named by %s", configEnv)
	}
}

func TestConfigFileProblems(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{name: "unknown key with suggestion", content: `{"integraton-key": "x"}`,
			want: []string{`unknown key "integraton-key": did you mean "integration-key"?`}},
		{name: "unknown key", content: `{"colour": "blue"}`,
			want: []string{`unknown key "colour": keys are the flag names`}},
		{name: "store key", content: `{"store-key": "00"}`,
			want: []string{`key "store-key" names a secret`, "DOCUSIGN_MCP_STORE_KEY"}},
		{name: "environment name of a secret", content: `{"DOCUSIGN_MCP_SECRETS_KEY": "00"}`,
			want: []string{`names a secret`, "DOCUSIGN_MCP_SECRETS_KEY"}},
		{name: "token", content: `{"api-token": "abc"}`,
			want: []string{`key "api-token" names a secret`, "secret file"}},
		{name: "pem value", content: `{"principal": "-----BEGIN RSA PRIVATE KEY-----"}`,
			want: []string{`key "principal" contains a PEM block`}},
		{name: "bool as string", content: `{"read-only": "true"}`,
			want: []string{`key "read-only" must be true or false`}},
		{name: "integer as float", content: `{"max-body-bytes": 1.5}`,
			want: []string{`key "max-body-bytes" must be a whole number`}},
		{name: "integer as string", content: `{"max-body-bytes": "100"}`,
			want: []string{`key "max-body-bytes" must be a JSON number`}},
		{name: "duration as number", content: `{"upkeep-interval": 3600}`,
			want: []string{`key "upkeep-interval" must be a Go duration string`}},
		{name: "string as number", content: `{"http": 8931}`,
			want: []string{`key "http" must be a string`}},
		{name: "retention as number", content: `{"retention": 7}`,
			want: []string{`key "retention" must be a string, e.g. ` +
				`"retention": "default=7y,nda=3y"`}},
		{name: "hidden flag", content: `{"conformance-fixtures": true}`,
			want: []string{`unknown key "conformance-fixtures"`}},
		{name: "config key", content: `{"config": "other.json"}`,
			want: []string{`unknown key "config"`}},
		{name: "not an object", content: `["serve"]`,
			want: []string{"is not a JSON object"}},
		{name: "two problems", content: `{"colour": 1, "read-only": 1}`,
			want: []string{`"colour"`, `"read-only" must be true or false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			env, _, _ := testEnv(realAccountVars())
			_, _, err := parseServeConfig([]string{"--config", path}, env)
			if err == nil {
				t.Fatalf("parseServeConfig accepted %s, want an error", tt.content)
			}
			if code := exitStatus(env.stderr, err); code != exitUsage {
				t.Errorf("exit status = %d, want %d", code, exitUsage)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "BEGIN RSA") {
				t.Errorf("error %q repeats the PEM value", err)
			}
		})
	}
}

func TestConfigFileMissing(t *testing.T) {
	env, _, _ := testEnv(realAccountVars())
	missing := filepath.Join(t.TempDir(), "none.json")
	_, _, err := parseServeConfig([]string{"--config", missing}, env)
	if err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("error = %v, want one saying the file cannot be read", err)
	}
}

func TestConfigFileSchemaAnnotation(t *testing.T) {
	path := writeConfig(t, `{"$schema": "./config.schema.json", "log-level": "warn"}`)
	env, _, _ := testEnv(realAccountVars())
	cfg, problems, err := parseServeConfig([]string{"--config", path}, env)
	if err != nil || len(problems) != 0 {
		t.Fatalf("parseServeConfig = %v, %q; want $schema ignored", err, problems)
	}
	if cfg.Log.Level.String() != "WARN" {
		t.Errorf("log level = %s, want WARN from the file", cfg.Log.Level)
	}
}

func TestExampleConfigFile(t *testing.T) {
	path := filepath.Join("..", "..", "examples", "config.json")
	env, _, _ := testEnv(map[string]string{"HOME": "/home/test"})
	cfg, problems, err := parseServeConfig([]string{"--config", path}, env)
	if err != nil {
		t.Fatalf("examples/config.json: %v", err)
	}
	if len(problems) != 0 {
		t.Fatalf("examples/config.json has problems: %q", problems)
	}
	if cfg.HTTP.Addr != "127.0.0.1:8931" || cfg.PolicyFile != "/etc/docusign-mcp/policy.json" {
		t.Errorf("config = %+v, want the example's address and policy file", cfg)
	}
	if cfg.DataDir != "/var/lib/docusign-mcp" {
		t.Errorf("data dir = %s, want the example's", cfg.DataDir)
	}
}

func TestConfigFileRepeatableFlag(t *testing.T) {
	path := writeConfig(t,
		`{"downstream-url": ["https://a.example/hook", "https://b.example/hook"]}`)
	vars := with(realAccountVars(), "DOCUSIGN_MCP_DOWNSTREAM_HMAC_KEY", "downstream-secret")
	env, _, _ := testEnv(vars)
	cfg, problems, err := parseServeConfig([]string{"--config", path}, env)
	if err != nil || len(problems) != 0 {
		t.Fatalf("parseServeConfig = %v, %q; want no error or problem", err, problems)
	}
	got := strings.Join(cfg.Pipeline.DownstreamURLs, " ")
	if got != "https://a.example/hook https://b.example/hook" {
		t.Errorf("downstream URLs = %q, want both URLs of the file's array", got)
	}

	env, _, _ = testEnv(with(vars, "DOCUSIGN_MCP_DOWNSTREAM_URLS", "https://env.example/hook"))
	cfg, _, err = parseServeConfig([]string{"--config", path}, env)
	if err != nil {
		t.Fatalf("parseServeConfig: %v", err)
	}
	if got := strings.Join(cfg.Pipeline.DownstreamURLs, " "); got != "https://env.example/hook" {
		t.Errorf("downstream URLs = %q, want the variable's, which wins over the file", got)
	}
}
