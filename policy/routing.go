package policy

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
)

// Matter field names that refer to the matter's id and type rather than to one of its
// other fields.
const (
	MatterFieldID   = "matter_id"
	MatterFieldType = "matter_type"
)

// Bounds of the numbers in a routing profile. Docusign takes routing orders as positive
// integers, and 999 is this server's upper bound, the same that create_envelope accepts.
const (
	MaxRoutingOrder = 999
	maxProfileDays  = 999
	maxCustomField  = 100
	maxSubjectChars = 100
)

// RoutingProfile is a named way to route an envelope for one kind of matter. It sets who
// signs in which order and who receives a copy. It lists the matter fields that must be
// present and the envelope custom fields they fill, and it sets the subject and Docusign's
// reminders and expiration.
type RoutingProfile struct {
	// Name identifies the profile in create_envelope's profile argument.
	Name string `json:"name" jsonschema:"pattern=^[a-z0-9][a-z0-9_-]*$,maxLength=64"`
	// Description is the advice to an agent on when to use the profile.
	Description string `json:"description"`
	// TemplateID is the server template the envelope is created from. Empty means the
	// caller uploads the documents (create_envelope source documents).
	TemplateID string `json:"template_id,omitempty"`
	// TemplateName is the template's expected name. create_envelope rejects the call when
	// the template behind TemplateID has another name, which catches a wrong or reused id.
	TemplateName string `json:"template_name,omitempty"`
	// Signers are the signer roles. Roles with the same routing order sign in parallel, and
	// a higher routing order signs after all lower ones have signed.
	Signers []RoutingRole `json:"signers"`
	// CarbonCopies are the recipients that always receive a copy, such as a records
	// mailbox, or a role that the matter's parties fill.
	CarbonCopies []RoutingCopy `json:"carbon_copies,omitempty"`
	// MatterFields are the matter fields the caller must supply, each optionally copied
	// into an envelope custom field.
	MatterFields []MatterField `json:"matter_fields,omitempty"`
	// Subject is the email subject pattern. {matter_id}, {matter_type} and the name of any
	// other matter field in braces are replaced by the matter's values.
	Subject string `json:"subject,omitempty"`
	// Reminders makes Docusign email reminders to signers who have not signed.
	Reminders *Reminders `json:"reminders,omitempty"`
	// Expiration makes the envelope expire, which Docusign reports as voided.
	Expiration *Expiration `json:"expiration,omitempty"`
}

// RoutingRole is one signer role of a profile.
type RoutingRole struct {
	// Role is the role name. With a template it must be one of the template's roles.
	Role string `json:"role"`
	// RoutingOrder is the signing step, from 1.
	RoutingOrder int `json:"routing_order"`
	// Multiple lets the matter name several people for the role, who then sign in parallel
	// at the role's routing order. Only a profile without a template allows it, because a
	// template role takes one person.
	Multiple bool `json:"multiple,omitempty"`
	// Tabs are placed for each signer of the role whose call gives no tabs of its own. Only
	// a profile without a template has them, because a template places its own tabs.
	Tabs []RoutingTab `json:"tabs,omitempty"`
}

// RoutingTab is a tab anchored to text in the uploaded documents, such as /client-sign/.
type RoutingTab struct {
	// Type is the tab type, as create_envelope names it.
	Type string `json:"type"`
	// AnchorString is the text the tab is placed at.
	AnchorString string `json:"anchor_string"`
	// Label names the tab, to find it later.
	Label string `json:"label,omitempty"`
	// AnchorXOffset and AnchorYOffset move the tab from the anchor, in AnchorUnits.
	AnchorXOffset int `json:"anchor_x_offset,omitempty"`
	AnchorYOffset int `json:"anchor_y_offset,omitempty"`
	// AnchorUnits is pixels (default), inches, mms or cms.
	AnchorUnits string `json:"anchor_units,omitempty"`
}

// JSONSchemaExtend limits type and anchor_units to the accepted values.
func (RoutingTab) JSONSchemaExtend(s *jsonschema.Schema) {
	for name, values := range map[string][]string{"type": RoutingTabTypes,
		"anchor_units": anchorUnits} {
		if property, ok := s.Properties.Get(name); ok {
			property.Enum = make([]any, len(values))
			for i, v := range values {
				property.Enum[i] = v
			}
		}
	}
}

// RoutingTabTypes are the tab types a profile may place, the ones create_envelope creates.
var RoutingTabTypes = []string{"sign_here", "date_signed", "full_name", "initial_here", "text"}

