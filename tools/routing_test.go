package tools

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/policy"
)

// Profiles of the expansion tests. Each uses uploaded documents unless it names a template.
var (
	sequentialProfile = policy.RoutingProfile{Name: "sequential", Description: "One after another.",
		Signers: []policy.RoutingRole{{Role: "Client", RoutingOrder: 1},
			{Role: "Partner", RoutingOrder: 2}}}
	parallelProfile = policy.RoutingProfile{Name: "parallel", Description: "All at once.",
		Signers: []policy.RoutingRole{{Role: "Approver", RoutingOrder: 1, Multiple: true},
			{Role: "Reviewer", RoutingOrder: 1}}}
	mixedProfile = policy.RoutingProfile{Name: "mixed", Description: "Parallel, then one.",
		Signers: []policy.RoutingRole{{Role: "Approver", RoutingOrder: 1, Multiple: true},
			{Role: "Counsel", RoutingOrder: 1}, {Role: "Partner", RoutingOrder: 2}},
		CarbonCopies: []policy.RoutingCopy{
			{Name: "Records desk", Email: "records@example-law.test"},
			{Role: "Accountant"}},
		MatterFields: []policy.MatterField{
			{Name: "matter_id", CustomField: "Matter ID"},
			{Name: "matter_type", CustomField: "Matter type", Show: true},
			{Name: "client_number", CustomField: "Client number"}},
		Subject:   "{matter_type} {matter_id}: approval",
		Reminders: &policy.Reminders{DelayDays: 2, FrequencyDays: 3}}
)

// routingDeps returns Deps whose policy allows every tool for the local principal and holds
// profiles, which must be valid.
func routingDeps(t *testing.T, profiles ...policy.RoutingProfile) *Deps {
	t.Helper()
	f := &policy.File{Principals: map[string]policy.Scope{
		policy.DefaultPrincipal: {Tools: []string{policy.Wildcard}}},
		RoutingProfiles: profiles}
	if err := f.Validate(); err != nil {
		t.Fatalf("the test profiles are invalid: %v", err)
	}
	return &Deps{Policy: policy.NewEngine(f, "")}
}

func party(name string) partyInput {
	return partyInput{Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) +
		"@example-law.test"}
}

// routedInput returns a documents create_envelope input for profile with the parties.
func routedInput(profile string, parties map[string]partyList) *createEnvelopeInput {
	return &createEnvelopeInput{Source: "documents", Status: "created", Profile: profile,
		Documents: []documentInput{{Name: "Memo", FileExtension: "pdf",
			ContentBase64: pdfBase64()}},
		Matter: &matterInput{ID: "M-2026-0117", Type: "Litigation",
			Fields: map[string]string{"client_number": "C-42"}, Parties: parties}}
}

// describeRecipients writes each recipient as "role:name@order", signers then copies, with
// the routing order that the envelope definition gets.
func describeRecipients(in *createEnvelopeInput) (signers, copies []string) {
	for _, s := range in.Signers {
		signers = append(signers, fmt.Sprintf("%s:%s@%s", s.Role, s.Name,
			routingOrder(s.RoutingOrder)))
	}
	for _, c := range in.CarbonCopies {
		copies = append(copies, fmt.Sprintf("%s:%s@%s", c.Role, c.Name,
			routingOrder(c.RoutingOrder)))
	}
	return signers, copies
}

func TestExpandRoutingOrders(t *testing.T) {
	d := routingDeps(t, sequentialProfile, parallelProfile, mixedProfile)
	tests := []struct {
		name        string
		in          *createEnvelopeInput
		wantSigners []string
		wantCopies  []string
	}{
		{name: "sequential",
			in: routedInput("sequential", map[string]partyList{
				"Partner": {party("Pat Partner")}, "Client": {party("Cleo Client")}}),
			wantSigners: []string{"Client:Cleo Client@1", "Partner:Pat Partner@2"}},
		{name: "parallel",
			in: routedInput("parallel", map[string]partyList{
				"Approver": {party("Ann One"), party("Ben Two")},
				"Reviewer": {party("Rita Review")}}),
			wantSigners: []string{"Approver:Ann One@1", "Approver:Ben Two@1",
				"Reviewer:Rita Review@1"}},
		{name: "mixed with copies",
			in: routedInput("mixed", map[string]partyList{
				"Approver": {party("Ann One"), party("Ben Two")},
				"Counsel":  {party("Cora Counsel")}, "Partner": {party("Pat Partner")},
				"Accountant": {party("Acc Ounts")}}),
			wantSigners: []string{"Approver:Ann One@1", "Approver:Ben Two@1",
				"Counsel:Cora Counsel@1", "Partner:Pat Partner@2"},
			wantCopies: []string{":Records desk@3", "Accountant:Acc Ounts@3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if terr := validateRoutedCreate(d, tt.in); terr != nil {
				t.Fatalf("validateRoutedCreate failed: %s", terr.json())
			}
			signers, copies := describeRecipients(tt.in)
			if !slices.Equal(signers, tt.wantSigners) {
				t.Errorf("signers = %v, want %v", signers, tt.wantSigners)
			}
			if !slices.Equal(copies, tt.wantCopies) {
				t.Errorf("carbon copies = %v, want %v", copies, tt.wantCopies)
			}
		})
	}
}

