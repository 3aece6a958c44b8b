package policy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

const settlementTemplate = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"

// validProfile returns a profile that passes Validate, for the cases to break.
func validProfile() map[string]any {
	return map[string]any{
		"name":        "settlement",
		"description": "Settlement agreement.",
		"template_id": settlementTemplate,
		"signers": []any{
			map[string]any{"role": "Client", "routing_order": 1},
			map[string]any{"role": "Counsel", "routing_order": 2},
		},
		"carbon_copies": []any{map[string]any{"role": "Records", "name": "Records",
			"email": "records@example.test"}},
		"matter_fields": []any{map[string]any{"name": "matter_type",
			"custom_field": "Matter type"}},
		"subject":    "{matter_type} {matter_id}: settlement",
		"reminders":  map[string]any{"delay_days": 2, "frequency_days": 3},
		"expiration": map[string]any{"after_days": 30, "warn_days": 5},
	}
}

// policyWithProfile returns a policy file with one principal that may create envelopes and
// the profile that edit changes.
func policyWithProfile(t *testing.T, edit func(p map[string]any)) []byte {
	t.Helper()
	profile := validProfile()
	if edit != nil {
		edit(profile)
	}
	doc := map[string]any{
		"principals": map[string]any{"paralegal": map[string]any{
			"tools": []any{"create_envelope"}, "templates": []any{settlementTemplate}}},
		"routing_profiles": []any{profile},
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("encode the policy: %v", err)
	}
	return raw
}

func TestRoutingProfileLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(p map[string]any)
		// want are parts of the error, which must name the profile, the field and the fix.
		want []string
	}{
		{name: "unknown subject placeholder",
			edit: func(p map[string]any) { p["subject"] = "{matter_type} {client}: x" },
			want: []string{"routing_profiles[0] (settlement).subject", "{client}",
				"add \"client\" to matter_fields"}},
		{name: "template outside the template scope",
			edit: func(p map[string]any) {
				p["template_id"] = "11111111-2222-4333-8444-555555555555"
			},
			want: []string{"(settlement).template_id 11111111-2222-4333-8444-555555555555",
				"add it to principals.NAME.templates"}},
		{name: "template id not a guid",
			edit: func(p map[string]any) { p["template_id"] = "settlement.docx" },
			want: []string{"(settlement).template_id \"settlement.docx\" is not a GUID"}},
		{name: "no signers",
			edit: func(p map[string]any) { p["signers"] = []any{} },
			want: []string{"(settlement).signers is empty"}},
		{name: "routing order zero",
			edit: func(p map[string]any) {
				p["signers"] = []any{map[string]any{"role": "Client"}}
			},
			want: []string{"signers[0].routing_order 0 is out of range: use 1 to 999"}},
		{name: "role used twice",
			edit: func(p map[string]any) {
				p["signers"] = []any{map[string]any{"role": "Client", "routing_order": 1},
					map[string]any{"role": "Client", "routing_order": 2}}
			},
			want: []string{"signers[1].role \"Client\" is used twice"}},
		{name: "multiple on a template role",
			edit: func(p map[string]any) {
				p["signers"] = []any{map[string]any{"role": "Client", "routing_order": 1,
					"multiple": true}}
			},
			want: []string{"signers[0].multiple is set on a template profile"}},
		{name: "tabs on a template role",
			edit: func(p map[string]any) {
				p["signers"] = []any{map[string]any{"role": "Client", "routing_order": 1,
					"tabs": []any{map[string]any{"type": "sign_here",
						"anchor_string": "/c/"}}}}
			},
			want: []string{"signers[0].tabs is set on a template profile"}},
		{name: "bad tabs",
			edit: func(p map[string]any) {
				delete(p, "template_id")
				p["carbon_copies"] = []any{}
				p["signers"] = []any{map[string]any{"role": "Client", "routing_order": 1,
					"tabs": []any{map[string]any{"type": "signature", "anchor_string": " ",
						"anchor_units": "points"}}}}
			},
			want: []string{"signers[0].tabs[0].type \"signature\" is unknown: use one of " +
				"sign_here, date_signed", "signers[0].tabs[0].anchor_string is empty",
				"signers[0].tabs[0].anchor_units \"points\" is unknown"}},
		{name: "copy with email only",
			edit: func(p map[string]any) {
				p["carbon_copies"] = []any{map[string]any{"role": "Records",
					"email": "records@example.test"}}
			},
			want: []string{"carbon_copies[0] sets only one of name and email"}},
		{name: "copy with a bad email",
			edit: func(p map[string]any) {
				p["carbon_copies"] = []any{map[string]any{"role": "Records",
					"name": "Records", "email": "Records <records@example.test>"}}
			},
			want: []string{"carbon_copies[0].email is not a valid email address"}},
		{name: "template copy without role",
			edit: func(p map[string]any) {
				p["carbon_copies"] = []any{map[string]any{"name": "Records",
					"email": "records@example.test"}}
			},
			want: []string{"carbon_copies[0].role is empty"}},
		{name: "matter field named twice",
			edit: func(p map[string]any) {
				p["matter_fields"] = []any{map[string]any{"name": "matter_type"},
					map[string]any{"name": "matter_type"}}
			},
			want: []string{"matter_fields[1].name \"matter_type\" is listed twice"}},
		{name: "custom field filled twice",
			edit: func(p map[string]any) {
				p["matter_fields"] = []any{
					map[string]any{"name": "matter_type", "custom_field": "Matter"},
					map[string]any{"name": "matter_id", "custom_field": "Matter"}}
			},
			want: []string{"matter_fields[1].custom_field \"Matter\" is filled twice"}},
		{name: "reminders of zero days",
			edit: func(p map[string]any) {
				p["reminders"] = map[string]any{"delay_days": 0, "frequency_days": 3}
			},
			want: []string{"(settlement).reminders delay_days 0 and frequency_days 3"}},
		{name: "warning after expiry",
			edit: func(p map[string]any) {
				p["expiration"] = map[string]any{"after_days": 5, "warn_days": 5}
			},
			want: []string{"expiration.warn_days 5 must be 0 or fewer than after_days 5"}},
		{name: "bad name",
			edit: func(p map[string]any) { p["name"] = "Settlement Agreement" },
			want: []string{"routing_profiles[0].name \"Settlement Agreement\" is invalid"}},
		{name: "no description",
			edit: func(p map[string]any) { p["description"] = " " },
			want: []string{"(settlement).description is empty"}},
		{name: "template name without id",
			edit: func(p map[string]any) {
				delete(p, "template_id")
				p["template_name"] = "Settlement agreement"
				p["carbon_copies"] = []any{}
			},
			want: []string{"template_name is set without template_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile(policyWithProfile(t, tt.edit))
			if err == nil {
				t.Fatalf("ParseFile accepted the profile, want an error containing %q",
					tt.want)
			}
			for _, part := range tt.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error lacks %q:\n%v", part, err)
				}
			}
		})
	}
}

