package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

// Stable reason codes of Decision.Code. A denial's code never changes meaning, so callers and
// audit readers may match on it.
const (
	CodeAllowed          = "allowed"
	CodeUnknownPrincipal = "unknown_principal"
	CodeToolNotAllowed   = "tool_not_allowed"
	CodeReadOnly         = "read_only"
	CodeSender           = "sender_not_allowed"
	CodeTemplate         = "template_not_allowed"
	CodeDomainDenied     = "recipient_domain_denied"
	CodeDomainNotAllowed = "recipient_domain_not_allowed"
	CodeTooManyRecips    = "too_many_recipients"
	CodeDocumentsTooBig  = "documents_too_large"
	CodeDraftsOnly       = "drafts_only"
)

// Engine decides from a policy File that Reload can replace while calls run. It is safe for
// concurrent use.
type Engine struct {
	file atomic.Pointer[File]
	// user is the configured Docusign user id, which every principal may act for.
	user string
}

// NewEngine returns an Engine for f, which must have passed Validate. configuredUser is the
// Docusign user id the server authenticates as.
func NewEngine(f *File, configuredUser string) *Engine {
	e := &Engine{user: configuredUser}
	e.file.Store(f)
	return e
}

// Reload replaces the policy with f once it validates, and keeps the old one otherwise.
func (e *Engine) Reload(f *File) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("kept the previous policy: %w", err)
	}
	e.file.Store(f)
	return nil
}

// File returns the policy in force.
func (e *Engine) File() *File { return e.file.Load() }

// Scope returns the scope of principal, for ScopeOf.
func (e *Engine) Scope(principal string) (Scope, bool) {
	s, ok := e.file.Load().Principals[principal]
	return s, ok
}

// Decide applies the rules of the principal's scope in a fixed order and returns the first
// denial, or an allowance.
func (e *Engine) Decide(_ context.Context, req Request) (Decision, error) {
	scope, ok := e.Scope(req.Principal)
	if !ok {
		return deny(CodeUnknownPrincipal, "principals", "principal %q is not configured",
			req.Principal), nil
	}
	base := "principals." + req.Principal
	for _, rule := range rules {
		if d, denied := rule(e, scope, req); denied {
			d.Rule = base + "." + d.Rule
			return d, nil
		}
	}
	return Decision{Allow: true, Reason: "allowed", Code: CodeAllowed, Rule: base}, nil
}

func deny(code, rule, format string, args ...any) Decision {
	return Decision{Reason: fmt.Sprintf(format, args...), Code: code, Rule: rule}
}

// rules are checked in order. Each returns a denial with Rule relative to the principal.
var rules = []func(*Engine, Scope, Request) (Decision, bool){
	ruleTools, ruleSender, ruleTemplate, ruleDomains, ruleRecipients, ruleDocuments,
	ruleDraftsOnly,
}

func ruleTools(_ *Engine, s Scope, req Request) (Decision, bool) {
	if !slices.Contains(s.Tools, Wildcard) && !slices.Contains(s.Tools, req.Tool) {
		return deny(CodeToolNotAllowed, "tools", "tool %s is not in the tool list of "+
			"principal %q", req.Tool, req.Principal), true
	}
	if s.ReadOnly && !req.ReadOnly {
		return deny(CodeReadOnly, "read_only", "principal %q may call only read-only "+
			"tools, and %s is not one", req.Principal, req.Tool), true
	}
	return Decision{}, false
}

func ruleSender(e *Engine, s Scope, req Request) (Decision, bool) {
	if req.Sender == "" || strings.EqualFold(req.Sender, e.user) ||
		slices.ContainsFunc(s.Senders, func(v string) bool {
			return strings.EqualFold(v, req.Sender)
		}) {
		return Decision{}, false
	}
	return deny(CodeSender, "senders", "principal %q may not act for Docusign user %s",
		req.Principal, req.Sender), true
}

func ruleTemplate(_ *Engine, s Scope, req Request) (Decision, bool) {
	if req.TemplateID == "" || len(s.Templates) == 0 ||
		slices.Contains(s.Templates, Wildcard) || slices.ContainsFunc(s.Templates,
		func(v string) bool { return strings.EqualFold(v, req.TemplateID) }) {
		return Decision{}, false
	}
	return deny(CodeTemplate, "templates", "template %s is not in the template list of "+
		"principal %q", req.TemplateID, req.Principal), true
}

func ruleDomains(_ *Engine, s Scope, req Request) (Decision, bool) {
	for i, r := range req.Recipients {
		domain := emailDomain(r.Email)
		if containsFold(s.DeniedDomains, domain) {
			return deny(CodeDomainDenied, "denied_domains", "recipient %d (%s) has the "+
				"denied domain %s", i+1, r.Type, domain), true
		}
		if len(s.AllowedDomains) > 0 && !containsFold(s.AllowedDomains, domain) {
			return deny(CodeDomainNotAllowed, "allowed_domains", "recipient %d (%s) has "+
				"domain %s, which is not in the allowed domains", i+1, r.Type, domain), true
		}
	}
	return Decision{}, false
}

func ruleRecipients(_ *Engine, s Scope, req Request) (Decision, bool) {
	if s.MaxRecipients > 0 && len(req.Recipients) > s.MaxRecipients {
		return deny(CodeTooManyRecips, "max_recipients", "%d recipients is more than the "+
			"%d allowed", len(req.Recipients), s.MaxRecipients), true
	}
	return Decision{}, false
}

func ruleDocuments(_ *Engine, s Scope, req Request) (Decision, bool) {
	limit := s.MaxDocumentBytes
	if limit == 0 {
		limit = MaxPacketBytes
	}
	if req.DocumentBytes > limit {
		return deny(CodeDocumentsTooBig, "max_document_bytes", "the documents total %d "+
			"bytes, more than the %d allowed", req.DocumentBytes, limit), true
	}
	return Decision{}, false
}

func ruleDraftsOnly(_ *Engine, s Scope, req Request) (Decision, bool) {
	if s.DraftsOnly && req.Send {
		return deny(CodeDraftsOnly, "drafts_only", "principal %q may create drafts only, "+
			"not send", req.Principal), true
	}
	return Decision{}, false
}

// emailDomain returns the lower-case domain of an address, or "" when it has none.
func emailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(email[at+1:]), "."))
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(item string) bool { return strings.EqualFold(item, v) })
}
