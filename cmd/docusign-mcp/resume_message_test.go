package main

import (
	"strings"
	"testing"
)

func TestResumeErrorNamesProgramOnce(t *testing.T) {
	env, _, stderr := testEnv(nil)
	code := runMain(t.Context(), []string{"resume", "--data-dir", t.TempDir()}, env)
	if code != exitFailure {
		t.Errorf("resume exited with %d, want 1 without a serve process", code)
	}
	msg := stderr.String()
	if !strings.Contains(msg, "no serve process owns") {
		t.Errorf("stderr = %q, want the missing owner", msg)
	}
	if n := strings.Count(msg, "docusign-mcp"); n != 1 {
		t.Errorf("stderr = %q names the program %d times, want once", msg, n)
	}
}
