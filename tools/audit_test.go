package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// auditHarness runs the tools with an audit log that both the tools and the Docusign client
// write to, as serve wires them.
func auditHarness(t *testing.T) (*harness, *store.AuditLog) {
	t.Helper()
	sim := docusigntest.NewServer(docusigntest.Options{})
	t.Cleanup(sim.Close)
	st, err := store.Open(t.TempDir(), store.Options{EncryptionKey: bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		t.Fatalf("store.Open failed: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	log, err := store.OpenAuditLog(st, store.AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	creds := sim.Credentials()
	c, err := docusign.NewClient(docusign.Config{
		IntegrationKey: creds.IntegrationKey, UserID: creds.UserID,
		PrivateKeyPEM: creds.PrivateKeyPEM, AuthServer: creds.AuthServer,
		AccountID: creds.AccountID, Observer: NewAuditObserver(log, nil),
	})
	if err != nil {
		t.Fatalf("docusign.NewClient failed: %v", err)
	}
	decider, err := policy.NewStatic(policy.Config{Principals: map[string][]string{
		"agent-1": {policy.Wildcard}, "reader": {"list_templates"}}})
	if err != nil {
		t.Fatalf("policy.NewStatic failed: %v", err)
	}
	h := &harness{sim: sim, store: st, deps: Deps{Docusign: NewDocusign(c), Store: st,
		Envelopes: st, Audit: log, Policy: decider, Logger: slog.New(slog.DiscardHandler)}}
	return h, log
}

func TestAuditRecordsToolAndDocusignCalls(t *testing.T) {
	h, _ := auditHarness(t)
	tools := directTools(t, h.deps)
	agent := policy.WithPrincipal(context.Background(), "agent-1")
	res := callDirect(t, agent, tools, "create_envelope", documentsEnvelope(t, "sent"))
	if res.IsError {
		t.Fatalf("create_envelope failed: %s", resultText(res))
	}
	reader := policy.WithPrincipal(context.Background(), "reader")
	res = callDirect(t, reader, tools, "void_envelope", map[string]any{
		"envelope_id": "3f2a5c1e-0000-4000-8000-000000000001", "reason": "test"})
	if !res.IsError {
		t.Fatalf("void_envelope by reader succeeded, want a policy denial")
	}

	ctx := context.Background()
	calls, err := store.QueryAudit(ctx, h.store, store.AuditQuery{Kind: store.AuditToolCall})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	if len(calls) != 2 {
		t.Fatalf("tool call records = %+v, want 2", calls)
	}
	create, void := calls[0], calls[1]
	if create.Caller != "agent-1" || create.Tool != "create_envelope" ||
		create.Decision != store.DecisionAllow || create.Outcome != "ok" {
		t.Errorf("create record = %+v, want agent-1, create_envelope, allow, ok", create)
	}
	if create.EnvelopeID == "" || !strings.HasPrefix(create.ArgsDigest, "sha256:") {
		t.Errorf("create record = %+v, want the new envelope id and a digest", create)
	}
	if void.Caller != "reader" || void.Decision != store.DecisionDeny ||
		void.Outcome != CodePolicyDenied || void.PolicyRule != "principals.reader" {
		t.Errorf("void record = %+v, want reader denied by principals.reader", void)
	}

	totals, err := store.AuditCallTotals(ctx, h.store, void.Time, void.Time.Add(1))
	if err != nil {
		t.Fatalf("AuditCallTotals failed: %v", err)
	}
	if len(totals) != 0 {
		t.Errorf("a denied call made Docusign calls: %+v", totals)
	}
	checkDocusignRecords(t, h.store)
	if _, err := store.VerifyAudit(ctx, h.store); err != nil {
		t.Errorf("VerifyAudit failed: %v", err)
	}
}

// checkDocusignRecords checks that the create's Docusign calls are attributed to agent-1 and
// that no record holds a signer's name or email address.
func checkDocusignRecords(t *testing.T, st *store.Store) {
	t.Helper()
	records, err := store.QueryAudit(context.Background(), st, store.AuditQuery{})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	creates := 0
	for _, rec := range records {
		if rec.Kind == store.AuditDocusignCall && rec.Operation == "Envelopes:create" {
			creates++
			if rec.Caller != "agent-1" || rec.Tool != "create_envelope" ||
				rec.StatusCode != 201 || rec.PathTemplate == "" {
				t.Errorf("create call record = %+v, want agent-1, create_envelope, 201", rec)
			}
		}
		raw, _ := json.Marshal(rec)
		for _, pii := range []string{"ana.signer", "Ana Signer", "carl.copy", "Carl Copy"} {
			if strings.Contains(string(raw), pii) {
				t.Errorf("record %d contains %q: %s", rec.Seq, pii, raw)
			}
		}
	}
	if creates != 1 {
		t.Errorf("Envelopes:create records = %d, want 1", creates)
	}
	totals, err := store.AuditCallTotals(context.Background(), st, time.Time{}, time.Time{})
	if err != nil {
		t.Fatalf("AuditCallTotals failed: %v", err)
	}
	if len(totals) != 1 || totals[0].Caller != "agent-1" ||
		totals[0].ByOperation["Envelopes:create"] != 1 {
		t.Errorf("totals = %+v, want agent-1 with one Envelopes:create", totals)
	}
}

func TestArgumentsDigest(t *testing.T) {
	base := `{"envelope_id":"e1","signers":[{"name":"Ana","email":"ana@example.com"}]}`
	tests := []struct {
		name  string
		other string
		same  bool
	}{
		{name: "identical", other: base, same: true},
		{name: "key order and spacing",
			other: `{ "signers":[{"email":"ana@example.com","name":"Ana"}], "envelope_id":"e1"}`,
			same:  true},
		{name: "other signer", same: true,
			other: `{"envelope_id":"e1","signers":[{"name":"Bo","email":"bo@example.com"}]}`},
		{name: "other envelope", same: false,
			other: `{"envelope_id":"e2","signers":[{"name":"Ana","email":"ana@example.com"}]}`},
	}
	want := argumentsDigest(json.RawMessage(base))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := argumentsDigest(json.RawMessage(tt.other))
			if (got == want) != tt.same {
				t.Errorf("digest equal = %v, want %v", got == want, tt.same)
			}
		})
	}
	if got := argumentsDigest(nil); got != "" {
		t.Errorf("digest of no arguments = %q, want empty", got)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "name and email keys", in: `{"name":"Ana","email":"a@b.c","x":1}`,
			want: `{"email":"redacted","name":"redacted","x":1}`},
		{name: "address in other key", in: `{"note":"mail a@b.c"}`,
			want: `{"note":"redacted"}`},
		{name: "nested list", in: `{"signers":[{"role_name":"Client","routing_order":1}]}`,
			want: `{"signers":[{"role_name":"redacted","routing_order":1}]}`},
		{name: "email subject", in: `{"email_subject":"For Ana"}`,
			want: `{"email_subject":"redacted"}`},
		{name: "plain values kept", in: `{"envelope_id":"e1","reason":"late"}`,
			want: `{"envelope_id":"e1","reason":"late"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var value any
			if err := json.Unmarshal([]byte(tt.in), &value); err != nil {
				t.Fatalf("bad test input: %v", err)
			}
			got, err := json.Marshal(redact("", value))
			if err != nil {
				t.Fatalf("encoding failed: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("redact(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
