package speccheck

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Rules that a body can break.
const (
	RuleType            = "type"             // the JSON type differs from the schema's
	RuleUnknownProperty = "unknown property" // the definition has no such property
	RuleIntegerFormat   = "integer format"   // a number is not a whole int32 or int64
	RuleUnknownRef      = "unknown $ref"     // the schema names a missing definition
	RuleInvalidJSON     = "invalid JSON"     // the body does not decode
	RuleUndeclared      = "undeclared status"
	RuleUnknownQuery    = "unknown query parameter"
)

// Violation is one place where a body breaks its schema.
type Violation struct {
	Path   string // JSON path from $, such as $.recipients.signers[0].email
	Rule   string
	Detail string
}

// validator walks a decoded JSON value along a schema.
type validator struct {
	spec       *Spec
	violations []Violation
}

// Validate checks the JSON body against schema and returns every violation.
func (sp *Spec) Validate(schema *Schema, body []byte) []Violation {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		return []Violation{{Path: "$", Rule: RuleInvalidJSON, Detail: err.Error()}}
	}
	v := &validator{spec: sp}
	v.check(schema, "", value, "$")
	return v.violations
}

func (v *validator) add(path, rule, format string, args ...any) {
	v.violations = append(v.violations, Violation{Path: path, Rule: rule,
		Detail: fmt.Sprintf(format, args...)})
}

// check validates value at path against schema. def names the definition when schema
// is one, for the properties that a newer SDK added and for messages.
func (v *validator) check(schema *Schema, def string, value any, path string) {
	if schema == nil {
		return
	}
	if schema.Ref != "" {
		v.checkRef(schema.Ref, value, path)
		return
	}
	got := jsonType(value)
	switch schema.Type {
	case "", "file":
		// No type, or a download whose bytes are not JSON.
	case "integer":
		v.checkInteger(schema.Format, value, path)
	case "number":
		if got != "number" {
			v.add(path, RuleType, "got %s, want number", got)
		}
	case "array":
		v.checkArray(schema, value, path)
	case "object":
		v.checkObject(schema, def, value, path)
	default:
		if got != schema.Type {
			v.add(path, RuleType, "got %s, want %s", got, schema.Type)
		}
	}
}

// checkRef validates value against the definition that ref names.
func (v *validator) checkRef(ref string, value any, path string) {
	for _, unresolved := range v.spec.Unresolved {
		if ref == unresolved {
			return // the source document defines nothing to check against
		}
	}
	name := strings.TrimPrefix(ref, "#/definitions/")
	def, ok := v.spec.Definitions[name]
	if !ok {
		v.add(path, RuleUnknownRef, "definition %s is not in the spec", name)
		return
	}
	if def.Type == "" {
		def.Type = "object"
	}
	v.check(def, name, value, path)
}

func (v *validator) checkInteger(format string, value any, path string) {
	n, ok := value.(json.Number)
	if !ok {
		v.add(path, RuleType, "got %s, want integer", jsonType(value))
		return
	}
	i, err := n.Int64()
	if err != nil || (format == "int32" && (i < math.MinInt32 || i > math.MaxInt32)) {
		v.add(path, RuleIntegerFormat, "%s is not a whole %s", n, orDefault(format, "integer"))
	}
}

func (v *validator) checkArray(schema *Schema, value any, path string) {
	items, ok := value.([]any)
	if !ok {
		v.add(path, RuleType, "got %s, want array", jsonType(value))
		return
	}
	for i, item := range items {
		v.check(schema.Items, "", item, fmt.Sprintf("%s[%d]", path, i))
	}
}

// checkObject validates each property of an object. A property that the definition
// lacks is a violation unless a newer official SDK added it, whose type the check
// cannot know.
func (v *validator) checkObject(schema *Schema, def string, value any, path string) {
	obj, ok := value.(map[string]any)
	if !ok {
		v.add(path, RuleType, "got %s, want object %s", jsonType(value), orDefault(def, ""))
		return
	}
	var additional *Schema
	if len(schema.AdditionalProperties) > 0 {
		_ = json.Unmarshal(schema.AdditionalProperties, &additional)
	}
	added := map[string]bool{}
	for _, name := range v.spec.Diff.Definitions[def].Added {
		added[name] = true
	}
	for key, item := range obj {
		itemPath := path + "." + key
		switch prop, ok := schema.Properties[key]; {
		case ok:
			v.check(prop, "", item, itemPath)
		case added[key]:
		case additional != nil:
			v.check(additional, "", item, itemPath)
		case schema.Properties == nil && def == "":
			// A free-form object: anything goes.
		default:
			v.add(itemPath, RuleUnknownProperty, "%s has no property %q",
				orDefault(def, "the object"), key)
		}
	}
}

// jsonType names the JSON type of a value decoded with UseNumber.
func jsonType(value any) string {
	switch value.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", value)
}

func orDefault(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
