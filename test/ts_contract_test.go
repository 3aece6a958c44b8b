package test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// contractCase is one line of ts_contract.mjs's output.
type contractCase struct {
	Tool   string `json:"tool"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// wantContractCases lists, by tool, every typed error code that the contract run must
// drive the tool through, and a success case per tool is checked too. Three codes are not
// listed. in_progress needs a void or resend still running after the 45-second call
// budget. too_large needs a document over 64 MiB, or a result over the result budget,
// which serve does not let a test lower. Go tests in tools/ cover both. internal is a bug.
// A policy_denied case also passes when the read-only server hides the tool from
// tools/list and rejects its call as an unknown tool.
var wantContractCases = map[string][]string{
	"create_envelope": {"invalid_argument", "rate_limited", "auth_failed", "docusign_error",
		"outcome_unknown", "consent_revoked", "idempotency_conflict", "policy_denied"},
	"get_envelope_status": {"invalid_argument", "rate_limited", "auth_failed",
		"docusign_error", "unavailable", "consent_revoked", "not_found"},
	"list_envelopes": {"invalid_argument", "rate_limited", "auth_failed", "docusign_error",
		"unavailable", "consent_revoked"},
	"void_envelope": {"invalid_argument", "rate_limited", "auth_failed", "docusign_error",
		"outcome_unknown", "consent_revoked", "not_found", "invalid_state", "policy_denied"},
	"resend_envelope": {"invalid_argument", "rate_limited", "auth_failed", "docusign_error",
		"outcome_unknown", "consent_revoked", "not_found", "invalid_state", "policy_denied"},
	"list_envelope_documents": {"invalid_argument", "rate_limited", "auth_failed",
		"docusign_error", "unavailable", "consent_revoked", "not_found"},
	"download_document": {"invalid_argument", "rate_limited", "auth_failed", "docusign_error",
		"unavailable", "consent_revoked", "not_found", "policy_denied"},
	"list_templates": {"invalid_argument", "rate_limited", "auth_failed", "docusign_error",
		"unavailable", "consent_revoked"},
	"get_template": {"invalid_argument", "rate_limited", "auth_failed", "docusign_error",
		"unavailable", "consent_revoked", "not_found"},
}

// TestTypeScriptClientContract runs ts_contract.mjs: the TypeScript SDK's client calls
// every tool of 'serve --http' through every typed error, against a standalone simulator
// whose /sim/faults API injects rate limits, 5xx responses, denials and consent loss. It
// checks that each error arrives as one JSON line with the wanted code and no
// structuredContent, and that success results pass the SDK's output schema check. It runs
// once per protocol era: the 2025 revisions and 2026-07-28.
func TestTypeScriptClientContract(t *testing.T) {
	tools := requireNodeTools(t)
	for _, era := range []string{"legacy", "modern"} {
		t.Run(era, func(t *testing.T) { runContract(t, tools, era) })
	}
}

// runContract runs ts_contract.mjs in era against a new simulator and two servers, because
// the consent cases move the simulator's clock for good.
func runContract(t *testing.T, tools nodeTools, era string) {
	dir := t.TempDir()
	sim := startBinary(t, nil, "sim", "--dir", dir, "--log-format", "json")
	simURL := sim.waitForLogField(t, "simulator started", "url")
	flags := serveFlagsFromEnvFile(t, filepath.Join(dir, "docusign-mcp.env"))

	serve := func(name string, extra ...string) string {
		args := append([]string{"serve", "--http", "127.0.0.1:0", "--no-auth", "--log-format", "json",
			"--data-dir", filepath.Join(dir, name)}, flags...)
		p := startBinary(t, nil, append(args, extra...)...)
		return p.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	}
	mcpURL := serve("store")
	readOnlyURL := serve("store-read-only", "--read-only")

	argsFile := filepath.Join(dir, "create_envelope.json")
	raw, err := json.Marshal(createEnvelopeArgs(t))
	if err != nil {
		t.Fatalf("encode create_envelope arguments: %v", err)
	}
	if err := os.WriteFile(argsFile, raw, 0o600); err != nil {
		t.Fatalf("write %s: %v", argsFile, err)
	}
	script := filepath.Join(repoRoot(), "test", "ts_contract.mjs")
	stdout, stderr, code := runCommand(t, 5*time.Minute, tools.env(t), tools.node, script,
		mcpURL, readOnlyURL, simURL, argsFile, era)
	if code == 2 || strings.TrimSpace(stdout) == "" {
		t.Fatalf("contract script exited with %d\nstderr:\n%s", code, stderr)
	}
	checkContractCases(t, parseContractCases(t, stdout))
	if code != 0 {
		t.Errorf("contract script exited with %d, want 0\nstderr:\n%s", code, stderr)
	}
}

func parseContractCases(t *testing.T, stdout string) []contractCase {
	t.Helper()
	var cases []contractCase
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var c contractCase
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("contract script printed a line that is not JSON: %q", line)
		}
		cases = append(cases, c)
	}
	return cases
}

func checkContractCases(t *testing.T, cases []contractCase) {
	t.Helper()
	ran := map[string]bool{}
	for _, c := range cases {
		ran[c.Tool+" "+c.Want] = true
		if !c.OK {
			t.Errorf("%s, want %s: got %s (%s)", c.Tool, c.Want, c.Got, c.Detail)
		}
	}
	for tool, codes := range wantContractCases {
		for _, code := range append(codes, "success") {
			if !ran[tool+" "+code] {
				t.Errorf("the contract run did not drive %s to %s", tool, code)
			}
		}
	}
}

// serveFlagsFromEnvFile turns the environment file that 'sim' writes into serve flags,
// leaving out the data directory, because each serve needs its own store.
func serveFlagsFromEnvFile(t *testing.T, path string) []string {
	t.Helper()
	flagOf := map[string]string{
		"DOCUSIGN_INTEGRATION_KEY":    "--integration-key",
		"DOCUSIGN_USER_ID":            "--user-id",
		"DOCUSIGN_ACCOUNT_ID":         "--account-id",
		"DOCUSIGN_AUTH_SERVER":        "--auth-server",
		"DOCUSIGN_PRIVATE_KEY_FILE":   "--private-key-file",
		"DOCUSIGN_MCP_STORE_KEY_FILE": "--store-key-file",
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var flags []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		name, value, ok := strings.Cut(strings.TrimSpace(scanner.Text()), "=")
		if flag := flagOf[name]; ok && flag != "" {
			flags = append(flags, flag+"="+value)
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return flags
}
