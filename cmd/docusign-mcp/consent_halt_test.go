package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

func TestConsentConfigFromFlagsAndEnv(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		vars        map[string]string
		wantManual  bool
		wantNext    string
		wantProblem string
	}{
		{name: "defaults"},
		{name: "manual flag", args: []string{"--consent-probe", "manual"}, wantManual: true},
		{name: "manual variable", vars: map[string]string{"DOCUSIGN_MCP_CONSENT_PROBE": "manual"},
			wantManual: true},
		{name: "auto flag", args: []string{"--consent-probe", "auto"}},
		{name: "invalid mode", args: []string{"--consent-probe", "sometimes"},
			wantProblem: "--consent-probe) \"sometimes\" is invalid"},
		{name: "next key variable", vars: map[string]string{
			"DOCUSIGN_PRIVATE_KEY_NEXT_FILE": "/keys/next.pem"}, wantNext: "/keys/next.pem"},
		{name: "next key with tilde", args: []string{"--private-key-next-file", "~/next.pem"},
			wantProblem: "starts with ~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			cfg, problems, err := parseServeConfig(append([]string{"--simulator"},
				tt.args...), env)
			if err != nil {
				t.Fatalf("parseServeConfig: %v", err)
			}
			joined := strings.Join(problems, "\n")
			if tt.wantProblem != "" {
				if !strings.Contains(joined, tt.wantProblem) {
					t.Errorf("problems = %q, want one containing %q", joined, tt.wantProblem)
				}
				return
			}
			if len(problems) != 0 {
				t.Fatalf("problems = %q, want none", joined)
			}
			if cfg.Consent.Manual != tt.wantManual {
				t.Errorf("Consent.Manual = %v, want %v", cfg.Consent.Manual, tt.wantManual)
			}
			if cfg.Consent.NextKeyFile != tt.wantNext {
				t.Errorf("Consent.NextKeyFile = %q, want %q", cfg.Consent.NextKeyFile,
					tt.wantNext)
			}
		})
	}
}

// callToolCode calls a tool in process and returns the code of its error, or "" on success.
func callToolCode(t *testing.T, c *client.Client, name string) (code, message string) {
	t.Helper()
	res, err := c.CallTool(t.Context(), mcp.CallToolRequest{Params: mcp.CallToolParams{
		Name: name, Arguments: map[string]any{}}})
	if err != nil {
		t.Fatalf("tools/call %s: %v", name, err)
	}
	if !res.IsError {
		return "", ""
	}
	text, _ := res.Content[0].(mcp.TextContent)
	var body struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		NextStep string `json:"next_step"`
	}
	if err := json.Unmarshal([]byte(text.Text), &body); err != nil {
		t.Fatalf("error result %q is not JSON: %v", text.Text, err)
	}
	return body.Code, body.Message + " " + body.NextStep
}

// waitFor polls cond until it holds or 30 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeConsentHaltManualResume(t *testing.T) {
	dir := t.TempDir()
	cfg := serveConfig{Simulator: true, DataDir: dir, Consent: consentConfig{Manual: true}}
	a, err := startApp(t.Context(), cfg, secrets{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("startApp: %v", err)
	}
	defer a.close()
	a.recordOwner("")
	c, err := client.NewInProcessClient(a.mcp)
	if err != nil {
		t.Fatalf("in-process client: %v", err)
	}
	defer c.Close()
	if _, err := c.Initialize(t.Context(), mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.ProtocolVersion20251125}}); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if code, msg := callToolCode(t, c, "list_templates"); code != "" {
		t.Fatalf("list_templates before the revocation failed: %s %s", code, msg)
	}

	userID := a.sim.Credentials().UserID
	a.sim.RevokeConsent(userID)
	a.sim.RevokeTokens(userID)
	for range 3 {
		code, msg := callToolCode(t, c, "list_templates")
		if code != "consent_revoked" {
			t.Fatalf("list_templates after the revocation: code %q, want consent_revoked", code)
		}
		if !strings.Contains(msg, "revoked") || !strings.Contains(msg, "/oauth/auth?") {
			t.Errorf("error %q does not say that consent was revoked with the consent URL", msg)
		}
	}
	results, ready := a.ops.ready.run(t.Context())
	if ready {
		t.Errorf("/readyz is ready while halted")
	}
	var consentCheck *readyResult
	for i := range results {
		if results[i].Name == "consent" {
			consentCheck = &results[i]
		}
	}
	if consentCheck == nil {
		t.Fatalf("/readyz checks %+v have no consent check", results)
	}
	if consentCheck.OK || !strings.HasPrefix(consentCheck.Error, "halted") {
		t.Errorf("consent check = %+v, want a failure that starts with \"halted\"",
			*consentCheck)
	}
	waitFor(t, "the consent_revoked alert", func() bool {
		return a.alerts.Stats().Raised[docusign.HaltConsentRevoked] == 1
	})

	a.sim.GrantConsent(userID)
	if _, halted := a.client.Halted(); !halted {
		t.Fatalf("the manual halt ended without resume")
	}
	env, stdout, _ := testEnv(nil)
	if err := runResumeCommand(t.Context(), []string{"--data-dir", dir}, env); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if !strings.Contains(stdout.String(), "asked process") {
		t.Errorf("resume printed %q, want the process it signalled", stdout.String())
	}
	waitFor(t, "the resume", func() bool {
		_, halted := a.client.Halted()
		return !halted
	})
	if code, msg := callToolCode(t, c, "list_templates"); code != "" {
		t.Errorf("list_templates after resume failed: %s %s", code, msg)
	}
	waitFor(t, "the consent_resumed audit record", func() bool {
		recs, err := store.QueryAudit(context.Background(), a.store,
			store.AuditQuery{Kind: auditConsentResumed})
		return err == nil && len(recs) == 1
	})
	if raised := a.alerts.Stats().Raised[docusign.HaltConsentRevoked]; raised != 1 {
		t.Errorf("consent_revoked alerts = %d, want 1 for one halt", raised)
	}
}

