package main

import (
	"strings"
	"testing"
)

func TestSimHelpOnRestarts(t *testing.T) {
	env, stdout, _ := testEnv(nil)
	if code := runMain(t.Context(), []string{"sim", "--help"}, env); code != exitOK {
		t.Fatalf("sim --help exited with %d, want 0", code)
	}
	help := stdout.String()
	if strings.Contains(help, "valid across restarts") {
		t.Errorf("sim --help promises files valid across restarts, but each start writes "+
			"new ids and a new key:\n%s", help)
	}
	if !strings.Contains(help, "re-read the env file") {
		t.Errorf("sim --help does not say to re-read the env file after a restart:\n%s", help)
	}
}
