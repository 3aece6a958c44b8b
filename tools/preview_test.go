package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

const recordsEmail = "records@example-law.test"

// routingHarness runs the tools against the simulator with a policy engine that holds
// profiles and the local principal's scope, and with an in-memory audit log.
func routingHarness(t *testing.T, scope policy.Scope, profiles ...policy.RoutingProfile) (
	*harness, *auditRecorder) {
	t.Helper()
	h := newHarness(t)
	return h, usePolicy(t, h, scope, profiles...)
}

// usePolicy gives h a policy engine with the local principal's scope and profiles, and a new
// in-memory audit log, which it returns. Tool servers started before keep the old policy.
func usePolicy(t *testing.T, h *harness, scope policy.Scope,
	profiles ...policy.RoutingProfile) *auditRecorder {
	t.Helper()
	f := &policy.File{Principals: map[string]policy.Scope{policy.DefaultPrincipal: scope},
		RoutingProfiles: profiles}
	if err := f.Validate(); err != nil {
		t.Fatalf("the test policy is invalid: %v", err)
	}
	audit := &auditRecorder{}
	h.deps.Policy = policy.NewEngine(f, "")
	h.deps.Audit = audit
	return audit
}

// approvalMatterArgs returns arguments for the mixed profile: two approvers in parallel
// with counsel, then the partner, and copies to the records mailbox and an accountant.
func approvalMatterArgs() map[string]any {
	return map[string]any{
		"source": "documents", "status": "sent", "profile": "mixed",
		"documents": []any{map[string]any{"name": "Memo", "file_extension": "pdf",
			"content_base64": pdfBase64()}},
		"matter": map[string]any{"id": "M-2026-0117", "type": "Litigation",
			"fields": map[string]any{"client_number": "C-42"},
			"parties": map[string]any{
				"Approver": []any{
					map[string]any{"name": "Ann One", "email": "ann@example-law.test"},
					map[string]any{"name": "Ben Two", "email": "ben@example-law.test"}},
				"Counsel": map[string]any{"name": "Cora Counsel", "email": "cora@example.org"},
				"Partner": map[string]any{"name": "Pat Partner",
					"email": "pat@example-law.test"},
				"Accountant": map[string]any{"name": "Acc Ounts", "email": "acc@example.org"},
			}},
	}
}

// recipientLine describes a recipient for comparisons, in routing order.
func recipientLine(order, id, kind, role, name, email string) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s", order, id, kind, role, name, email)
}

func previewLines(recipients []previewRecipient) []string {
	var lines []string
	for _, r := range recipients {
		lines = append(lines, recipientLine(fmt.Sprint(r.RoutingOrder), r.RecipientID, r.Type,
			r.Role, r.Name, r.Email))
	}
	return lines
}

// storedLines reads the envelope's recipients from the simulator through the real client,
// masks the records mailbox as the preview does, and sorts them by routing order.
func storedLines(t *testing.T, h *harness, envelopeID string, maskRecords bool) []string {
	t.Helper()
	got, _, err := h.deps.Docusign.Envelopes.ListRecipients(context.Background(), envelopeID)
	if err != nil {
		t.Fatalf("ListRecipients failed: %v", err)
	}
	email := func(e string) string {
		if maskRecords && e == recordsEmail {
			return maskEmail(e)
		}
		return e
	}
	type line struct {
		order int
		text  string
	}
	var lines []line
	for _, s := range got.Signers {
		lines = append(lines, line{atoiOr(s.RoutingOrder, 0), recipientLine(s.RoutingOrder,
			s.RecipientID, "signer", s.RoleName, s.Name, email(s.Email))})
	}
	for _, c := range got.CarbonCopies {
		lines = append(lines, line{atoiOr(c.RoutingOrder, 0), recipientLine(c.RoutingOrder,
			c.RecipientID, "carbon_copy", c.RoleName, c.Name, email(c.Email))})
	}
	slices.SortStableFunc(lines, func(a, b line) int { return a.order - b.order })
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return out
}

