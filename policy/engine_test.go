package policy

import (
	"context"
	"strings"
	"testing"
)

const owner = "11111111-2222-3333-4444-555555555555"

func testFile() *File {
	return &File{Principals: map[string]Scope{
		"partner": {Tools: []string{Wildcard}, Senders: []string{"other-user"},
			DeniedDomains: []string{"evil.test"}, MaxRecipients: 2},
		"para": {Tools: []string{"create_envelope", "list_envelopes"},
			Templates: []string{"tpl-1"}, AllowedDomains: []string{"firm.test"},
			MaxDocumentBytes: 1000, DraftsOnly: true},
		"auditor": {Tools: []string{Wildcard}, ReadOnly: true},
	}}
}

func TestEngineDecide(t *testing.T) {
	engine := NewEngine(testFile(), owner)
	cc := func(email string) []Recipient {
		return []Recipient{{Email: email, Type: "carbonCopies"}}
	}
	tests := []struct {
		name     string
		req      Request
		wantCode string
		wantRule string
	}{
		{name: "unknown principal", req: Request{Principal: "eve", Tool: "list_envelopes"},
			wantCode: CodeUnknownPrincipal, wantRule: "principals"},
		{name: "tool not listed", req: Request{Principal: "para", Tool: "void_envelope"},
			wantCode: CodeToolNotAllowed, wantRule: "principals.para.tools"},
		{name: "read-only principal writes", req: Request{Principal: "auditor",
			Tool: "void_envelope"}, wantCode: CodeReadOnly,
			wantRule: "principals.auditor.read_only"},
		{name: "read-only principal reads", req: Request{Principal: "auditor",
			Tool: "list_envelopes", ReadOnly: true}, wantCode: CodeAllowed,
			wantRule: "principals.auditor"},
		{name: "configured user is always a sender", req: Request{Principal: "para",
			Tool: "create_envelope", Sender: owner}, wantCode: CodeAllowed,
			wantRule: "principals.para"},
		{name: "listed sender", req: Request{Principal: "partner", Tool: "create_envelope",
			Sender: "OTHER-user", Send: true}, wantCode: CodeAllowed,
			wantRule: "principals.partner"},
		{name: "unlisted sender", req: Request{Principal: "para", Tool: "create_envelope",
			Sender: "other-user"}, wantCode: CodeSender, wantRule: "principals.para.senders"},
		{name: "unlisted template", req: Request{Principal: "para", Tool: "create_envelope",
			TemplateID: "tpl-2"}, wantCode: CodeTemplate,
			wantRule: "principals.para.templates"},
		{name: "any template without a list", req: Request{Principal: "partner",
			Tool: "create_envelope", TemplateID: "tpl-9"}, wantCode: CodeAllowed,
			wantRule: "principals.partner"},
		{name: "denied domain in cc", req: Request{Principal: "partner",
			Tool: "create_envelope", Recipients: cc("x@Evil.TEST")},
			wantCode: CodeDomainDenied, wantRule: "principals.partner.denied_domains"},
		{name: "domain outside allowed list", req: Request{Principal: "para",
			Tool: "create_envelope", Recipients: cc("x@gmail.test")},
			wantCode: CodeDomainNotAllowed, wantRule: "principals.para.allowed_domains"},
		{name: "allowed domain", req: Request{Principal: "para", Tool: "create_envelope",
			Recipients: cc("x@firm.test")}, wantCode: CodeAllowed,
			wantRule: "principals.para"},
		{name: "too many recipients", req: Request{Principal: "partner",
			Tool: "create_envelope", Recipients: append(cc("a@b.test"),
				Recipient{Email: "c@d.test"}, Recipient{Email: "e@f.test"})},
			wantCode: CodeTooManyRecips, wantRule: "principals.partner.max_recipients"},
		{name: "documents over scope limit", req: Request{Principal: "para",
			Tool: "create_envelope", DocumentBytes: 1001}, wantCode: CodeDocumentsTooBig,
			wantRule: "principals.para.max_document_bytes"},
		{name: "documents over docusign ceiling", req: Request{Principal: "partner",
			Tool: "create_envelope", DocumentBytes: MaxPacketBytes + 1},
			wantCode: CodeDocumentsTooBig, wantRule: "principals.partner.max_document_bytes"},
		{name: "drafts only sends", req: Request{Principal: "para", Tool: "create_envelope",
			Send: true}, wantCode: CodeDraftsOnly, wantRule: "principals.para.drafts_only"},
		{name: "drafts only drafts", req: Request{Principal: "para", Tool: "create_envelope"},
			wantCode: CodeAllowed, wantRule: "principals.para"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := engine.Decide(context.Background(), tt.req)
			if err != nil {
				t.Fatalf("Decide returned an error: %v", err)
			}
			if got.Code != tt.wantCode || got.Rule != tt.wantRule {
				t.Errorf("Decide = code %q rule %q (%s), want code %q rule %q", got.Code,
					got.Rule, got.Reason, tt.wantCode, tt.wantRule)
			}
			if got.Allow != (tt.wantCode == CodeAllowed) {
				t.Errorf("Decide allow = %v, want %v", got.Allow, tt.wantCode == CodeAllowed)
			}
			if strings.Contains(got.Reason, "@") {
				t.Errorf("reason %q shows an email address", got.Reason)
			}
		})
	}
}

