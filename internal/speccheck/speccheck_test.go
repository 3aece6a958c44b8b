package speccheck

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testSpec is a small OpenAPI 2.0 document in the shape of Docusign's: one operation
// with a body, definitions that refer to each other, an int32, an unresolved $ref and
// a property that a newer SDK added.
const testSpec = `{
  "swagger": "2.0", "basePath": "/restapi",
  "paths": {
    "/v2.1/accounts/{accountId}/things": {
      "parameters": [{"name": "accountId", "in": "path"}],
      "post": {
        "operationId": "Things_PostThing",
        "parameters": [{"name": "mode", "in": "query"},
          {"name": "thing", "in": "body", "schema": {"$ref": "#/definitions/thing"}}],
        "responses": {"201": {"schema": {"$ref": "#/definitions/thingSummary"}},
          "400": {"schema": {"$ref": "#/definitions/errorDetails"}}}
      }
    }
  },
  "definitions": {
    "thing": {"type": "object", "properties": {
      "name": {"type": "string"},
      "count": {"type": "integer", "format": "int32"},
      "parts": {"type": "array", "items": {"$ref": "#/definitions/part"}},
      "tags": {"type": "array", "items": {"type": "string"}},
      "legacy": {"$ref": "#/definitions/gone"}}},
    "part": {"type": "object", "properties": {"partId": {"type": "string"}}},
    "thingSummary": {"type": "object", "properties": {"thingId": {"type": "string"}}},
    "errorDetails": {"type": "object", "properties": {
      "errorCode": {"type": "string"}, "message": {"type": "string"}}}
  },
  "x-unresolved-refs-in-source": ["#/definitions/gone"],
  "x-diff-vs-newer-sdk": {
    "definitions": {"thing": {"added_in_sdk": ["color"]}},
    "operations": {"POST /v2.1/accounts/{accountId}/things":
      {"query_params_added_in_sdk": ["dry_run"]}}
  }
}`

func parseTestSpec(t *testing.T) *Spec {
	t.Helper()
	spec, err := Parse([]byte(testSpec))
	if err != nil {
		t.Fatalf("parse test spec: %v", err)
	}
	return spec
}

func TestValidateBodies(t *testing.T) {
	spec := parseTestSpec(t)
	thing := &Schema{Ref: "#/definitions/thing"}
	tests := []struct {
		name      string
		body      string
		wantPath  string
		wantRule  string
		wantCount int
	}{
		{name: "valid", body: `{"name":"a","count":3,"parts":[{"partId":"1"}],"tags":["x"]}`},
		{name: "added in newer SDK", body: `{"color":{"any":"shape"}}`},
		{name: "unresolved ref", body: `{"legacy":[1,2]}`},
		{name: "number for string", body: `{"name":1}`, wantPath: "$.name",
			wantRule: RuleType, wantCount: 1},
		{name: "null for string", body: `{"name":null}`, wantPath: "$.name",
			wantRule: RuleType, wantCount: 1},
		{name: "unknown property", body: `{"nmae":"a"}`, wantPath: "$.nmae",
			wantRule: RuleUnknownProperty, wantCount: 1},
		{name: "nested unknown", body: `{"parts":[{"partId":"1"},{"id":"2"}]}`,
			wantPath: "$.parts[1].id", wantRule: RuleUnknownProperty, wantCount: 1},
		{name: "fraction for integer", body: `{"count":1.5}`, wantPath: "$.count",
			wantRule: RuleIntegerFormat, wantCount: 1},
		{name: "beyond int32", body: `{"count":3000000000}`, wantPath: "$.count",
			wantRule: RuleIntegerFormat, wantCount: 1},
		{name: "string for array", body: `{"tags":"x"}`, wantPath: "$.tags",
			wantRule: RuleType, wantCount: 1},
		{name: "array for object", body: `[]`, wantPath: "$", wantRule: RuleType,
			wantCount: 1},
		{name: "invalid JSON", body: `{"name":`, wantPath: "$", wantRule: RuleInvalidJSON,
			wantCount: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := spec.Validate(thing, []byte(tt.body))
			if len(got) != tt.wantCount {
				t.Fatalf("Validate(%s) = %+v, want %d violations", tt.body, got, tt.wantCount)
			}
			if tt.wantCount == 0 {
				return
			}
			if got[0].Path != tt.wantPath {
				t.Errorf("violation path = %q, want %q", got[0].Path, tt.wantPath)
			}
			if got[0].Rule != tt.wantRule {
				t.Errorf("violation rule = %q, want %q", got[0].Rule, tt.wantRule)
			}
		})
	}
}

func TestMatchOperation(t *testing.T) {
	spec := parseTestSpec(t)
	tests := []struct {
		name, method, path, wantID string
	}{
		{name: "template", method: "POST", path: "/restapi/v2.1/accounts/abc/things",
			wantID: "Things_PostThing"},
		{name: "lower-case method", method: "post",
			path: "/restapi/v2.1/accounts/abc/things", wantID: "Things_PostThing"},
		{name: "other method", method: "GET", path: "/restapi/v2.1/accounts/abc/things"},
		{name: "empty variable", method: "POST", path: "/restapi/v2.1/accounts//things"},
		{name: "longer path", method: "POST", path: "/restapi/v2.1/accounts/abc/things/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, ok := spec.Match(tt.method, tt.path)
			if ok != (tt.wantID != "") {
				t.Fatalf("Match(%s %s) found = %v, want %v", tt.method, tt.path, ok,
					tt.wantID != "")
			}
			if op.ID != tt.wantID {
				t.Errorf("Match(%s %s) = %q, want %q", tt.method, tt.path, op.ID, tt.wantID)
			}
		})
	}
}

