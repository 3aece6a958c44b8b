package tools

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/mark3labs/mcp-go/server/servertest"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// requireApproval returns a configure function for newHarness that puts actions under
// approval for every principal, with the given fallback.
func requireApproval(fallback string, actions ...string) func(*Deps) {
	return func(d *Deps) {
		d.Approval = ApprovalPolicyFunc(func(context.Context, string) (ApprovalScope, error) {
			return ApprovalScope{RequireApproval: actions, Fallback: fallback}, nil
		})
	}
}

// elicitationFunc adapts a function to client.ElicitationHandler.
type elicitationFunc func(ctx context.Context, req mcp.ElicitationRequest) (
	*mcp.ElicitationResult, error)

func (f elicitationFunc) Elicit(ctx context.Context, req mcp.ElicitationRequest) (
	*mcp.ElicitationResult, error) {
	return f(ctx, req)
}

// answer returns an elicitation handler that replies with action and content, and records
// the message it received.
func answer(action mcp.ElicitationResponseAction, content any, shown *string) elicitationFunc {
	return func(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
		if shown != nil {
			*shown = req.Params.Message
		}
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
			Action: action, Content: content}}, nil
	}
}

// Protocol eras of elicitingClient.
const (
	eraModern = "2026-07-28"
	eraLegacy = "2025-11-25"
)

var eras = []string{eraModern, eraLegacy}

// elicitingClient serves the tools over stdio pipes to a client that speaks the protocol
// version era and responds to elicitations with answerer: 2026-07-28 through multi round-trip
// results, 2025-11-25 through elicitation/create requests. A nil answerer advertises no
// elicitation.
func (h *harness) elicitingClient(t *testing.T, era string,
	answerer elicitationFunc) *client.Client {
	t.Helper()
	tools, err := Tools(h.deps)
	if err != nil {
		t.Fatalf("Tools failed: %v", err)
	}
	s := server.NewMCPServer("docusign-mcp-test", "0.0.0", server.WithOutputSchemaValidation())
	s.AddTools(tools...)
	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = server.NewStdioServer(s).Listen(ctx, serverIn, serverOut)
	}()
	options := []client.ClientOption{client.WithProtocolVersion(era)}
	if answerer != nil {
		options = append(options, client.WithElicitationHandler(answerer))
	}
	c := client.NewClient(transport.NewIO(clientIn, clientOut, io.NopCloser(nil)),
		options...)
	t.Cleanup(func() {
		c.Close()
		cancel()
		serverIn.Close()
		clientIn.Close()
		<-done
	})
	if err := c.Start(ctx); err != nil {
		t.Fatalf("starting the client failed: %v", err)
	}
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = era
	init.Params.ClientInfo = mcp.Implementation{Name: "approval-test", Version: "0"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("Initialize failed: %v", err)
	}
	return c
}

func decodeCreate(t *testing.T, res *mcp.CallToolResult) createEnvelopeOutput {
	t.Helper()
	var out createEnvelopeOutput
	mustSucceed(t, res, &out)
	return out
}

func TestApprovalElicitationAnswers(t *testing.T) {
	tests := []struct {
		name        string
		action      mcp.ElicitationResponseAction
		content     any
		wantCode    string
		wantCreates int
	}{
		{name: "accept with confirm", action: mcp.ElicitationResponseActionAccept,
			content: map[string]any{"confirm": true}, wantCreates: 1},
		{name: "accept without confirm", action: mcp.ElicitationResponseActionAccept,
			content: map[string]any{"confirm": false}, wantCode: CodeConfirmationDeclined},
		{name: "accept with empty content", action: mcp.ElicitationResponseActionAccept,
			wantCode: CodeConfirmationDeclined},
		{name: "decline", action: mcp.ElicitationResponseActionDecline,
			wantCode: CodeConfirmationDeclined},
		{name: "cancel", action: mcp.ElicitationResponseActionCancel,
			wantCode: CodeConfirmationDeclined},
	}
	for _, era := range eras {
		for _, tt := range tests {
			t.Run(era+"/"+tt.name, func(t *testing.T) {
				checkElicitationAnswer(t, era, tt.action, tt.content, tt.wantCode,
					tt.wantCreates)
			})
		}
	}
}

