package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// configSchemaPath is the shipped schema of configuration files;
// UPDATE_CONFIG_SCHEMA=1 go test ./cmd/docusign-mcp rewrites it.
var configSchemaPath = filepath.Join("..", "..", "examples", "config.schema.json")

// configSchema returns the JSON Schema of configuration files for the serve flag set:
// one property per visible flag, with the JSON type that applyConfigFile accepts.
func configSchema(t *testing.T) []byte {
	t.Helper()
	f := newServeFlags()
	properties := map[string]any{
		"$schema": map[string]any{"type": "string",
			"description": "URL or path of this schema, for editors; ignored by docusign-mcp"},
	}
	f.fs.VisitAll(func(fl *flag.Flag) {
		if hiddenFlags[fl.Name] || fl.Name == configFlag {
			return
		}
		properties[fl.Name] = flagSchema(fl)
	})
	schema := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"title":   "docusign-mcp configuration file",
		"description": "Settings of 'docusign-mcp serve' and 'docusign-mcp check', keyed by " +
			"flag name. Flags and environment variables win over the file. Secrets have no " +
			"keys: pass them in environment variables or the secret file. Generated from " +
			"the flag set by a test in cmd/docusign-mcp.",
		"type":                 "object",
		"additionalProperties": false,
		"properties":           properties,
	}
	data, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		t.Fatalf("marshal schema: %v", err)
	}
	return append(data, '\n')
}

// flagSchema describes one flag's value.
func flagSchema(fl *flag.Flag) map[string]any {
	s := map[string]any{"description": fl.Usage}
	switch kindOf(fl) {
	case kindBool:
		s["type"] = "boolean"
		if v, err := strconv.ParseBool(fl.DefValue); err == nil {
			s["default"] = v
		}
	case kindInteger:
		s["type"] = "integer"
		if v, err := strconv.ParseInt(fl.DefValue, 10, 64); err == nil {
			s["default"] = v
		}
	case kindNumber:
		s["type"] = "number"
		if v, err := strconv.ParseFloat(fl.DefValue, 64); err == nil {
			s["default"] = v
		}
	case kindDuration:
		s["type"] = "string"
		s["pattern"] = `^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$|^0$`
		s["default"] = fl.DefValue
	case kindString:
		s["type"] = "string"
		if fl.DefValue != "" {
			s["default"] = fl.DefValue
		}
	default:
		s["anyOf"] = []any{map[string]any{"type": "string"},
			map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}
	}
	return s
}

func TestConfigSchemaIsCurrent(t *testing.T) {
	got := configSchema(t)
	if os.Getenv("UPDATE_CONFIG_SCHEMA") == "1" {
		if err := os.WriteFile(configSchemaPath, got, 0o644); err != nil {
			t.Fatalf("write %s: %v", configSchemaPath, err)
		}
	}
	want, err := os.ReadFile(configSchemaPath)
	if err != nil {
		t.Fatalf("read %s: %v: run UPDATE_CONFIG_SCHEMA=1 go test ./cmd/docusign-mcp",
			configSchemaPath, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the schema generated from the serve flags: run "+
			"UPDATE_CONFIG_SCHEMA=1 go test -run TestConfigSchemaIsCurrent ./cmd/docusign-mcp "+
			"and commit the result", configSchemaPath)
	}
}

// compileConfigSchema compiles the shipped schema.
func compileConfigSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(configSchemaPath)
	if err != nil {
		t.Fatalf("open schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("decode %s: %v", configSchemaPath, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("config.schema.json", doc); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	schema, err := c.Compile("config.schema.json")
	if err != nil {
		t.Fatalf("compile %s: %v", configSchemaPath, err)
	}
	return schema
}

func TestConfigSchemaValidation(t *testing.T) {
	schema := compileConfigSchema(t)
	tests := []struct {
		name  string
		doc   string
		valid bool
	}{
		{name: "shipped example", doc: readTestFile(t, filepath.Join("..", "..", "examples",
			"config.json")), valid: true},
		{name: "duration", doc: `{"session-idle-ttl": "45m"}`, valid: true},
		{name: "unknown key", doc: `{"integration_key": "x"}`},
		{name: "bool as string", doc: `{"read-only": "yes"}`},
		{name: "integer as float", doc: `{"max-body-bytes": 1.5}`},
		{name: "bad duration", doc: `{"upkeep-interval": "an hour"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(tt.doc)))
			if err != nil {
				t.Fatalf("decode %s: %v", tt.doc, err)
			}
			err = schema.Validate(doc)
			if tt.valid && err != nil {
				t.Errorf("schema rejected %s: %v", tt.doc, err)
			}
			if !tt.valid && err == nil {
				t.Errorf("schema accepted %s, want it rejected", tt.doc)
			}
		})
	}
}

func readTestFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(data)
}
