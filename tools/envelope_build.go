package tools

import (
	"cmp"
	"context"
	"encoding/base64"
	"strconv"

	"github.com/ys88io/docusign-mcp/docusign"
)

func envelopeDefinition(ctx context.Context, d *Deps, in *createEnvelopeInput) (
	*docusign.EnvelopeDefinition, *ToolError) {
	var template *docusign.EnvelopeTemplate
	if in.Source == "template" {
		var terr *ToolError
		if template, terr = lookUpTemplate(ctx, d, in); terr != nil {
			return nil, terr
		}
	}
	return definitionFor(in, template)
}

// definitionFor builds the envelope definition of a checked input. template is the template
// that lookUpTemplate fetched for source template, and nil for source documents.
func definitionFor(in *createEnvelopeInput, template *docusign.EnvelopeTemplate) (
	*docusign.EnvelopeDefinition, *ToolError) {
	def := &docusign.EnvelopeDefinition{
		Status:       in.Status,
		EmailSubject: in.EmailSubject,
		EmailBlurb:   in.EmailMessage,
		CustomFields: customFields(in.CustomFields),
		Notification: in.routing.notification(),
	}
	if template == nil {
		def.Documents = documents(in.Documents)
		def.Recipients = recipients(in)
		return def, nil
	}
	if terr := checkProfileTemplate(in.routing, template); terr != nil {
		return nil, terr
	}
	if in.Status == "sent" && in.EmailSubject == "" && template.EmailSubject == "" {
		return nil, invalidArgument("email_subject", "email_subject is missing and the "+
			"template has none: a sent envelope needs the subject of its signing email")
	}
	roles, terr := templateRoles(in.Roles, template)
	if terr != nil {
		return nil, terr
	}
	def.TemplateID = in.TemplateID
	def.TemplateRoles = roles
	return def, nil
}

// lookUpTemplate fetches the input's template, so an unknown id or role fails before
// anything is created. A routing profile's template that is not found is the operator's to
// fix, so that error is routing_profile_invalid rather than invalid_argument.
func lookUpTemplate(ctx context.Context, d *Deps, in *createEnvelopeInput) (
	*docusign.EnvelopeTemplate, *ToolError) {
	templateID := in.TemplateID
	template, _, err := d.Docusign.Templates.Get(ctx, templateID)
	if docusign.IsNotFound(err) && in.routing != nil {
		return nil, profileTemplateMissing(in.routing.profile)
	}
	if docusign.IsNotFound(err) {
		return nil, invalidArgument("template_id", "template %s does not exist or this "+
			"account has no access to it: pick one from list_templates", templateID)
	}
	if err != nil {
		return nil, fromDocusign(err, "template "+templateID, d.Now())
	}
	return template, nil
}

func templateRoles(roles []roleInput, template *docusign.EnvelopeTemplate) (
	[]docusign.TemplateRole, *ToolError) {
	known := templateRoleTabs(template)
	out := make([]docusign.TemplateRole, 0, len(roles))
	for i, role := range roles {
		field := indexed("roles", i)
		labels, ok := known[role.RoleName]
		if !ok {
			return nil, unknownRole(field+".role_name", template.TemplateID, role.RoleName,
				known)
		}
		tabs, terr := roleTabs(field, role.RoleName, role.Tabs, labels)
		if terr != nil {
			return nil, terr
		}
		tr := docusign.TemplateRole{RoleName: role.RoleName, Name: role.Name,
			Email: role.Email, Tabs: tabs}
		if role.RoutingOrder != nil {
			tr.RoutingOrder = strconv.Itoa(*role.RoutingOrder)
		}
		out = append(out, tr)
	}
	return out, nil
}

// templateRoleTabs maps each role of the template to its tabs' labels and the tab list each
// label is in. A role whose tabs the template response omits maps to an empty map.
func templateRoleTabs(template *docusign.EnvelopeTemplate) map[string]map[string]string {
	roles := map[string]map[string]string{}
	if template.Recipients == nil {
		return roles
	}
	add := func(roleName string, tabs *docusign.Tabs) {
		if roleName == "" {
			return
		}
		labels := map[string]string{}
		for kind, list := range tabLists(tabs) {
			for _, tab := range list {
				labels[tab.TabLabel] = kind
			}
		}
		roles[roleName] = labels
	}
	for _, s := range template.Recipients.Signers {
		add(s.RoleName, s.Tabs)
	}
	for _, c := range template.Recipients.CarbonCopies {
		add(c.RoleName, c.Tabs)
	}
	return roles
}