func checkElicitationAnswer(t *testing.T, era string, action mcp.ElicitationResponseAction,
	content any, wantCode string, wantCreates int) {
	t.Helper()
	h := newHarness(t, requireApproval(FallbackDeny, ApprovalSend))
	var shown string
	c := h.elicitingClient(t, era, answer(action, content, &shown))
	res := callTool(t, c, "create_envelope", documentsEnvelope(t, "sent"))
	if wantCode == "" {
		if out := decodeCreate(t, res); out.Status != "sent" {
			t.Errorf("status = %q, want sent after an accepted approval", out.Status)
		}
	} else if body := mustFail(t, res); body.Code != wantCode {
		t.Errorf("code = %q, want %q; body: %+v", body.Code, wantCode, body)
	}
	if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != wantCreates {
		t.Errorf("Docusign creates = %d, want %d", n, wantCreates)
	}
	if !strings.Contains(shown, "Please sign the services agreement") {
		t.Errorf("elicitation message %q does not name the envelope's subject", shown)
	}
}

func TestApprovalMessageNamesRecipients(t *testing.T) {
	h := newHarness(t, requireApproval(FallbackDeny, ApprovalSend))
	var shown string
	c := h.elicitingClient(t, eraLegacy, answer(mcp.ElicitationResponseActionDecline, nil,
		&shown))
	args := documentsEnvelope(t, "sent")
	signer := args["signers"].([]any)[0].(map[string]any)
	mustFail(t, callTool(t, c, "create_envelope", args))
	if !strings.Contains(shown, signer["email"].(string)) {
		t.Errorf("elicitation message %q does not name signer %s", shown, signer["email"])
	}
}

func TestApprovalNotRequired(t *testing.T) {
	tests := []struct {
		name    string
		actions []string
		status  string
	}{
		{name: "send without approval", actions: []string{ApprovalVoid}, status: "sent"},
		{name: "draft under send approval", actions: []string{ApprovalSend}, status: "created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, requireApproval(FallbackDeny, tt.actions...))
			asked := false
			c := h.elicitingClient(t, eraModern, func(context.Context, mcp.ElicitationRequest) (
				*mcp.ElicitationResult, error) {
				asked = true
				return nil, context.Canceled
			})
			out := decodeCreate(t, callTool(t, c, "create_envelope",
				documentsEnvelope(t, tt.status)))
			if out.Status != tt.status {
				t.Errorf("status = %q, want %q", out.Status, tt.status)
			}
			if asked {
				t.Errorf("the client was asked for approval, want no request")
			}
		})
	}
}

func TestApprovalTokenPath(t *testing.T) {
	h := newHarness(t, requireApproval(FallbackDeny, ApprovalSend))
	c := h.stdioClient(t)
	args := documentsEnvelope(t, "sent")

	first := decodeCreate(t, callTool(t, c, "create_envelope", args))
	if first.Status != statusConfirmNeeded {
		t.Fatalf("first status = %q, want %s for a client without elicitation",
			first.Status, statusConfirmNeeded)
	}
	if first.ConfirmationToken == "" || first.Summary == "" || first.ExpiresAt == "" {
		t.Errorf("confirmation result lacks token, summary or expiry: %+v", first)
	}
	if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != 0 {
		t.Fatalf("Docusign creates after the first call = %d, want 0", n)
	}

	args["confirmation_token"] = first.ConfirmationToken
	second := decodeCreate(t, callTool(t, c, "create_envelope", args))
	if second.Status != "sent" || second.EnvelopeID == "" {
		t.Errorf("second call = %+v, want a sent envelope", second)
	}
	if second.IdempotencyKey != first.IdempotencyKey {
		t.Errorf("idempotency key = %q, want %q as the confirmation result named",
			second.IdempotencyKey, first.IdempotencyKey)
	}

	body := mustFail(t, callTool(t, c, "create_envelope", args))
	if body.Code != CodeConfirmationInvalid {
		t.Errorf("replayed token: code = %q, want %s", body.Code, CodeConfirmationInvalid)
	}
	if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != 1 {
		t.Errorf("Docusign creates = %d, want 1", n)
	}
}

