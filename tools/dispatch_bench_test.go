package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// BenchmarkToolDispatch measures one tools/call message through mcp-go's dispatch, the
// policy, the argument checks, the handler and the audit log, as serve runs it. The cases
// are a status call that the stored envelope state serves, and a call whose arguments fail
// the checks.
func BenchmarkToolDispatch(b *testing.B) {
	s, envelopeID := benchmarkToolServer(b)
	ctx := policy.WithPrincipal(context.Background(), "agent")
	cases := []struct {
		name      string
		arguments string
		wantError bool
	}{
		{name: "cached status", arguments: `{"envelope_id":"` + envelopeID + `"}`},
		{name: "invalid arguments", arguments: `{"envelope_id":"not-a-guid"}`,
			wantError: true},
	}
	for _, c := range cases {
		message := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":` +
			`{"name":"get_envelope_status","arguments":` + c.arguments + `}}`)
		checkDispatch(b, s.HandleMessage(ctx, message), c.wantError)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.HandleMessage(ctx, message)
			}
		})
	}
}

// checkDispatch fails b unless reply is a tool result with isError equal to wantError.
func checkDispatch(b *testing.B, reply any, wantError bool) {
	b.Helper()
	raw, err := json.Marshal(reply)
	if err != nil {
		b.Fatalf("encode reply: %v", err)
	}
	var body struct {
		Result struct {
			IsError bool `json:"isError"`
		} `json:"result"`
		Error any `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Error != nil {
		b.Fatalf("tools/call reply %s is not a tool result (%v)", raw, err)
	}
	if body.Result.IsError != wantError {
		b.Fatalf("tools/call reply %s: isError = %v, want %v", raw, body.Result.IsError,
			wantError)
	}
}

// benchmarkToolServer registers the tools with a real store, audit log and policy against a
// simulator, and returns the server and an envelope whose state the store has.
func benchmarkToolServer(b *testing.B) (*server.MCPServer, string) {
	b.Helper()
	sim := docusigntest.NewServer(docusigntest.Options{})
	b.Cleanup(sim.Close)
	creds := sim.Credentials()
	c, err := docusign.NewClient(docusign.Config{IntegrationKey: creds.IntegrationKey,
		UserID: creds.UserID, PrivateKeyPEM: creds.PrivateKeyPEM, AuthServer: creds.AuthServer,
		AccountID: creds.AccountID})
	if err != nil {
		b.Fatalf("docusign.NewClient failed: %v", err)
	}
	st, err := store.Open(b.TempDir(), store.Options{EncryptionKey: bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		b.Fatalf("store.Open failed: %v", err)
	}
	b.Cleanup(func() { st.Close() })
	audit, err := store.OpenAuditLog(st, store.AuditOptions{})
	if err != nil {
		b.Fatalf("OpenAuditLog failed: %v", err)
	}
	f, err := policy.ParseFile([]byte(`{"principals":{"agent":{"tools":["*"]}}}`))
	if err != nil {
		b.Fatalf("ParseFile failed: %v", err)
	}
	s := server.NewMCPServer("docusign-mcp-bench", "0.0.0")
	err = Register(s, Deps{Docusign: NewDocusign(c), Store: st, Envelopes: st, Audit: audit,
		Policy: policy.NewEngine(f, creds.UserID), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatalf("Register failed: %v", err)
	}
	return s, benchmarkEnvelope(b, c, st)
}

// benchmarkEnvelope creates a sent envelope in the simulator and stores its state, as a
// status read would.
func benchmarkEnvelope(b *testing.B, c *docusign.Client, st *store.Store) string {
	b.Helper()
	summary, _, err := c.Envelopes.Create(context.Background(), &docusign.EnvelopeDefinition{
		EmailSubject: "Benchmark", Status: "sent",
		Documents: []docusign.Document{{DocumentID: "1", Name: "Terms.pdf",
			FileExtension: "pdf", DocumentBase64: pdfBase64()}},
		Recipients: &docusign.Recipients{Signers: []docusign.Signer{{RecipientID: "1",
			Name: "Avery Client", Email: "avery@example.com", RoutingOrder: "1"}}},
	})
	if err != nil {
		b.Fatalf("create envelope: %v", err)
	}
	snapshot := fmt.Sprintf(`{"envelope_id":%q,"status":"sent","state":"sent",`+
		`"recipients":[{"recipient_id":"1","type":"signer","name":"Avery Client",`+
		`"email":"avery@example.com","routing_order":1,"status":"sent"}],`+
		`"source":"docusign","age_seconds":0}`, summary.EnvelopeID)
	_, _, err = st.PutEnvelope(context.Background(), store.EnvelopeState{
		EnvelopeID: summary.EnvelopeID, Status: "sent", Source: store.SourceDocusign,
		Snapshot: json.RawMessage(strings.TrimSpace(snapshot))})
	if err != nil {
		b.Fatalf("store envelope state: %v", err)
	}
	return summary.EnvelopeID
}