func TestPreviewMatchesCreatedEnvelope(t *testing.T) {
	profile := mixedProfile
	profile.Expiration = &policy.Expiration{AfterDays: 30, WarnDays: 5}
	// The accountant's copy goes out with the first step, so the preview must sort it
	// before the partner, who signs second.
	profile.CarbonCopies = slices.Clone(mixedProfile.CarbonCopies)
	profile.CarbonCopies[1].RoutingOrder = 1
	h, _ := routingHarness(t, policy.Scope{Tools: []string{policy.Wildcard}}, profile)
	c := h.stdioClient(t)

	var preview previewEnvelopeOutput
	mustSucceed(t, callTool(t, c, "preview_envelope", approvalMatterArgs()), &preview)
	if n := h.sim.Calls()["Envelopes:create"]; n != 0 {
		t.Fatalf("preview_envelope called Envelopes:create %d times, want 0", n)
	}
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", approvalMatterArgs()), &created)

	want := []string{
		"1|1|signer|Approver|Ann One|ann@example-law.test",
		"1|2|signer|Approver|Ben Two|ben@example-law.test",
		"1|3|signer|Counsel|Cora Counsel|cora@example.org",
		"1|6|carbon_copy|Accountant|Acc Ounts|acc@example.org",
		"2|4|signer|Partner|Pat Partner|pat@example-law.test",
		"3|5|carbon_copy||Records desk|" + maskEmail(recordsEmail),
	}
	if got := previewLines(preview.Recipients); !slices.Equal(got, want) {
		t.Errorf("preview recipients:\n%s\nwant:\n%s", strings.Join(got, "\n"),
			strings.Join(want, "\n"))
	}
	if got := storedLines(t, h, created.EnvelopeID, true); !slices.Equal(got,
		previewLines(preview.Recipients)) {
		t.Errorf("the simulator stored:\n%s\nthe preview showed:\n%s", strings.Join(got, "\n"),
			strings.Join(previewLines(preview.Recipients), "\n"))
	}
	env, _, err := h.deps.Docusign.Envelopes.Get(context.Background(), created.EnvelopeID,
		&docusign.GetEnvelopeOptions{Include: []string{"custom_fields"}})
	if err != nil {
		t.Fatalf("Envelopes.Get failed: %v", err)
	}
	if env.EmailSubject != preview.EmailSubject {
		t.Errorf("stored subject %q, preview showed %q", env.EmailSubject,
			preview.EmailSubject)
	}
	if env.ExpireAfter != "30" {
		t.Errorf("stored expireAfter = %q, want 30 from the profile", env.ExpireAfter)
	}
	if preview.Notification == nil {
		t.Fatalf("the preview has no notification, want the profile's settings")
	}
	wantNotification := previewNotification{ReminderDelayDays: 2, ReminderFrequencyDays: 3,
		ExpireAfterDays: 30, ExpireWarnDays: 5}
	if *preview.Notification != wantNotification {
		t.Errorf("preview notification = %+v, want %+v", *preview.Notification,
			wantNotification)
	}
	if env.Notification == nil || env.Notification.Reminders == nil {
		t.Fatalf("the stored envelope has no notification.reminders: %+v", env.Notification)
	}
	if r := env.Notification.Reminders; r.ReminderDelay != "2" || r.ReminderFrequency != "3" {
		t.Errorf("stored reminders = %+v, want a delay of 2 days and then every 3 days", r)
	}
	var stored []string
	for _, f := range customFieldValues(env.CustomFields) {
		stored = append(stored, f.Name+"="+f.Value)
	}
	var previewed []string
	for _, f := range preview.CustomFields {
		previewed = append(previewed, f.Name+"="+f.Value)
	}
	if !slices.Equal(stored, previewed) {
		t.Errorf("stored custom fields %v, preview showed %v", stored, previewed)
	}
}

