package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
)

// PolicyToolFilter returns a tool filter for server.WithToolFilter that keeps the tools the
// caller's principal may call, judged by each tool's name and readOnlyHint. mcp-go applies it
// to tools/list and to tools/call, where a filtered tool is reported as unknown. A decider
// error hides the tool, because the handler would deny the call anyway.
func PolicyToolFilter(decider policy.Decider) server.ToolFilterFunc {
	return func(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
		principal := policy.PrincipalFrom(ctx)
		kept := make([]mcp.Tool, 0, len(tools))
		for _, tool := range tools {
			readOnly := tool.Annotations.ReadOnlyHint != nil && *tool.Annotations.ReadOnlyHint
			decision, err := decider.Decide(ctx, policy.Request{Principal: principal,
				Tool: tool.Name, ReadOnly: readOnly})
			if err == nil && decision.Allow {
				kept = append(kept, tool)
			}
		}
		return kept
	}
}

// argumentEnvelopeID returns the envelope_id argument of a call before the arguments are
// checked, for the policy request, or "" when there is none.
func argumentEnvelopeID(req mcp.CallToolRequest) string {
	raw, err := rawArguments(req)
	if err != nil {
		return ""
	}
	var args struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(raw, &args) != nil {
		return ""
	}
	return args.EnvelopeID
}

// policyDenied returns the error of a call that the policy denied. Field stays empty,
// because the fault lies in the server's configuration, not in an argument.
func policyDenied(tool string, decision policy.Decision) *ToolError {
	terr := &ToolError{Code: CodePolicyDenied,
		Message: fmt.Sprintf("denied by policy rule %s: %s", decision.Rule, decision.Reason),
		NextStep: "do not retry; ask the server operator to change policy rule " +
			decision.Rule}
	if decision.Rule == policy.RuleReadOnly {
		terr.NextStep = "do not retry: the server runs with --read-only, so use a read-only " +
			"tool, or ask the server operator to restart it without --read-only to call " + tool
	}
	return terr
}
