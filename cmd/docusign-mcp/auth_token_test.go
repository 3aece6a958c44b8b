package main

import (
	"context"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/policy"
)

func TestTokenHashCommand(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStdout string
	}{
		{name: "hash with newline", args: []string{"token", "hash"}, stdin: "s3cret\n",
			wantStdout: policy.HashToken("s3cret") + "\n"},
		{name: "hash without newline", args: []string{"token", "hash"}, stdin: "s3cret",
			wantStdout: policy.HashToken("s3cret") + "\n"},
		{name: "empty stdin", args: []string{"token", "hash"}, wantCode: exitFailure},
		{name: "no action", args: []string{"token"}, wantCode: exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, stdout, stderr := testEnv(nil)
			env.stdin = strings.NewReader(tt.stdin)
			code := runMain(context.Background(), tt.args, env)
			if code != tt.wantCode {
				t.Fatalf("exit = %d, want %d; stderr: %s", code, tt.wantCode, stderr)
			}
			if tt.wantStdout != "" && stdout.String() != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.wantStdout)
			}
			if strings.Contains(stderr.String()+stdout.String(), "s3cret") {
				t.Errorf("the output shows the token itself")
			}
		})
	}
}
