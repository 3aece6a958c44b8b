package main

import (
	"strings"
	"testing"
	"time"
)

func TestServeConfigStoreSettings(t *testing.T) {
	hexKey := strings.Repeat("ab", 32)
	tests := []struct {
		name        string
		args        []string
		vars        map[string]string
		wantProblem string
		check       func(t *testing.T, cfg serveConfig)
	}{
		{name: "store key from environment",
			vars: with(without(realAccountVars(), "DOCUSIGN_MCP_STORE_KEY_FILE"),
				storeKeyEnv, hexKey),
			check: func(t *testing.T, cfg serveConfig) {
				if cfg.StoreKeyHex != hexKey {
					t.Errorf("StoreKeyHex was not taken from %s", storeKeyEnv)
				}
			}},
		{name: "store key file and variable", vars: with(realAccountVars(), storeKeyEnv, hexKey),
			wantProblem: "keep one of them"},
		{name: "no store key",
			vars:        without(realAccountVars(), "DOCUSIGN_MCP_STORE_KEY_FILE"),
			wantProblem: storeKeyEnv},
		{name: "retention and matter field",
			args: []string{"--retention", "default=7y,nda=90d", "--matter-field", "Practice",
				"--upkeep-interval", "10m"},
			vars: realAccountVars(),
			check: func(t *testing.T, cfg serveConfig) {
				if got := cfg.Retention.Period("NDA"); got != 90*24*time.Hour {
					t.Errorf("NDA retention = %v, want 90 days", got)
				}
				if cfg.Retention.MatterField != "Practice" {
					t.Errorf("matter field = %q, want Practice", cfg.Retention.MatterField)
				}
				if cfg.UpkeepInterval != 10*time.Minute {
					t.Errorf("upkeep interval = %v, want 10m", cfg.UpkeepInterval)
				}
			}},
		{name: "default upkeep keeps archives", vars: realAccountVars(),
			check: func(t *testing.T, cfg serveConfig) {
				if got := cfg.Retention.Period("nda"); got != 0 {
					t.Errorf("default retention = %v, want 0 (forever)", got)
				}
				if cfg.UpkeepInterval != defaultUpkeepInterval {
					t.Errorf("upkeep interval = %v, want %v", cfg.UpkeepInterval,
						defaultUpkeepInterval)
				}
			}},
		{name: "invalid retention", vars: with(realAccountVars(), "DOCUSIGN_MCP_RETENTION",
			"nda=3w"), wantProblem: "DOCUSIGN_MCP_RETENTION (--retention)"},
		{name: "negative upkeep interval", args: []string{"--upkeep-interval", "-1m"},
			vars: realAccountVars(), wantProblem: "--upkeep-interval -1m0s is invalid"},
		{name: "private key from secret file",
			vars: with(without(realAccountVars(), "DOCUSIGN_PRIVATE_KEY_FILE"),
				secretsFileEnv, "/keys/secrets.enc"),
			check: func(t *testing.T, cfg serveConfig) {
				if cfg.SecretsFile != "/keys/secrets.enc" {
					t.Errorf("SecretsFile = %q, want the variable's path", cfg.SecretsFile)
				}
			}},
		{name: "bridge authorization", vars: with(realAccountVars(), bridgeAuthorizationEnv,
			" Bearer t0ken "),
			check: func(t *testing.T, cfg serveConfig) {
				if cfg.BridgeAuthorization != "Bearer t0ken" {
					t.Errorf("BridgeAuthorization was not taken from %s",
						bridgeAuthorizationEnv)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			cfg, problems, err := parseServeConfig(tt.args, env)
			if err != nil {
				t.Fatalf("parseServeConfig failed: %v", err)
			}
			if tt.wantProblem != "" {
				if !strings.Contains(strings.Join(problems, "\n"), tt.wantProblem) {
					t.Errorf("problems = %q, want one containing %q", problems, tt.wantProblem)
				}
				return
			}
			if len(problems) != 0 {
				t.Fatalf("problems = %q, want none", problems)
			}
			tt.check(t, cfg)
		})
	}
}