// TestCaptureAndCheckDir records calls through Capture and checks the directory: a
// client's bad request body and query parameter, a response with an undeclared
// property, an error response, and a raw test call whose request is not checked.
func TestCaptureAndCheckDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(CaptureEnv, dir)
	handler := Capture(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("mode") == "fail" {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"errorCode":"LIMIT","message":"slow down"}`))
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"thingId":"1","extra":"x"}`))
	}))
	server := httptest.NewServer(handler)
	defer server.Close()
	url := server.URL + "/restapi/v2.1/accounts/abc/things"
	post(t, url+"?mode=a&dry_run=1&bogus=1", "docusign-mcp", `{"name":"a","count":"3"}`)
	post(t, url+"?mode=fail", "docusign-mcp", `{"name":"b"}`)
	post(t, url+"?bogus=2", "Go-http-client/1.1", `{"name":1}`)
	post(t, server.URL+"/oauth/token", "docusign-mcp", `{"secret":"x"}`)

	report, err := parseTestSpec(t).CheckDir(dir, DefaultClients)
	if err != nil {
		t.Fatalf("CheckDir failed: %v", err)
	}
	if report.Records != 3 {
		t.Errorf("records = %d, want 3: the OAuth call is not captured", report.Records)
	}
	counts := report.Checked["Things_PostThing"]
	if counts == nil || counts.Requests != 2 || counts.Responses != 3 {
		t.Fatalf("counts = %+v, want 2 request and 3 response bodies", counts)
	}
	if got := report.Skipped["request of a test's raw HTTP call"]; got != 1 {
		t.Errorf("skipped raw requests = %d, want 1", got)
	}
	want := map[string]string{
		"request $.count":    RuleType,
		"request ?bogus":     RuleUnknownQuery,
		"response $.extra":   RuleUnknownProperty,
		"request $.name":     "", // the raw call's bad name is not checked
		"response $.message": "",
	}
	got := map[string]string{}
	for _, f := range report.Violations {
		got[f.Direction+" "+f.Path] = f.Rule
	}
	for key, rule := range want {
		if got[key] != rule {
			t.Errorf("violation at %s = %q, want %q; all: %v", key, got[key], rule, got)
		}
	}
	if len(report.Violations) != 3 {
		t.Errorf("violations = %v, want 3", got)
	}
	var out bytes.Buffer
	report.Print(&out)
	if !strings.Contains(out.String(), "VIOLATION Things_PostThing request $.count: type") {
		t.Errorf("report does not name the operation, path and rule:\n%s", out.String())
	}
}

func TestCaptureOffByDefault(t *testing.T) {
	t.Setenv(CaptureEnv, "")
	inner := http.NotFoundHandler()
	if got := Capture(inner); got == nil {
		t.Fatal("Capture returned nil")
	}
	rec := httptest.NewRecorder()
	Capture(inner).ServeHTTP(rec, httptest.NewRequest("GET", "/restapi/v2.1/x", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status = %d, want the inner handler's 404", rec.Code)
	}
}

func post(t *testing.T, url, userAgent, body string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	resp.Body.Close()
}

// TestDocusignSpecLoads parses Docusign's OpenAPI subset and matches the ten REST
// endpoints behind the client's eleven operations (void and resend share one PUT).
func TestDocusignSpecLoads(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "reference", "docusign",
		"esignature.rest.swagger-v2.1.subset.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("Docusign OpenAPI subset not present at %s", path)
	}
	spec, err := Load(path)
	if err != nil {
		t.Fatalf("Load failed: %v", err)
	}
	base := "/restapi/v2.1/accounts/a"
	tests := []struct{ method, path, wantID string }{
		{"GET", base, "Accounts_GetAccount"},
		{"POST", base + "/envelopes", "Envelopes_PostEnvelopes"},
		{"GET", base + "/envelopes", "Envelopes_GetEnvelopes"},
		{"GET", base + "/envelopes/e", "Envelopes_GetEnvelope"},
		{"PUT", base + "/envelopes/e", "Envelopes_PutEnvelope"},
		{"GET", base + "/envelopes/e/recipients", "Recipients_GetRecipients"},
		{"GET", base + "/envelopes/e/documents", "Documents_GetDocuments"},
		{"GET", base + "/envelopes/e/documents/1", "Documents_GetDocument"},
		{"GET", base + "/templates", "Templates_GetTemplates"},
		{"GET", base + "/templates/t", "Templates_GetTemplate"},
	}
	for _, tt := range tests {
		op, ok := spec.Match(tt.method, tt.path)
		if !ok || op.ID != tt.wantID {
			t.Errorf("Match(%s %s) = %q, %v, want %q", tt.method, tt.path, op.ID, ok,
				tt.wantID)
		}
	}
	if !spec.Paths["/restapi/v2.1/accounts/{accountId}/envelopes/{envelopeId}/documents"]["GET"].
		KnowsQuery("include_document_size") {
		t.Errorf("documents list does not know include_document_size, which a newer SDK added")
	}
}
