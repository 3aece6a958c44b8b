package tools

import (
	"slices"
	"strconv"

	"github.com/ys88io/docusign-mcp/docusign"
)

// previewRecipients lists the recipients of def by routing order, keeping the definition's
// order within one routing order. For a template envelope they are the filled template
// roles, with the template's routing order where the role sets none.
func previewRecipients(def *docusign.EnvelopeDefinition,
	template *docusign.EnvelopeTemplate) []previewRecipient {
	out := []previewRecipient{}
	if template != nil {
		out = templateRecipients(def.TemplateRoles, template)
	} else if r := def.Recipients; r != nil {
		for _, s := range r.Signers {
			out = append(out, previewRecipient{RecipientID: s.RecipientID, Type: "signer",
				Role: s.RoleName, Name: s.Name, Email: s.Email,
				RoutingOrder: atoiOr(s.RoutingOrder, 1), Tabs: previewTabs(s.Tabs)})
		}
		for _, c := range r.CarbonCopies {
			out = append(out, previewRecipient{RecipientID: c.RecipientID,
				Type: "carbon_copy", Role: c.RoleName, Name: c.Name, Email: c.Email,
				RoutingOrder: atoiOr(c.RoutingOrder, 1)})
		}
	}
	slices.SortStableFunc(out, func(a, b previewRecipient) int {
		return a.RoutingOrder - b.RoutingOrder
	})
	return out
}

// templateRecipients describes each filled template role with the template's recipient id,
// type and tabs, and the values the role passes for the tabs.
func templateRecipients(roles []docusign.TemplateRole,
	template *docusign.EnvelopeTemplate) []previewRecipient {
	out := make([]previewRecipient, 0, len(roles))
	for _, role := range roles {
		p := previewRecipient{Type: "signer", Role: role.RoleName, Name: role.Name,
			Email: role.Email, RoutingOrder: 1}
		var tabs *docusign.Tabs
		if r := template.Recipients; r != nil {
			for _, s := range r.Signers {
				if s.RoleName == role.RoleName {
					p.RecipientID, p.RoutingOrder = s.RecipientID, atoiOr(s.RoutingOrder, 1)
					tabs = s.Tabs
				}
			}
			for _, c := range r.CarbonCopies {
				if c.RoleName == role.RoleName {
					p.RecipientID, p.RoutingOrder = c.RecipientID, atoiOr(c.RoutingOrder, 1)
					p.Type = "carbon_copy"
				}
			}
		}
		if role.RoutingOrder != "" {
			p.RoutingOrder = atoiOr(role.RoutingOrder, p.RoutingOrder)
		}
		p.Tabs = filledTemplateTabs(tabs, role.Tabs)
		out = append(out, p)
	}
	return out
}

// filledTemplateTabs lists the template's tabs of a role with the values given for them by
// label.
func filledTemplateTabs(template, values *docusign.Tabs) []previewTab {
	given := map[string]string{}
	for _, list := range tabLists(values) {
		for _, tab := range list {
			given[tab.TabLabel] = tab.Value
		}
	}
	tabs := previewTabs(template)
	for i := range tabs {
		if v, ok := given[tabs[i].Label]; ok {
			tabs[i].Value = v
		}
	}
	return tabs
}

// previewTabs lists tabs in the order of tabKindList.
func previewTabs(tabs *docusign.Tabs) []previewTab {
	var out []previewTab
	lists := tabLists(tabs)
	for _, kind := range tabKindList {
		for _, tab := range lists[kind.name] {
			out = append(out, previewTab{Type: kind.name, Label: tab.TabLabel,
				Value: tab.Value, AnchorString: tab.AnchorString,
				DocumentID: tab.DocumentID, Page: tab.PageNumber})
		}
	}
	return out
}

// atoiOr returns the integer in s, or fallback when s holds none.
func atoiOr(s string, fallback int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fallback
	}
	return n
}
