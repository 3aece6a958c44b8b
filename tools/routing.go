package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
)

// Error codes of routing profile expansion.
const (
	// CodeRoutingRoleMissing means no person fills a role that the profile requires. The
	// message lists the roles the profile expects.
	CodeRoutingRoleMissing = "routing_role_missing"
	// CodeRoutingRoleUnknown means a role that the profile does not define was filled. The
	// message lists the roles the profile expects.
	CodeRoutingRoleUnknown = "routing_role_unknown"
	// CodeRoutingProfileInvalid means the profile's template does not exist or does not fit
	// the profile, which only the server operator can fix in the policy file.
	CodeRoutingProfileInvalid = "routing_profile_invalid"
)

// matterInput is the case or matter behind an envelope, which a routing profile expands into
// recipients, custom fields and the subject.
type matterInput struct {
	ID      string               `json:"id" jsonschema:"minLength=1,maxLength=100"`
	Type    string               `json:"type,omitempty" jsonschema:"maxLength=100"`
	Fields  map[string]string    `json:"fields,omitempty"`
	Parties map[string]partyList `json:"parties,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (matterInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"id":     "Matter or case id, such as M-2026-0117.",
		"type":   "Matter type, such as litigation or employment.",
		"fields": "Other matter fields by name, as the profile's matter_fields list them.",
		"parties": "People by role name, as the profile's roles list them: one {name, email} " +
			"or, for a role that takes several people in parallel, a list of them.",
	})
}

// partyInput is one person who fills a role of a routing profile.
type partyInput struct {
	Name  string `json:"name" jsonschema:"minLength=1,maxLength=100"`
	Email string `json:"email" jsonschema:"minLength=3,maxLength=100"`
}

// partyList is the people of one role. In JSON it is one party object or an array of them.
type partyList []partyInput

// UnmarshalJSON reads one party object or an array of them, rejecting unknown fields.
func (l *partyList) UnmarshalJSON(raw []byte) error {
	trimmed := bytes.TrimSpace(raw)
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var list []partyInput
		if err := dec.Decode(&list); err != nil {
			return &partyError{err: err}
		}
		*l = list
		return nil
	}
	var one partyInput
	if err := dec.Decode(&one); err != nil {
		return &partyError{err: err}
	}
	*l = partyList{one}
	return nil
}

// partyError is a party of matter.parties that does not decode, which decodeArguments
// reports on that field.
type partyError struct{ err error }

func (e *partyError) Error() string {
	return "a party must be {name, email} or a list of them: " + e.err.Error()
}

func (e *partyError) Unwrap() error { return e.err }

// JSONSchema describes a party list as one party or an array of parties.
func (partyList) JSONSchema() *jsonschema.Schema {
	r := jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true}
	party := r.Reflect(&partyInput{})
	party.Version = ""
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{party,
		{Type: "array", Items: party, MinItems: ptr(uint64(1))}}}
}

func ptr[T any](v T) *T { return &v }

// routingPlan is what an expansion keeps for building the envelope definition besides the
// recipients it adds to the input.
type routingPlan struct {
	profile policy.RoutingProfile
	// fixedEmails are the addresses of the profile's fixed copies, which come from the
	// policy file rather than the caller.
	fixedEmails []string
}

// expandRouting fills in the recipients, template roles, custom fields and subject that the
// routing profile in.Profile derives from in.Matter. Afterwards in reads like a call that
// listed them all itself, so validation, the policy details, approval and the idempotency
// hash all see the expanded envelope.
func expandRouting(d *Deps, in *createEnvelopeInput) *ToolError {
	if in.Profile == "" {
		return checkNoRouting(in)
	}
	profile, terr := findProfile(d, in.Profile)
	if terr != nil {
		return terr
	}

	if terr := checkProfileSource(in, profile); terr != nil {
		return terr
	}
	values, terr := matterValues(in.Matter, profile)
	if terr != nil {
		return terr
	}
	if terr := checkParties(in.Matter.Parties, profile); terr != nil {
		return terr
	}

	if profile.TemplateID != "" {
		terr = expandTemplateRoles(in, profile)
	} else {
		terr = expandRecipients(in, profile)
	}
	if terr != nil {
		return terr
	}
	if terr := addMatterCustomFields(in, profile, values); terr != nil {
		return terr
	}
	if terr := applySubject(in, profile, values); terr != nil {
		return terr
	}

	in.routing = &routingPlan{profile: profile}
	for _, c := range profile.CarbonCopies {
		if c.IsFixed() {
			in.routing.fixedEmails = append(in.routing.fixedEmails, c.Email)
		}
	}
	return nil
}

// checkNoRouting rejects the routing arguments that only a profile gives meaning to.
func checkNoRouting(in *createEnvelopeInput) *ToolError {
	if in.Matter != nil {
		return invalidArgument("profile", "matter is set without profile: pass the routing "+
			"profile that expands it (list_routing_profiles lists them), or remove matter")
	}
	for i, r := range slices.Concat(in.Signers, in.CarbonCopies) {
		if r.Role != "" {
			field := recipientField(in, i) + ".role"
			return invalidArgument(field, "%s is set without profile: roles of signers and "+
				"carbon copies apply only with a routing profile, so remove it or pass "+
				"profile", field)
		}
	}
	return nil
}

// recipientField returns the argument path of the i-th recipient of signers followed by
// carbon_copies.
func recipientField(in *createEnvelopeInput, i int) string {
	if i < len(in.Signers) {
		return indexed("signers", i)
	}
	return indexed("carbon_copies", i-len(in.Signers))
}

func findProfile(d *Deps, name string) (policy.RoutingProfile, *ToolError) {
	profiles := policy.RoutingProfilesOf(d.Policy)
	profile, ok := policy.FindRoutingProfile(profiles, name)
	if ok {
		return profile, nil
	}
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = p.Name
	}
	if len(names) == 0 {
		return profile, invalidArgument("profile", "routing profile %q is not defined, and "+
			"this server has none: remove profile and matter, and list the recipients",
			truncate(name, 64))
	}
	return profile, invalidArgument("profile", "routing profile %q is not defined%s: use "+
		"one of %s (list_routing_profiles describes them)", truncate(name, 64),
		didYouMean(name, names), quoteList(names))
}

// checkProfileSource checks that source and template_id agree with the profile, and fills
// in the profile's template.
func checkProfileSource(in *createEnvelopeInput, p policy.RoutingProfile) *ToolError {
	if in.Matter == nil {
		return invalidArgument("matter", "matter is missing: profile %s needs the matter's "+
			"id and parties", p.Name)
	}
	if p.TemplateID == "" {
		if in.Source != "documents" {
			return invalidArgument("source", "profile %s routes uploaded documents: pass "+
				"source documents with the documents", p.Name)
		}
		return nil
	}
	if in.Source != "template" {
		return invalidArgument("source", "profile %s creates envelopes from template %s: "+
			"pass source template", p.Name, p.TemplateID)
	}
	if in.TemplateID != "" && !strings.EqualFold(in.TemplateID, p.TemplateID) {
		return invalidArgument("template_id", "template_id %s differs from template %s of "+
			"profile %s: remove template_id", truncate(in.TemplateID, 40), p.TemplateID, p.Name)
	}
	in.TemplateID = p.TemplateID
	return nil
}

// matterValues checks the matter and returns the values of the profile's matter fields by
// name, matter_id and matter_type included.
func matterValues(m *matterInput, p policy.RoutingProfile) (map[string]string, *ToolError) {
	if terr := checkText("matter.id", m.ID, true, maxCustomFieldLen); terr != nil {
		return nil, terr
	}
	if terr := checkText("matter.type", m.Type, false, maxCustomFieldLen); terr != nil {
		return nil, terr
	}
	values := map[string]string{policy.MatterFieldID: m.ID}
	if m.Type != "" {
		values[policy.MatterFieldType] = m.Type
	}
	for _, name := range sortedKeys(m.Fields) {
		field := "matter.fields." + name
		if name == policy.MatterFieldID || name == policy.MatterFieldType {
			return nil, invalidArgument(field, "%s duplicates matter.%s: remove it from "+
				"fields", field, strings.TrimPrefix(name, "matter_"))
		}
		if terr := checkText(field, m.Fields[name], false, maxCustomFieldLen); terr != nil {
			return nil, terr
		}
		values[name] = m.Fields[name]
	}
	for _, f := range p.MatterFields {
		if strings.TrimSpace(values[f.Name]) == "" {
			return nil, missingMatterField(f.Name, p)
		}
	}
	return values, nil
}

func missingMatterField(name string, p policy.RoutingProfile) *ToolError {
	field := "matter.fields." + name
	switch name {
	case policy.MatterFieldID:
		field = "matter.id"
	case policy.MatterFieldType:
		field = "matter.type"
	}
	required := make([]string, len(p.MatterFields))
	for i, f := range p.MatterFields {
		required[i] = f.Name
	}
	return invalidArgument(field, "%s is missing: profile %s requires the matter fields %s",
		field, p.Name, strings.Join(required, ", "))
}

// checkParties checks each party and that its role is one the profile defines.
func checkParties(parties map[string]partyList, p policy.RoutingProfile) *ToolError {
	for _, role := range sortedKeys(parties) {
		field := "matter.parties." + role
		if !slices.Contains(profileRoles(p), role) {
			return unknownRoutingRole(field, role, p)
		}
		list := parties[role]
		if len(list) == 0 {
			return invalidArgument(field, "%s is an empty list: name at least one person, "+
				"or leave the role out", field)
		}
		if len(list) > 1 && !roleTakesSeveral(p, role) {
			return invalidArgument(field, "role %q of profile %s takes one person, and %s "+
				"names %d: pass one {name, email}", role, p.Name, field, len(list))
		}
		for i, party := range list {
			item := field
			if len(list) > 1 {
				item = indexed(field, i)
			}
			if terr := checkParty(item, party); terr != nil {
				return terr
			}
		}
	}
	return nil
}

func checkParty(field string, party partyInput) *ToolError {
	if terr := checkText(field+".name", party.Name, true, 100); terr != nil {
		return terr
	}
	if terr := checkText(field+".email", party.Email, false, maxEmailLen); terr != nil {
		return terr
	}
	return checkEmail(field+".email", party.Email)
}

// roleTakesSeveral reports whether role may have several people: a multiple signer role, or
// a copy role of a documents profile, since copies change nothing in the signing order. A
// template role takes one person.
func roleTakesSeveral(p policy.RoutingProfile, role string) bool {
	for _, r := range p.Signers {
		if r.Role == role {
			return r.Multiple
		}
	}
	return p.TemplateID == ""
}

// profileRoles returns the signer roles in order, then the copy roles.
func profileRoles(p policy.RoutingProfile) []string {
	roles := p.SignerRoles()
	for _, c := range p.CarbonCopies {
		if c.Role != "" {
			roles = append(roles, c.Role)
		}
	}
	return roles
}

// expectedRoles describes the roles of a profile for an error message, signers with their
// routing orders.
func expectedRoles(p policy.RoutingProfile) string {
	var parts []string
	for _, r := range p.Signers {
		parts = append(parts, fmt.Sprintf("%q (signer, routing order %d)", r.Role,
			r.RoutingOrder))
	}
	for _, c := range p.CarbonCopies {
		if c.Role != "" && !c.IsFixed() {
			parts = append(parts, fmt.Sprintf("%q (copy)", c.Role))
		}
	}
	return strings.Join(parts, ", ")
}

func unknownRoutingRole(field, role string, p policy.RoutingProfile) *ToolError {
	return &ToolError{Code: CodeRoutingRoleUnknown, Field: field,
		Message: fmt.Sprintf("profile %s has no role %q%s: it expects %s", p.Name,
			truncate(role, 40), didYouMean(role, profileRoles(p)), expectedRoles(p)),
		NextStep: "use the profile's role names exactly, and call again"}
}

func missingRoutingRole(field string, missing []string, p policy.RoutingProfile) *ToolError {
	return &ToolError{Code: CodeRoutingRoleMissing, Field: field,
		Message: fmt.Sprintf("no person fills the roles %s of profile %s: it expects %s",
			quoteList(missing), p.Name, expectedRoles(p)),
		NextStep: "add a person for each missing role to matter.parties, and call again"}
}

// routingOrderOf returns the routing order a recipient gets, rejecting an explicit one that
// differs from the profile's.
func routingOrderOf(field string, given *int, want int, p policy.RoutingProfile) (*int,
	*ToolError) {
	if given != nil && *given != want {
		return nil, invalidArgument(field, "%s is %d, but profile %s sets %d for this role: "+
			"remove routing_order", field, *given, p.Name, want)
	}
	return &want, nil
}

// addMatterCustomFields adds an envelope custom field for each matter field that names one.
func addMatterCustomFields(in *createEnvelopeInput, p policy.RoutingProfile,
	values map[string]string) *ToolError {
	for _, f := range p.MatterFields {
		if f.CustomField == "" {
			continue
		}
		for i, given := range in.CustomFields {
			if given.Name == f.CustomField {
				field := indexed("custom_fields", i) + ".name"
				return invalidArgument(field, "custom field %q is filled from matter field "+
					"%s by profile %s: remove it from custom_fields", truncate(given.Name, 40),
					f.Name, p.Name)
			}
		}
		in.CustomFields = append(in.CustomFields, customFieldInput{Name: f.CustomField,
			Value: values[f.Name], Show: f.Show})
	}
	return nil
}

// applySubject fills email_subject from the profile's pattern unless the caller passed one.
func applySubject(in *createEnvelopeInput, p policy.RoutingProfile,
	values map[string]string) *ToolError {
	if in.EmailSubject != "" || p.Subject == "" {
		return nil
	}
	subject := strings.TrimSpace(p.RenderSubject(values))
	if n := len([]rune(subject)); n > maxSubjectLen {
		return invalidArgument("email_subject", "the subject that profile %s builds from the "+
			"matter has %d characters, over Docusign's %d: pass a shorter email_subject",
			p.Name, n, maxSubjectLen)
	}
	in.EmailSubject = subject
	return nil
}

// notification returns the profile's reminder and expiration settings as Docusign's
// notification object, or nil for the account's defaults.
// NOTE: with useAccountDefaults "false" and reminders only, Docusign's reference does not
// say whether the account's default expiration still applies. This was not tried on a real
// account.
func (r *routingPlan) notification() *docusign.Notification {
	if r == nil || (r.profile.Reminders == nil && r.profile.Expiration == nil) {
		return nil
	}
	n := &docusign.Notification{UseAccountDefaults: "false"}
	if rem := r.profile.Reminders; rem != nil {
		n.Reminders = &docusign.Reminders{ReminderEnabled: "true",
			ReminderDelay:     fmt.Sprint(rem.DelayDays),
			ReminderFrequency: fmt.Sprint(rem.FrequencyDays)}
	}
	if exp := r.profile.Expiration; exp != nil {
		n.Expirations = &docusign.Expirations{ExpireEnabled: "true",
			ExpireAfter: fmt.Sprint(exp.AfterDays), ExpireWarn: fmt.Sprint(exp.WarnDays)}
	}
	return n
}