func TestPreviewShowsDocumentsAndPolicy(t *testing.T) {
	scope := policy.Scope{Tools: []string{policy.Wildcard},
		AllowedDomains: []string{"example-law.test"}, RequireApproval: []string{"send"},
		SeeSensitive: true}
	h, audit := routingHarness(t, scope, mixedProfile)
	c := h.stdioClient(t)

	var preview previewEnvelopeOutput
	mustSucceed(t, callTool(t, c, "preview_envelope", approvalMatterArgs()), &preview)
	if preview.Policy.Allowed {
		t.Errorf("policy allows the create, want a denial of the example.org recipients")
	}
	if preview.Policy.Code != policy.CodeDomainNotAllowed {
		t.Errorf("policy code = %q, want %s", preview.Policy.Code, policy.CodeDomainNotAllowed)
	}
	if !preview.RequiresApproval {
		t.Errorf("requires_approval is false, want true for a scope that approves sends")
	}
	wantDocs := []previewDocument{{DocumentID: "1", Name: "Memo", FileExtension: "pdf",
		SizeBytes: len(testPDF)}}
	if !slices.Equal(preview.Documents, wantDocs) {
		t.Errorf("documents = %+v, want %+v", preview.Documents, wantDocs)
	}
	if got := preview.Recipients[4].Email; got != recordsEmail {
		t.Errorf("records email = %q, want it in full for a scope with see_sensitive", got)
	}
	if preview.Profile != "mixed" || preview.MatterID != "M-2026-0117" {
		t.Errorf("profile %q matter %q, want mixed and M-2026-0117", preview.Profile,
			preview.MatterID)
	}
	calls := audit.kind(store.AuditToolCall)
	if len(calls) != 1 {
		t.Fatalf("audit has %d tool call records, want 1", len(calls))
	}
	rec := calls[0]
	if rec.Decision != store.DecisionAllow {
		t.Errorf("audit decision = %q, want allow: the create's denial is reported in the "+
			"result, not recorded as the preview's", rec.Decision)
	}
	if rec.Profile != "mixed" || rec.MatterID != "M-2026-0117" {
		t.Errorf("audit profile %q matter %q, want mixed and M-2026-0117", rec.Profile,
			rec.MatterID)
	}
}

func TestCreateWithProfileAuditsAndDenies(t *testing.T) {
	scope := policy.Scope{Tools: []string{policy.Wildcard},
		DeniedDomains: []string{"example.org"}}
	h, audit := routingHarness(t, scope, mixedProfile)
	c := h.stdioClient(t)

	body := mustFail(t, callTool(t, c, "create_envelope", approvalMatterArgs()))
	if body.Code != CodePolicyDenied || !strings.Contains(body.Message,
		policy.CodeDomainDenied) {
		t.Errorf("create error = %+v, want a %s denial of the expanded recipients",
			body, policy.CodeDomainDenied)
	}
	calls := audit.kind(store.AuditToolCall)
	if len(calls) != 1 {
		t.Fatalf("audit has %d tool call records, want 1", len(calls))
	}
	rec := calls[0]
	if rec.Profile != "mixed" || rec.MatterID != "M-2026-0117" {
		t.Errorf("audit profile %q matter %q, want mixed and M-2026-0117", rec.Profile,
			rec.MatterID)
	}
	if rec.Decision != store.DecisionDeny || rec.Code != policy.CodeDomainDenied {
		t.Errorf("audit decision %q code %q, want deny %s", rec.Decision, rec.Code,
			policy.CodeDomainDenied)
	}
	if n := h.sim.Calls()["Envelopes:create"]; n != 0 {
		t.Errorf("Envelopes:create called %d times, want 0", n)
	}
}

func TestCreateMissingRoleRefused(t *testing.T) {
	h, _ := routingHarness(t, policy.Scope{Tools: []string{policy.Wildcard}}, mixedProfile)
	c := h.stdioClient(t)
	args := approvalMatterArgs()
	delete(args["matter"].(map[string]any)["parties"].(map[string]any), "Partner")

	for _, tool := range []string{"preview_envelope", "create_envelope"} {
		body := mustFail(t, callTool(t, c, tool, args))
		if body.Code != CodeRoutingRoleMissing {
			t.Errorf("%s code = %s, want %s", tool, body.Code, CodeRoutingRoleMissing)
		}
		if !strings.Contains(body.Message, `"Partner" (signer, routing order 2)`) {
			t.Errorf("%s message lacks the expected roles: %s", tool, body.Message)
		}
	}
	if n := h.sim.Calls()["Envelopes:create"]; n != 0 {
		t.Errorf("Envelopes:create called %d times, want 0", n)
	}
}

