package main

import (
	"testing"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/tools"
)

func TestAccountBudgetFromPolicyFile(t *testing.T) {
	const head = `{"principals":{"a":{"tools":["*"]}}`
	tests := []struct {
		name string
		json string
		want tools.AccountBudgetOptions
		// wantRemaining is the hourly budget a fresh limiter reports.
		wantRemaining int
	}{
		{name: "defaults", json: head + `}`, wantRemaining: tools.DefaultHourlyLimit},
		{name: "configured", json: head + `,"account_budget":{"hourly":3000,"burst":200,` +
			`"reserve_percent":10}}`, want: tools.AccountBudgetOptions{HourlyLimit: 3000,
			BurstLimit: 200, Reserve: 0.1}, wantRemaining: 3000},
		{name: "no reserve", json: head + `,"account_budget":{"hourly":50,` +
			`"reserve_percent":0}}`, want: tools.AccountBudgetOptions{HourlyLimit: 50,
			Reserve: -1}, wantRemaining: 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := policy.ParseFile([]byte(tt.json))
			if err != nil {
				t.Fatalf("ParseFile failed: %v", err)
			}
			got := accountBudgetOptions(f)
			if got != tt.want {
				t.Errorf("options = %+v, want %+v", got, tt.want)
			}
			snap := tools.NewAccountBudget(got, nil).Snapshot()
			if snap.HourlyRemaining != tt.wantRemaining {
				t.Errorf("hourly remaining = %d, want %d: the configured limit must apply",
					snap.HourlyRemaining, tt.wantRemaining)
			}
		})
	}
}
