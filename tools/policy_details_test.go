package tools

import (
	"context"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

func TestCreateScopeRulesBeforeDocusign(t *testing.T) {
	all := []string{policy.Wildcard}
	tests := []struct {
		name     string
		scope    policy.Scope
		status   string
		ccEmail  string
		template bool   // create from the engagement letter template instead of documents
		wantCode string // policy reason code, empty for success
	}{
		{name: "cc in denied domain", status: "sent", ccEmail: "eve@evil.test",
			scope:    policy.Scope{Tools: all, DeniedDomains: []string{"evil.test"}},
			wantCode: policy.CodeDomainDenied},
		{name: "recipients outside allowed domains", status: "sent",
			scope:    policy.Scope{Tools: all, AllowedDomains: []string{"firm.test"}},
			wantCode: policy.CodeDomainNotAllowed},
		{name: "too many recipients", status: "sent",
			scope: policy.Scope{Tools: all, MaxRecipients: 1}, wantCode: policy.CodeTooManyRecips},
		{name: "documents over the limit", status: "sent",
			scope:    policy.Scope{Tools: all, MaxDocumentBytes: 10},
			wantCode: policy.CodeDocumentsTooBig},
		{name: "drafts only sends", status: "sent",
			scope: policy.Scope{Tools: all, DraftsOnly: true}, wantCode: policy.CodeDraftsOnly},
		{name: "drafts only saves a draft", status: "created",
			scope: policy.Scope{Tools: all, DraftsOnly: true}},
		{name: "allowed domains match", status: "sent",
			scope: policy.Scope{Tools: all, AllowedDomains: []string{"EXAMPLE.com"}}},
		{name: "template outside the list", status: "sent", template: true,
			scope:    policy.Scope{Tools: all, Templates: []string{"0b7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"}},
			wantCode: policy.CodeTemplate},
		{name: "template role in denied domain", status: "sent", template: true,
			scope:    policy.Scope{Tools: all, DeniedDomains: []string{"example.com"}},
			wantCode: policy.CodeDomainDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			engine := policy.NewEngine(&policy.File{Principals: map[string]policy.Scope{
				policy.DefaultPrincipal: tt.scope}}, "")
			h := newHarness(t, func(d *Deps) { d.Policy = engine })
			c := h.stdioClient(t)
			args := documentsEnvelope(t, tt.status)
			if tt.template {
				args = map[string]any{"source": "template", "status": tt.status,
					"template_id": docusigntest.EngagementLetterTemplateID,
					"roles": []any{map[string]any{"role_name": "Client", "name": "Cleo",
						"email": "cleo@example.com"}}}
			}
			if tt.ccEmail != "" {
				args["carbon_copies"].([]any)[0].(map[string]any)["email"] = tt.ccEmail
			}
			res := callTool(t, c, "create_envelope", args)
			calls := h.sim.Calls()
			creates := calls[docusigntest.OpCreateEnvelope]
			if tt.wantCode == "" {
				var out createEnvelopeOutput
				mustSucceed(t, res, &out)
				if creates != 1 {
					t.Errorf("simulator saw %d creates, want 1", creates)
				}
				return
			}
			got := mustFail(t, res)
			if got.Code != CodePolicyDenied {
				t.Errorf("code = %q, want %q", got.Code, CodePolicyDenied)
			}
			if !strings.Contains(got.Message, tt.wantCode) {
				t.Errorf("message %q does not name reason %s", got.Message, tt.wantCode)
			}
			if !strings.HasPrefix(got.NextStep, "do not retry the same call") {
				t.Errorf("next_step %q does not say what the caller can do", got.NextStep)
			}
			if creates != 0 {
				t.Errorf("simulator saw %d creates, want 0: the policy must decide first",
					creates)
			}
			if n := calls[docusigntest.OpGetTemplate]; n != 0 {
				t.Errorf("simulator saw %d template reads, want 0", n)
			}
		})
	}
}

func TestScopeDenialIsAudited(t *testing.T) {
	h, _ := auditHarness(t)
	h.deps.Policy = policy.NewEngine(&policy.File{Principals: map[string]policy.Scope{
		"agent-1": {Tools: []string{policy.Wildcard}, DeniedDomains: []string{"example.com"}},
	}}, "")
	tools := directTools(t, h.deps)
	agent := policy.WithPrincipal(context.Background(), "agent-1")
	res := callDirect(t, agent, tools, "create_envelope", documentsEnvelope(t, "sent"))
	if !res.IsError {
		t.Fatalf("create_envelope to a denied domain succeeded: %s", resultText(res))
	}
	calls, err := store.QueryAudit(context.Background(), h.store,
		store.AuditQuery{Kind: store.AuditToolCall})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	if len(calls) != 1 {
		t.Fatalf("tool call records = %+v, want 1", calls)
	}
	if calls[0].Decision != store.DecisionDeny {
		t.Errorf("decision = %q, want %q", calls[0].Decision, store.DecisionDeny)
	}
	if want := "principals.agent-1.denied_domains"; calls[0].PolicyRule != want {
		t.Errorf("policy rule = %q, want %q", calls[0].PolicyRule, want)
	}
	if calls[0].Code != policy.CodeDomainDenied {
		t.Errorf("code = %q, want %q", calls[0].Code, policy.CodeDomainDenied)
	}
}
