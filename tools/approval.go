package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// Actions that a principal's scope can put under approval.
const (
	ApprovalSend = policy.ActionSend
	ApprovalVoid = policy.ActionVoid
)

// Fallbacks when no person could be asked in time.
const (
	// FallbackDeny fails the call with confirmation_unavailable. It is the default.
	FallbackDeny = policy.FallbackDeny
	// FallbackDraft creates a send as a draft, for a person to send from Docusign. A void
	// has no draft form, so it is denied.
	FallbackDraft = policy.FallbackDraft
)

// Error codes of approval.
const (
	// CodeConfirmationDeclined means the person asked did not approve, so nothing was done.
	CodeConfirmationDeclined = "confirmation_declined"
	// CodeConfirmationUnavailable means no person could be asked in time, so nothing was done.
	CodeConfirmationUnavailable = "confirmation_unavailable"
	// CodeConfirmationInvalid means a confirmation_token or request state was rejected.
	CodeConfirmationInvalid = "confirmation_invalid"
)

// DefaultApprovalTimeout is how long the server waits for the response to an elicitation. It stays under DefaultCallBudget, because MCP clients time out a call after
// 60 seconds by default.
const DefaultApprovalTimeout = 30 * time.Second

// AuditApproval is the kind of the audit records of each approval step.
const AuditApproval = "approval"

// Approval channels and responses, as the audit log records them.
const (
	channelElicitation  = "elicitation"
	channelToken        = "token"
	channelFallback     = "fallback"
	answerAccept        = "accept"
	answerIssued        = "token_issued"
	answerAsked         = "asked"
	answerTimeout       = "timeout"
	answerNotConfirmed  = "accept_without_confirm"
	answerInvalid       = "invalid"
	elicitationConfirm  = "confirm"
	statusConfirmNeeded = "confirmation_required"
)

// ApprovalScope is the approval part of a principal's policy scope.
type ApprovalScope struct {
	// RequireApproval lists the actions that need a person's confirmation: ApprovalSend,
	// ApprovalVoid.
	RequireApproval []string
	// Fallback is FallbackDeny or FallbackDraft. Empty means FallbackDeny.
	Fallback string
}

// ApprovalPolicy returns the approval scope of a principal. An error fails the call as a
// policy denial.
type ApprovalPolicy interface {
	ApprovalScope(ctx context.Context, principal string) (ApprovalScope, error)
}

// ApprovalPolicyFunc adapts a function to ApprovalPolicy.
type ApprovalPolicyFunc func(ctx context.Context, principal string) (ApprovalScope, error)

// ApprovalScope calls f.
func (f ApprovalPolicyFunc) ApprovalScope(ctx context.Context, principal string) (
	ApprovalScope, error) {
	return f(ctx, principal)
}

// scopeApproval reads the approval scope from the policy.Scope that a Decider stores.
type scopeApproval struct{ decider policy.Decider }

// ApprovalScope returns the RequireApproval and ApprovalFallback of principal's scope.
func (s scopeApproval) ApprovalScope(ctx context.Context, principal string) (ApprovalScope,
	error) {
	scope := policy.ScopeOf(policy.WithPrincipal(ctx, principal), s.decider)
	return ApprovalScope{RequireApproval: scope.RequireApproval,
		Fallback: scope.ApprovalFallback}, nil
}

// approvalRequest is one action that may need a person's confirmation.
type approvalRequest struct {
	tool        string
	action      string
	envelopeID  string
	requestHash string
	// token is the caller's confirmation_token, or empty.
	token string
	// message is shown to the person asked. It names the recipients, so it is never logged.
	message string
	// label is the title of the elicitation's confirm checkbox.
	label string
}

// approval is the outcome of approve when the call may go on or must return early.
type approval struct {
	// draft means the fallback turned a send into a draft.
	draft bool
	// token and expires are set when the caller must confirm with a second call.
	token   string
	expires time.Time
	// input is a multi round-trip result that requests the person's response.
	input *mcp.CallToolResult
}

// done reports whether the call must return without acting.
func (a approval) done() bool { return a.token != "" || a.input != nil }

// approve decides whether ar may run now. It returns the zero approval when no confirmation
// is needed or a valid one came with the call.
func (d *Deps) approve(ctx context.Context, call mcp.CallToolRequest,
	ar approvalRequest) (approval, *ToolError) {
	principal := policy.PrincipalFrom(ctx)
	scope, required, terr := d.approvalScope(ctx, principal, ar.action)
	if terr != nil || !required {
		return approval{}, terr
	}
	now := d.Now()
	want := newClaims(principal, ar.action, ar.requestHash, now)
	if ar.token != "" {
		return approval{}, d.redeemToken(ctx, ar, want, now)
	}
	answer := server.ElicitationResponse(call.Params.InputResponses, elicitationConfirm)
	if answer != nil || call.Params.RequestState != "" {
		return d.resumeElicitation(ctx, ar, scope, call.Params.RequestState, answer, want)
	}
	if !elicitationSupported(ctx) {
		return d.issueToken(ctx, ar, want, now), nil
	}
	if server.IsModernRequest(ctx) {
		return d.askByRoundTrip(ctx, ar, want, now), nil
	}
	return d.askBySession(ctx, ar, scope)
}

