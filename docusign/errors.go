package docusign

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrAmbiguous marks a failure after which the request may still have taken effect on
// Docusign's side, such as a timeout or a 5xx response to Envelopes:create. The client never
// re-sends such a request, so the caller must look for the envelope (for example with
// ListStatusChanges) before creating it again. Test for it with errors.Is.
var ErrAmbiguous = errors.New("the request may have taken effect")

// APIError is an error response of the eSignature REST API or of /oauth/userinfo. ErrorCode and
// Message come from Docusign's {"errorCode", "message"} body. Both are empty when the body was
// empty, HTML or otherwise not that JSON.
type APIError struct {
	StatusCode int
	ErrorCode  string
	Message    string
	TraceToken string
	// Operation is the Docusign operation that failed, such as "Envelopes:get".
	Operation string
	// Ambiguous is true when the request may have taken effect despite the error. errors.Is
	// then also matches ErrAmbiguous.
	Ambiguous bool
	// ContentType is the error body's media type, kept to describe bodies that were not JSON.
	ContentType string
}

// Error describes the failure without the request body or credentials. Email addresses in
// Docusign's message are masked.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("docusign")
	if e.Operation != "" {
		b.WriteString(" " + e.Operation)
	}
	fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	switch {
	case e.ErrorCode != "":
		b.WriteString(" " + e.ErrorCode)
		if e.Message != "" {
			b.WriteString(": " + maskEmails(e.Message))
		}
	case e.ContentType != "":
		fmt.Fprintf(&b, " with a %s body instead of Docusign's JSON error", e.ContentType)
	default:
		b.WriteString(" with an empty body")
	}
	if e.Ambiguous {
		b.WriteString(" (" + ErrAmbiguous.Error() + ": check before repeating it)")
	}
	if e.TraceToken != "" {
		b.WriteString(" (trace token " + e.TraceToken + ")")
	}
	return b.String()
}

// Is reports whether target is ErrAmbiguous and the error is ambiguous.
func (e *APIError) Is(target error) bool {
	return target == ErrAmbiguous && e.Ambiguous
}

// RateLimitError is an APIError that reports an exhausted rate limit: the account's hourly or
// burst API limit, or a per-envelope polling or update limit. Reset is when the limit frees up:
// from Retry-After if sent, else X-RateLimit-Reset for hourly limits, else 30 seconds after the
// response for burst limits. A 429 without a rate-limit errorCode is hourly when
// X-RateLimit-Remaining is 0, else burst. errors.As with *APIError also matches it.
type RateLimitError struct {
	APIError
	Reset time.Time
}

// Error describes the limit and when it resets.
func (e *RateLimitError) Error() string {
	msg := e.APIError.Error()
	if e.Reset.IsZero() {
		return msg
	}
	return msg + "; rate limit resets at " + e.Reset.UTC().Format(time.RFC3339)
}

// Unwrap returns the embedded APIError.
func (e *RateLimitError) Unwrap() error { return &e.APIError }

// ConsentRequiredError reports that the token endpoint responded consent_required: the
// impersonated user has not consented to the "signature impersonation" scopes for this
// integration key. Retrying does not help. ConsentURL is the page where the user (or an admin,
// through admin consent) grants it.
type ConsentRequiredError struct {
	UserID     string
	ConsentURL string
	TraceToken string
}

// Error names the user and the consent URL.
func (e *ConsentRequiredError) Error() string {
	return fmt.Sprintf("docusign: consent required for user %s: the user must open %s and "+
		"allow the app, or an admin must grant admin consent", e.UserID, e.ConsentURL)
}

// OAuthError is any other error response of the token endpoint, such as invalid_grant. For
// invalid_grant, Description holds the reason: no_valid_keys_or_signatures, user_not_found,
// invalid_subject, issuer_not_found or expired_grant.
type OAuthError struct {
	Code        string
	Description string
	StatusCode  int
	TraceToken  string
}

