package policy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/invopop/jsonschema"
)

// JSONSchema describes a Duration as a Go duration string.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: `^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$`,
		Description: "a Go duration such as 15m or 1h30m"}
}

// importPath is this package's import path, the prefix of the comment keys of the schema.
const importPath = "github.com/ys88io/docusign-mcp/policy"

// Schema returns the JSON Schema of the policy file, generated from File, as indented JSON
// ending in a newline. srcDir is this package's source directory, whose doc comments become
// the descriptions. examples/policy.schema.json contains its output.
func Schema(srcDir string) ([]byte, error) {
	r := &jsonschema.Reflector{}
	if err := r.AddGoComments(importPath, srcDir); err != nil {
		return nil, fmt.Errorf("read the doc comments in %s: %w", srcDir, err)
	}
	for key, text := range r.CommentMap {
		r.CommentMap[key] = strings.ReplaceAll(text, "\n", " ")
	}
	s := r.Reflect(&File{})
	s.ID = "https://github.com/ys88io/docusign-mcp/examples/policy.schema.json"
	s.Title = "docusign-mcp policy file"
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the policy schema: %w", err)
	}
	return append(raw, '\n'), nil
}