var anchorUnits = []string{"pixels", "inches", "mms", "cms"}

// RoutingCopy is a carbon copy recipient of a profile: a fixed name and email, or a role
// that the matter's parties fill.
type RoutingCopy struct {
	// Role names the copy. It is required with a template, where it must be a carbon copy
	// role of the template, and required when Name and Email are empty.
	Role string `json:"role,omitempty"`
	// Name and Email, when set, are fixed: the copy goes to them on every envelope.
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	// RoutingOrder is when the copy is sent. 0 means after the last signer.
	RoutingOrder int `json:"routing_order,omitempty"`
}

// MatterField is a matter field that a profile requires.
type MatterField struct {
	// Name is matter_id, matter_type, or the key of another field in the matter's fields.
	Name string `json:"name" jsonschema:"pattern=^[a-z][a-z0-9_]*$,maxLength=64"`
	// CustomField, when set, is the envelope text custom field that receives the value.
	CustomField string `json:"custom_field,omitempty"`
	// Show makes the custom field visible to recipients.
	Show bool `json:"show,omitempty"`
}

// Reminders are Docusign's reminder settings, in days.
type Reminders struct {
	// DelayDays is the number of days after a recipient receives the envelope before the
	// first reminder.
	DelayDays int `json:"delay_days"`
	// FrequencyDays is the number of days between reminders.
	FrequencyDays int `json:"frequency_days"`
}

// Expiration is Docusign's expiration setting, in days.
type Expiration struct {
	// AfterDays is the number of days the envelope stays open after it is sent.
	AfterDays int `json:"after_days"`
	// WarnDays is the number of days before expiry that recipients are warned. 0 sends no
	// warning.
	WarnDays int `json:"warn_days,omitempty"`
}

// RoutingProfiler is a Decider that also holds routing profiles.
type RoutingProfiler interface {
	RoutingProfiles() []RoutingProfile
}

// RoutingProfiles returns the routing profiles of the policy in force.
func (e *Engine) RoutingProfiles() []RoutingProfile {
	return e.file.Load().RoutingProfiles
}

// RoutingProfilesOf returns the routing profiles of d, looking through wrappers that have an
// Unwrap() Decider method like ScopeOf does. It returns nil when d has none.
func RoutingProfilesOf(d Decider) []RoutingProfile {
	for d != nil {
		if p, ok := d.(RoutingProfiler); ok {
			return p.RoutingProfiles()
		}
		w, ok := d.(interface{ Unwrap() Decider })
		if !ok {
			return nil
		}
		d = w.Unwrap()
	}
	return nil
}

// FindRoutingProfile returns the profile called name.
func FindRoutingProfile(profiles []RoutingProfile, name string) (RoutingProfile, bool) {
	i := slices.IndexFunc(profiles, func(p RoutingProfile) bool { return p.Name == name })
	if i < 0 {
		return RoutingProfile{}, false
	}
	return profiles[i], true
}

// SignerRoles returns the signer role names in the profile's order.
func (p RoutingProfile) SignerRoles() []string {
	names := make([]string, len(p.Signers))
	for i, r := range p.Signers {
		names[i] = r.Role
	}
	return names
}

// LastRoutingOrder returns the highest routing order of the profile's signers.
func (p RoutingProfile) LastRoutingOrder() int {
	last := 0
	for _, r := range p.Signers {
		last = max(last, r.RoutingOrder)
	}
	return last
}

// CopyRoutingOrder returns the routing order of c, where 0 means after the last signer.
func (p RoutingProfile) CopyRoutingOrder(c RoutingCopy) int {
	if c.RoutingOrder > 0 {
		return c.RoutingOrder
	}
	return min(p.LastRoutingOrder()+1, MaxRoutingOrder)
}

// IsFixed reports whether the copy has a fixed name and email.
func (c RoutingCopy) IsFixed() bool { return c.Email != "" }

var placeholderPattern = regexp.MustCompile(`\{([^{}]*)\}`)

// RenderSubject returns the subject pattern with each {field} replaced by values[field].
// Validate has made sure that every placeholder names a required matter field.
func (p RoutingProfile) RenderSubject(values map[string]string) string {
	return placeholderPattern.ReplaceAllStringFunc(p.Subject, func(m string) string {
		return values[m[1:len(m)-1]]
	})
}

var profileName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

var matterFieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// routingProblems returns the problems of the routing profiles, each naming the profile,
// the field and the fix.
func (f *File) routingProblems() []string {
	var problems []string
	seen := map[string]bool{}
	for i, p := range f.RoutingProfiles {
		field := fmt.Sprintf("routing_profiles[%d]", i)
		if profileName.MatchString(p.Name) {
			field = fmt.Sprintf("routing_profiles[%d] (%s)", i, p.Name)
		}
		problems = append(problems, p.problems(field)...)
		if seen[p.Name] {
			problems = append(problems, fmt.Sprintf("%s.name %q is used twice: give each "+
				"profile its own name", field, p.Name))
		}
		seen[p.Name] = true
		if p.TemplateID != "" && !f.templateAllowed(p.TemplateID) {
			problems = append(problems, fmt.Sprintf("%s.template_id %s is in no template "+
				"list of a principal that may call create_envelope: add it to principals.NAME."+
				"templates, or fix the id", field, p.TemplateID))
		}
	}
	return problems
}

// templateAllowed reports whether a principal that may create envelopes may use the
// template.
func (f *File) templateAllowed(templateID string) bool {
	for _, s := range f.Principals {
		mayCreate := !s.ReadOnly && (slices.Contains(s.Tools, Wildcard) ||
			slices.Contains(s.Tools, "create_envelope"))
		if !mayCreate {
			continue
		}
		if len(s.Templates) == 0 || slices.Contains(s.Templates, Wildcard) ||
			containsFold(s.Templates, templateID) {
			return true
		}
	}
	return false
}

// problems returns the problems of one profile at field.
func (p RoutingProfile) problems(field string) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, field+"."+fmt.Sprintf(format, args...))
	}
	if !profileName.MatchString(p.Name) {
		add("name %q is invalid: use 1 to 64 lower-case letters, digits, - and _, "+
			"starting with a letter or digit", p.Name)
	}
	if strings.TrimSpace(p.Description) == "" {
		add("description is empty: say when an agent should use the profile")
	}
	if p.TemplateID == "" && p.TemplateName != "" {
		add("template_name is set without template_id: add the template's id")
	}
	if p.TemplateID != "" && !guidPattern.MatchString(p.TemplateID) {
		add("template_id %q is not a GUID: copy the id from list_templates", p.TemplateID)
	}
	p.checkRoles(add)
	p.checkMatter(add)
	p.checkNotification(add)
	return problems
}

