package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckMissingPolicyFile(t *testing.T) {
	tests := []struct {
		name string
		path func(dir string) string
		want []string
	}{
		{name: "relative path", path: func(string) string { return "no-such-policy.json" },
			want: []string{"does not exist", "check the path", "working directory"}},
		{name: "absolute path",
			path: func(dir string) string { return filepath.Join(dir, "no-such-policy.json") },
			want: []string{"does not exist", "check the path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCheckFixture(t)
			configDir := filepath.Join(f.dir, "cfgdir")
			if err := os.Mkdir(configDir, 0o700); err != nil {
				t.Fatalf("create %s: %v", configDir, err)
			}
			configPath := filepath.Join(configDir, "config.json")
			writeTestFile(t, configPath, `{"policy": "`+tt.path(configDir)+`"}`)
			code, out, _ := f.run(t, "--config", configPath)
			if code != exitFailure {
				t.Errorf("check exited with %d, want 1", code)
			}
			line := checkLine(out, statusFail, "policy")
			for _, want := range tt.want {
				if !strings.Contains(line, want) {
					t.Errorf("policy line = %q, want it to contain %q\n%s", line, want, out)
				}
			}
			if strings.Contains(line, "fix the file") {
				t.Errorf("policy line = %q tells to fix a file that does not exist", line)
			}
		})
	}
}
