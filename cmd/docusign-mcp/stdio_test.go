package main

import (
	"bytes"
	"os"
	"testing"
)

func TestRedirectStdout(t *testing.T) {
	original := os.Stdout
	t.Cleanup(func() { os.Stdout = original })

	restore := redirectStdout(environment{stdout: os.Stdout, stderr: os.Stderr})
	if os.Stdout != os.Stderr {
		t.Errorf("os.Stdout is not stderr while stdio serves, want stray prints on stderr")
	}
	restore()
	if os.Stdout != original {
		t.Errorf("os.Stdout was not restored after stdio stopped")
	}

	restore = redirectStdout(environment{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	if os.Stdout != original {
		t.Errorf("os.Stdout changed for a test environment, want it left alone")
	}
	restore()
}