func TestApprovalTokenBinding(t *testing.T) {
	decider, err := policy.NewStatic(policy.Config{Principals: map[string][]string{
		"agent-1": {policy.Wildcard}, "agent-2": {policy.Wildcard}}})
	if err != nil {
		t.Fatalf("policy.NewStatic failed: %v", err)
	}
	tests := []struct {
		name      string
		principal string
		change    func(args map[string]any)
	}{
		{name: "other principal", principal: "agent-2", change: func(map[string]any) {}},
		{name: "other subject", principal: "agent-1", change: func(args map[string]any) {
			args["email_subject"] = "Another subject"
		}},
		{name: "other recipient", principal: "agent-1", change: func(args map[string]any) {
			signer := args["signers"].([]any)[0].(map[string]any)
			signer["email"] = "someone.else@example.org"
		}},
		{name: "forged token", principal: "agent-1", change: func(args map[string]any) {
			token := args["confirmation_token"].(string)
			args["confirmation_token"] = "x" + token[1:]
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, requireApproval(FallbackDeny, ApprovalSend), func(d *Deps) {
				d.Policy = decider
			})
			tools := directTools(t, h.deps)
			issuer := policy.WithPrincipal(context.Background(), "agent-1")
			args := documentsEnvelope(t, "sent")
			first := decodeCreate(t, callDirect(t, issuer, tools, "create_envelope", args))
			args["confirmation_token"] = first.ConfirmationToken
			tt.change(args)
			caller := policy.WithPrincipal(context.Background(), tt.principal)
			body := mustFail(t, callDirect(t, caller, tools, "create_envelope", args))
			if body.Code != CodeConfirmationInvalid {
				t.Errorf("code = %q, want %s", body.Code, CodeConfirmationInvalid)
			}
			if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != 0 {
				t.Errorf("Docusign creates = %d, want 0", n)
			}
		})
	}
}

func TestApprovalTokenExpires(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	h := newHarness(t, requireApproval(FallbackDeny, ApprovalSend), func(d *Deps) {
		d.Now = func() time.Time { return now }
	})
	tools := directTools(t, h.deps)
	args := documentsEnvelope(t, "sent")
	first := decodeCreate(t, callDirect(t, context.Background(), tools, "create_envelope",
		args))
	now = now.Add(DefaultConfirmationTTL)
	args["confirmation_token"] = first.ConfirmationToken
	body := mustFail(t, callDirect(t, context.Background(), tools, "create_envelope", args))
	if body.Code != CodeConfirmationInvalid {
		t.Errorf("expired token: code = %q, want %s", body.Code, CodeConfirmationInvalid)
	}
}

// unanswered is an elicitation handler that never replies, like a host that shows no form.
func unanswered(ctx context.Context, _ mcp.ElicitationRequest) (*mcp.ElicitationResult,
	error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestApprovalFallback(t *testing.T) {
	tests := []struct {
		name       string
		fallback   string
		wantStatus string
		wantCode   string
	}{
		{name: "draft", fallback: FallbackDraft, wantStatus: "created"},
		{name: "deny", fallback: FallbackDeny, wantCode: CodeConfirmationUnavailable},
		{name: "default", wantCode: CodeConfirmationUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, requireApproval(tt.fallback, ApprovalSend), func(d *Deps) {
				d.Options.ApprovalTimeout = 200 * time.Millisecond
			})
			c := h.elicitingClient(t, eraLegacy, unanswered)
			res := callTool(t, c, "create_envelope", documentsEnvelope(t, "sent"))
			if tt.wantCode != "" {
				if body := mustFail(t, res); body.Code != tt.wantCode {
					t.Errorf("code = %q, want %q", body.Code, tt.wantCode)
				}
				if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != 0 {
					t.Errorf("Docusign creates = %d, want 0", n)
				}
				return
			}
			if out := decodeCreate(t, res); out.Status != tt.wantStatus {
				t.Errorf("status = %q, want %q from the fallback", out.Status, tt.wantStatus)
			}
		})
	}
}

