package tools

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// reflectSchema returns the JSON Schema of v's type: fully inlined (no $ref or $defs, which
// several MCP clients cannot resolve), the root an object with properties, and
// additionalProperties false on every object. Fields without omitempty are required.
func reflectSchema(v any) (json.RawMessage, error) {
	reflector := jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	schema := reflector.Reflect(v)
	schema.Version = ""
	raw, err := json.Marshal(schema)
	if err != nil {
		return nil, fmt.Errorf("encode schema of %T: %w", v, err)
	}
	var root struct {
		Type       string          `json:"type"`
		Properties json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("decode schema of %T: %w", v, err)
	}
	if root.Type != "object" || len(root.Properties) == 0 {
		return nil, fmt.Errorf("schema of %T has root type %q without properties: use a "+
			"struct with at least one field", v, root.Type)
	}
	return raw, nil
}

// describe sets the descriptions of properties of an object schema by property name. Types
// call it from JSONSchemaExtend, which keeps long descriptions out of struct tags.
func describe(s *jsonschema.Schema, descriptions map[string]string) {
	for name, text := range descriptions {
		if property, ok := s.Properties.Get(name); ok {
			property.Description = text
		}
	}
}

// setEnum restricts a string property, or the items of an array property, to values.
func setEnum(s *jsonschema.Schema, name string, values ...string) {
	property, ok := s.Properties.Get(name)
	if !ok {
		return
	}
	if property.Type == "array" && property.Items != nil {
		property = property.Items
	}
	property.Enum = make([]any, len(values))
	for i, v := range values {
		property.Enum[i] = v
	}
}