func (d *Deps) approvalScope(ctx context.Context, principal, action string) (ApprovalScope,
	bool, *ToolError) {
	if d.Approval == nil {
		return ApprovalScope{}, false, nil
	}
	scope, err := d.Approval.ApprovalScope(ctx, principal)
	if err != nil {
		return ApprovalScope{}, false, &ToolError{Code: CodePolicyDenied, Retryable: true,
			cause: err, Message: "the approval policy check failed, so nothing was done",
			NextStep: "call again; if it keeps failing, tell the server operator"}
	}
	return scope, slices.Contains(scope.RequireApproval, action), nil
}

func (d *Deps) redeemToken(ctx context.Context, ar approvalRequest, want confirmationClaims,
	now time.Time) *ToolError {
	if err := d.confirm.redeem(ar.token, want, now); err != nil {
		d.auditApproval(ctx, ar, channelToken, answerInvalid)
		return &ToolError{Code: CodeConfirmationInvalid, Field: "confirmation_token",
			cause: err, Message: "confirmation_token is invalid, expired, already used, or " +
				"was issued for another call or caller, so nothing was done",
			NextStep: "call again without confirmation_token to get a new one, with " +
				"exactly the arguments to confirm"}
	}
	d.auditApproval(ctx, ar, channelToken, answerAccept)
	return nil
}

func (d *Deps) issueToken(ctx context.Context, ar approvalRequest, want confirmationClaims,
	now time.Time) approval {
	expires := now.Add(d.confirmationTTL())
	want.Expires = expires.Unix()
	d.auditApproval(ctx, ar, channelToken, answerIssued)
	return approval{token: d.confirm.issue(want), expires: expires}
}

// askByRoundTrip returns an input_required result for a 2026-07-28 client. The client asks
// the person and calls again with the response and the sealed state, which binds the
// response to this call and expires after the approval timeout.
func (d *Deps) askByRoundTrip(ctx context.Context, ar approvalRequest,
	want confirmationClaims, now time.Time) approval {
	want.Expires = now.Add(d.approvalTimeout()).Unix()
	d.auditApproval(ctx, ar, channelElicitation, answerAsked)
	result := server.NewInputRequestBuilder(d.confirm.seal(want)).
		Elicit(elicitationConfirm, elicitationParams(ar)).ToolResult()
	return approval{input: result}
}

// askBySession sends elicitation/create to a client of an earlier protocol version and waits
// at most the approval timeout. It does not return an input_required result for mcp-go to
// bridge, because mcp-go v1.2.1 waits for the response without a deadline and turns a failed
// request into a JSON-RPC error instead of a tool result.
func (d *Deps) askBySession(ctx context.Context, ar approvalRequest,
	scope ApprovalScope) (approval, *ToolError) {
	// NOTE: the call budget of the Docusign write starts after this wait, so an approved
	// call can run for ApprovalTimeout plus CallBudget, past a client's 60-second timeout.
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return d.fallback(ctx, ar, scope, "the server could not reach the client")
	}
	askCtx, cancel := context.WithTimeout(ctx, d.approvalTimeout())
	defer cancel()
	res, err := srv.RequestElicitation(askCtx, mcp.ElicitationRequest{
		Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)},
		Params:  elicitationParams(ar),
	})
	if err != nil || res == nil {
		d.Logger.WarnContext(ctx, "asking for approval failed", "tool", ar.tool,
			"principal", policy.PrincipalFrom(ctx), "error", err)
		reason := fmt.Sprintf("no answer came within %s", d.approvalTimeout())
		if ctx.Err() == nil && askCtx.Err() == nil {
			reason = "the client could not ask for approval"
		}
		return d.fallback(ctx, ar, scope, reason)
	}
	return approval{}, d.judgeAnswer(ctx, ar, res)
}

// resumeElicitation checks the response of a 2026-07-28 client against the sealed state. A
// response after the state expired counts as no response, so the fallback applies.
func (d *Deps) resumeElicitation(ctx context.Context, ar approvalRequest, scope ApprovalScope,
	state string, answer *mcp.ElicitationResult, want confirmationClaims) (approval,
	*ToolError) {
	err := d.confirm.open(state, want, d.Now())
	if errors.Is(err, errExpired) {
		return d.fallback(ctx, ar, scope, fmt.Sprintf("no answer came within %s",
			d.approvalTimeout()))
	}
	if err != nil {
		d.auditApproval(ctx, ar, channelElicitation, answerInvalid)
		return approval{}, &ToolError{Code: CodeConfirmationInvalid, cause: err,
			Message: "the approval answer does not match this call, came too late or was " +
				"already used, so nothing was done",
			NextStep: "call again with the same arguments to ask again"}
	}
	if answer == nil {
		return d.fallback(ctx, ar, scope, "the client sent no answer")
	}
	return approval{}, d.judgeAnswer(ctx, ar, answer)
}