func TestApprovalVoid(t *testing.T) {
	tests := []struct {
		name      string
		answer    mcp.ElicitationResponseAction
		wantVoids int
	}{
		{name: "accepted", answer: mcp.ElicitationResponseActionAccept, wantVoids: 1},
		{name: "declined", answer: mcp.ElicitationResponseActionDecline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, requireApproval(FallbackDraft, ApprovalVoid))
			id := createSent(t, directTools(t, h.deps))
			var shown string
			c := h.elicitingClient(t, eraModern, answer(tt.answer,
				map[string]any{"confirm": true}, &shown))
			res := callTool(t, c, "void_envelope", map[string]any{"envelope_id": id,
				"reason": "Wrong recipient"})
			if tt.wantVoids == 0 {
				if body := mustFail(t, res); body.Code != CodeConfirmationDeclined {
					t.Errorf("code = %q, want %s", body.Code, CodeConfirmationDeclined)
				}
			} else {
				var out voidEnvelopeOutput
				mustSucceed(t, res, &out)
			}
			if n := h.sim.Calls()[docusigntest.OpUpdateEnvelope]; n != tt.wantVoids {
				t.Errorf("Docusign updates = %d, want %d", n, tt.wantVoids)
			}
			if !strings.Contains(shown, "Wrong recipient") || !strings.Contains(shown, id) {
				t.Errorf("elicitation message %q lacks the envelope id or reason", shown)
			}
		})
	}
}

