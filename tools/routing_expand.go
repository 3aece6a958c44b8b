package tools

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
)

// givenRecipient is a recipient that the caller listed, with its argument path.
type givenRecipient struct {
	field string
	r     recipientInput
}

// expandRecipients turns the matter's parties and the caller's signers and carbon copies
// into the recipients of a documents envelope, in the profile's role order. Signers come
// first, then copies, and each gets its role's routing order. A signer without tabs gets
// the role's tabs.
func expandRecipients(in *createEnvelopeInput, p policy.RoutingProfile) *ToolError {
	signers, missing, terr := expandSigners(in, p)
	if terr != nil {
		return terr
	}
	copies, missingCopies, terr := expandCopies(in, p)
	if terr != nil {
		return terr
	}
	if missing = append(missing, missingCopies...); len(missing) > 0 {
		return missingRoutingRole("matter.parties", missing, p)
	}
	in.Signers, in.CarbonCopies = signers, copies
	return nil
}

// expandSigners returns the signers in the profile's role order and the signer roles that
// no party fills.
func expandSigners(in *createEnvelopeInput, p policy.RoutingProfile) ([]recipientInput,
	[]string, *ToolError) {
	byRole := map[string][]givenRecipient{}
	for i, s := range in.Signers {
		field := indexed("signers", i)
		if s.Role == "" {
			return nil, nil, &ToolError{Code: CodeRoutingRoleMissing, Field: field + ".role",
				Message: fmt.Sprintf("%s has no role: profile %s expects %s", field, p.Name,
					expectedRoles(p)),
				NextStep: "set role on every signer, or name the signers in matter.parties"}
		}
		if !slices.Contains(p.SignerRoles(), s.Role) {
			return nil, nil, unknownRoutingRole(field+".role", s.Role, p)
		}
		if terr := checkFilledOnce(in, field+".role", s.Role); terr != nil {
			return nil, nil, terr
		}
		byRole[s.Role] = append(byRole[s.Role], givenRecipient{field: field, r: s})
	}
	var out []recipientInput
	var missing []string
	for _, role := range p.Signers {
		people := byRole[role.Role]
		for _, party := range in.Matter.Parties[role.Role] {
			people = append(people, givenRecipient{field: "matter.parties." + role.Role,
				r: recipientInput{Name: party.Name, Email: party.Email, Role: role.Role}})
		}
		if len(people) == 0 {
			missing = append(missing, role.Role)
			continue
		}
		if len(people) > 1 && !role.Multiple {
			return nil, nil, invalidArgument(people[1].field+".role", "role %q of profile %s "+
				"takes one person, and %d signers have it: keep one", role.Role, p.Name,
				len(people))
		}
		for _, g := range people {
			order, terr := routingOrderOf(g.field+".routing_order", g.r.RoutingOrder,
				role.RoutingOrder, p)
			if terr != nil {
				return nil, nil, terr
			}
			g.r.RoutingOrder = order
			if len(g.r.Tabs) == 0 {
				g.r.Tabs = profileTabs(role.Tabs)
			}
			out = append(out, g.r)
		}
	}
	return out, missing, nil
}

// profileTabs returns a profile role's anchor tabs as create_envelope's tab input.
func profileTabs(tabs []policy.RoutingTab) []tabInput {
	var out []tabInput
	for _, t := range tabs {
		out = append(out, tabInput{Type: t.Type, Label: t.Label, AnchorString: t.AnchorString,
			AnchorXOffset: t.AnchorXOffset, AnchorYOffset: t.AnchorYOffset,
			AnchorUnits: t.AnchorUnits})
	}
	return out
}

// checkFilledOnce rejects a role that an explicit recipient fills when the matter's parties
// fill it too.
func checkFilledOnce(in *createEnvelopeInput, field, role string) *ToolError {
	if _, ok := in.Matter.Parties[role]; ok {
		return invalidArgument(field, "role %q is filled both by %s and by matter.parties: "+
			"keep one of them", truncate(role, 40), strings.TrimSuffix(field, ".role"))
	}
	return nil
}