var guidPattern = regexp.MustCompile(
	`^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)

// checkRoles reports the problems of the signer and carbon copy roles through add.
func (p RoutingProfile) checkRoles(add func(string, ...any)) {
	if len(p.Signers) == 0 {
		add("signers is empty: list at least one signer role with its routing_order")
	}
	roles := map[string]bool{}
	checkRole := func(field, role string) {
		if strings.TrimSpace(role) == "" || len([]rune(role)) > 100 {
			add("%s.role %q is invalid: use 1 to 100 characters", field, role)
		}
		if roles[role] {
			add("%s.role %q is used twice: give each role its own name", field, role)
		}
		roles[role] = true
	}
	for i, r := range p.Signers {
		field := fmt.Sprintf("signers[%d]", i)
		checkRole(field, r.Role)
		if r.RoutingOrder < 1 || r.RoutingOrder > MaxRoutingOrder {
			add("%s.routing_order %d is out of range: use 1 to %d, the same number for "+
				"roles that sign in parallel", field, r.RoutingOrder, MaxRoutingOrder)
		}
		if r.Multiple && p.TemplateID != "" {
			add("%s.multiple is set on a template profile: a template role takes one "+
				"person, so remove multiple or the template", field)
		}
		if len(r.Tabs) > 0 && p.TemplateID != "" {
			add("%s.tabs is set on a template profile: the template places the tabs, so "+
				"remove tabs", field)
		}
		for j, tab := range r.Tabs {
			checkTab(fmt.Sprintf("%s.tabs[%d]", field, j), tab, add)
		}
	}
	for i, c := range p.CarbonCopies {
		field := fmt.Sprintf("carbon_copies[%d]", i)
		p.checkCopy(field, c, add)
		if c.Role != "" {
			checkRole(field, c.Role)
		}
	}
}

func checkTab(field string, tab RoutingTab, add func(string, ...any)) {
	if !slices.Contains(RoutingTabTypes, tab.Type) {
		add("%s.type %q is unknown: use one of %s", field, tab.Type,
			strings.Join(RoutingTabTypes, ", "))
	}
	if strings.TrimSpace(tab.AnchorString) == "" {
		add("%s.anchor_string is empty: give the text in the documents to place the tab at",
			field)
	}
	if tab.AnchorUnits != "" && !slices.Contains(anchorUnits, tab.AnchorUnits) {
		add("%s.anchor_units %q is unknown: use pixels, inches, mms or cms", field,
			tab.AnchorUnits)
	}
}

func (p RoutingProfile) checkCopy(field string, c RoutingCopy, add func(string, ...any)) {
	if (c.Name == "") != (c.Email == "") {
		add("%s sets only one of name and email: set both for a fixed copy, or neither "+
			"to fill the role from the matter", field)
	}
	if c.Email != "" {
		if addr, err := mail.ParseAddress(c.Email); err != nil || addr.Address != c.Email {
			add("%s.email is not a valid email address: write a bare address such as "+
				"records@example.com", field)
		}
	}
	if c.Role == "" && (c.Email == "" || p.TemplateID != "") {
		add("%s.role is empty: name the role, because a template profile fills copies by "+
			"template role and a copy without a fixed email is filled by role", field)
	}
	if c.RoutingOrder < 0 || c.RoutingOrder > MaxRoutingOrder {
		add("%s.routing_order %d is out of range: use 1 to %d, or 0 for after the last "+
			"signer", field, c.RoutingOrder, MaxRoutingOrder)
	}
}

// checkMatter reports the problems of the matter fields and of the subject pattern's
// placeholders through add.
func (p RoutingProfile) checkMatter(add func(string, ...any)) {
	names := map[string]bool{}
	customFields := map[string]bool{}
	for i, m := range p.MatterFields {
		field := fmt.Sprintf("matter_fields[%d]", i)
		if !matterFieldName.MatchString(m.Name) {
			add("%s.name %q is invalid: use matter_id, matter_type, or 1 to 64 lower-case "+
				"letters, digits and _ starting with a letter", field, m.Name)
		}
		if names[m.Name] {
			add("%s.name %q is listed twice: list each matter field once", field, m.Name)
		}
		names[m.Name] = true
		if m.CustomField == "" {
			continue
		}
		if strings.TrimSpace(m.CustomField) == "" || len([]rune(m.CustomField)) > maxCustomField {
			add("%s.custom_field %q is invalid: use 1 to %d characters", field,
				m.CustomField, maxCustomField)
		}
		if customFields[m.CustomField] {
			add("%s.custom_field %q is filled twice: give each matter field its own custom "+
				"field", field, m.CustomField)
		}
		customFields[m.CustomField] = true
	}
	if len([]rune(p.Subject)) > maxSubjectChars {
		add("subject has %d characters: Docusign allows at most %d, so shorten the pattern",
			len([]rune(p.Subject)), maxSubjectChars)
	}
	for _, m := range placeholderPattern.FindAllStringSubmatch(p.Subject, -1) {
		if !names[m[1]] && m[1] != MatterFieldID {
			add("subject uses the unknown placeholder {%s}: add %q to matter_fields, or use "+
				"one of %s", m[1], m[1], placeholderList(p.MatterFields))
		}
	}
}

// placeholderList returns the placeholders a subject may use.
func placeholderList(fields []MatterField) string {
	list := []string{"{" + MatterFieldID + "}"}
	for _, m := range fields {
		if m.Name != MatterFieldID {
			list = append(list, "{"+m.Name+"}")
		}
	}
	return strings.Join(list, ", ")
}

func (p RoutingProfile) checkNotification(add func(string, ...any)) {
	if r := p.Reminders; r != nil {
		if r.DelayDays < 1 || r.DelayDays > maxProfileDays || r.FrequencyDays < 1 ||
			r.FrequencyDays > maxProfileDays {
			add("reminders delay_days %d and frequency_days %d must each be 1 to %d: "+
				"remove reminders to use the account's defaults", r.DelayDays,
				r.FrequencyDays, maxProfileDays)
		}
	}
	if e := p.Expiration; e != nil {
		if e.AfterDays < 1 || e.AfterDays > maxProfileDays {
			add("expiration.after_days %d is out of range: use 1 to %d", e.AfterDays,
				maxProfileDays)
		}
		if e.WarnDays < 0 || e.WarnDays >= max(e.AfterDays, 1) {
			add("expiration.warn_days %d must be 0 or fewer than after_days %d", e.WarnDays,
				e.AfterDays)
		}
	}
}
