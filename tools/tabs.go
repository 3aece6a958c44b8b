package tools

import (
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

// tabKind names one tab list of docusign.Tabs in snake case, as the tools' inputs and outputs
// name tab types.
type tabKind struct {
	name string
	list func(*docusign.Tabs) *[]docusign.Tab
}

var tabKindList = []tabKind{
	{"sign_here", func(t *docusign.Tabs) *[]docusign.Tab { return &t.SignHereTabs }},
	{"initial_here", func(t *docusign.Tabs) *[]docusign.Tab { return &t.InitialHereTabs }},
	{"date_signed", func(t *docusign.Tabs) *[]docusign.Tab { return &t.DateSignedTabs }},
	{"full_name", func(t *docusign.Tabs) *[]docusign.Tab { return &t.FullNameTabs }},
	{"text", func(t *docusign.Tabs) *[]docusign.Tab { return &t.TextTabs }},
	{"checkbox", func(t *docusign.Tabs) *[]docusign.Tab { return &t.CheckboxTabs }},
	{"email_address", func(t *docusign.Tabs) *[]docusign.Tab { return &t.EmailAddressTabs }},
	{"company", func(t *docusign.Tabs) *[]docusign.Tab { return &t.CompanyTabs }},
	{"title", func(t *docusign.Tabs) *[]docusign.Tab { return &t.TitleTabs }},
	{"date", func(t *docusign.Tabs) *[]docusign.Tab { return &t.DateTabs }},
	{"number", func(t *docusign.Tabs) *[]docusign.Tab { return &t.NumberTabs }},
}

// creatableTabNames are the tab types that create_envelope places on documents.
var creatableTabNames = []string{"sign_here", "date_signed", "full_name", "initial_here", "text"}

// tabListByName returns the list of tabs for a tab type name, or the text tabs for an unknown
// or empty name.
func tabListByName(tabs *docusign.Tabs, name string) *[]docusign.Tab {
	for _, kind := range tabKindList {
		if kind.name == name {
			return kind.list(tabs)
		}
	}
	return &tabs.TextTabs
}

// tabLists returns the non-empty tab lists of tabs by type name. It accepts nil.
func tabLists(tabs *docusign.Tabs) map[string][]docusign.Tab {
	lists := map[string][]docusign.Tab{}
	if tabs == nil {
		return lists
	}
	for _, kind := range tabKindList {
		if list := *kind.list(tabs); len(list) > 0 {
			lists[kind.name] = list
		}
	}
	return lists
}

// formatTime turns a Docusign timestamp into RFC 3339 in UTC, or "" when it is empty or
// unreadable, so outputs carry only times an agent can parse.
func formatTime(raw string) string {
	if raw == "" {
		return ""
	}
	t, err := docusign.ParseTime(raw)
	if err != nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
