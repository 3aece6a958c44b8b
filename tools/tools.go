// Package tools defines the MCP tools that drive Docusign eSignature: their schemas,
// input validation, policy check, Docusign calls and results.
package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
)

type (
	serverTool = server.ServerTool
	content    = mcp.Content
)

// Options configures optional tool behaviour.
type Options struct {
	// ExportDir, when set, receives a plaintext copy of every downloaded document. Empty keeps
	// documents only in the encrypted store.
	ExportDir string
	// ReadOnly leaves out the tools that change Docusign state: create_envelope,
	// void_envelope and resend_envelope.
	ReadOnly bool
	// StatusMaxAge is how long a stored status that is not final answers
	// get_envelope_status. 0 means DefaultStatusMaxAge, and a negative value reads every
	// such status from Docusign.
	StatusMaxAge time.Duration
	// RefreshMinInterval is how long after a Docusign read get_envelope_status ignores
	// refresh. 0 means DefaultRefreshMinInterval.
	RefreshMinInterval time.Duration
	// AccountBudget sets the limiter that keeps this server's Docusign calls within the
	// account's hourly and burst limits, minus a reserve for other integrations.
	AccountBudget AccountBudgetOptions
	// IdempotencyWindow is how long create_envelope replays the result of a derived
	// idempotency key. 0 means DefaultIdempotencyWindow.
	IdempotencyWindow time.Duration
	// CallBudget is how long a call may run before it returns. A read that runs out fails
	// with a retryable error, but a write goes on in the background and the call returns a
	// pending result. 0 means DefaultCallBudget, and the max is MaxCallBudget.
	CallBudget time.Duration
	// ExtraSubscriptions are resource URIs outside the envelope resources that clients may
	// subscribe to, such as the conformance suite's fixture resource. Their updates are the
	// registering code's job.
	ExtraSubscriptions []string
	// CreateSettle is how long create_envelope waits after a create with an unknown outcome
	// before it lists the envelopes that carry the key, because a request that timed out may
	// still create the envelope. 0 means DefaultCreateSettle, and a negative value no wait.
	CreateSettle time.Duration
	// ResultBudget is the max size in bytes of a result's JSON text. List tools stop at the
	// last whole item that fits and return a cursor, and other results over it fail with
	// too_large. 0 means DefaultResultBudget, and the min is MinResultBudget.
	ResultBudget int
	// ApprovalTimeout is how long a call waits for a person to answer an approval request.
	// 0 means DefaultApprovalTimeout.
	ApprovalTimeout time.Duration
	// ConfirmationTTL is how long a confirmation token stays valid. 0 means
	// DefaultConfirmationTTL.
	ConfirmationTTL time.Duration
}

// Deps are the tools' dependencies.
type Deps struct {
	Docusign Docusign
	Store    DocumentStore
	// controls are the cadence and budget ledgers, which withDefaults creates.
	controls *controls
	// Envelopes keeps envelope states for get_envelope_status. Nil reads every status from
	// Docusign.
	Envelopes EnvelopeCache
	// Audit receives one record per tool call. Nil records nothing.
	Audit AuditSink
	// Policy decides on every call. Nil allows every call of policy.DefaultPrincipal only.
	Policy policy.Decider
	// Approval names the actions that need a person's confirmation, per principal. Nil
	// reads them from the policy.Scope that Policy knows (policy.ScopeOf).
	Approval ApprovalPolicy
	Logger   *slog.Logger
	Options  Options
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	confirm *confirmer
	// snapshots are the decoded snapshots of the envelope states, which withDefaults
	// creates.
	snapshots *snapshotCache
	// waits are the running wait_for_envelope calls by session, which Register ends when
	// their session closes.
	waits *waitSessions
}

// toolSpec defines one tool. In is its input type and Out its structured output type, and
// both schemas are reflected from them.
type toolSpec[In, Out any] struct {
	name        string
	description string
	readOnly    bool
	destructive bool
	idempotent  bool
	// write marks a call that changes Docusign state. It runs on a context that the client's
	// cancellation does not stop, so a cancel cannot abandon a request Docusign may apply.
	write bool
	// selfTimed marks a tool that bounds its own run time, such as a wait, so the call budget
	// does not cut it short.
	selfTimed bool
	// validate checks the decoded input. Nil means decoding is the only check.
	validate func(in *In) *ToolError
	// envelopeID returns the envelope the call acts on, for the policy request and logs.
	envelopeID func(in *In) string
	// sender returns the Docusign user id the call acts for, empty for the configured
	// user. Nil means the tool always acts for the configured user.
	sender func(in *In) string
	// policyDetails returns the call's details for a second policy decision after parsing,
	// such as recipients and template. Nil means the first decision, on the name, suffices.
	policyDetails func(in *In) policy.Request
	// approve asks for a person's confirmation before run, when the policy requires it. A
	// non-nil result is returned instead of acting. It may change in, as the draft
	// fallback does. Nil means the tool needs no approval.
	approve func(ctx context.Context, call mcp.CallToolRequest, in *In) (
		*mcp.CallToolResult, *ToolError)
	// run calls Docusign and shapes the output. extra content follows the JSON text item.
	run func(ctx context.Context, in *In) (out Out, extra []mcp.Content, err *ToolError)
	// pending returns the result of a write that outlived the call budget and goes on in the
	// background, or false when there is none. Nil means the call fails with in_progress.
	pending func(ctx context.Context, in *In) (out Out, ok bool)
}

