package docusigntest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// tabSet is a recipient's tabs object: tab type (such as "textTabs") to its tabs.
type tabSet map[string][]map[string]any

// mergeRoleTabs applies a templateRole's tabs to the template role's tabs. A request tab
// whose tabLabel equals that of a template tab of the same type sets that tab's fields
// (usually its value), and any other request tab is added. The template's other tabs, such
// as its sign-here tabs, stay.
func mergeRoleTabs(roleTabs, requestTabs json.RawMessage) (json.RawMessage, *Error) {
	if len(requestTabs) == 0 {
		return roleTabs, nil
	}
	merged := tabSet{}
	if len(roleTabs) > 0 {
		if err := json.Unmarshal(roleTabs, &merged); err != nil {
			return nil, newAPIError(http.StatusInternalServerError, "UNSPECIFIED_ERROR",
				fmt.Sprintf("The template role's tabs are invalid: %v.", err))
		}
	}
	var request tabSet
	if err := json.Unmarshal(requestTabs, &request); err != nil {
		return nil, invalidParameter(fmt.Sprintf("templateRoles tabs must be an object of tab "+
			"lists such as {\"textTabs\":[{\"tabLabel\":\"Name\",\"value\":\"Ada\"}]}: %v.", err))
	}
	for kind, tabs := range request {
		for _, tab := range tabs {
			merged[kind] = applyTab(merged[kind], tab)
		}
	}
	out, err := json.Marshal(merged)
	if err != nil {
		return nil, newAPIError(http.StatusInternalServerError, "UNSPECIFIED_ERROR",
			fmt.Sprintf("The merged tabs could not be encoded: %v.", err))
	}
	return out, nil
}

// applyTab copies tab's fields onto the tab in list with the same tabLabel, or appends tab
// when none matches or it has no tabLabel.
func applyTab(list []map[string]any, tab map[string]any) []map[string]any {
	label, _ := tab["tabLabel"].(string)
	if label == "" {
		return append(list, tab)
	}
	for _, existing := range list {
		if existing["tabLabel"] == label {
			for field, value := range tab {
				existing[field] = value
			}
			return list
		}
	}
	return append(list, tab)
}