// settlementProfile routes a template: the client signs, then opposing counsel, then the
// partner, with copies to records (fixed) and an accountant from the matter.
var settlementProfile = policy.RoutingProfile{Name: "settlement",
	Description: "Settlement agreement.", TemplateName: "Settlement agreement",
	Signers: []policy.RoutingRole{{Role: "Client", RoutingOrder: 1},
		{Role: "Opposing counsel", RoutingOrder: 2}, {Role: "Partner", RoutingOrder: 3}},
	CarbonCopies: []policy.RoutingCopy{
		{Role: "Records", Name: "Records desk", Email: recordsEmail},
		{Role: "Accountant"}},
	MatterFields: []policy.MatterField{{Name: "matter_type", CustomField: "Matter type"}},
	Subject:      "{matter_type} {matter_id}: settlement agreement"}

func addSettlementTemplate(t *testing.T, sim *docusigntest.Server, name string) string {
	t.Helper()
	role := func(name, id string, order int, copy bool) docusigntest.TemplateRole {
		r := docusigntest.TemplateRole{RoleName: name, RecipientID: id, RoutingOrder: order,
			CarbonCopy: copy}
		if !copy {
			r.Tabs = json.RawMessage(`{"signHereTabs":[{"anchorString":"/` + id + `/"}],` +
				`"textTabs":[{"tabLabel":"Amount","anchorString":"/amt` + id + `/"}]}`)
		}
		return r
	}
	id, err := sim.AddTemplate(docusigntest.Template{Name: name,
		Documents: []docusigntest.TemplateDocument{{ID: "1", Name: "Settlement.pdf",
			Content: []byte(testPDF)}},
		Roles: []docusigntest.TemplateRole{role("Client", "1", 1, false),
			role("Opposing counsel", "2", 1, false), role("Partner", "3", 1, false),
			role("Records", "4", 1, true), role("Accountant", "5", 1, true)}})
	if err != nil {
		t.Fatalf("AddTemplate failed: %v", err)
	}
	return id
}

func settlementArgs() map[string]any {
	return map[string]any{
		"source": "template", "status": "sent", "profile": "settlement",
		"roles": []any{map[string]any{"role_name": "Client", "name": "Cleo Client",
			"email": "cleo@example.org",
			"tabs":  []any{map[string]any{"label": "Amount", "value": "25000"}}}},
		"matter": map[string]any{"id": "M-7", "type": "Employment",
			"parties": map[string]any{
				"Opposing counsel": map[string]any{"name": "Otto Counsel",
					"email": "otto@example.net"},
				"Partner": map[string]any{"name": "Pat Partner",
					"email": "pat@example-law.test"},
				"Accountant": map[string]any{"name": "Acc Ounts", "email": "acc@example.org"},
			}},
	}
}

