package tools

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/policy"
)

// readOnlyDecider returns the policy that --read-only sets up.
func readOnlyDecider(t *testing.T) policy.Decider {
	t.Helper()
	rules := policy.LocalConfig()
	rules.ReadOnlyPrincipals = []string{policy.DefaultPrincipal}
	decider, err := policy.NewStatic(rules)
	if err != nil {
		t.Fatalf("policy.NewStatic failed: %v", err)
	}
	return decider
}

func TestReadOnlyDenialBeforeArguments(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Policy = readOnlyDecider(t) })
	c := h.stdioClient(t)
	tests := []struct {
		name string
		tool string
		args map[string]any
	}{
		{name: "valid arguments", tool: "void_envelope",
			args: map[string]any{"envelope_id": "00000000-0000-0000-0000-000000000001",
				"reason": "test"}},
		{name: "unknown argument", tool: "void_envelope", args: map[string]any{"bogus": 1}},
		{name: "missing arguments", tool: "download_document", args: map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustFail(t, callTool(t, c, tt.tool, tt.args))
			if got.Code != CodePolicyDenied {
				t.Errorf("code = %q, want %q before any argument check", got.Code,
					CodePolicyDenied)
			}
			if got.Field != "" {
				t.Errorf("field = %q, want empty: a policy rule is not an argument", got.Field)
			}
			if !strings.Contains(got.NextStep, "--read-only") {
				t.Errorf("next_step %q does not mention --read-only", got.NextStep)
			}
		})
	}
}

func TestPolicyToolFilterKeepsReadTools(t *testing.T) {
	all, err := Tools(Deps{})
	if err != nil {
		t.Fatalf("Tools failed: %v", err)
	}
	var tools []mcp.Tool
	for _, st := range all {
		tools = append(tools, st.Tool)
	}
	kept := PolicyToolFilter(readOnlyDecider(t))(context.Background(), tools)
	want := map[string]bool{"get_envelope_status": true, "list_envelopes": true,
		"list_envelope_documents": true, "list_templates": true, "get_template": true,
		"wait_for_envelope": true, "preview_envelope": true, "list_routing_profiles": true}
	if len(kept) != len(want) {
		t.Errorf("filter kept %d tools, want %d", len(kept), len(want))
	}
	for _, tool := range kept {
		if !want[tool.Name] {
			t.Errorf("filter kept %s, which is not read-only", tool.Name)
		}
	}
	local, err := policy.NewStatic(policy.LocalConfig())
	if err != nil {
		t.Fatalf("policy.NewStatic failed: %v", err)
	}
	if n := len(PolicyToolFilter(local)(context.Background(), tools)); n != len(tools) {
		t.Errorf("filter of the local policy kept %d tools, want all %d", n, len(tools))
	}
}
