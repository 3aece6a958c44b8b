package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// schemaPath is the shipped schema; UPDATE_POLICY_SCHEMA=1 go test ./policy rewrites it.
var schemaPath = filepath.Join("..", "examples", "policy.schema.json")

func TestSchemaIsCurrent(t *testing.T) {
	got, err := Schema()
	if err != nil {
		t.Fatalf("Schema failed: %v", err)
	}
	if os.Getenv("UPDATE_POLICY_SCHEMA") == "1" {
		if err := os.WriteFile(schemaPath, got, 0o644); err != nil {
			t.Fatalf("write %s: %v", schemaPath, err)
		}
	}
	want, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatalf("read %s: %v", schemaPath, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the schema generated from policy.File: run "+
			"UPDATE_POLICY_SCHEMA=1 go test ./policy and commit the result", schemaPath)
	}
}

func TestExampleLegalTeamIsValid(t *testing.T) {
	path := filepath.Join("..", "examples", "policy-legal-team.json")
	f, err := LoadFile(path)
	if err != nil {
		t.Fatalf("the shipped example does not load: %v", err)
	}
	for _, name := range []string{"partner", "paralegal", "intake-agent"} {
		if _, ok := f.Principals[name]; !ok {
			t.Errorf("%s lacks principal %q that docs/policy.md describes", path, name)
		}
	}
}
