package tools

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// AuditSink appends records to the audit log. *store.AuditLog implements it.
type AuditSink interface {
	Append(rec store.AuditRecord) (store.AuditRecord, error)
}

var _ AuditSink = (*store.AuditLog)(nil)

// batchedAuditSink is an AuditSink that can also append without waiting for the disk sync,
// for the records of reads. *store.AuditLog implements it.
type batchedAuditSink interface {
	AppendBatched(rec store.AuditRecord) (store.AuditRecord, error)
}

var _ batchedAuditSink = (*store.AuditLog)(nil)

// appendAudit appends rec to sink, through AppendBatched when read is set and sink has it,
// so that read-only calls wait for neither the Badger commit nor the disk sync.
func appendAudit(sink AuditSink, rec store.AuditRecord, read bool) (store.AuditRecord, error) {
	if batched, ok := sink.(batchedAuditSink); ok && read {
		return batched.AppendBatched(rec)
	}
	return sink.Append(rec)
}

// redacted replaces personal data in the arguments before they are digested.
const redacted = "redacted"

// NewAuditObserver returns a docusign.Observer that appends one record per Docusign request
// to sink, attributed through the request's docusign.CallTag. The records of GET requests
// are batched (see store.AuditLog.AppendBatched), the others synced. A failed append is
// logged at error level, because the observer cannot fail the request.
func NewAuditObserver(sink AuditSink, logger *slog.Logger) docusign.Observer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return docusign.ObserverFunc(func(rec docusign.CallRecord) {
		_, err := appendAudit(sink, store.AuditRecord{
			Kind:          store.AuditDocusignCall,
			Caller:        rec.Tag.Caller,
			Tool:          rec.Tag.Tool,
			EnvelopeID:    rec.EnvelopeID,
			Operation:     rec.Operation,
			Action:        rec.Action,
			Method:        rec.Method,
			PathTemplate:  rec.PathTemplate,
			StatusCode:    rec.StatusCode,
			ErrorCode:     rec.ErrorCode,
			TraceToken:    rec.TraceToken,
			LatencyMicros: rec.Latency.Microseconds(),
			Attempt:       rec.Attempt,
		}, rec.Method == http.MethodGet)
		if err != nil {
			logger.Error("appending a Docusign call to the audit log failed",
				"operation", rec.Operation, "envelope_id", rec.EnvelopeID, "err", err)
		}
	})
}

// decisionNote carries a tool call's policy decision from the Decider to the audit record.
type decisionNote struct {
	decision string
	rule     string
	// code is the decision's reason code, or the rule of a cadence or budget denial.
	code string
	// readOnly is the ReadOnly flag of the decided request: the tool is annotated
	// read-only, so its record need not wait for a disk sync.
	readOnly bool
}

type decisionNoteKey struct{}

// notingDecider passes each decision to the decisionNote in the context, if any.
type notingDecider struct{ next policy.Decider }

// Decide calls the wrapped Decider and notes its outcome.
func (n notingDecider) Decide(ctx context.Context, req policy.Request) (policy.Decision,
	error) {
	decision, err := n.next.Decide(ctx, req)
	if note, ok := ctx.Value(decisionNoteKey{}).(*decisionNote); ok {
		switch {
		case err != nil:
			note.decision = store.DecisionError
		case decision.Allow:
			note.decision = store.DecisionAllow
		default:
			note.decision = store.DecisionDeny
		}
		note.rule, note.code = decision.Rule, decision.Code
		note.readOnly = req.ReadOnly
	}
	return decision, err
}

// audited wraps a tool's handler so that its Docusign calls carry the caller and tool, its
// outcome feeds the envelope state, and one tool call record reaches the audit log.
func (d *Deps) audited(tool string, next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		caller := policy.PrincipalFrom(ctx)
		ctx = docusign.WithCallTag(ctx, docusign.CallTag{Caller: caller, Tool: tool})
		note := &decisionNote{}
		ctx = context.WithValue(ctx, decisionNoteKey{}, note)
		result, err := next(ctx, req)
		structured := successContent(result)
		d.noteEnvelopeResult(ctx, tool, structured)
		if d.Audit == nil {
			return result, err
		}
		raw, _ := rawArguments(req)
		rec := store.AuditRecord{
			Time: d.Now(), Kind: store.AuditToolCall, Caller: caller, Tool: tool,
			EnvelopeID: envelopeIDOf(raw, structured), ArgsDigest: argumentsDigest(raw),
			Decision: note.decision, PolicyRule: note.rule, Code: note.code,
			Outcome: outcome(result, err),
		}
		if _, appendErr := appendAudit(d.Audit, rec, note.readOnly); appendErr != nil {
			d.Logger.Error("appending a tool call to the audit log failed", "tool", tool,
				"principal", caller, "err", appendErr)
		}
		return result, err
	}
}

// successContent returns the structured content of a successful result, or nil.
func successContent(result *mcp.CallToolResult) json.RawMessage {
	if result == nil || result.IsError {
		return nil
	}
	raw, _ := result.StructuredContent.(json.RawMessage)
	return raw
}

// outcome returns "ok" or the error code of a failed call.
func outcome(result *mcp.CallToolResult, err error) string {
	if err != nil {
		return CodeInternal
	}
	if result == nil || !result.IsError {
		return "ok"
	}
	for _, c := range result.Content {
		text, ok := c.(mcp.TextContent)
		if !ok {
			continue
		}
		var body struct {
			Code string `json:"code"`
		}
		if json.Unmarshal([]byte(text.Text), &body) == nil && body.Code != "" {
			return body.Code
		}
	}
	return CodeInternal
}

// envelopeIDOf returns the envelope_id of the arguments, else of the structured result (as
// create_envelope returns it).
func envelopeIDOf(args, structured json.RawMessage) string {
	if len(args) > 0 {
		if facts, ok := memoFacts(args); ok && facts.envelopeID != "" {
			return facts.envelopeID
		}
	}
	for _, raw := range []json.RawMessage{args, structured} {
		var body struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if len(raw) > 0 && json.Unmarshal(raw, &body) == nil && body.EnvelopeID != "" {
			return body.EnvelopeID
		}
	}
	return ""
}

// argumentsDigest returns "sha256:" and the hex SHA-256 of the arguments after redact, encoded
// with sorted keys. Equal arguments give equal digests, and no name or email address is in
// the input of the hash. Arguments that are not JSON are digested as they are. Short
// arguments are digested once and then found in argumentMemo.
func argumentsDigest(raw json.RawMessage) string {
	if facts, ok := memoFacts(raw); ok {
		return facts.digest
	}
	return digestArguments(raw)
}

// redact replaces the values of keys that name a person or an address (any key containing
// "name" or "email", such as email_subject) and every string that contains "@".
func redact(key string, value any) any {
	lower := strings.ToLower(key)
	if strings.Contains(lower, "name") || strings.Contains(lower, "email") {
		return redacted
	}
	switch v := value.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = redact(k, item)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = redact("", item)
		}
		return out
	case string:
		if strings.Contains(v, "@") {
			return redacted
		}
	}
	return value
}

// Unwrap returns the wrapped Decider, so that policy.ScopeOf can find the scopes.
func (n notingDecider) Unwrap() policy.Decider { return n.next }
