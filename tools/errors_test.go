package tools

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

func TestFromDocusign(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		err           error
		wantCode      string
		wantRetryable bool
		wantAfter     int
	}{
		{name: "rate limit with reset", err: &docusign.RateLimitError{
			APIError: docusign.APIError{StatusCode: 429,
				ErrorCode: "HOURLY_APIINVOCATION_LIMIT_EXCEEDED"},
			Reset: now.Add(90 * time.Second)},
			wantCode: CodeRateLimited, wantRetryable: true, wantAfter: 90},
		{name: "rate limit without reset", err: &docusign.RateLimitError{
			APIError: docusign.APIError{StatusCode: 400,
				ErrorCode: "BURST_APIINVOCATION_LIMIT_EXCEEDED"}},
			wantCode: CodeRateLimited, wantRetryable: true, wantAfter: 30},
		{name: "consent", err: &docusign.ConsentRequiredError{ConsentURL: "http://127.0.0.1/c"},
			wantCode: CodeConsentRequired},
		{name: "oauth", err: &docusign.OAuthError{Code: "invalid_grant", StatusCode: 400,
			Description: "user_not_found"}, wantCode: CodeAuthFailed},
		{name: "envelope not found", err: &docusign.APIError{StatusCode: 400,
			ErrorCode: "ENVELOPE_DOES_NOT_EXIST"}, wantCode: CodeNotFound},
		{name: "cannot void", err: &docusign.APIError{StatusCode: 400,
			ErrorCode: "ENVELOPE_CANNOT_VOID_INVALID_STATE"}, wantCode: CodeInvalidState},
		{name: "bad parameter", err: &docusign.APIError{StatusCode: 400,
			ErrorCode: "INVALID_REQUEST_PARAMETER"}, wantCode: CodeDocusignError},
		{name: "server error", err: &docusign.APIError{StatusCode: 503},
			wantCode: CodeUnavailable, wantRetryable: true},
		{name: "forbidden", err: &docusign.APIError{StatusCode: 403,
			ErrorCode: "USER_LACKS_PERMISSIONS"}, wantCode: CodeAuthFailed},
		{name: "ambiguous create", err: &docusign.APIError{StatusCode: 502, Ambiguous: true},
			wantCode: CodeOutcomeUnknown},
		{name: "network", err: &docusign.NetworkError{Operation: "Envelopes:get",
			Err: errors.New("connection refused")}, wantCode: CodeUnavailable,
			wantRetryable: true},
		{name: "deadline", err: fmt.Errorf("call: %w", context.DeadlineExceeded),
			wantCode: CodeUnavailable, wantRetryable: true},
		{name: "too large", err: &docusign.DownloadTooLargeError{DocumentID: "combined",
			Limit: 10}, wantCode: CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromDocusign(tt.err, "envelope e", now)
			if got.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", got.Code, tt.wantCode)
			}
			if got.Retryable != tt.wantRetryable {
				t.Errorf("retryable = %v, want %v", got.Retryable, tt.wantRetryable)
			}
			if got.RetryAfter != tt.wantAfter {
				t.Errorf("retry_after = %d, want %d", got.RetryAfter, tt.wantAfter)
			}
			if got.NextStep == "" {
				t.Errorf("next_step is empty, want advice for the agent")
			}
		})
	}
}

func TestDocusignMessageMasksEmails(t *testing.T) {
	err := &docusign.APIError{StatusCode: 400, ErrorCode: "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
		Message: "The email address ana.signer@example.com is invalid."}
	got := fromDocusign(err, "the envelope", time.Now())
	if strings.Contains(got.Message, "ana.signer@") {
		t.Errorf("message %q carries the full email address, want it masked", got.Message)
	}
}

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		name  string
		email string
		valid bool
	}{
		{name: "plain", email: "ana@example.com", valid: true},
		{name: "plus tag", email: "ana+nda@example.co.uk", valid: true},
		{name: "no domain dot", email: "ana@localhost"},
		{name: "display name", email: "Ana <ana@example.com>"},
		{name: "space", email: "ana @example.com"},
		{name: "empty", email: ""},
		{name: "no at", email: "ana.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkEmail("email", tt.email) == nil
			if got != tt.valid {
				t.Errorf("checkEmail(%q) valid = %v, want %v", tt.email, got, tt.valid)
			}
		})
	}
}

func TestDecodeDocument(t *testing.T) {
	tests := []struct {
		name      string
		extension string
		content   string
		valid     bool
	}{
		{name: "pdf", extension: "pdf", content: pdfBase64(), valid: true},
		{name: "pdf with line breaks", extension: "pdf",
			content: pdfBase64()[:8] + "\n" + pdfBase64()[8:], valid: true},
		{name: "docx", extension: "docx", content: docxBase64(t), valid: true},
		{name: "pdf labelled docx", extension: "docx", content: pdfBase64()},
		{name: "zip without word document", extension: "docx",
			content: "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="},
		{name: "url-safe alphabet", extension: "pdf", content: "JVBERi0_-w=="},
		{name: "empty", extension: "pdf", content: ""},
		{name: "text mentioning a pdf header", extension: "pdf",
			content: b64("Notes: attach the %PDF-1.7 export later.")},
		{name: "pdf header without end marker", extension: "pdf",
			content: b64("%PDF-1.4\n1 0 obj <<>> endobj\n")},
		{name: "pdf with bytes after the end marker", extension: "pdf",
			content: b64(testPDF + strings.Repeat(" ", 500)), valid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, terr := decodeDocument("doc", tt.extension, tt.content)
			if got := terr == nil; got != tt.valid {
				t.Errorf("decodeDocument valid = %v (%v), want %v", got, terr, tt.valid)
			}
		})
	}
}

func TestToolErrorIsOneLine(t *testing.T) {
	te := invalidArgument("signers[0].email", "bad\nvalue")
	line := te.json()
	if strings.Contains(line, "\n") {
		t.Errorf("ToolError JSON %q has a raw line break, want one line", line)
	}
	if !strings.Contains(line, `"retryable":false`) {
		t.Errorf("ToolError JSON %q omits retryable, want it always present", line)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