func TestExpandRoutingExplicitSigners(t *testing.T) {
	d := routingDeps(t, mixedProfile)
	in := routedInput("mixed", map[string]partyList{"Approver": {party("Ann One")},
		"Accountant": {party("Acc Ounts")}})
	order := 1
	in.Signers = []recipientInput{
		{Name: "Pat Partner", Email: "pat@example-law.test", Role: "Partner",
			Tabs: []tabInput{{Type: "sign_here", AnchorString: "/partner/"}}},
		{Name: "Cora Counsel", Email: "cora@example-law.test", Role: "Counsel",
			RoutingOrder: &order},
	}
	if terr := validateRoutedCreate(d, in); terr != nil {
		t.Fatalf("validateRoutedCreate failed: %s", terr.json())
	}
	signers, _ := describeRecipients(in)
	want := []string{"Approver:Ann One@1", "Counsel:Cora Counsel@1", "Partner:Pat Partner@2"}
	if !slices.Equal(signers, want) {
		t.Errorf("signers = %v, want %v in the profile's role order", signers, want)
	}
	if got := len(in.Signers[2].Tabs); got != 1 {
		t.Errorf("the partner's explicit signer has %d tabs, want its 1 tab kept", got)
	}
	if in.Signers[2].RecipientID == 0 {
		t.Errorf("the expanded signers got no recipient ids")
	}
}

func TestExpandRoutingAddsRequiredCopy(t *testing.T) {
	d := routingDeps(t, mixedProfile)
	parties := map[string]partyList{"Approver": {party("Ann One")},
		"Counsel": {party("Cora Counsel")}, "Partner": {party("Pat Partner")},
		"Accountant": {party("Acc Ounts")}}
	tests := []struct {
		name       string
		copies     []recipientInput
		wantCopies []string
	}{
		{name: "caller lists no copies",
			wantCopies: []string{":Records desk@3", "Accountant:Acc Ounts@3"}},
		{name: "caller lists another copy",
			copies: []recipientInput{{Name: "Extra Copy", Email: "extra@example-law.test"}},
			wantCopies: []string{":Extra Copy@1", ":Records desk@3",
				"Accountant:Acc Ounts@3"}},
		{name: "caller already lists the records mailbox",
			copies: []recipientInput{{Name: "Records", Email: "RECORDS@example-law.test",
				RoutingOrder: ptr(3)}},
			wantCopies: []string{":Records@3", "Accountant:Acc Ounts@3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := routedInput("mixed", parties)
			in.CarbonCopies = tt.copies
			if terr := validateRoutedCreate(d, in); terr != nil {
				t.Fatalf("validateRoutedCreate failed: %s", terr.json())
			}
			_, copies := describeRecipients(in)
			if !slices.Equal(copies, tt.wantCopies) {
				t.Errorf("carbon copies = %v, want %v", copies, tt.wantCopies)
			}
		})
	}
}

func TestExpandRoutingMatterFields(t *testing.T) {
	d := routingDeps(t, mixedProfile)
	in := routedInput("mixed", map[string]partyList{"Approver": {party("Ann One")},
		"Counsel": {party("Cora Counsel")}, "Partner": {party("Pat Partner")},
		"Accountant": {party("Acc Ounts")}})
	in.CustomFields = []customFieldInput{{Name: "Billing code", Value: "B-7"}}
	if terr := validateRoutedCreate(d, in); terr != nil {
		t.Fatalf("validateRoutedCreate failed: %s", terr.json())
	}
	if want := "Litigation M-2026-0117: approval"; in.EmailSubject != want {
		t.Errorf("email_subject = %q, want %q from the profile's pattern", in.EmailSubject,
			want)
	}
	var fields []string
	for _, f := range in.CustomFields {
		fields = append(fields, fmt.Sprintf("%s=%s/%t", f.Name, f.Value, f.Show))
	}
	wantFields := []string{"Billing code=B-7/false", "Matter ID=M-2026-0117/false",
		"Matter type=Litigation/true", "Client number=C-42/false"}
	if !slices.Equal(fields, wantFields) {
		t.Errorf("custom fields = %v, want %v", fields, wantFields)
	}
	n := in.routing.notification()
	if n == nil || n.Reminders == nil {
		t.Fatalf("notification = %+v, want the profile's reminders", n)
	}
	if n.UseAccountDefaults != "false" || n.Reminders.ReminderDelay != "2" ||
		n.Reminders.ReminderFrequency != "3" {
		t.Errorf("notification = %+v %+v, want useAccountDefaults false, delay 2, "+
			"frequency 3", n, n.Reminders)
	}
	if n.Expirations != nil {
		t.Errorf("expirations = %+v, want none, because the profile sets none",
			n.Expirations)
	}
}