// inventory lists every tool. changesDocusign marks the tools that Options.ReadOnly leaves out.
var inventory = []struct {
	build           func(*Deps) (server.ServerTool, error)
	changesDocusign bool
}{
	{build: newCreateEnvelope, changesDocusign: true},
	{build: newPreviewEnvelope},
	{build: newGetEnvelopeStatus},
	{build: newListEnvelopes},
	{build: newVoidEnvelope, changesDocusign: true},
	{build: newResendEnvelope, changesDocusign: true},
	{build: newListEnvelopeDocuments},
	{build: newDownloadDocument},
	{build: newListTemplates},
	{build: newGetTemplate},
	{build: newListRoutingProfiles},
	{build: newWaitForEnvelope},
}

// Tools returns the tools bound to deps, in a fixed order: all of the inventory, or those
// that do not change Docusign state when deps.Options.ReadOnly is set.
func Tools(deps Deps) ([]server.ServerTool, error) {
	d, err := prepare(deps)
	if err != nil {
		return nil, err
	}
	return buildTools(d)
}

// prepare checks deps and fills in the defaults and the state that the tools share.
func prepare(deps Deps) (*Deps, error) {
	if err := checkOptions(deps.Options); err != nil {
		return nil, err
	}
	d := deps.withDefaults()
	confirm, err := newConfirmer()
	if err != nil {
		return nil, err
	}
	d.confirm = confirm
	d.waits = &waitSessions{}
	if d.Approval == nil {
		d.Approval = scopeApproval{decider: deps.Policy}
	}
	return d, nil
}

func buildTools(d *Deps) ([]server.ServerTool, error) {
	tools := make([]server.ServerTool, 0, len(inventory))
	for _, entry := range inventory {
		if entry.changesDocusign && d.Options.ReadOnly {
			continue
		}
		tool, err := entry.build(d)
		if err != nil {
			return nil, err
		}
		tools = append(tools, tool)
	}
	return tools, nil
}

// Register adds the tools, the document resource template and the envelope resource template
// to s, and declares resource subscriptions when deps.Envelopes reports changes. Do not add
// server.WithInputSchemaValidation to s: it would reject bad input before the tools do, with
// messages that name no field and no fix.
func Register(s *server.MCPServer, deps Deps) error {
	d, err := prepare(deps)
	if err != nil {
		return err
	}
	tools, err := buildTools(d)
	if err != nil {
		return err
	}
	s.AddTools(tools...)
	s.AddResourceTemplates(DocumentResourceTemplate(deps))
	s.AddResources(RoutingProfilesResource(deps))
	registerEnvelopeResource(s, d)
	return nil
}

func (d Deps) withDefaults() *Deps {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Policy == nil {
		local, _ := policy.NewStatic(policy.LocalConfig())
		d.Policy = local
	}
	d.Policy = notingDecider{next: d.Policy}
	d.controls = newControls(d.Options, eventsFor(d.Store), d.Now)
	d.snapshots = newSnapshotCache()
	d.Docusign = withBudget(d.Docusign, d.controls.budget)
	return &d
}

func buildTool[In, Out any](d *Deps, spec toolSpec[In, Out]) (server.ServerTool, error) {
	input, output, err := schemasOf[In, Out]()
	if err != nil {
		return server.ServerTool{}, fmt.Errorf("tool %s %w", spec.name, err)
	}
	tool := mcp.NewToolWithRawSchema(spec.name, spec.description, input)
	mcp.WithRawOutputSchema(output)(&tool)
	mcp.WithToolAnnotation(mcp.ToolAnnotation{
		ReadOnlyHint:    mcp.ToBoolPtr(spec.readOnly),
		DestructiveHint: mcp.ToBoolPtr(spec.destructive),
		IdempotentHint:  mcp.ToBoolPtr(spec.idempotent),
		OpenWorldHint:   mcp.ToBoolPtr(true),
	})(&tool)
	return server.ServerTool{Tool: tool, Handler: d.auditedRouting(spec.name,
		spec.handler(d))}, nil
}

