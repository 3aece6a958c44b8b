package policy

import (
	"context"
	"testing"
)

// benchmarkPolicy is a policy file with the rules that a create_envelope call passes.
const benchmarkPolicy = `{
  "principals": {
    "agent": {"tools": ["*"], "allowed_domains": ["example.com"],
      "denied_domains": ["mailinator.com"], "max_recipients": 10},
    "reader": {"tools": ["get_envelope_status", "list_envelopes"], "read_only": true}
  }
}`

// BenchmarkEngineDecide measures one policy decision: a read-only call by name, and a
// create with its recipients, as the tools decide after parsing.
func BenchmarkEngineDecide(b *testing.B) {
	f, err := ParseFile([]byte(benchmarkPolicy))
	if err != nil {
		b.Fatalf("ParseFile failed: %v", err)
	}
	e := NewEngine(f, "3f2a9c1e-7b4d-4e8a-9c61-2d5f0b8e4a17")
	requests := []struct {
		name string
		req  Request
	}{
		{name: "read by name", req: Request{Principal: "reader", Tool: "get_envelope_status",
			ReadOnly: true}},
		{name: "create with recipients", req: Request{Principal: "agent",
			Tool: "create_envelope", Recipients: []Recipient{{Email: "a@example.com", Type: "signer"},
				{Email: "b@example.com", Type: "carbon_copy"}},
			DocumentBytes: 200_000, Send: true}},
	}
	ctx := context.Background()
	for _, r := range requests {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := e.Decide(ctx, r.req)
				if err != nil || !d.Allow {
					b.Fatalf("Decide = %+v, %v; want an allowance", d, err)
				}
			}
		})
	}
}