// expandCopies returns the caller's carbon copies followed by the profile's required ones
// that the caller left out, and the copy roles that no party fills. A fixed copy whose address
// the caller already lists is not added twice.
func expandCopies(in *createEnvelopeInput, p policy.RoutingProfile) ([]recipientInput,
	[]string, *ToolError) {
	out := make([]recipientInput, 0, len(in.CarbonCopies)+len(p.CarbonCopies))
	filled := map[string]bool{}
	for i, c := range in.CarbonCopies {
		field := indexed("carbon_copies", i)
		if c.Role != "" {
			order, terr := checkGivenCopy(in, field, c, p)
			if terr != nil {
				return nil, nil, terr
			}
			c.RoutingOrder = order
			filled[c.Role] = true
		}
		out = append(out, c)
	}
	var missing []string
	for _, pc := range p.CarbonCopies {
		order := p.CopyRoutingOrder(pc)
		switch {
		case pc.IsFixed():
			listed := slices.ContainsFunc(out, func(r recipientInput) bool {
				return strings.EqualFold(r.Email, pc.Email)
			})
			if !listed {
				out = append(out, recipientInput{Name: pc.Name, Email: pc.Email,
					Role: pc.Role, RoutingOrder: &order})
			}
		case filled[pc.Role]:
		case len(in.Matter.Parties[pc.Role]) == 0:
			missing = append(missing, pc.Role)
		default:
			for _, party := range in.Matter.Parties[pc.Role] {
				out = append(out, recipientInput{Name: party.Name, Email: party.Email,
					Role: pc.Role, RoutingOrder: &order})
			}
		}
	}
	return out, missing, nil
}

// checkGivenCopy checks a caller's carbon copy that names a role and returns its routing
// order.
func checkGivenCopy(in *createEnvelopeInput, field string, c recipientInput,
	p policy.RoutingProfile) (*int, *ToolError) {
	i := slices.IndexFunc(p.CarbonCopies, func(pc policy.RoutingCopy) bool {
		return pc.Role == c.Role
	})
	if i < 0 {
		return nil, unknownRoutingRole(field+".role", c.Role, p)
	}
	pc := p.CarbonCopies[i]
	if pc.IsFixed() {
		return nil, invalidArgument(field+".role", "role %q is a fixed copy of profile %s, "+
			"which the server adds itself: remove %s", truncate(c.Role, 40), p.Name, field)
	}
	if terr := checkFilledOnce(in, field+".role", c.Role); terr != nil {
		return nil, terr
	}
	return routingOrderOf(field+".routing_order", c.RoutingOrder, p.CopyRoutingOrder(pc), p)
}

// expandTemplateRoles fills the template roles of the profile, signers first, from the
// caller's roles and the matter's parties, and adds the fixed copies.
func expandTemplateRoles(in *createEnvelopeInput, p policy.RoutingProfile) *ToolError {
	given := map[string]int{}
	for i, r := range in.Roles {
		field := indexed("roles", i) + ".role_name"
		if !slices.Contains(profileRoles(p), r.RoleName) {
			return unknownRoutingRole(field, r.RoleName, p)
		}
		if copyIsFixed(p, r.RoleName) {
			return invalidArgument(field, "role %q is a fixed copy of profile %s, which the "+
				"server fills itself: remove %s", truncate(r.RoleName, 40), p.Name,
				indexed("roles", i))
		}
		if terr := checkFilledOnce(in, field, r.RoleName); terr != nil {
			return terr
		}
		given[r.RoleName] = i
	}
	var roles []roleInput
	var missing []string
	fill := func(role string, order int) *ToolError {
		i, ok := given[role]
		if !ok {
			parties := in.Matter.Parties[role]
			if len(parties) == 0 {
				missing = append(missing, role)
				return nil
			}
			roles = append(roles, roleInput{RoleName: role, Name: parties[0].Name,
				Email: parties[0].Email, RoutingOrder: &order})
			return nil
		}
		r := in.Roles[i]
		o, terr := routingOrderOf(indexed("roles", i)+".routing_order", r.RoutingOrder,
			order, p)
		r.RoutingOrder = o
		roles = append(roles, r)
		return terr
	}
	for _, r := range p.Signers {
		if terr := fill(r.Role, r.RoutingOrder); terr != nil {
			return terr
		}
	}
	for _, c := range p.CarbonCopies {
		order := p.CopyRoutingOrder(c)
		if c.IsFixed() {
			roles = append(roles, roleInput{RoleName: c.Role, Name: c.Name, Email: c.Email,
				RoutingOrder: &order})
		} else if terr := fill(c.Role, order); terr != nil {
			return terr
		}
	}
	if len(missing) > 0 {
		return missingRoutingRole("matter.parties", missing, p)
	}
	in.Roles = roles
	return nil
}

