package tools

import (
	"github.com/ys88io/docusign-mcp/docusign"
)

// fieldValue is a custom field or a tab as get_envelope_status returns it. Its value is
// masked on the way out when it looks like an identity, bank or card number.
type fieldValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// customFieldValues lists an envelope's text and list custom fields, without the hidden
// idempotency key field.
func customFieldValues(fields *docusign.CustomFields) []fieldValue {
	if fields == nil {
		return nil
	}
	var out []fieldValue
	for _, f := range fields.TextCustomFields {
		if f.Name != IdempotencyFieldName {
			out = append(out, fieldValue{Name: f.Name, Value: f.Value})
		}
	}
	for _, f := range fields.ListCustomFields {
		out = append(out, fieldValue{Name: f.Name, Value: f.Value})
	}
	return out
}

// tabValues lists a recipient's tabs that carry a value, by label, in the order of
// tabKindList.
func tabValues(tabs *docusign.Tabs) []fieldValue {
	var out []fieldValue
	lists := tabLists(tabs)
	for _, kind := range tabKindList {
		for _, tab := range lists[kind.name] {
			if tab.Value != "" {
				out = append(out, fieldValue{Name: tab.TabLabel, Value: tab.Value})
			}
		}
	}
	return out
}
