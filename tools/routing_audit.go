package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/store"
)

// auditedRouting is d.audited, plus the routing profile and matter id of a call that passes
// them on its tool call record, so the audit log shows which profile expanded an envelope.
func (d *Deps) auditedRouting(tool string, next server.ToolHandlerFunc) server.ToolHandlerFunc {
	plain := d.audited(tool, next)
	if d.Audit == nil {
		return plain
	}
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		raw, _ := rawArguments(req)
		facts, ok := memoFacts(raw)
		if !ok {
			facts.profile, facts.matterID = decodeRouting(raw)
		}
		if facts.profile == "" {
			return plain(ctx, req)
		}
		routed := *d
		routed.Audit = routingAuditSink{next: d.Audit, profile: truncate(facts.profile, 64),
			matterID: truncate(facts.matterID, 100)}
		return routed.audited(tool, next)(ctx, req)
	}
}

// routingAuditSink adds a profile and matter id to the tool call records it passes on.
type routingAuditSink struct {
	next     AuditSink
	profile  string
	matterID string
}

// Append sets Profile and MatterID on a tool call record and appends it to the next sink.
func (s routingAuditSink) Append(rec store.AuditRecord) (store.AuditRecord, error) {
	if rec.Kind == store.AuditToolCall {
		rec.Profile, rec.MatterID = s.profile, s.matterID
	}
	return s.next.Append(rec)
}
