package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/docusign"
)

// Error codes of tool results. They are stable: agents and tests match on them.
const (
	CodeInvalidArgument = "invalid_argument"
	CodeNotFound        = "not_found"
	CodeInvalidState    = "invalid_state"
	CodeRateLimited     = "rate_limited"
	CodeConsentRequired = "consent_required"
	// CodeConsentRevoked means the whole integration is halted: the default user's consent
	// was revoked, or Docusign rejected the integration's key, so no call reaches Docusign.
	CodeConsentRevoked = "consent_revoked"
	CodeAuthFailed     = "auth_failed"
	CodeDocusignError  = "docusign_error"
	CodeUnavailable    = "unavailable"
	CodePolicyDenied   = "policy_denied"
	CodeTooLarge       = "too_large"
	// CodeOutcomeUnknown means a write may have taken effect although it failed, so the agent
	// must check before repeating it.
	CodeOutcomeUnknown = "outcome_unknown"
	CodeInternal       = "internal"
	// CodeCertificateInvalid means the server could not verify Docusign's TLS certificate,
	// which only the server operator can fix.
	CodeCertificateInvalid = "certificate_invalid"
)

// ToolError is the body of an isError result: one compact JSON line that an agent can act on.
type ToolError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field is the argument path at fault, such as "signers[0].email", or empty.
	Field     string `json:"field,omitempty"`
	Retryable bool   `json:"retryable"`
	NextStep  string `json:"next_step,omitempty"`
	// RetryAfter is the number of seconds to wait before retrying a rate-limited call.
	RetryAfter int `json:"retry_after,omitempty"`
	// TraceToken is Docusign's X-DocuSign-TraceToken, to quote to Docusign support.
	TraceToken string `json:"trace_token,omitempty"`

	// cause is the underlying error, logged but never sent to the client.
	cause error
}

// Error returns the JSON line, so a ToolError can travel as an error.
func (e *ToolError) Error() string { return e.json() }

func (e *ToolError) json() string {
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Sprintf(`{"code":%q,"message":"failed to encode the error"}`, CodeInternal)
	}
	return string(raw)
}

// result returns the isError result: one text item and no structuredContent, because clients
// check any structuredContent against the output schema even on errors.
func (e *ToolError) result() *mcp.CallToolResult {
	return &mcp.CallToolResult{
		Content: []mcp.Content{mcp.NewTextContent(e.json())},
		IsError: true,
	}
}

func invalidArgument(field, format string, args ...any) *ToolError {
	return &ToolError{
		Code:     CodeInvalidArgument,
		Message:  fmt.Sprintf(format, args...),
		Field:    field,
		NextStep: "fix " + field + " and call again",
	}
}

// fromDocusign maps an error of the Docusign client to a ToolError. what names the object the
// call acted on, such as "envelope 1234...", for the not_found message.
func fromDocusign(err error, what string, now time.Time) *ToolError {
	te := mapDocusign(err, what, now)
	te.cause = err
	return te
}

func mapDocusign(err error, what string, now time.Time) *ToolError {
	var halted *docusign.HaltedError
	var consent *docusign.ConsentRequiredError
	var oauth *docusign.OAuthError
	var rate *docusign.RateLimitError
	var tooLarge *docusign.DownloadTooLargeError
	var budget *BudgetExhaustedError
	switch {
	case errors.As(err, &budget):
		return budgetExhausted(budget, now)
	case errors.As(err, &halted):
		return consentRevoked(halted)
	case errors.As(err, &consent):
		return &ToolError{Code: CodeConsentRequired, TraceToken: consent.TraceToken,
			Message: "the Docusign user has not granted this app consent to act for them",
			NextStep: "ask the user or a Docusign administrator to grant consent at " +
				consent.ConsentURL + ", then call again"}
	case errors.As(err, &oauth):
		return &ToolError{Code: CodeAuthFailed, TraceToken: oauth.TraceToken,
			Message:  "Docusign rejected the server's credentials: " + oauthReason(oauth),
			NextStep: "ask the server operator to check the Docusign integration settings"}
	case errors.As(err, &rate):
		return rateLimited(rate, now)
	case errors.As(err, &tooLarge):
		return &ToolError{Code: CodeTooLarge, Message: fmt.Sprintf(
			"document %s is larger than the %d-byte download limit", tooLarge.DocumentID,
			tooLarge.Limit), NextStep: "download single documents instead of combined"}
	case errors.Is(err, docusign.ErrAmbiguous):
		return &ToolError{Code: CodeOutcomeUnknown,
			Message: "the Docusign call failed after it may have taken effect",
			NextStep: "check with list_envelopes or get_envelope_status whether it took " +
				"effect before calling again"}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &ToolError{Code: CodeUnavailable, Retryable: true,
			Message:  "the Docusign call timed out or was cancelled",
			NextStep: "call again"}
	}
	return fromAPIError(err, what)
}