func TestPreviewTemplateProfileMatchesCreate(t *testing.T) {
	h := newHarness(t)
	profile := settlementProfile
	profile.TemplateID = addSettlementTemplate(t, h.sim, "Settlement agreement")
	usePolicy(t, h, policy.Scope{Tools: []string{policy.Wildcard}}, profile)
	c := h.stdioClient(t)

	var preview previewEnvelopeOutput
	mustSucceed(t, callTool(t, c, "preview_envelope", settlementArgs()), &preview)
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", settlementArgs()), &created)

	want := []string{
		"1|1|signer|Client|Cleo Client|cleo@example.org",
		"2|2|signer|Opposing counsel|Otto Counsel|otto@example.net",
		"3|3|signer|Partner|Pat Partner|pat@example-law.test",
		"4|4|carbon_copy|Records|Records desk|" + maskEmail(recordsEmail),
		"4|5|carbon_copy|Accountant|Acc Ounts|acc@example.org",
	}
	if got := previewLines(preview.Recipients); !slices.Equal(got, want) {
		t.Errorf("preview recipients:\n%s\nwant:\n%s", strings.Join(got, "\n"),
			strings.Join(want, "\n"))
	}
	if got := storedLines(t, h, created.EnvelopeID, true); !slices.Equal(got, want) {
		t.Errorf("the simulator stored:\n%s\nwant what the preview showed:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if want := "Employment M-7: settlement agreement"; preview.EmailSubject != want {
		t.Errorf("subject = %q, want %q", preview.EmailSubject, want)
	}
	tabs := preview.Recipients[0].Tabs
	if len(tabs) != 2 || tabs[1].Label != "Amount" || tabs[1].Value != "25000" {
		t.Errorf("client tabs = %+v, want sign_here and Amount=25000", tabs)
	}
	if len(preview.Documents) != 1 || preview.Documents[0].Name != "Settlement.pdf" {
		t.Errorf("documents = %+v, want the template's Settlement.pdf", preview.Documents)
	}
}

func TestTemplateProfileMismatchRejected(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name     string
		template string
		edit     func(p *policy.RoutingProfile)
		wantText string
	}{
		{name: "renamed template", template: "Settlement agreement v2",
			wantText: `is named "Settlement agreement v2", not "Settlement agreement"`},
		{name: "copy role is a signer", template: "Settlement agreement",
			edit: func(p *policy.RoutingProfile) {
				p.CarbonCopies = []policy.RoutingCopy{{Role: "Partner", Name: "P",
					Email: "p@example-law.test"}}
				p.Signers = p.Signers[:2]
			},
			wantText: `copy role "Partner" is not a carbon copy role`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profile := settlementProfile
			profile.Signers = slices.Clone(settlementProfile.Signers)
			profile.TemplateID = addSettlementTemplate(t, h.sim, tt.template)
			if tt.edit != nil {
				tt.edit(&profile)
			}
			usePolicy(t, h, policy.Scope{Tools: []string{policy.Wildcard}}, profile)
			c := h.stdioClient(t)
			args := settlementArgs()
			if tt.edit != nil {
				parties := args["matter"].(map[string]any)["parties"].(map[string]any)
				delete(parties, "Partner")
				delete(parties, "Accountant")
			}
			body := mustFail(t, callTool(t, c, "preview_envelope", args))
			if body.Code != CodeRoutingProfileInvalid {
				t.Errorf("code = %s, want %s: %s", body.Code, CodeRoutingProfileInvalid,
					body.Message)
			}
			if !strings.Contains(body.Message, tt.wantText) {
				t.Errorf("message lacks %q: %s", tt.wantText, body.Message)
			}
		})
	}
}

func TestCreateWithProfileAuditsSuccess(t *testing.T) {
	h, audit := routingHarness(t, policy.Scope{Tools: []string{policy.Wildcard}}, mixedProfile)
	c := h.stdioClient(t)

	var out struct {
		EnvelopeID string `json:"envelope_id"`
	}
	mustSucceed(t, callTool(t, c, "create_envelope", approvalMatterArgs()), &out)
	if out.EnvelopeID == "" {
		t.Errorf("create_envelope returned no envelope id")
	}
	calls := audit.kind(store.AuditToolCall)
	if len(calls) != 1 {
		t.Fatalf("audit has %d tool call records, want 1", len(calls))
	}
	rec := calls[0]
	if rec.Profile != "mixed" {
		t.Errorf("audit profile = %q, want mixed", rec.Profile)
	}
	if rec.MatterID != "M-2026-0117" {
		t.Errorf("audit matter id = %q, want M-2026-0117", rec.MatterID)
	}
	if rec.Decision != store.DecisionAllow || rec.Outcome != "ok" {
		t.Errorf("audit decision %q outcome %q, want allow and ok", rec.Decision, rec.Outcome)
	}
	if n := h.sim.Calls()["Envelopes:create"]; n != 1 {
		t.Errorf("Envelopes:create called %d times, want 1", n)
	}
}
