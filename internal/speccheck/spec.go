// Package speccheck captures the JSON bodies exchanged with the Docusign simulator and
// validates them against Docusign's OpenAPI 2.0 definitions of eSignature REST v2.1.
//
// Capture is opt-in: with DOCUSIGN_MCP_SPEC_CAPTURE set to a directory, Capture wraps
// an http.Handler so that every request and response is appended to a JSON Lines file
// in that directory. CheckDir then matches each record to its operation in the spec
// and reports every body that breaks the operation's schema.
package speccheck

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Spec is the part of an OpenAPI 2.0 document that the check reads.
type Spec struct {
	BasePath    string                          `json:"basePath"`
	Paths       map[string]map[string]Operation `json:"-"`
	Definitions map[string]*Schema              `json:"definitions"`
	// Unresolved lists $refs that the source document leaves dangling, which
	// match any value.
	Unresolved []string `json:"x-unresolved-refs-in-source"`
	// Diff lists the properties and query parameters that a newer official SDK has
	// and the document lacks.
	Diff struct {
		Definitions map[string]struct {
			Added []string `json:"added_in_sdk"`
		} `json:"definitions"`
		Operations map[string]struct {
			QueryAdded []string `json:"query_params_added_in_sdk"`
		} `json:"operations"`
	} `json:"x-diff-vs-newer-sdk"`
}

// Operation is one method on one path.
type Operation struct {
	ID         string              `json:"operationId"`
	Parameters []Parameter         `json:"parameters"`
	Responses  map[string]Response `json:"responses"`
	Method     string              `json:"-"`
	Path       string              `json:"-"` // the path template, with basePath
	queryNames map[string]bool
}

// Parameter is an operation parameter. Only body parameters carry a schema.
type Parameter struct {
	Name   string  `json:"name"`
	In     string  `json:"in"`
	Schema *Schema `json:"schema"`
}

// Response is the declared response of one status code.
type Response struct {
	Schema *Schema `json:"schema"`
}

// Schema is the subset of a JSON schema that Docusign's definitions use.
type Schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Format               string             `json:"format"`
	Items                *Schema            `json:"items"`
	Properties           map[string]*Schema `json:"properties"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
}

// Load reads an OpenAPI 2.0 document from path.
func Load(path string) (*Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI document: %w", err)
	}
	return Parse(raw)
}

// Parse decodes an OpenAPI 2.0 document.
func Parse(raw []byte) (*Spec, error) {
	var spec Spec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("decode OpenAPI document: %w", err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode OpenAPI paths: %w", err)
	}
	spec.Paths = map[string]map[string]Operation{}
	for path, methods := range doc.Paths {
		ops := map[string]Operation{}
		for method, rawOp := range methods {
			if method == "parameters" {
				continue // path-level parameters, which the check does not need
			}
			var op Operation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				return nil, fmt.Errorf("decode operation %s %s: %w", method, path, err)
			}
			op.Method, op.Path = strings.ToUpper(method), spec.BasePath+path
			op.queryNames = spec.queryNames(op, path)
			ops[op.Method] = op
		}
		spec.Paths[spec.BasePath+path] = ops
	}
	return &spec, nil
}

// queryNames returns the query parameters that op declares or that a newer SDK added.
func (sp *Spec) queryNames(op Operation, path string) map[string]bool {
	names := map[string]bool{}
	for _, p := range op.Parameters {
		if p.In == "query" {
			names[p.Name] = true
		}
	}
	for _, name := range sp.Diff.Operations[op.Method+" "+path].QueryAdded {
		names[name] = true
	}
	return names
}

// Match returns the operation that serves method on the URL path, or false when the
// spec has none.
func (sp *Spec) Match(method, path string) (Operation, bool) {
	segments := strings.Split(strings.Trim(path, "/"), "/")
	for template, ops := range sp.Paths {
		op, ok := ops[strings.ToUpper(method)]
		if ok && matchTemplate(strings.Split(strings.Trim(template, "/"), "/"), segments) {
			return op, true
		}
	}
	return Operation{}, false
}

// matchTemplate reports whether segments fit the template's segments, where a
// {name} segment matches any one non-empty segment.
func matchTemplate(template, segments []string) bool {
	if len(template) != len(segments) {
		return false
	}
	for i, t := range template {
		variable := strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}")
		if (variable && segments[i] == "") || (!variable && t != segments[i]) {
			return false
		}
	}
	return true
}

// Name returns the operation's id, or its method and path when it has none.
func (op Operation) Name() string {
	if op.ID != "" {
		return op.ID
	}
	return op.Method + " " + op.Path
}

// RequestSchema returns the schema of the operation's body parameter, or nil.
func (op Operation) RequestSchema() *Schema {
	for _, p := range op.Parameters {
		if p.In == "body" {
			return p.Schema
		}
	}
	return nil
}

// ResponseSchema returns the schema declared for status. Docusign declares only 400
// for errors but sends the same errorDetails body with every 4xx and 5xx status, so
// an undeclared error status uses the 400 schema. ok is false when the status is not
// declared and is no error.
func (op Operation) ResponseSchema(status int) (schema *Schema, ok bool) {
	if r, found := op.Responses[fmt.Sprint(status)]; found {
		return r.Schema, true
	}
	if status >= 400 {
		if r, found := op.Responses["400"]; found {
			return r.Schema, true
		}
	}
	return nil, false
}

// KnowsQuery reports whether the operation declares the query parameter name.
func (op Operation) KnowsQuery(name string) bool {
	return op.queryNames[name]
}
