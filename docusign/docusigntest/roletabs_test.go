package docusigntest

import (
	"encoding/json"
	"testing"
)

func TestMergeRoleTabs(t *testing.T) {
	const role = `{"signHereTabs":[{"anchorString":"/s/","tabLabel":"Signature"}],` +
		`"textTabs":[{"anchorString":"/n/","tabLabel":"Name","locked":"false"}]}`
	tests := []struct {
		name    string
		role    string
		request string
		want    string
	}{
		{name: "no request tabs", role: role, request: "", want: role},
		{
			name:    "value for a template tab",
			role:    role,
			request: `{"textTabs":[{"tabLabel":"Name","value":"Ada"}]}`,
			want: `{"signHereTabs":[{"anchorString":"/s/","tabLabel":"Signature"}],` +
				`"textTabs":[{"anchorString":"/n/","locked":"false","tabLabel":"Name",` +
				`"value":"Ada"}]}`,
		},
		{
			name:    "unmatched label is added",
			role:    role,
			request: `{"textTabs":[{"tabLabel":"Other","anchorString":"/o/"}]}`,
			want: `{"signHereTabs":[{"anchorString":"/s/","tabLabel":"Signature"}],` +
				`"textTabs":[{"anchorString":"/n/","locked":"false","tabLabel":"Name"},` +
				`{"anchorString":"/o/","tabLabel":"Other"}]}`,
		},
		{
			name:    "same label of another type is added",
			role:    role,
			request: `{"dateTabs":[{"tabLabel":"Name","anchorString":"/d/"}]}`,
			want: `{"dateTabs":[{"anchorString":"/d/","tabLabel":"Name"}],` +
				`"signHereTabs":[{"anchorString":"/s/","tabLabel":"Signature"}],` +
				`"textTabs":[{"anchorString":"/n/","locked":"false","tabLabel":"Name"}]}`,
		},
		{
			name:    "role without tabs",
			role:    "",
			request: `{"textTabs":[{"tabLabel":"Name","value":"Ada"}]}`,
			want:    `{"textTabs":[{"tabLabel":"Name","value":"Ada"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mergeRoleTabs(json.RawMessage(tt.role), json.RawMessage(tt.request))
			if err != nil {
				t.Fatalf("mergeRoleTabs: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("mergeRoleTabs =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestMergeRoleTabsRejectsInvalidTabs(t *testing.T) {
	_, err := mergeRoleTabs(nil, json.RawMessage(`{"textTabs":"Ada"}`))
	if err == nil {
		t.Fatal("mergeRoleTabs accepted textTabs given as a string, want an error")
	}
	if err.ErrorCode != "INVALID_REQUEST_PARAMETER" {
		t.Errorf("error code = %q, want INVALID_REQUEST_PARAMETER", err.ErrorCode)
	}
}