func TestApprovalTokenPathLegacyClient(t *testing.T) {
	h := newHarness(t, requireApproval(FallbackDeny, ApprovalSend))
	c := h.elicitingClient(t, eraLegacy, nil)
	out := decodeCreate(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")))
	if out.Status != statusConfirmNeeded || out.ConfirmationToken == "" {
		t.Errorf("result = %+v, want %s with a token for a client without elicitation",
			out, statusConfirmNeeded)
	}
	if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != 0 {
		t.Errorf("Docusign creates = %d, want 0", n)
	}
}

func TestApprovalVoidToken(t *testing.T) {
	h := newHarness(t, requireApproval(FallbackDraft, ApprovalVoid))
	tools := directTools(t, h.deps)
	id := createSent(t, tools)
	c := h.stdioClient(t)
	args := map[string]any{"envelope_id": id, "reason": "Wrong recipient"}
	var first voidEnvelopeOutput
	mustSucceed(t, callTool(t, c, "void_envelope", args), &first)
	if first.Action != statusConfirmNeeded || first.ConfirmationToken == "" {
		t.Fatalf("first void = %+v, want %s with a token", first, statusConfirmNeeded)
	}
	args["reason"] = "Another reason"
	args["confirmation_token"] = first.ConfirmationToken
	if body := mustFail(t, callTool(t, c, "void_envelope", args)); body.Code !=
		CodeConfirmationInvalid {
		t.Errorf("token for another reason: code = %q, want %s", body.Code,
			CodeConfirmationInvalid)
	}
	args["reason"] = "Wrong recipient"
	var second voidEnvelopeOutput
	mustSucceed(t, callTool(t, c, "void_envelope", args), &second)
	if second.Action != "voided" {
		t.Errorf("action = %q, want voided", second.Action)
	}
	if n := h.sim.Calls()[docusigntest.OpUpdateEnvelope]; n != 1 {
		t.Errorf("Docusign updates = %d, want 1", n)
	}
}

// modernContext returns a context like mcp-go builds for a 2026-07-28 request whose client
// advertises elicitation.
func modernContext() context.Context {
	return server.WithRequestProtocolInfo(context.Background(), &server.RequestProtocolInfo{
		Modern: true, ProtocolVersion: "2026-07-28",
		ClientCapabilities: &mcp.ClientCapabilities{
			Elicitation: &mcp.ElicitationCapability{Form: &struct{}{}}},
	})
}

func callRoundTrip(t *testing.T, tools map[string]server.ServerTool, args map[string]any,
	params mcp.MultiRoundTripParams) *mcp.CallToolResult {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name = "create_envelope"
	req.Params.Arguments = args
	req.Params.MultiRoundTripParams = params
	res, err := tools["create_envelope"].Handler(modernContext(), req)
	if err != nil {
		t.Fatalf("create_envelope handler returned an error: %v", err)
	}
	return res
}

func TestApprovalRoundTrip(t *testing.T) {
	accept := mcp.NewElicitationInputResponse(mcp.ElicitationResult{ElicitationResponse: mcp.
		ElicitationResponse{Action: mcp.ElicitationResponseActionAccept,
		Content: map[string]any{"confirm": true}}})
	tests := []struct {
		name        string
		tamper      func(state string) string
		wantCode    string
		wantCreates int
	}{
		{name: "accepted", tamper: func(s string) string { return s }, wantCreates: 1},
		{name: "tampered state", wantCode: CodeConfirmationInvalid,
			tamper: func(s string) string { return s[:len(s)-2] + "AA" }},
		{name: "no state", wantCode: CodeConfirmationInvalid,
			tamper: func(string) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, requireApproval(FallbackDeny, ApprovalSend))
			tools := directTools(t, h.deps)
			args := documentsEnvelope(t, "sent")
			first := callRoundTrip(t, tools, args, mcp.MultiRoundTripParams{})
			if !first.NeedsInput() || first.RequestState == "" {
				t.Fatalf("first result = %+v, want input_required with a request state",
					first)
			}
			if _, ok := first.InputRequests[elicitationConfirm]; !ok {
				t.Fatalf("input requests %v lack %q", first.InputRequests, elicitationConfirm)
			}
			res := callRoundTrip(t, tools, args, mcp.MultiRoundTripParams{
				InputResponses: mcp.InputResponses{elicitationConfirm: accept},
				RequestState:   tt.tamper(first.RequestState)})
			if tt.wantCode != "" {
				if body := mustFail(t, res); body.Code != tt.wantCode {
					t.Errorf("code = %q, want %q", body.Code, tt.wantCode)
				}
			} else if out := decodeCreate(t, res); out.Status != "sent" {
				t.Errorf("status = %q, want sent", out.Status)
			}
			if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != tt.wantCreates {
				t.Errorf("Docusign creates = %d, want %d", n, tt.wantCreates)
			}
		})
	}
}

func TestApprovalRoundTripFallback(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	h := newHarness(t, requireApproval(FallbackDraft, ApprovalSend), func(d *Deps) {
		d.Now = func() time.Time { return now }
	})
	tools := directTools(t, h.deps)
	args := documentsEnvelope(t, "sent")
	first := callRoundTrip(t, tools, args, mcp.MultiRoundTripParams{})
	now = now.Add(DefaultApprovalTimeout)
	accept := mcp.NewElicitationInputResponse(mcp.ElicitationResult{ElicitationResponse: mcp.
		ElicitationResponse{Action: mcp.ElicitationResponseActionAccept,
		Content: map[string]any{"confirm": true}}})
	res := callRoundTrip(t, tools, args, mcp.MultiRoundTripParams{
		InputResponses: mcp.InputResponses{elicitationConfirm: accept},
		RequestState:   first.RequestState})
	if out := decodeCreate(t, res); out.Status != "created" {
		t.Errorf("status = %q, want created: a late answer gets the draft fallback",
			out.Status)
	}
}