// judgeAnswer accepts only an explicit accept whose content sets confirm to true.
func (d *Deps) judgeAnswer(ctx context.Context, ar approvalRequest,
	res *mcp.ElicitationResult) *ToolError {
	if res.Action == mcp.ElicitationResponseActionAccept && confirmed(res.Content) {
		d.auditApproval(ctx, ar, channelElicitation, answerAccept)
		return nil
	}
	answer := string(res.Action)
	if res.Action == mcp.ElicitationResponseActionAccept {
		answer = answerNotConfirmed
	}
	d.auditApproval(ctx, ar, channelElicitation, answer)
	return &ToolError{Code: CodeConfirmationDeclined,
		Message: fmt.Sprintf("the approval request was answered %s, so nothing was done",
			answer),
		NextStep: "do not repeat the call unless the user asks for it again"}
}

// confirmed reports whether content is an object whose confirm is the boolean true.
func confirmed(content any) bool {
	var body struct {
		Confirm *bool `json:"confirm"`
	}
	raw, err := json.Marshal(content)
	if err != nil || json.Unmarshal(raw, &body) != nil {
		return false
	}
	return body.Confirm != nil && *body.Confirm
}

// fallback applies the scope's fallback when no person responded.
func (d *Deps) fallback(ctx context.Context, ar approvalRequest, scope ApprovalScope,
	reason string) (approval, *ToolError) {
	if scope.Fallback == FallbackDraft && ar.action == ApprovalSend {
		d.auditApproval(ctx, ar, channelFallback, FallbackDraft)
		return approval{draft: true}, nil
	}
	d.auditApproval(ctx, ar, channelFallback, FallbackDeny)
	return approval{}, &ToolError{Code: CodeConfirmationUnavailable,
		Message: "this action needs a person's approval and " + reason +
			", so nothing was done",
		NextStep: "ask the user to approve in their MCP client and call again, or to " +
			"act in Docusign directly"}
}

// elicitationSupported reports whether the client advertised form-mode elicitation, for
// this request (2026-07-28) or at initialize (earlier versions). An empty elicitation
// capability means form mode.
func elicitationSupported(ctx context.Context) bool {
	var caps *mcp.ElicitationCapability
	info := server.RequestProtocolInfoFromContext(ctx)
	session, hasInfo := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
	switch {
	case info != nil && info.Modern:
		if info.ClientCapabilities != nil {
			caps = info.ClientCapabilities.Elicitation
		}
	case hasInfo:
		caps = session.GetClientCapabilities().Elicitation
	}
	return caps != nil && (caps.Form != nil || caps.URL == nil)
}

func elicitationParams(ar approvalRequest) mcp.ElicitationParams {
	return mcp.ElicitationParams{
		Mode:    mcp.ElicitationModeForm,
		Message: ar.message,
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				elicitationConfirm: map[string]any{
					"type":        "boolean",
					"title":       ar.label,
					"description": "Check to approve. Leave unchecked or decline to stop.",
				},
			},
			"required": []string{elicitationConfirm},
		},
	}
}

// auditApproval records the approval channel and response. The record names no recipient.
func (d *Deps) auditApproval(ctx context.Context, ar approvalRequest, channel, answer string) {
	principal := policy.PrincipalFrom(ctx)
	d.Logger.LogAttrs(ctx, slog.LevelInfo, "approval", slog.String("tool", ar.tool),
		slog.String("principal", principal), slog.String("envelope_id", ar.envelopeID),
		slog.String("channel", channel), slog.String("answer", answer))
	if d.Audit == nil {
		return
	}
	rec := store.AuditRecord{Time: d.Now(), Kind: AuditApproval, Caller: principal,
		Tool: ar.tool, EnvelopeID: ar.envelopeID, Action: channel, Outcome: answer}
	if _, err := d.Audit.Append(rec); err != nil {
		d.Logger.Error("appending an approval to the audit log failed", "tool", ar.tool,
			"principal", principal, "err", err)
	}
}

func (d *Deps) approvalTimeout() time.Duration {
	if d.Options.ApprovalTimeout > 0 {
		return d.Options.ApprovalTimeout
	}
	return DefaultApprovalTimeout
}

func (d *Deps) confirmationTTL() time.Duration {
	if d.Options.ConfirmationTTL > 0 {
		return d.Options.ConfirmationTTL
	}
	return DefaultConfirmationTTL
}

// structuredResult shapes out as a success result, like act does for a tool's output.
func structuredResult(d *Deps, out any) (*mcp.CallToolResult, *ToolError) {
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, &ToolError{Code: CodeInternal, Message: "failed to encode the result",
			cause: err}
	}
	if len(raw) > d.resultBudget() {
		return nil, &ToolError{Code: CodeTooLarge, Message: fmt.Sprintf("the result is %d "+
			"bytes, over this server's %d-byte result budget", len(raw), d.resultBudget()),
			NextStep: "ask the server operator to raise the result budget"}
	}
	return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(string(raw))},
		StructuredContent: json.RawMessage(raw)}, nil
}