// Error names the OAuth error code, its description and the usual fix.
func (e *OAuthError) Error() string {
	msg := fmt.Sprintf("docusign token request: HTTP %d", e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if hint := oauthHint(e.Description); hint != "" {
		msg += " (" + hint + ")"
	}
	if e.TraceToken != "" {
		msg += " (trace token " + e.TraceToken + ")"
	}
	return msg
}

func oauthHint(description string) string {
	switch description {
	case "no_valid_keys_or_signatures":
		return "check that PrivateKeyPEM belongs to the integration key in this environment"
	case "user_not_found", "invalid_subject":
		return "check that UserID is an active user's GUID in this environment"
	case "issuer_not_found":
		return "check IntegrationKey and that AuthServer is the environment it belongs to"
	case "expired_grant":
		return "check the system clock"
	}
	return ""
}

// NetworkError is a transport failure: a refused connection, a reset or a timeout before the
// response arrived, or while its body was read. Ambiguous is true when the request may have
// reached Docusign and taken effect.
type NetworkError struct {
	Operation string
	Ambiguous bool
	Err       error
}

// Error describes the failure and, when ambiguous, that the request may have taken effect.
func (e *NetworkError) Error() string {
	msg := fmt.Sprintf("docusign %s: network error: %v", e.Operation, e.Err)
	if e.Ambiguous {
		msg += " (" + ErrAmbiguous.Error() + ": check before repeating it)"
	}
	return msg
}

// Unwrap returns the transport error.
func (e *NetworkError) Unwrap() error { return e.Err }

// Is reports whether target is ErrAmbiguous and the error is ambiguous.
func (e *NetworkError) Is(target error) bool {
	return target == ErrAmbiguous && e.Ambiguous
}

// DownloadTooLargeError reports a document larger than the maxBytes that Documents.Download
// allows. Written counts the bytes already written to the caller's writer, which then holds a
// truncated document and must be discarded.
type DownloadTooLargeError struct {
	DocumentID string
	Limit      int64
	Written    int64
}

// Error names the limit.
func (e *DownloadTooLargeError) Error() string {
	return fmt.Sprintf("docusign EnvelopeDocuments:get: document %s exceeds the limit of %d "+
		"bytes: raise maxBytes or download a smaller document", e.DocumentID, e.Limit)
}

// notFoundCodes are the error codes with which Docusign reports an unknown id. Docusign's
// OpenAPI spec declares them with HTTP 400, while its error-code page lists 404 for unknown
// resources, so IsNotFound checks the code and accepts either status.
var notFoundCodes = map[string]bool{
	"ENVELOPE_DOES_NOT_EXIST":    true,
	"DOCUMENT_DOES_NOT_EXIST":    true,
	"UNKNOWN_ENVELOPE_RECIPIENT": true,
	"INVALID_RECIPIENT_ID":       true,
	// NOTE: the code for an unknown template id is not confirmed by a Docusign source.
	"TEMPLATE_ID_INVALID": true,
}

// IsNotFound reports whether err is an APIError for an id that does not exist: HTTP 404, or an
// errorCode such as ENVELOPE_DOES_NOT_EXIST with any status.
func IsNotFound(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.StatusCode == http.StatusNotFound || notFoundCodes[apiErr.ErrorCode]
}

// IsRetryable reports whether repeating the same call later may succeed: rate limits, 5xx and
// 429 responses, an expired access token, and network errors. Ambiguous errors are not
// retryable, because repeating the request could apply it twice.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, ErrAmbiguous) {
		return false
	}
	var rateErr *RateLimitError
	if errors.As(err, &rateErr) {
		return true
	}
	var netErr *NetworkError
	if errors.As(err, &netErr) {
		return !IsCertificateError(err)
	}
	var oauthErr *OAuthError
	if errors.As(err, &oauthErr) {
		return retryableStatus(oauthErr.StatusCode)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return retryableStatus(apiErr.StatusCode) || isInvalidToken(apiErr)
	}
	return false
}

// retryableStatus reports whether an HTTP status means the server may respond differently later.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests:
		return true
	}
	return status >= 500 && status != http.StatusNotImplemented
}

// isInvalidToken reports whether Docusign rejected the access token itself.
func isInvalidToken(e *APIError) bool {
	if e.StatusCode != http.StatusUnauthorized {
		return false
	}
	return e.ErrorCode == "" || e.ErrorCode == "AUTHORIZATION_INVALID_TOKEN"
}

// IsCertificateError reports whether err is a failed verification of the server's TLS
// certificate: an unknown authority, a name mismatch or an invalid certificate. Repeating the
// call cannot help, because only a change of configuration or of the certificate can.
func IsCertificateError(err error) bool {
	var verifyErr *tls.CertificateVerificationError
	var authorityErr x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	return errors.As(err, &verifyErr) || errors.As(err, &authorityErr) ||
		errors.As(err, &hostnameErr) || errors.As(err, &invalidErr)
}
