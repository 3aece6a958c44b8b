package policy

import (
	"strings"
	"testing"
)

func TestAccountBudgetValidation(t *testing.T) {
	const head = `{"principals":{"a":{"tools":["*"]}},"account_budget":`
	tests := []struct {
		name string
		json string
		// want is a substring of the error, empty for a valid file.
		want string
	}{
		{name: "full", json: head + `{"hourly":3000,"burst":200,"reserve_percent":10}}`},
		{name: "no reserve", json: head + `{"reserve_percent":0}}`},
		{name: "negative hourly", json: head + `{"hourly":-1}}`,
			want: "account_budget.hourly is -1"},
		{name: "burst over hourly", json: head + `{"hourly":100,"burst":200}}`,
			want: "account_budget.burst 200 is over hourly 100"},
		{name: "reserve too high", json: head + `{"reserve_percent":95}}`,
			want: "account_budget.reserve_percent is 95: use 0 to 90"},
		{name: "unknown field", json: head + `{"daily":1}}`, want: `unknown field "daily"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile([]byte(tt.json))
			if tt.want == "" {
				if err != nil {
					t.Errorf("ParseFile failed on a valid budget: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseFile error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
