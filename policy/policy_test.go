package policy

import (
	"context"
	"testing"
)

func TestStaticDecide(t *testing.T) {
	decider, err := NewStatic(Config{
		Principals: map[string][]string{
			"admin":   {Wildcard},
			"reader":  {"get_envelope_status", "void_envelope"},
			"auditor": {Wildcard},
		},
		ReadOnlyPrincipals: []string{"auditor"},
	})
	if err != nil {
		t.Fatalf("NewStatic failed: %v", err)
	}
	tests := []struct {
		name      string
		req       Request
		wantAllow bool
		wantRule  string
	}{
		{name: "wildcard allows", req: Request{Principal: "admin", Tool: "void_envelope"},
			wantAllow: true, wantRule: "principals.admin"},
		{name: "listed tool allowed", req: Request{Principal: "reader",
			Tool: "get_envelope_status", ReadOnly: true}, wantAllow: true,
			wantRule: "principals.reader"},
		{name: "unlisted tool denied", req: Request{Principal: "reader",
			Tool: "create_envelope"}, wantRule: "principals.reader"},
		{name: "unknown principal denied", req: Request{Principal: "eve",
			Tool: "list_envelopes", ReadOnly: true}, wantRule: "principals"},
		{name: "read-only principal denied write", req: Request{Principal: "auditor",
			Tool: "void_envelope"}, wantRule: "read_only_principals"},
		{name: "read-only principal allowed read", req: Request{Principal: "auditor",
			Tool: "list_envelopes", ReadOnly: true}, wantAllow: true,
			wantRule: "principals.auditor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decider.Decide(context.Background(), tt.req)
			if err != nil {
				t.Fatalf("Decide failed: %v", err)
			}
			if got.Allow != tt.wantAllow {
				t.Errorf("Allow = %v, want %v (reason %q)", got.Allow, tt.wantAllow, got.Reason)
			}
			if got.Rule != tt.wantRule {
				t.Errorf("Rule = %q, want %q", got.Rule, tt.wantRule)
			}
		})
	}
}

func TestNewStaticRejectsEmpty(t *testing.T) {
	if _, err := NewStatic(Config{}); err == nil {
		t.Errorf("NewStatic with no principals succeeded, want an error")
	}
}

func TestLocalConfigAllowsLocal(t *testing.T) {
	decider, err := NewStatic(LocalConfig())
	if err != nil {
		t.Fatalf("NewStatic failed: %v", err)
	}
	ctx := context.Background()
	got, err := decider.Decide(ctx, Request{Principal: PrincipalFrom(ctx), Tool: "create_envelope"})
	if err != nil {
		t.Fatalf("Decide failed: %v", err)
	}
	if !got.Allow {
		t.Errorf("local principal denied create_envelope: %s", got.Reason)
	}
}

func TestPrincipalFromContext(t *testing.T) {
	ctx := WithPrincipal(context.Background(), "agent-7")
	if got := PrincipalFrom(ctx); got != "agent-7" {
		t.Errorf("PrincipalFrom = %q, want %q", got, "agent-7")
	}
}