// roleTabs puts each value into the tab list that its label belongs to in the template. A
// label the template does not define for the role is rejected, because Docusign would drop
// its value without an error.
func roleTabs(field, roleName string, values []tabValueInput, labels map[string]string) (
	*docusign.Tabs, *ToolError) {
	if len(values) == 0 {
		return nil, nil
	}
	tabs := &docusign.Tabs{}
	for j, v := range values {
		kind, ok := labels[v.Label]
		if !ok {
			return nil, unknownTabLabel(indexed(field+".tabs", j)+".label", roleName, v.Label,
				labels)
		}
		list := tabListByName(tabs, kind)
		*list = append(*list, docusign.Tab{TabLabel: v.Label, Value: v.Value})
	}
	return tabs, nil
}

func documents(in []documentInput) []docusign.Document {
	docs := make([]docusign.Document, 0, len(in))
	for i, doc := range in {
		docs = append(docs, docusign.Document{
			DocumentID:     strconv.Itoa(doc.DocumentID),
			Name:           doc.Name,
			FileExtension:  doc.FileExtension,
			DocumentBase64: base64.StdEncoding.EncodeToString(doc.data),
			Order:          strconv.Itoa(i + 1),
		})
	}
	return docs
}

func recipients(in *createEnvelopeInput) *docusign.Recipients {
	r := &docusign.Recipients{}
	for _, s := range in.Signers {
		r.Signers = append(r.Signers, docusign.Signer{
			RecipientID:  strconv.Itoa(s.RecipientID),
			RoutingOrder: routingOrder(s.RoutingOrder),
			Name:         s.Name,
			Email:        s.Email,
			RoleName:     s.Role,
			Tabs:         signerTabs(s.Tabs),
		})
	}
	for _, c := range in.CarbonCopies {
		r.CarbonCopies = append(r.CarbonCopies, docusign.CarbonCopy{
			RecipientID:  strconv.Itoa(c.RecipientID),
			RoutingOrder: routingOrder(c.RoutingOrder),
			Name:         c.Name,
			Email:        c.Email,
			RoleName:     c.Role,
		})
	}
	return r
}

func routingOrder(order *int) string {
	if order == nil {
		return "1"
	}
	return strconv.Itoa(*order)
}

func signerTabs(in []tabInput) *docusign.Tabs {
	if len(in) == 0 {
		return nil
	}
	tabs := &docusign.Tabs{}
	for _, t := range in {
		tab := docusign.Tab{TabLabel: t.Label, Value: t.Value}
		if t.AnchorString != "" {
			tab.AnchorString = t.AnchorString
			tab.AnchorXOffset = strconv.Itoa(t.AnchorXOffset)
			tab.AnchorYOffset = strconv.Itoa(t.AnchorYOffset)
			tab.AnchorUnits = cmp.Or(t.AnchorUnits, "pixels")
			tab.AnchorIgnoreIfNotPresent = "false"
		} else {
			tab.DocumentID = strconv.Itoa(t.DocumentID)
			tab.PageNumber = strconv.Itoa(t.Page)
			tab.XPosition = strconv.Itoa(t.X)
			tab.YPosition = strconv.Itoa(t.Y)
		}
		list := tabListByName(tabs, t.Type)
		*list = append(*list, tab)
	}
	return tabs
}

func customFields(in []customFieldInput) *docusign.CustomFields {
	if len(in) == 0 {
		return nil
	}
	fields := &docusign.CustomFields{}
	for _, f := range in {
		fields.TextCustomFields = append(fields.TextCustomFields, docusign.TextCustomField{
			Name: f.Name, Value: f.Value, Show: strconv.FormatBool(f.Show), Required: "false",
		})
	}
	return fields
}