func TestResumeWithoutOwner(t *testing.T) {
	tests := []struct {
		name  string
		owner *store.Owner
		want  string
	}{
		{name: "no owner file", want: "no serve process owns"},
		{name: "stale owner file", owner: &store.Owner{PID: 1, Command: "docusign-mcp serve"},
			want: "does not hold the store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.owner != nil {
				if err := store.WriteOwner(dir, *tt.owner); err != nil {
					t.Fatalf("WriteOwner: %v", err)
				}
				lock := filepath.Join(dir, "store", "LOCK")
				if err := os.MkdirAll(filepath.Dir(lock), 0o700); err != nil {
					t.Fatalf("create store dir: %v", err)
				}
				if err := os.WriteFile(lock, []byte("999999\n"), 0o600); err != nil {
					t.Fatalf("write LOCK: %v", err)
				}
			}
			env, _, _ := testEnv(nil)
			err := runResumeCommand(t.Context(), []string{"--data-dir", dir}, env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("resume error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadNextKey(t *testing.T) {
	dir, pemPath, secretsKeyPath, _ := secretFixture(t)
	pemBytes, err := os.ReadFile(pemPath)
	if err != nil {
		t.Fatalf("read PEM: %v", err)
	}
	key, problem := readStoreKey(secretsKeyPath)
	if problem != "" {
		t.Fatalf("read secrets key: %s", problem)
	}
	withEntry := filepath.Join(dir, "with.enc")
	withoutEntry := filepath.Join(dir, "without.enc")
	for path, entries := range map[string]map[string][]byte{
		withEntry:    {secretNextPrivateKey: pemBytes},
		withoutEntry: {store.SecretPrivateKey: pemBytes},
	} {
		f, err := store.OpenSecrets(path, key)
		if err != nil {
			t.Fatalf("OpenSecrets: %v", err)
		}
		for name, value := range entries {
			if err := f.Set(name, value); err != nil {
				t.Fatalf("Set %s: %v", name, err)
			}
		}
		if err := f.Save(); err != nil {
			t.Fatalf("Save: %v", err)
		}
	}
	notKey := filepath.Join(dir, "not-a-key.pem")
	if err := os.WriteFile(notKey, []byte("not a key\n"), 0o600); err != nil {
		t.Fatalf("write %s: %v", notKey, err)
	}
	tests := []struct {
		name        string
		cfg         serveConfig
		wantKey     bool
		wantProblem string
	}{
		{name: "none"},
		{name: "file", cfg: serveConfig{Consent: consentConfig{NextKeyFile: pemPath}},
			wantKey: true},
		{name: "invalid file", cfg: serveConfig{Consent: consentConfig{NextKeyFile: notKey}},
			wantProblem: "DOCUSIGN_PRIVATE_KEY_NEXT_FILE"},
		{name: "secret file entry", cfg: serveConfig{SecretsFile: withEntry,
			SecretsKeyFile: secretsKeyPath}, wantKey: true},
		{name: "secret file without entry", cfg: serveConfig{SecretsFile: withoutEntry,
			SecretsKeyFile: secretsKeyPath}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadNextKey(tt.cfg)
			if tt.wantProblem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantProblem) {
					t.Errorf("loadNextKey error = %v, want one containing %q", err,
						tt.wantProblem)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadNextKey: %v", err)
			}
			if (got != nil) != tt.wantKey {
				t.Errorf("loadNextKey returned a key: %v, want %v", got != nil, tt.wantKey)
			}
			if got != nil && string(got) != string(pemBytes) {
				t.Errorf("loadNextKey returned other bytes than the key")
			}
		})
	}
}

func TestConsentHaltAlertKind(t *testing.T) {
	tests := []struct {
		name   string
		reason string
	}{
		{name: "consent revoked", reason: docusign.HaltConsentRevoked},
		{name: "key rejected", reason: docusign.HaltKeyRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &consentHalt{logger: slog.New(slog.DiscardHandler)}
			h.onHalt(docusign.HaltEvent{Reason: tt.reason, UserID: "user-1",
				ConsentURL: "http://127.0.0.1/oauth/auth?x", Since: time.Unix(0, 0)})
			if len(h.pending) != 1 {
				t.Fatalf("halt before the sink attached left %d pending alerts, want 1",
					len(h.pending))
			}
			if got := h.pending[0].Kind; got != tt.reason {
				t.Errorf("alert kind of a %s halt = %q, want %q", tt.reason, got, tt.reason)
			}
		})
	}
}