func TestRoutingProfileValidLoads(t *testing.T) {
	f, err := ParseFile(policyWithProfile(t, nil))
	if err != nil {
		t.Fatalf("ParseFile rejected a valid profile: %v", err)
	}
	if got := len(f.RoutingProfiles); got != 1 {
		t.Fatalf("loaded %d profiles, want 1", got)
	}
	p := f.RoutingProfiles[0]
	if got, want := p.CopyRoutingOrder(p.CarbonCopies[0]), 3; got != want {
		t.Errorf("copy routing order = %d, want %d (after the last signer)", got, want)
	}
	subject := p.RenderSubject(map[string]string{"matter_type": "Litigation",
		"matter_id": "M-1"})
	if want := "Litigation M-1: settlement"; subject != want {
		t.Errorf("RenderSubject = %q, want %q", subject, want)
	}
}

func TestRoutingProfileNamesUnique(t *testing.T) {
	doc := map[string]any{
		"principals":       map[string]any{"a": map[string]any{"tools": []any{"*"}}},
		"routing_profiles": []any{validProfile(), validProfile()},
	}
	raw, _ := json.Marshal(doc)
	_, err := ParseFile(raw)
	if err == nil || !strings.Contains(err.Error(), "name \"settlement\" is used twice") {
		t.Errorf("ParseFile error = %v, want the duplicate profile name", err)
	}
}

func TestRoutingProfilesOfEngine(t *testing.T) {
	f, err := ParseFile(policyWithProfile(t, nil))
	if err != nil {
		t.Fatalf("ParseFile failed: %v", err)
	}
	e := NewEngine(f, "user")
	wrapped := unwrapper{next: e}
	if got := RoutingProfilesOf(wrapped); len(got) != 1 || got[0].Name != "settlement" {
		t.Errorf("RoutingProfilesOf through a wrapper = %v, want the settlement profile", got)
	}
	static, _ := NewStatic(LocalConfig())
	if got := RoutingProfilesOf(static); got != nil {
		t.Errorf("RoutingProfilesOf(Static) = %v, want nil", got)
	}
	if err := e.Reload(&File{Principals: f.Principals}); err != nil {
		t.Fatalf("Reload failed: %v", err)
	}
	if got := RoutingProfilesOf(e); len(got) != 0 {
		t.Errorf("after a reload without profiles, RoutingProfilesOf = %v, want none", got)
	}
}

type unwrapper struct{ next Decider }

func (u unwrapper) Decide(ctx context.Context, req Request) (Decision, error) {
	return u.next.Decide(ctx, req)
}

func (u unwrapper) Unwrap() Decider { return u.next }
