package docusigntest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// specPath is the OpenAPI subset of Docusign's official eSignature v2.1 definitions.
var specPath = filepath.Join("..", "..", "..", "shared", "reference", "docusign",
	"esignature.rest.swagger-v2.1.subset.json")

// swaggerSchema is the part of an OpenAPI 2.0 schema that the conformance check reads.
type swaggerSchema struct {
	Ref        string                   `json:"$ref"`
	Type       string                   `json:"type"`
	Items      *swaggerSchema           `json:"items"`
	Properties map[string]swaggerSchema `json:"properties"`
}

type swaggerSpec struct {
	Definitions map[string]swaggerSchema `json:"definitions"`
	Diff        struct {
		Definitions map[string]struct {
			Added []string `json:"added_in_sdk"`
		} `json:"definitions"`
	} `json:"x-diff-vs-newer-sdk"`
}

func loadSpec(t *testing.T) *swaggerSpec {
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if os.IsNotExist(err) {
		t.Skipf("Docusign OpenAPI subset not present at %s", specPath)
	}
	if err != nil {
		t.Fatalf("read spec: %v", err)
	}
	var spec swaggerSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatalf("decode spec: %v", err)
	}
	return &spec
}

// conform reports every property of value that the definition lacks or types differently.
// Properties that newer SDKs added (x-diff-vs-newer-sdk) are accepted as strings.
func (sp *swaggerSpec) conform(def string, value any, path string, problems *[]string) {
	schema, ok := sp.Definitions[def]
	if !ok {
		*problems = append(*problems, path+": definition "+def+" not in the spec")
		return
	}
	obj, ok := value.(map[string]any)
	if !ok {
		*problems = append(*problems, path+": want an object for "+def)
		return
	}
	added := map[string]bool{}
	for _, name := range sp.Diff.Definitions[def].Added {
		added[name] = true
	}
	for key, v := range obj {
		prop, ok := schema.Properties[key]
		switch {
		case ok:
			sp.conformProperty(prop, v, path+"."+key, problems)
		case added[key]:
			if _, isString := v.(string); !isString {
				*problems = append(*problems, path+"."+key+": want a string")
			}
		default:
			*problems = append(*problems, path+"."+key+": not a property of "+def)
		}
	}
}

func (sp *swaggerSpec) conformProperty(prop swaggerSchema, v any, path string,
	problems *[]string) {
	if prop.Ref != "" {
		sp.conform(strings.TrimPrefix(prop.Ref, "#/definitions/"), v, path, problems)
		return
	}
	want := map[string]string{"string": "string", "boolean": "bool", "integer": "number",
		"number": "number", "array": "array", "object": "object"}[prop.Type]
	var got string
	switch v.(type) {
	case string:
		got = "string"
	case bool:
		got = "bool"
	case float64:
		got = "number"
	case []any:
		got = "array"
	case map[string]any:
		got = "object"
	}
	if want != "" && got != want {
		*problems = append(*problems, path+": got "+got+", want "+want)
		return
	}
	if items, ok := v.([]any); ok && prop.Items != nil {
		for i, item := range items {
			sp.conformProperty(*prop.Items, item, path+"["+itoa(i)+"]", problems)
		}
	}
}

// TestWireMatchesOfficialSpec checks each response body against the official definitions:
// every property exists and has the spec's JSON type, so booleans and numbers stay strings.
func TestWireMatchesOfficialSpec(t *testing.T) {
	spec := loadSpec(t)
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	created := call(t, s, token, "POST", "/envelopes", twoSignerEnvelope("sent"))
	id := created.json(t)["envelopeId"].(string)
	if err := s.Sign(id, "1"); err != nil {
		t.Fatalf("sign: %v", err)
	}
	if err := s.Decline(id, "2", "Wrong fee"); err != nil {
		t.Fatalf("decline: %v", err)
	}
	draft := createEnvelope(t, s, token, twoSignerEnvelope("created"))
	tests := []struct {
		name string
		def  string
		resp apiResponse
	}{
		{name: "create", def: "envelopeSummary", resp: created},
		{name: "get envelope", def: "envelope", resp: call(t, s, token, "GET",
			"/envelopes/"+id+"?include=recipients,documents,custom_fields,tabs", nil)},
		{name: "list", def: "envelopesInformation", resp: call(t, s, token, "GET",
			"/envelopes?count=1&include=recipients,documents,custom_fields&from_date=2020-01-01",
			nil)},
		{name: "recipients", def: "recipients", resp: call(t, s, token, "GET",
			"/envelopes/"+id+"/recipients?include_tabs=true", nil)},
		{name: "documents", def: "envelopeDocumentsResult", resp: call(t, s, token, "GET",
			"/envelopes/"+id+"/documents?include_document_size=true", nil)},
		{name: "update", def: "envelopeUpdateSummary", resp: call(t, s, token, "PUT",
			"/envelopes/"+draft, map[string]any{"emailSubject": "New subject"})},
		{name: "templates", def: "envelopeTemplateResults", resp: call(t, s, token, "GET",
			"/templates?count=2", nil)},
		{name: "template", def: "envelopeTemplate", resp: call(t, s, token, "GET",
			"/templates/"+EngagementLetterTemplateID, nil)},
		{name: "account", def: "accountInformation", resp: call(t, s, token, "GET", "", nil)},
		{name: "error", def: "errorDetails", resp: call(t, s, token, "GET",
			"/envelopes/"+newGUID(), nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var problems []string
			spec.conform(tt.def, tt.resp.json(t), tt.def, &problems)
			sort.Strings(problems)
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}