// handler runs the four steps of a call: parse, decide, act and shape. Every expected failure
// becomes an isError result. A Go error would reach the client as a JSON-RPC protocol error.
func (spec toolSpec[In, Out]) handler(d *Deps) server.ToolHandlerFunc {
	inputs := newInputMemo[In]()
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := d.Now()
		// The policy decides before the arguments are checked, so a denied caller learns
		// nothing about the tool's input rules.
		envelopeID := argumentEnvelopeID(req)
		terr := d.decide(ctx, spec.name, spec.readOnly, envelopeID)
		var in *In
		if terr == nil {
			in, terr = spec.parse(req, inputs)
		}
		if terr == nil && spec.envelopeID != nil {
			envelopeID = spec.envelopeID(in)
		}
		if terr == nil && spec.sender != nil && spec.sender(in) != "" {
			ctx = docusign.WithUser(ctx, spec.sender(in))
		}
		if terr == nil && spec.policyDetails != nil {
			terr = d.decideDetails(ctx, spec.name, spec.readOnly, envelopeID,
				spec.policyDetails(in))
		}
		var result *mcp.CallToolResult
		if terr == nil && spec.approve != nil {
			result, terr = spec.approve(ctx, req, in)
		}
		if terr == nil && result == nil {
			result, terr = spec.act(ctx, d, in)
		}
		d.logCall(ctx, spec.name, envelopeID, start, terr)
		if terr != nil {
			return terr.result(), nil
		}
		return result, nil
	}
}

func (spec toolSpec[In, Out]) parse(req mcp.CallToolRequest, inputs *inputMemo[In]) (*In,
	*ToolError) {
	raw, err := rawArguments(req)
	if err != nil {
		return nil, invalidArgument("arguments", "arguments could not be read: %v", err)
	}
	in, terr := inputs.decode(raw)
	if terr != nil {
		return nil, terr
	}
	if spec.validate != nil {
		if terr := spec.validate(in); terr != nil {
			return nil, terr
		}
	}
	return in, nil
}

func rawArguments(req mcp.CallToolRequest) ([]byte, error) {
	switch args := req.GetRawArguments().(type) {
	case json.RawMessage:
		return args, nil
	case nil:
		return nil, nil
	default:
		return json.Marshal(args)
	}
}

func (spec toolSpec[In, Out]) act(ctx context.Context, d *Deps, in *In) (*mcp.CallToolResult,
	*ToolError) {
	var out Out
	var extra []mcp.Content
	var terr *ToolError
	ctx, spent := withSpendNote(ctx)
	switch {
	case spec.write:
		out, extra, terr = spec.runWrite(ctx, d, in)
	case spec.selfTimed:
		out, extra, terr = spec.run(ctx, in)
	default:
		readCtx, cancel := context.WithTimeout(ctx, d.callBudget())
		out, extra, terr = spec.run(readCtx, in)
		cancel()
	}
	if terr != nil {
		return nil, terr
	}
	raw, err := json.Marshal(out)
	if err == nil {
		raw, err = d.finishOutput(ctx, raw, spent)
	}
	if err != nil {
		return nil, &ToolError{Code: CodeInternal, Message: "failed to encode the result",
			cause: err}
	}
	if len(raw) > d.resultBudget() {
		return nil, &ToolError{Code: CodeTooLarge, Message: fmt.Sprintf("the result is %d "+
			"bytes, over this server's %d-byte result budget", len(raw), d.resultBudget()),
			NextStep: "ask the server operator to raise the result budget"}
	}
	content := append([]mcp.Content{mcp.NewTextContent(string(raw))}, extra...)
	return &mcp.CallToolResult{Content: content, StructuredContent: json.RawMessage(raw)}, nil
}

func (d *Deps) decide(ctx context.Context, tool string, readOnly bool,
	envelopeID string) *ToolError {
	req := policy.Request{Principal: policy.PrincipalFrom(ctx), Tool: tool, ReadOnly: readOnly,
		EnvelopeID: envelopeID}
	decision, err := d.Policy.Decide(ctx, req)
	if err != nil {
		return &ToolError{Code: CodePolicyDenied, Retryable: true, cause: err,
			Message:  "the policy check failed, so the call was not made",
			NextStep: "call again; if it keeps failing, tell the server operator"}
	}
	if !decision.Allow {
		return policyDenied(tool, decision)
	}
	return nil
}

// logCall logs one line per call. It never logs arguments, because they carry signer names
// and email addresses.
func (d *Deps) logCall(ctx context.Context, tool, envelopeID string, start time.Time,
	terr *ToolError) {
	level := slog.LevelInfo
	if terr != nil {
		level = slog.LevelWarn
	}
	if !d.Logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("tool", tool),
		slog.String("principal", policy.PrincipalFrom(ctx)),
		slog.Int64("duration_ms", d.Now().Sub(start).Milliseconds()),
	}
	if envelopeID != "" {
		attrs = append(attrs, slog.String("envelope_id", envelopeID))
	}
	if terr == nil {
		d.Logger.LogAttrs(ctx, level, "tool call succeeded", attrs...)
		return
	}
	attrs = append(attrs, slog.String("code", terr.Code))
	if terr.Field != "" {
		attrs = append(attrs, slog.String("field", terr.Field))
	}
	if terr.TraceToken != "" {
		attrs = append(attrs, slog.String("trace_token", terr.TraceToken))
	}
	if terr.cause != nil {
		attrs = append(attrs, slog.String("error", maskEmails(terr.cause.Error())))
	}
	d.Logger.LogAttrs(ctx, level, "tool call failed", attrs...)
}

// isEmptyJSON reports whether raw holds no arguments at all.
func isEmptyJSON(raw []byte) bool {
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null"))
}
