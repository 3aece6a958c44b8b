package docusign_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
)

// specPath is the OpenAPI subset of Docusign's official eSignature v2.1 spec, kept outside
// the repository.
var specPath = filepath.Join("..", "..", "shared", "reference", "docusign",
	"esignature.rest.swagger-v2.1.subset.json")

// openAPISpec is the part of the spec that the model check reads.
type openAPISpec struct {
	Definitions map[string]struct {
		Properties map[string]json.RawMessage `json:"properties"`
	} `json:"definitions"`
	Diff struct {
		Definitions map[string]struct {
			Added []string `json:"added_in_sdk"`
		} `json:"definitions"`
	} `json:"x-diff-vs-newer-sdk"`
}

func loadSpec(t *testing.T) *openAPISpec {
	t.Helper()
	data, err := os.ReadFile(specPath)
	if os.IsNotExist(err) {
		t.Skipf("OpenAPI subset not present at %s", specPath)
	}
	if err != nil {
		t.Fatalf("read %s: %v", specPath, err)
	}
	var spec openAPISpec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatalf("parse %s: %v", specPath, err)
	}
	return &spec
}

// properties returns the property names of the given definitions, including those that the
// newer SDK added.
func (s *openAPISpec) properties(definitions ...string) map[string]bool {
	names := map[string]bool{}
	for _, def := range definitions {
		for name := range s.Definitions[def].Properties {
			names[name] = true
		}
		for _, name := range s.Diff.Definitions[def].Added {
			names[name] = true
		}
	}
	return names
}

func TestModelsFollowOfficialDefinitions(t *testing.T) {
	spec := loadSpec(t)
	tests := []struct {
		name        string
		model       any
		definitions []string
	}{
		{"EnvelopeDefinition", docusign.EnvelopeDefinition{}, []string{"envelopeDefinition"}},
		{"Document", docusign.Document{}, []string{"document"}},
		{"Recipients", docusign.Recipients{}, []string{"recipients"}},
		{"Signer", docusign.Signer{}, []string{"signer"}},
		{"CarbonCopy", docusign.CarbonCopy{}, []string{"carbonCopy"}},
		{"Tabs", docusign.Tabs{}, []string{"tabs"}},
		{"Tab", docusign.Tab{}, []string{"signHere", "text", "checkbox"}},
		{"TemplateRole", docusign.TemplateRole{}, []string{"templateRole"}},
		{"CustomFields", docusign.CustomFields{}, []string{"customFields"}},
		{"TextCustomField", docusign.TextCustomField{}, []string{"textCustomField"}},
		{"ListCustomField", docusign.ListCustomField{}, []string{"listCustomField"}},
		{"Notification", docusign.Notification{}, []string{"notification"}},
		{"Expirations", docusign.Expirations{}, []string{"expirations"}},
		{"Reminders", docusign.Reminders{}, []string{"reminders"}},
		{"EnvelopeSummary", docusign.EnvelopeSummary{}, []string{"envelopeSummary"}},
		{"Envelope", docusign.Envelope{}, []string{"envelope"}},
		{"EnvelopesInformation", docusign.EnvelopesInformation{},
			[]string{"envelopesInformation"}},
		{"EnvelopeUpdateSummary", docusign.EnvelopeUpdateSummary{},
			[]string{"envelopeUpdateSummary"}},
		{"LockInformation", docusign.LockInformation{}, []string{"lockInformation"}},
		{"RecipientUpdateResponse", docusign.RecipientUpdateResponse{},
			[]string{"recipientUpdateResponse"}},
		{"EnvelopeDocumentsResult", docusign.EnvelopeDocumentsResult{},
			[]string{"envelopeDocumentsResult"}},
		{"EnvelopeDocument", docusign.EnvelopeDocument{}, []string{"envelopeDocument"}},
		{"Page", docusign.Page{}, []string{"page"}},
		{"EnvelopeTemplateResults", docusign.EnvelopeTemplateResults{},
			[]string{"envelopeTemplateResults"}},
		{"EnvelopeTemplate", docusign.EnvelopeTemplate{}, []string{"envelopeTemplate"}},
		{"AccountInformation", docusign.AccountInformation{}, []string{"accountInformation"}},
		{"AccountUser", docusign.AccountUser{}, []string{"userInfo"}},
		{"ErrorDetails", docusign.ErrorDetails{}, []string{"errorDetails"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			known := spec.properties(tt.definitions...)
			if len(known) == 0 {
				t.Fatalf("definitions %v not found in the spec", tt.definitions)
			}
			typ := reflect.TypeOf(tt.model)
			for i := range typ.NumField() {
				field := typ.Field(i)
				name, options, _ := strings.Cut(field.Tag.Get("json"), ",")
				if !known[name] {
					t.Errorf("%s.%s has JSON name %q, which %v does not define", tt.name,
						field.Name, name, tt.definitions)
				}
				if options != "omitempty" {
					t.Errorf("%s.%s JSON options = %q, want omitempty", tt.name, field.Name,
						options)
				}
			}
		})
	}
}

func TestModelsDecodeStringScalars(t *testing.T) {
	body := `{"envelopeId":"e1","status":"completed","recipients":{"recipientCount":"2",
		"signers":[{"recipientId":"1","routingOrder":"1","status":"completed",
		"signedDateTime":"2022-09-22T15:22:52.92Z","tabs":{"signHereTabs":[{"anchorString":"/s/",
		"anchorXOffset":"0","anchorUnits":"pixels","documentId":"1","pageNumber":"1"}]}}],
		"carbonCopies":[{"recipientId":"2","routingOrder":"2","status":"completed"}]},
		"customFields":{"textCustomFields":[{"name":"Region","value":"West","show":"true"}]},
		"envelopeDocuments":[{"documentId":"certificate","type":"summary","order":"999"}]}`
	var env docusign.Envelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("decode envelope: %v", err)
	}
	signer := env.Recipients.Signers[0]
	tab := signer.Tabs.SignHereTabs[0]
	checks := []struct {
		name string
		got  string
		want string
	}{
		{"recipient count", env.Recipients.RecipientCount, "2"},
		{"routing order", signer.RoutingOrder, "1"},
		{"signed time", signer.SignedDateTime, "2022-09-22T15:22:52.92Z"},
		{"anchor units", tab.AnchorUnits, "pixels"},
		{"carbon copy status", env.Recipients.CarbonCopies[0].Status, "completed"},
		{"custom field", env.CustomFields.TextCustomFields[0].Value, "West"},
		{"document type", env.EnvelopeDocuments[0].Type, "summary"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
}

func TestEnvelopeDefinitionOmitsEmpty(t *testing.T) {
	data, err := json.Marshal(docusign.EnvelopeDefinition{Status: "created"})
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if string(data) != `{"status":"created"}` {
		t.Errorf("encoded = %s, want only the status", data)
	}
}
