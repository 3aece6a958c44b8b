package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docAuditKinds returns the record kinds that docs/audit.md names: the two it describes
// first and each kind in the first column of its table of other kinds.
func docAuditKinds(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "audit.md"))
	if err != nil {
		t.Fatalf("read docs/audit.md: %v", err)
	}
	kinds := []string{"docusign_call", "tool_call"}
	_, table, found := strings.Cut(string(data), "| kind | appended by |")
	if !found {
		t.Fatal("docs/audit.md has no table of record kinds")
	}
	cell := regexp.MustCompile("`([a-z_]+)`")
	for _, line := range strings.Split(table, "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		first := strings.Split(line, "|")[1]
		for _, m := range cell.FindAllStringSubmatch(first, -1) {
			kinds = append(kinds, m[1])
		}
	}
	return kinds
}

func TestAuditKindsMatchDocs(t *testing.T) {
	want := docAuditKinds(t)
	slices.Sort(want)
	got := slices.Sorted(slices.Values(auditKinds))
	if !slices.Equal(got, want) {
		t.Errorf("auditKinds = %v, want the kinds of docs/audit.md %v", got, want)
	}
}

func TestAuditKindFlag(t *testing.T) {
	env, stdout, _ := testEnv(nil)
	if code := runMain(t.Context(), []string{"audit", "query", "--help"}, env); code != exitOK {
		t.Fatalf("audit query --help exited with %d, want 0", code)
	}
	for _, kind := range auditKinds {
		if !strings.Contains(stdout.String(), kind) {
			t.Errorf("audit query --help does not list kind %s:\n%s", kind, stdout)
		}
	}

	env, _, stderr := testEnv(nil)
	code := runMain(t.Context(), []string{"audit", "query", "--data-dir", t.TempDir(),
		"--kind", "tool_calls"}, env)
	if code != exitUsage {
		t.Errorf("audit query --kind tool_calls exited with %d, want %d", code, exitUsage)
	}
	for _, want := range []string{`"tool_calls"`, "tool_call,"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr = %q, want it to contain %q", stderr, want)
		}
	}
}
