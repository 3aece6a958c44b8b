// Package policy decides whether a principal may run a tool. Every tool call passes a Decider
// before the Docusign client runs.
package policy

import (
	"context"
	"fmt"
	"slices"
)

// DefaultPrincipal is the principal of a single local user, such as the stdio transport when no
// principal is configured.
const DefaultPrincipal = "local"

// Wildcard in a principal's tool list allows every tool.
const Wildcard = "*"

// RuleReadOnly is the Decision.Rule of a denial because the principal is in
// Config.ReadOnlyPrincipals and the tool is not read-only. The command line sets that list
// with --read-only.
const RuleReadOnly = "read_only_principals"

// Request describes one tool call to decide on.
type Request struct {
	// Principal is the authenticated caller, such as a user or agent id.
	Principal string
	// Tool is the MCP tool name.
	Tool string
	// ReadOnly is the tool's readOnlyHint annotation.
	ReadOnly bool
	// EnvelopeID is the envelope the call acts on, empty when there is none.
	EnvelopeID string
	// Action is the kind of change the call makes, such as ActionSend or ActionVoid. It is
	// empty for the tool's plain use.
	Action string
	// Sender is the Docusign user id the call acts for; empty means the configured user.
	Sender string
	// TemplateID is the template an envelope is created from, empty when there is none.
	TemplateID string
	// Recipients are the envelope's recipients, for the domain and count rules.
	Recipients []Recipient
	// DocumentBytes is the total size of the documents the call uploads.
	DocumentBytes int64
	// Send is true when the call sends the envelope, false when it leaves a draft.
	Send bool
}

// Recipient is one recipient of an envelope, with the fields that the policy rules check.
type Recipient struct {
	// Email is the recipient's address; only its domain is judged.
	Email string
	// Role is the template role name, empty for a recipient without one.
	Role string
	// Type is the Docusign recipient type, such as "signers" or "carbonCopies".
	Type string
}

// Actions of Request.Action and Scope.RequireApproval.
const (
	ActionSend = "send"
	ActionVoid = "void"
)

// Decision is the outcome of Decide. Rule names the configuration entry that produced it, so a
// denial can name the entry to change.
type Decision struct {
	Allow  bool
	Reason string
	Rule   string
	// Code is a stable reason code such as CodeDomainDenied; empty from older deciders.
	Code string
}

// Decider decides on tool calls. An error means no decision could be made, and callers must
// treat it as a denial.
type Decider interface {
	Decide(ctx context.Context, req Request) (Decision, error)
}

// Config lists the tools each principal may call.
type Config struct {
	// Principals maps a principal to the tool names it may call. Wildcard allows all tools.
	Principals map[string][]string `json:"principals"`
	// ReadOnlyPrincipals may call only tools whose ReadOnly flag is set, in addition to the
	// limits of Principals.
	ReadOnlyPrincipals []string `json:"read_only_principals,omitempty"`
}

// LocalConfig returns a configuration that allows every tool for DefaultPrincipal and nothing
// for anyone else, which suits a single local user.
func LocalConfig() Config {
	return Config{Principals: map[string][]string{DefaultPrincipal: {Wildcard}}}
}

// Static decides from a fixed Config. It is safe for concurrent use because it never changes.
type Static struct {
	cfg Config
}

// NewStatic returns a Decider for cfg. It rejects a configuration with no principal, since that
// would deny every call.
func NewStatic(cfg Config) (*Static, error) {
	if len(cfg.Principals) == 0 {
		return nil, fmt.Errorf("policy: no principals configured: list at least one, " +
			"or use LocalConfig for a single local user")
	}
	return &Static{cfg: cfg}, nil
}

// Decide allows the request when the principal's tool list names the tool or Wildcard, and the
// principal is not limited to read-only tools or the tool is read-only.
func (s *Static) Decide(_ context.Context, req Request) (Decision, error) {
	tools, ok := s.cfg.Principals[req.Principal]
	if !ok {
		return Decision{Reason: fmt.Sprintf("principal %q is not configured", req.Principal),
			Rule: "principals"}, nil
	}
	rule := fmt.Sprintf("principals.%s", req.Principal)
	if !slices.Contains(tools, Wildcard) && !slices.Contains(tools, req.Tool) {
		return Decision{Reason: fmt.Sprintf("tool %s is not in the tool list of principal %q",
			req.Tool, req.Principal), Rule: rule}, nil
	}
	if req.Sender != "" {
		return Decision{Reason: fmt.Sprintf("principal %q may act only for the configured "+
			"Docusign user without a policy file", req.Principal), Rule: "senders",
			Code: CodeSender}, nil
	}
	if !req.ReadOnly && slices.Contains(s.cfg.ReadOnlyPrincipals, req.Principal) {
		return Decision{Reason: fmt.Sprintf("principal %q may call only read-only tools, and "+
			"%s is not one", req.Principal, req.Tool), Rule: RuleReadOnly}, nil
	}
	return Decision{Allow: true, Reason: "allowed", Rule: rule}, nil
}

type principalKey struct{}

// WithPrincipal returns a context that carries principal, for transports to set once they have
// authenticated the caller.
func WithPrincipal(ctx context.Context, principal string) context.Context {
	return context.WithValue(ctx, principalKey{}, principal)
}

// PrincipalFrom returns the principal stored by WithPrincipal, or DefaultPrincipal when there
// is none.
func PrincipalFrom(ctx context.Context) string {
	if p, ok := ctx.Value(principalKey{}).(string); ok && p != "" {
		return p
	}
	return DefaultPrincipal
}
