package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaPath is the shipped schema; UPDATE_POLICY_SCHEMA=1 go test ./policy rewrites it.
var schemaPath = filepath.Join("..", "examples", "policy.schema.json")

func TestSchemaIsCurrent(t *testing.T) {
	got, err := Schema(".")
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

func TestExampleMatchesSchema(t *testing.T) {
	compiler := jsonschema.NewCompiler()
	schemaDoc := readJSON(t, schemaPath)
	if err := compiler.AddResource("policy.schema.json", schemaDoc); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	schema, err := compiler.Compile("policy.schema.json")
	if err != nil {
		t.Fatalf("compile %s: %v", schemaPath, err)
	}
	tests := []struct {
		name    string
		doc     any
		wantErr bool
	}{
		{name: "legal team example",
			doc: readJSON(t, filepath.Join("..", "examples", "policy-legal-team.json"))},
		{name: "unknown scope field", wantErr: true, doc: map[string]any{
			"principals": map[string]any{"a": map[string]any{"tools": []any{"*"},
				"max_recipents": 3.0}}}},
		{name: "bad duration", wantErr: true, doc: map[string]any{
			"principals": map[string]any{"a": map[string]any{"tools": []any{"*"},
				"resend_min_interval": "soon"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := schema.Validate(tt.doc)
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate = %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}

func readJSON(t *testing.T, path string) any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return doc
}
