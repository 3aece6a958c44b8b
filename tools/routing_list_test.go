package tools

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/policy"
)

func TestListRoutingProfiles(t *testing.T) {
	h, _ := routingHarness(t, policy.Scope{Tools: []string{policy.Wildcard}},
		sequentialProfile, mixedProfile)
	c := h.stdioClient(t)

	var out listRoutingProfilesOutput
	mustSucceed(t, callTool(t, c, "list_routing_profiles", map[string]any{}), &out)
	if len(out.Profiles) != 2 {
		t.Fatalf("listed %d profiles, want 2", len(out.Profiles))
	}
	mixed := out.Profiles[1]
	if mixed.Name != "mixed" || mixed.Source != "documents" {
		t.Errorf("second profile = %s with source %s, want mixed with documents",
			mixed.Name, mixed.Source)
	}
	steps, _ := json.Marshal(mixed.Steps)
	wantSteps := `[{"routing_order":1,"parallel":true,"roles":[` +
		`{"role":"Approver","multiple":true},{"role":"Counsel","multiple":false}]},` +
		`{"routing_order":2,"parallel":false,"roles":[{"role":"Partner","multiple":false}]}]`
	if string(steps) != wantSteps {
		t.Errorf("steps = %s, want %s", steps, wantSteps)
	}
	copies, _ := json.Marshal(mixed.CarbonCopies)
	wantCopies := `[{"fixed":true,"name":"Records desk","email":"r***@example-law.test",` +
		`"routing_order":3},{"role":"Accountant","fixed":false,"routing_order":3}]`
	if string(copies) != wantCopies {
		t.Errorf("carbon copies = %s, want %s with the fixed address masked", copies,
			wantCopies)
	}
	fields, _ := json.Marshal(mixed.MatterFields)
	wantFields := `[{"name":"matter_id","custom_field":"Matter ID"},` +
		`{"name":"matter_type","custom_field":"Matter type"},` +
		`{"name":"client_number","custom_field":"Client number"}]`
	if string(fields) != wantFields {
		t.Errorf("matter fields = %s, want %s", fields, wantFields)
	}

	var one listRoutingProfilesOutput
	mustSucceed(t, callTool(t, c, "list_routing_profiles", map[string]any{
		"name": "sequential"}), &one)
	if len(one.Profiles) != 1 || one.Profiles[0].Name != "sequential" {
		t.Errorf("name filter returned %+v, want only sequential", one.Profiles)
	}
	body := mustFail(t, callTool(t, c, "list_routing_profiles", map[string]any{
		"name": "sequentail"}))
	if body.Field != "profile" || !strings.Contains(body.Message, `did you mean "sequential"`) {
		t.Errorf("unknown name error = %+v, want a suggestion of sequential", body)
	}
}

func TestRoutingProfilesResource(t *testing.T) {
	h, _ := routingHarness(t, policy.Scope{Tools: []string{"list_routing_profiles"}},
		mixedProfile)
	resource := RoutingProfilesResource(h.deps)
	var req mcp.ReadResourceRequest
	req.Params.URI = RoutingProfilesURI
	contents, err := resource.Handler(context.Background(), req)
	if err != nil {
		t.Fatalf("reading %s failed: %v", RoutingProfilesURI, err)
	}
	text, ok := contents[0].(mcp.TextResourceContents)
	if !ok {
		t.Fatalf("contents are %T, want text", contents[0])
	}
	var out listRoutingProfilesOutput
	if err := json.Unmarshal([]byte(text.Text), &out); err != nil {
		t.Fatalf("the resource is not the list_routing_profiles JSON: %v", err)
	}
	if len(out.Profiles) != 1 || out.Profiles[0].Name != "mixed" {
		t.Errorf("resource lists %+v, want the mixed profile", out.Profiles)
	}
	if strings.Contains(text.Text, "records@") {
		t.Errorf("the resource shows the records address unmasked: %s", text.Text)
	}

	usePolicy(t, h, policy.Scope{Tools: []string{"list_templates"}}, mixedProfile)
	denied := RoutingProfilesResource(h.deps)
	_, err = denied.Handler(context.Background(), req)
	want := "tool list_routing_profiles is not in the tool list"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("read by a principal without list_routing_profiles: err = %v, want a "+
			"denial containing %q", err, want)
	}
}

func TestPartyListDecoding(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    int
		wantErr string
	}{
		{name: "one party", raw: `{"name":"A","email":"a@example.com"}`, want: 1},
		{name: "list of parties",
			raw:  `[{"name":"A","email":"a@example.com"},{"name":"B","email":"b@example.com"}]`,
			want: 2},
		{name: "unknown field", raw: `{"name":"A","email":"a@example.com","phone":"1"}`,
			wantErr: "unknown field"},
		{name: "string", raw: `"a@example.com"`, wantErr: "a party must be {name, email}"},
		{name: "list with unknown field",
			raw: `[{"name":"A","email":"a@example.com","phone":"1"}]`, wantErr: "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got partyList
			err := json.Unmarshal([]byte(tt.raw), &got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decoding failed: %v", err)
			}
			if len(got) != tt.want {
				t.Errorf("decoded %d parties, want %d", len(got), tt.want)
			}
		})
	}
}

func TestPartyDecodeErrorNamesField(t *testing.T) {
	var in createEnvelopeInput
	raw := `{"matter":{"id":"M-1","parties":{"Client":{"name":"A","email":"a@example.com",` +
		`"phone":"1"}}}}`
	terr := decodeArguments([]byte(raw), &in)
	if terr == nil {
		t.Fatalf("decodeArguments accepted a party with an unknown field")
	}
	if terr.Field != "matter.parties" {
		t.Errorf("field = %q, want matter.parties", terr.Field)
	}
	if !strings.Contains(terr.Message, `unknown field "phone"`) {
		t.Errorf("message lacks the unknown field: %s", terr.Message)
	}
}

func TestRoutingProfilesFollowReload(t *testing.T) {
	scope := policy.Scope{Tools: []string{policy.Wildcard}}
	h, _ := routingHarness(t, scope, sequentialProfile)
	tools := directTools(t, h.deps)
	count := func() int {
		t.Helper()
		res := callDirect(t, context.Background(), tools, "list_routing_profiles",
			map[string]any{})
		var out listRoutingProfilesOutput
		mustSucceed(t, res, &out)
		return len(out.Profiles)
	}
	if got := count(); got != 1 {
		t.Fatalf("before the reload: %d profiles, want 1", got)
	}
	engine := h.deps.Policy.(*policy.Engine)
	err := engine.Reload(&policy.File{
		Principals:      map[string]policy.Scope{policy.DefaultPrincipal: scope},
		RoutingProfiles: []policy.RoutingProfile{sequentialProfile, mixedProfile}})
	if err != nil {
		t.Fatalf("Reload failed: %v", err)
	}
	if got := count(); got != 2 {
		t.Errorf("after the reload: %d profiles, want 2", got)
	}
	res := callDirect(t, context.Background(), tools, "preview_envelope",
		approvalMatterArgs())
	var preview previewEnvelopeOutput
	mustSucceed(t, res, &preview)
	if preview.Profile != "mixed" {
		t.Errorf("preview profile = %q, want mixed, added by the reload", preview.Profile)
	}
}
