package tools

import (
	"context"
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
	if facts, ok := memoFacts(raw); ok {
		return facts.envelopeID
	}
	return decodeEnvelopeID(raw)
}

// policyDenied returns the error of a call that the policy denied. Field stays empty,
// because the fault lies in the server's configuration, not in an argument.
func policyDenied(tool string, decision policy.Decision) *ToolError {
	terr := &ToolError{Code: CodePolicyDenied,
		Message: fmt.Sprintf("denied by policy rule %s: %s", decision.Rule, decision.Reason),
		NextStep: "do not retry; ask the server operator to change policy rule " +
			decision.Rule}
	if step, ok := denialNextSteps[decision.Code]; ok {
		terr.Message = fmt.Sprintf("denied by policy rule %s (%s): %s", decision.Rule,
			decision.Code, decision.Reason)
		terr.NextStep = "do not retry the same call: " + step + "; or ask the server " +
			"operator to change policy rule " + decision.Rule
	}
	if decision.Rule == policy.RuleReadOnly {
		terr.NextStep = "do not retry: the server runs with --read-only, so use a read-only " +
			"tool, or ask the server operator to restart it without --read-only to call " + tool
	}
	return terr
}

// decideDetails decides again with the details of a parsed call, such as its recipients, and
// returns the error of a denial.
func (d *Deps) decideDetails(ctx context.Context, tool string, readOnly bool,
	envelopeID string, req policy.Request) *ToolError {
	req.Principal, req.Tool = policy.PrincipalFrom(ctx), tool
	req.ReadOnly, req.EnvelopeID = readOnly, envelopeID
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

// denialNextSteps maps a policy reason code to what the caller can do about the denial.
var denialNextSteps = map[string]string{
	policy.CodeSender:           "act for the configured Docusign user, or ask the operator",
	policy.CodeTemplate:         "use a template that the policy allows",
	policy.CodeDomainDenied:     "remove the recipients in that domain",
	policy.CodeDomainNotAllowed: "use recipients in the allowed domains only",
	policy.CodeTooManyRecips:    "send to fewer recipients, or split the envelope",
	policy.CodeDocumentsTooBig:  "send smaller or fewer documents",
	policy.CodeDraftsOnly:       "pass status created to save a draft that a person sends",
}

// createPolicyRequest returns the details of a create call that the policy judges: template,
// recipients, document bytes and whether it sends. validateCreate has decoded the documents.
func createPolicyRequest(in *createEnvelopeInput) policy.Request {
	req := policy.Request{TemplateID: in.TemplateID, Send: in.Status == "sent",
		Sender: in.SenderUserID}
	if req.Send {
		req.Action = policy.ActionSend
	}
	for _, r := range in.Roles {
		req.Recipients = append(req.Recipients, policy.Recipient{Email: r.Email,
			Role: r.RoleName, Type: "signers"})
	}
	for _, r := range in.Signers {
		req.Recipients = append(req.Recipients, policy.Recipient{Email: r.Email,
			Type: "signers"})
	}
	for _, r := range in.CarbonCopies {
		req.Recipients = append(req.Recipients, policy.Recipient{Email: r.Email,
			Type: "carbonCopies"})
	}
	for _, doc := range in.Documents {
		req.DocumentBytes += int64(len(doc.data))
	}
	return req
}

// voidPolicyRequest returns the details of a void call.
func voidPolicyRequest(in *voidEnvelopeInput) policy.Request {
	return policy.Request{Action: policy.ActionVoid, Sender: in.SenderUserID}
}
