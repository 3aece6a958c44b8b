package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeStartupStoreFaults(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, dataDir string)
		wantErr string
	}{
		{name: "wrong store key", damage: func(t *testing.T, dataDir string) {
			writeTestFile(t, filepath.Join(dataDir, "store.key"), strings.Repeat("cd", 32))
		}, wantErr: "wrong encryption key"},
		{name: "damaged manifest", damage: func(t *testing.T, dataDir string) {
			writeTestFile(t, filepath.Join(dataDir, "store", "MANIFEST"), "garbage")
		}, wantErr: "restore it from a backup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := t.TempDir()
			args := []string{"serve", "--simulator", "--data-dir", dataDir,
				"--log-format", "json"}
			env, _, stderr := testEnv(nil)
			if code := runMain(t.Context(), args, env); code != exitOK {
				t.Fatalf("first serve: exit %d, want 0 on empty stdin; stderr:\n%s",
					code, stderr)
			}
			tt.damage(t, dataDir)
			env, _, stderr = testEnv(nil)
			if code := runMain(t.Context(), args, env); code != exitFailure {
				t.Errorf("serve on a damaged store: exit %d, want %d", code, exitFailure)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantErr, stderr)
			}
		})
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}
