package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Approval fallbacks of Scope.ApprovalFallback: what happens when a human's confirmation is
// required but cannot be had.
const (
	FallbackDeny  = "deny"
	FallbackDraft = "draft"
)

// Scope is the set of tools and limits of one principal. ScopeOf returns it with defaults
// filled in.
type Scope struct {
	// Tools are the MCP tool names the principal may call. Wildcard allows all.
	Tools []string `json:"tools"`
	// ReadOnly limits the principal to tools whose readOnlyHint is set.
	ReadOnly bool `json:"read_only,omitempty"`
	// Senders are the Docusign user ids the principal may act for, in addition to the
	// configured user, which is always allowed.
	Senders []string `json:"senders,omitempty"`
	// Templates are the template ids the principal may create envelopes from. Empty allows
	// any template.
	Templates []string `json:"templates,omitempty"`
	// AllowedDomains, when not empty, are the only recipient email domains allowed.
	AllowedDomains []string `json:"allowed_domains,omitempty"`
	// DeniedDomains are recipient email domains that are rejected even when AllowedDomains
	// lists them.
	DeniedDomains []string `json:"denied_domains,omitempty"`
	// MaxRecipients is the max number of recipients of one envelope. 0 means no limit.
	MaxRecipients int `json:"max_recipients,omitempty"`
	// MaxDocumentBytes is the max size of the documents of one envelope. 0 means the
	// Docusign limit MaxPacketBytes, and a larger value is invalid.
	MaxDocumentBytes int64 `json:"max_document_bytes,omitempty"`
	// DraftsOnly lets the principal create drafts only: sending needs a person in Docusign.
	DraftsOnly bool `json:"drafts_only,omitempty"`
	// RequireApproval lists the actions (ActionSend, ActionVoid) that need a human's yes.
	RequireApproval []string `json:"require_approval,omitempty"`
	// ApprovalFallback applies when approval is required but no person can confirm:
	// FallbackDeny (default) or FallbackDraft.
	ApprovalFallback string `json:"approval_fallback,omitempty"`
	// ResendMinInterval is the shortest time between two resends of one envelope.
	ResendMinInterval Duration `json:"resend_min_interval,omitempty"`
	// ResendMaxCount is the max number of resends of one envelope.
	ResendMaxCount int `json:"resend_max_count,omitempty"`
	// SeeSensitive lets the principal see tab values that look like identity, bank or card
	// numbers unmasked.
	SeeSensitive bool `json:"see_sensitive,omitempty"`
	// DownloadBudgetBytes is the number of document bytes the principal may download in any
	// rolling 24 hours.
	DownloadBudgetBytes int64 `json:"download_budget_bytes,omitempty"`
}

// Scope defaults that ScopeOf fills in for zero fields.
const (
	DefaultResendMinInterval   = time.Hour
	DefaultResendMaxCount      = 3
	DefaultDownloadBudgetBytes = 100 << 20
)

// Duration is a time.Duration written in JSON as a Go duration string such as "15m".
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string such as "90s" or "1h".
func (d *Duration) UnmarshalJSON(raw []byte) error {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return fmt.Errorf("duration %s is not a string: write it like \"15m\" or \"1h\"", raw)
	}
	parsed, err := time.ParseDuration(text)
	if err != nil {
		return fmt.Errorf("duration %q is invalid: %w: write it like \"15m\" or \"1h\"",
			text, err)
	}
	*d = Duration(parsed)
	return nil
}

// withDefaults fills the zero fields of s.
func (s Scope) withDefaults() Scope {
	if s.ApprovalFallback == "" {
		s.ApprovalFallback = FallbackDeny
	}
	if s.ResendMinInterval == 0 {
		s.ResendMinInterval = Duration(DefaultResendMinInterval)
	}
	if s.ResendMaxCount == 0 {
		s.ResendMaxCount = DefaultResendMaxCount
	}
	if s.DownloadBudgetBytes == 0 {
		s.DownloadBudgetBytes = DefaultDownloadBudgetBytes
	}
	return s
}

// Scoper is a Decider that returns the Scope of each principal it configures.
type Scoper interface {
	Scope(principal string) (Scope, bool)
}

// ScopeOf returns the Scope of the principal in ctx (see PrincipalFrom) from d, with defaults
// filled in. It looks through wrappers that have an Unwrap() Decider method. When d has no
// scopes, or none for this principal, it returns the defaults with no tools.
func ScopeOf(ctx context.Context, d Decider) Scope {
	principal := PrincipalFrom(ctx)
	for d != nil {
		if s, ok := d.(Scoper); ok {
			if scope, found := s.Scope(principal); found {
				return scope.withDefaults()
			}
			break
		}
		w, ok := d.(interface{ Unwrap() Decider })
		if !ok {
			break
		}
		d = w.Unwrap()
	}
	return Scope{}.withDefaults()
}