func TestExpandRoutingRejects(t *testing.T) {
	d := routingDeps(t, sequentialProfile, mixedProfile)
	full := func() map[string]partyList {
		return map[string]partyList{"Approver": {party("Ann One")},
			"Counsel": {party("Cora Counsel")}, "Partner": {party("Pat Partner")},
			"Accountant": {party("Acc Ounts")}}
	}
	tests := []struct {
		name      string
		edit      func(in *createEnvelopeInput)
		wantCode  string
		wantField string
		wantText  []string
	}{
		{name: "missing role",
			edit:     func(in *createEnvelopeInput) { delete(in.Matter.Parties, "Partner") },
			wantCode: CodeRoutingRoleMissing, wantField: "matter.parties",
			wantText: []string{`roles "Partner" of profile mixed`,
				`it expects "Approver" (signer, routing order 1), "Counsel" (signer, ` +
					`routing order 1), "Partner" (signer, routing order 2), "Accountant" (copy)`}},
		{name: "missing copy role",
			edit:     func(in *createEnvelopeInput) { delete(in.Matter.Parties, "Accountant") },
			wantCode: CodeRoutingRoleMissing, wantField: "matter.parties",
			wantText: []string{`"Accountant"`}},
		{name: "unknown party role",
			edit: func(in *createEnvelopeInput) {
				in.Matter.Parties["Partnr"] = partyList{party("Pat Partner")}
			},
			wantCode: CodeRoutingRoleUnknown, wantField: "matter.parties.Partnr",
			wantText: []string{`profile mixed has no role "Partnr" (did you mean "Partner"?)`,
				`it expects "Approver"`}},
		{name: "signer without role",
			edit: func(in *createEnvelopeInput) {
				in.Signers = []recipientInput{{Name: "X", Email: "x@example-law.test"}}
			},
			wantCode: CodeRoutingRoleMissing, wantField: "signers[0].role",
			wantText: []string{"signers[0] has no role"}},
		{name: "signer with unknown role",
			edit: func(in *createEnvelopeInput) {
				in.Signers = []recipientInput{{Name: "X", Email: "x@example-law.test",
					Role: "Witness"}}
			},
			wantCode: CodeRoutingRoleUnknown, wantField: "signers[0].role"},
		{name: "role filled twice",
			edit: func(in *createEnvelopeInput) {
				in.Signers = []recipientInput{{Name: "X", Email: "x@example-law.test",
					Role: "Partner"}}
			},
			wantCode: CodeInvalidArgument, wantField: "signers[0].role",
			wantText: []string{"filled both by signers[0] and by matter.parties"}},
		{name: "several people in a single role",
			edit: func(in *createEnvelopeInput) {
				in.Matter.Parties["Counsel"] = partyList{party("A B"), party("C D")}
			},
			wantCode: CodeInvalidArgument, wantField: "matter.parties.Counsel",
			wantText: []string{"takes one person"}},
		{name: "routing order against the profile",
			edit: func(in *createEnvelopeInput) {
				delete(in.Matter.Parties, "Partner")
				in.Signers = []recipientInput{{Name: "P", Email: "p@example-law.test",
					Role: "Partner", RoutingOrder: ptr(1)}}
			},
			wantCode: CodeInvalidArgument, wantField: "signers[0].routing_order",
			wantText: []string{"profile mixed sets 2 for this role"}},
		{name: "missing matter field",
			edit:     func(in *createEnvelopeInput) { in.Matter.Fields = nil },
			wantCode: CodeInvalidArgument, wantField: "matter.fields.client_number",
			wantText: []string{"requires the matter fields matter_id, matter_type, " +
				"client_number"}},
		{name: "missing matter type",
			edit:     func(in *createEnvelopeInput) { in.Matter.Type = "" },
			wantCode: CodeInvalidArgument, wantField: "matter.type"},
		{name: "custom field set by the profile",
			edit: func(in *createEnvelopeInput) {
				in.CustomFields = []customFieldInput{{Name: "Matter ID", Value: "x"}}
			},
			wantCode: CodeInvalidArgument, wantField: "custom_fields[0].name"},
		{name: "unknown profile",
			edit:     func(in *createEnvelopeInput) { in.Profile = "mixd" },
			wantCode: CodeInvalidArgument, wantField: "profile",
			wantText: []string{`"mixd" is not defined (did you mean "mixed"?)`}},
		{name: "template source for a documents profile",
			edit:     func(in *createEnvelopeInput) { in.Source = "template" },
			wantCode: CodeInvalidArgument, wantField: "source"},
		{name: "matter without profile",
			edit:     func(in *createEnvelopeInput) { in.Profile = "" },
			wantCode: CodeInvalidArgument, wantField: "profile"},
		{name: "bad party email",
			edit: func(in *createEnvelopeInput) {
				in.Matter.Parties["Counsel"] = partyList{{Name: "C", Email: "c@"}}
			},
			wantCode: CodeInvalidArgument, wantField: "matter.parties.Counsel.email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := routedInput("mixed", full())
			tt.edit(in)
			terr := validateRoutedCreate(d, in)
			if terr == nil {
				t.Fatalf("validateRoutedCreate accepted the input, want code %s", tt.wantCode)
			}
			if terr.Code != tt.wantCode {
				t.Errorf("code = %s, want %s; error: %s", terr.Code, tt.wantCode, terr.json())
			}
			if terr.Field != tt.wantField {
				t.Errorf("field = %q, want %q", terr.Field, tt.wantField)
			}
			for _, text := range tt.wantText {
				if !strings.Contains(terr.Message, text) {
					t.Errorf("message lacks %q:\n%s", text, terr.Message)
				}
			}
		})
	}
}