func copyIsFixed(p policy.RoutingProfile, role string) bool {
	return slices.ContainsFunc(p.CarbonCopies, func(c policy.RoutingCopy) bool {
		return c.Role == role && c.IsFixed()
	})
}

// checkProfileTemplate checks that the template fits the profile that chose it: its name,
// when the profile gives one, and each profile role being a role of the same kind in the
// template. Only the operator can fix a mismatch, so the error's next step is
// to ask the operator.
func checkProfileTemplate(plan *routingPlan, template *docusign.EnvelopeTemplate) *ToolError {
	if plan == nil {
		return nil
	}
	p := plan.profile
	if p.TemplateName != "" && template.Name != p.TemplateName {
		return profileInvalid(p, fmt.Sprintf("template %s is named %q, not %q as the "+
			"profile expects", p.TemplateID, truncate(template.Name, 60), p.TemplateName))
	}
	signers, copies := templateRoleKinds(template)
	for _, r := range p.Signers {
		if !slices.Contains(signers, r.Role) {
			return profileInvalid(p, fmt.Sprintf("signer role %q is not a signer role of "+
				"template %s, whose signer roles are %s", r.Role, p.TemplateID,
				quoteList(signers)))
		}
	}
	for _, c := range p.CarbonCopies {
		if !slices.Contains(copies, c.Role) {
			return profileInvalid(p, fmt.Sprintf("copy role %q is not a carbon copy role "+
				"of template %s, whose carbon copy roles are %s", c.Role, p.TemplateID,
				quoteList(copies)))
		}
	}
	return nil
}

// templateRoleKinds returns the template's signer and carbon copy role names.
func templateRoleKinds(template *docusign.EnvelopeTemplate) (signers, copies []string) {
	if template.Recipients == nil {
		return nil, nil
	}
	for _, s := range template.Recipients.Signers {
		signers = append(signers, s.RoleName)
	}
	for _, c := range template.Recipients.CarbonCopies {
		copies = append(copies, c.RoleName)
	}
	return signers, copies
}

// profileInvalidNextStep is the next step of every routing_profile_invalid error.
const profileInvalidNextStep = "use another profile or list the recipients yourself, and " +
	"ask the server operator to fix the profile in the policy file"

func profileInvalid(p policy.RoutingProfile, problem string) *ToolError {
	return &ToolError{Code: CodeRoutingProfileInvalid, Field: "profile",
		Message: fmt.Sprintf("routing profile %s does not fit its template: %s", p.Name,
			problem),
		NextStep: profileInvalidNextStep}
}

// profileTemplateMissing is the error for a profile whose template Docusign does not find.
func profileTemplateMissing(p policy.RoutingProfile) *ToolError {
	return &ToolError{Code: CodeRoutingProfileInvalid, Field: "profile",
		Message: fmt.Sprintf("routing profile %s names template %s, which does not exist or "+
			"this account has no access to it", p.Name, p.TemplateID),
		NextStep: profileInvalidNextStep}
}