func TestValidateNamesFieldAndFix(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{name: "no principals", json: `{"principals":{}}`, want: "principals is empty"},
		{name: "unknown field", json: `{"principals":{"a":{"tools":["*"]}},"x":1}`,
			want: `unknown field "x"`},
		{name: "empty tools", json: `{"principals":{"a":{"tools":[]}}}`,
			want: "principals.a.tools is empty"},
		{name: "doc limit over ceiling",
			json: `{"principals":{"a":{"tools":["*"],"max_document_bytes":99999999}}}`,
			want: "principals.a.max_document_bytes 99999999 is out of range"},
		{name: "bad approval", json: `{"principals":{"a":{"tools":["*"],` +
			`"require_approval":["sign"]}}}`, want: `require_approval "sign" is unknown`},
		{name: "bad fallback", json: `{"principals":{"a":{"tools":["*"],` +
			`"approval_fallback":"ask"}}}`, want: `approval_fallback "ask" is unknown`},
		{name: "bad duration", json: `{"principals":{"a":{"tools":["*"],` +
			`"resend_min_interval":"soon"}}}`, want: `duration "soon"`},
		{name: "token of unknown principal", json: `{"principals":{"a":{"tools":["*"]}},` +
			`"tokens":[{"principal":"b","sha256":"` + strings.Repeat("a", 64) + `"}]}`,
			want: `tokens[0].principal "b" is not in principals`},
		{name: "token hash not hex", json: `{"principals":{"a":{"tools":["*"]}},` +
			`"tokens":[{"principal":"a","sha256":"secret"}]}`,
			want: "tokens[0].sha256 is not 64 lower-case hex"},
		{name: "stdio principal unknown", json: `{"stdio_principal":"z",` +
			`"principals":{"a":{"tools":["*"]}}}`, want: `stdio_principal "z" is not in`},
		{name: "jwt without audience", json: `{"principals":{"a":{"tools":["*"]}},` +
			`"jwt":{"issuer":"i","public_key_file":"k.pem"}}`, want: "jwt.audience is empty"},
		{name: "bad domain", json: `{"principals":{"a":{"tools":["*"],` +
			`"denied_domains":["x@y.test"]}}}`, want: `domain "x@y.test" is invalid`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseFile error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReloadKeepsOldPolicyOnError(t *testing.T) {
	engine := NewEngine(testFile(), owner)
	if err := engine.Reload(&File{}); err == nil {
		t.Fatalf("Reload accepted a policy without principals")
	}
	if _, ok := engine.Scope("para"); !ok {
		t.Errorf("a bad reload dropped principal para from the policy in force")
	}
	next := &File{Principals: map[string]Scope{"new": {Tools: []string{Wildcard}}}}
	if err := engine.Reload(next); err != nil {
		t.Fatalf("Reload refused a valid policy: %v", err)
	}
	if _, ok := engine.Scope("new"); !ok {
		t.Errorf("a good reload did not bring in principal new")
	}
}

func TestScopeOfFillsDefaults(t *testing.T) {
	engine := NewEngine(testFile(), owner)
	ctx := WithPrincipal(context.Background(), "para")
	got := ScopeOf(ctx, wrapper{engine})
	if got.Templates[0] != "tpl-1" {
		t.Errorf("ScopeOf did not find the scope of para through the wrapper: %+v", got)
	}
	if got.ApprovalFallback != FallbackDeny || got.ResendMaxCount != DefaultResendMaxCount {
		t.Errorf("ScopeOf defaults = %q, %d, want %q, %d", got.ApprovalFallback,
			got.ResendMaxCount, FallbackDeny, DefaultResendMaxCount)
	}
}

type wrapper struct{ next Decider }

func (w wrapper) Decide(ctx context.Context, req Request) (Decision, error) {
	return w.next.Decide(ctx, req)
}

func (w wrapper) Unwrap() Decider { return w.next }

func TestCheckToolsNamesUnknownTool(t *testing.T) {
	known := []string{"create_envelope", "list_envelopes", "void_envelope"}
	tests := []struct {
		name  string
		tools []string
		want  string // empty when valid
	}{
		{name: "known tools", tools: []string{"void_envelope", "list_envelopes"}},
		{name: "wildcard", tools: []string{Wildcard}},
		{name: "misspelt tool", tools: []string{"list_envelopes", "void_envelop"},
			want: `principals.a.tools[1] "void_envelop" is not a tool of this server`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &File{Principals: map[string]Scope{"a": {Tools: tt.tools}}}
			err := f.CheckTools(known)
			if tt.want == "" && err != nil {
				t.Errorf("CheckTools = %v, want nil", err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckTools = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