func TestExpandRoutingWithoutProfileUnchanged(t *testing.T) {
	d := routingDeps(t, sequentialProfile)
	in := &createEnvelopeInput{Source: "documents", Status: "created",
		Documents: []documentInput{{Name: "Memo", FileExtension: "pdf",
			ContentBase64: pdfBase64()}},
		Signers: []recipientInput{{Name: "Ana", Email: "ana@example.com"}}}
	if terr := validateRoutedCreate(d, in); terr != nil {
		t.Fatalf("validateRoutedCreate failed without a profile: %s", terr.json())
	}
	if in.routing != nil || in.EmailSubject != "" || len(in.CustomFields) != 0 {
		t.Errorf("a call without profile was changed: routing %v, subject %q, fields %v",
			in.routing, in.EmailSubject, in.CustomFields)
	}
}

func TestExpandRoutingProfileTabs(t *testing.T) {
	profile := sequentialProfile
	profile.Signers = []policy.RoutingRole{
		{Role: "Client", RoutingOrder: 1, Tabs: []policy.RoutingTab{
			{Type: "sign_here", AnchorString: "/client-sign/", AnchorYOffset: -10},
			{Type: "date_signed", AnchorString: "/client-date/", AnchorUnits: "mms"}}},
		{Role: "Partner", RoutingOrder: 2, Tabs: []policy.RoutingTab{
			{Type: "sign_here", AnchorString: "/partner-sign/"}}}}
	d := routingDeps(t, profile)
	in := routedInput("sequential", map[string]partyList{"Client": {party("Cleo Client")}})
	in.Signers = []recipientInput{{Name: "Pat Partner", Email: "pat@example-law.test",
		Role: "Partner", Tabs: []tabInput{{Type: "initial_here", AnchorString: "/pi/"}}}}
	if terr := validateRoutedCreate(d, in); terr != nil {
		t.Fatalf("validateRoutedCreate failed: %s", terr.json())
	}
	def := recipients(in)
	client := def.Signers[0].Tabs
	if len(client.SignHereTabs) != 1 || client.SignHereTabs[0].AnchorString != "/client-sign/" {
		t.Errorf("client sign_here tabs = %+v, want one at /client-sign/", client.SignHereTabs)
	}
	if client.SignHereTabs[0].AnchorYOffset != "-10" {
		t.Errorf("client sign_here y offset = %q, want -10", client.SignHereTabs[0].AnchorYOffset)
	}
	if len(client.DateSignedTabs) != 1 || client.DateSignedTabs[0].AnchorUnits != "mms" {
		t.Errorf("client date_signed tabs = %+v, want one in mms", client.DateSignedTabs)
	}
	partner := def.Signers[1].Tabs
	if len(partner.SignHereTabs) != 0 || len(partner.InitialHereTabs) != 1 {
		t.Errorf("partner tabs = %+v, want only the caller's initial_here tab", partner)
	}
}

func TestRoutingTabTypesMatchCreate(t *testing.T) {
	got := slices.Sorted(slices.Values(policy.RoutingTabTypes))
	want := slices.Sorted(slices.Values(creatableTabNames))
	if !slices.Equal(got, want) {
		t.Errorf("policy.RoutingTabTypes = %v, want create_envelope's tab types %v", got, want)
	}
}