// consentRevoked maps a halted Docusign client, which sends no request until a probe shows
// that consent or the key is back.
func consentRevoked(halted *docusign.HaltedError) *ToolError {
	since := halted.Since.UTC().Format(time.RFC3339)
	if halted.Reason == docusign.HaltKeyRejected {
		return &ToolError{Code: CodeConsentRevoked,
			Message: "Docusign rejected the server's RSA key, so the server has made no " +
				"Docusign call since " + since + " and makes none until a key is accepted",
			NextStep: "ask the server operator to upload the key's public half for the " +
				"integration key in Docusign, or to configure the matching private key"}
	}
	return &ToolError{Code: CodeConsentRevoked,
		Message: "Docusign consent for this app was revoked, so the server has made no " +
			"Docusign call since " + since + " and makes none until consent is granted again",
		NextStep: "ask a Docusign administrator or the server's Docusign user to grant " +
			"consent at " + halted.ConsentURL + " and call again once the server's next " +
			"probe succeeds (within a minute, or after the operator runs 'docusign-mcp resume')"}
}

func fromAPIError(err error, what string) *ToolError {
	var api *docusign.APIError
	if docusign.IsCertificateError(err) {
		return &ToolError{Code: CodeCertificateInvalid,
			Message: "the server could not verify the TLS certificate of the Docusign " +
				"server it is configured for",
			NextStep: "do not retry; ask the server operator to fix the certificate trust, " +
				"for a simulator started with 'sim --tls' by setting DOCUSIGN_CA_FILE to its " +
				"ca.pem"}
	}
	if !errors.As(err, &api) {
		return &ToolError{Code: CodeUnavailable, Retryable: docusign.IsRetryable(err),
			Message:  "Docusign could not be reached",
			NextStep: "call again in a minute; if it keeps failing, tell the server operator"}
	}
	te := &ToolError{TraceToken: api.TraceToken, Retryable: docusign.IsRetryable(err)}
	switch {
	case docusign.IsNotFound(err):
		te.Code = CodeNotFound
		te.Field = notFoundFields[api.ErrorCode]
		te.Message = what + " does not exist or this account has no access to it"
		te.NextStep = "check the id, for example with list_envelopes"
		if te.Field != "" {
			te.NextStep = "check " + te.Field + ", for example with " + listToolFor(te.Field)
		}
	case invalidStateCodes[api.ErrorCode]:
		te.Code = CodeInvalidState
		te.Message = fmt.Sprintf("%s is not in a state that allows this: %s", what,
			docusignMessage(api))
		te.NextStep = "read the current status with get_envelope_status"
	case api.StatusCode == 401 || api.StatusCode == 403:
		te.Code = CodeAuthFailed
		te.Message = "Docusign denied the call: " + docusignMessage(api)
		te.NextStep = "ask the server operator to check the Docusign user's permissions"
	case api.StatusCode >= 500:
		te.Code = CodeUnavailable
		te.Message = "Docusign failed with HTTP " + fmt.Sprint(api.StatusCode)
		te.NextStep = "call again in a minute"
	default:
		te.Code = CodeDocusignError
		te.Message = "Docusign rejected the call: " + docusignMessage(api)
		te.NextStep = "fix the request as the message says; do not repeat it unchanged"
	}
	return te
}

// notFoundFields maps the error codes of Docusign for an unknown id to the tool argument that
// holds that id. Every tool names its ids this way.
var notFoundFields = map[string]string{
	"ENVELOPE_DOES_NOT_EXIST": "envelope_id",
	"DOCUMENT_DOES_NOT_EXIST": "document_id",
	"TEMPLATE_ID_INVALID":     "template_id",
}

// listToolFor returns the tool that lists the ids of an id argument such as envelope_id.
func listToolFor(field string) string {
	switch field {
	case "document_id":
		return "list_envelope_documents"
	case "template_id":
		return "list_templates"
	}
	return "list_envelopes"
}

// invalidStateCodes are Docusign error codes for an action that the envelope's status forbids.
var invalidStateCodes = map[string]bool{
	"ENVELOPE_CANNOT_VOID_INVALID_STATE": true,
	"ENVELOPE_INVALID_STATUS":            true,
	"EDIT_LOCK_INVALID_STATE_FOR_LOCK":   true,
	"EDIT_LOCK_ENVELOPE_ALREADY_LOCKED":  true,
	"RECIPIENT_NOT_IN_SEQUENCE":          true,
}

func rateLimited(rate *docusign.RateLimitError, now time.Time) *ToolError {
	wait := 30
	if !rate.Reset.IsZero() {
		wait = max(1, int(math.Ceil(rate.Reset.Sub(now).Seconds())))
	}
	return &ToolError{Code: CodeRateLimited, Retryable: true, RetryAfter: wait,
		TraceToken: rate.TraceToken,
		Message:    "Docusign's API rate limit is exhausted (" + rate.ErrorCode + ")",
		NextStep:   fmt.Sprintf("wait %d seconds, then call again", wait)}
}

// docusignMessage returns Docusign's error code and message, with email addresses masked.
func docusignMessage(api *docusign.APIError) string {
	if api.ErrorCode == "" {
		return fmt.Sprintf("HTTP %d without an error code", api.StatusCode)
	}
	return api.ErrorCode + " " + maskEmails(api.Message)
}

func oauthReason(e *docusign.OAuthError) string {
	if e.Description != "" {
		return e.Code + " (" + e.Description + ")"
	}
	return e.Code
}