func TestApprovalAudited(t *testing.T) {
	h, _ := auditHarness(t)
	h.deps.Policy = nil // the stdio client calls as policy.DefaultPrincipal
	requireApproval(FallbackDeny, ApprovalSend)(&h.deps)
	c := h.elicitingClient(t, eraLegacy, answer(mcp.ElicitationResponseActionDecline, nil,
		nil))
	mustFail(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")))
	recs, err := store.QueryAudit(context.Background(), h.store,
		store.AuditQuery{Kind: AuditApproval})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	if len(recs) != 1 {
		t.Fatalf("approval records = %+v, want 1", recs)
	}
	if recs[0].Action != channelElicitation || recs[0].Outcome != "decline" {
		t.Errorf("record channel, answer = %q, %q, want %s, decline", recs[0].Action,
			recs[0].Outcome, channelElicitation)
	}
	raw, _ := json.Marshal(recs[0])
	if strings.Contains(string(raw), "@") {
		t.Errorf("approval record carries an email address: %s", raw)
	}
}

// httpElicitingClient serves the tools over streamable HTTP on loopback to a client that
// advertises elicitation, replies through answerer and uses the protocol version era.
func (h *harness) httpElicitingClient(t *testing.T, era string,
	answerer elicitationFunc) *client.Client {
	t.Helper()
	s := server.NewMCPServer("docusign-mcp-test", "0.0.0", server.WithOutputSchemaValidation())
	if err := Register(s, h.deps); err != nil {
		t.Fatalf("Register failed: %v", err)
	}
	ts := servertest.NewTestStreamableHTTPServer(s)
	t.Cleanup(ts.Close)
	trans, err := transport.NewStreamableHTTP(ts.URL + "/mcp")
	if err != nil {
		t.Fatalf("NewStreamableHTTP failed: %v", err)
	}
	c := client.NewClient(trans, client.WithElicitationHandler(answerer),
		client.WithProtocolVersion(era))
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("starting the HTTP client failed: %v", err)
	}
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = era
	init.Params.ClientInfo = mcp.Implementation{Name: "approval-test", Version: "0"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("Initialize over HTTP failed: %v", err)
	}
	return c
}

func TestApprovalOverHTTP(t *testing.T) {
	tests := []struct {
		name        string
		action      mcp.ElicitationResponseAction
		wantCreates int
	}{
		{name: "declined", action: mcp.ElicitationResponseActionDecline},
		{name: "accepted", action: mcp.ElicitationResponseActionAccept, wantCreates: 1},
	}
	for _, era := range eras {
		for _, tt := range tests {
			t.Run(era+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, requireApproval(FallbackDeny, ApprovalSend))
				c := h.httpElicitingClient(t, era, answer(tt.action,
					map[string]any{"confirm": true}, nil))
				res := callTool(t, c, "create_envelope", documentsEnvelope(t, "sent"))
				if tt.wantCreates == 0 {
					if body := mustFail(t, res); body.Code != CodeConfirmationDeclined {
						t.Errorf("code = %q, want %s", body.Code, CodeConfirmationDeclined)
					}
				} else if out := decodeCreate(t, res); out.Status != "sent" {
					t.Errorf("status = %q, want sent", out.Status)
				}
				if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != tt.wantCreates {
					t.Errorf("Docusign creates = %d, want %d", n, tt.wantCreates)
				}
			})
		}
	}
}

func TestApprovalFromPolicyScope(t *testing.T) {
	file, err := policy.ParseFile([]byte(`{"principals": {"local": {"tools": ["*"],
		"require_approval": ["void"]}}}`))
	if err != nil {
		t.Fatalf("policy.ParseFile failed: %v", err)
	}
	h := newHarness(t, func(d *Deps) { d.Policy = policy.NewEngine(file, "") })
	tools := directTools(t, h.deps)
	id := createSent(t, tools)
	res := callDirect(t, context.Background(), tools, "void_envelope",
		map[string]any{"envelope_id": id, "reason": "Wrong recipient"})
	var out voidEnvelopeOutput
	mustSucceed(t, res, &out)
	if out.Action != statusConfirmNeeded {
		t.Errorf("action = %q, want %s from the policy file's require_approval", out.Action,
			statusConfirmNeeded)
	}
	if n := h.sim.Calls()[docusigntest.OpUpdateEnvelope]; n != 0 {
		t.Errorf("Docusign updates = %d, want 0", n)
	}
}
