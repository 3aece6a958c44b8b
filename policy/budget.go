package policy

import "fmt"

// MaxReservePercent is the largest share of the account's limits a server may leave to
// other integrations.
const MaxReservePercent = 90

// AccountBudget keeps this server's Docusign calls within the account's API limits. Unset
// fields keep the server's defaults, and each response's rate-limit headers replace the
// limits with the ones Docusign reports.
type AccountBudget struct {
	// Hourly is the account's calls per clock hour.
	Hourly int `json:"hourly,omitempty" jsonschema:"minimum=1"`
	// Burst is the account's calls per 30 seconds.
	Burst int `json:"burst,omitempty" jsonschema:"minimum=1"`
	// ReservePercent is the share of both limits left to the account's other integrations,
	// from 0 (none) to 90. Unset means the server's default of 10.
	ReservePercent *int `json:"reserve_percent,omitempty" jsonschema:"minimum=0,maximum=90"`
}

// problems returns the problems of b, each naming the field and the fix.
func (b *AccountBudget) problems() []string {
	if b == nil {
		return nil
	}
	var problems []string
	if b.Hourly < 0 {
		problems = append(problems, fmt.Sprintf("account_budget.hourly is %d: use a "+
			"positive number of calls, or leave it out for the default", b.Hourly))
	}
	if b.Burst < 0 {
		problems = append(problems, fmt.Sprintf("account_budget.burst is %d: use a "+
			"positive number of calls, or leave it out for the default", b.Burst))
	}
	if b.Hourly > 0 && b.Burst > b.Hourly {
		problems = append(problems, fmt.Sprintf("account_budget.burst %d is over hourly "+
			"%d: the burst limit must not exceed the hourly limit", b.Burst, b.Hourly))
	}
	if p := b.ReservePercent; p != nil && (*p < 0 || *p > MaxReservePercent) {
		problems = append(problems, fmt.Sprintf("account_budget.reserve_percent is %d: "+
			"use 0 to %d", *p, MaxReservePercent))
	}
	return problems
}
