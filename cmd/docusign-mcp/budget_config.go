package main

import (
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/tools"
)

// accountBudgetOptions returns the account budget of the policy file f, or the defaults
// when f is nil or sets none. A reserve_percent of 0 keeps no reserve.
func accountBudgetOptions(f *policy.File) tools.AccountBudgetOptions {
	if f == nil || f.AccountBudget == nil {
		return tools.AccountBudgetOptions{}
	}
	b := f.AccountBudget
	opts := tools.AccountBudgetOptions{HourlyLimit: b.Hourly, BurstLimit: b.Burst}
	if p := b.ReservePercent; p != nil {
		opts.Reserve = float64(*p) / 100
		if *p == 0 {
			opts.Reserve = -1
		}
	}
	return opts
}
