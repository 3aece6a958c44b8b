package tools

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
)

type voidEnvelopeOutput struct {
	EnvelopeID string `json:"envelope_id"`
	Action     string `json:"action" jsonschema:"enum=voided,enum=confirmation_required"`

	// Replayed is true when the envelope was already voided with the same reason, so this
	// call sent no void to Docusign.
	Replayed bool `json:"replayed,omitempty"`

	ConfirmationToken string `json:"confirmation_token,omitempty"`
	Summary           string `json:"summary,omitempty"`
	ExpiresAt         string `json:"expires_at,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (voidEnvelopeOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"action": "voided, or confirmation_required when nothing was done yet: show summary " +
			"to the user and, if they approve, call again with confirmation_token.",
		"confirmation_token": "Single-use token that approves this exact void, when action " +
			"is confirmation_required.",
		"replayed": "true when the envelope was already voided with the same reason, " +
			"such as by an earlier call whose result was lost: no void was sent again.",
		"summary":    "What the call will do, to show the user.",
		"expires_at": "RFC 3339 time when confirmation_token expires.",
	})
}

// approveSend requests approval of a create_envelope call that sends. A draft needs none.
// The token is cleared from in, so that the request hash and the derived idempotency key
// are the same with and without it.
func approveSend(ctx context.Context, d *Deps, call mcp.CallToolRequest,
	in *createEnvelopeInput) (*mcp.CallToolResult, *ToolError) {
	token := in.ConfirmationToken
	in.ConfirmationToken = ""
	if in.Status != "sent" {
		return nil, nil
	}
	hash, err := requestHash(in)
	if err != nil {
		return nil, &ToolError{Code: CodeInternal, cause: err,
			Message: "failed to hash the request, so nothing was sent"}
	}
	ar := approvalRequest{tool: "create_envelope", action: ApprovalSend, requestHash: hash,
		token: token, message: sendMessage(in), label: "Send this envelope now"}
	a, terr := d.approve(ctx, call, ar)
	switch {
	case terr != nil:
		return nil, terr
	case a.input != nil:
		return a.input, nil
	case a.draft:
		in.Status = "created"
		return nil, nil
	case !a.done():
		return nil, nil
	}
	key := ""
	if req, err := newIdempotencyRequest(ctx, in); err == nil {
		key = req.key
	}
	return structuredResult(d, createEnvelopeOutput{Status: statusConfirmNeeded,
		Source: in.Source, IdempotencyKey: key, ConfirmationToken: a.token,
		Summary: sendMessage(in), ExpiresAt: a.expires.UTC().Format(time.RFC3339)})
}

// approveVoid requests approval of a void_envelope call.
func approveVoid(ctx context.Context, d *Deps, call mcp.CallToolRequest,
	in *voidEnvelopeInput) (*mcp.CallToolResult, *ToolError) {
	token := in.ConfirmationToken
	in.ConfirmationToken = ""
	sum := sha256.Sum256([]byte("void\x00" + in.EnvelopeID + "\x00" + in.Reason))
	ar := approvalRequest{tool: "void_envelope", action: ApprovalVoid,
		envelopeID: in.EnvelopeID, requestHash: hex.EncodeToString(sum[:]), token: token,
		message: voidMessage(in), label: "Void this envelope"}
	a, terr := d.approve(ctx, call, ar)
	switch {
	case terr != nil:
		return nil, terr
	case a.input != nil:
		return a.input, nil
	case !a.done():
		return nil, nil
	}
	return structuredResult(d, voidEnvelopeOutput{EnvelopeID: in.EnvelopeID,
		Action: statusConfirmNeeded, ConfirmationToken: a.token, Summary: voidMessage(in),
		ExpiresAt: a.expires.UTC().Format(time.RFC3339)})
}

// sendMessage describes what a send will do and to whom. It names the recipients, because the
// person approving must see them, so it goes to the client only and is never logged.
func sendMessage(in *createEnvelopeInput) string {
	var b strings.Builder
	subject := in.EmailSubject
	if subject == "" {
		subject = "(the template's subject)"
	}
	fmt.Fprintf(&b, "Send the envelope %q now? Docusign will email a signing request to:",
		subject)
	for _, r := range in.Signers {
		fmt.Fprintf(&b, "\n- %s <%s>, signer", r.Name, r.Email)
	}
	for _, r := range in.CarbonCopies {
		fmt.Fprintf(&b, "\n- %s <%s>, copy", r.Name, r.Email)
	}
	for _, r := range in.Roles {
		fmt.Fprintf(&b, "\n- %s <%s>, role %q", r.Name, r.Email, r.RoleName)
	}
	if in.Source == "template" {
		fmt.Fprintf(&b, "\nFrom template %s.", in.TemplateID)
		return b.String()
	}
	names := make([]string, len(in.Documents))
	for i, doc := range in.Documents {
		names[i] = doc.Name
	}
	fmt.Fprintf(&b, "\nDocuments: %s.", strings.Join(names, ", "))
	return b.String()
}

func voidMessage(in *voidEnvelopeInput) string {
	return fmt.Sprintf("Void envelope %s? Its recipients can no longer sign and are told "+
		"the reason: %q. This cannot be undone.", in.EnvelopeID, in.Reason)
}
