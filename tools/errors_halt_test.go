package tools

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

func TestFromDocusignHalted(t *testing.T) {
	since := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	consentURL := "http://127.0.0.1:9/oauth/auth?client_id=x"
	tests := []struct {
		name        string
		err         error
		wantMessage string
		wantNext    string
	}{
		{
			name: "consent revoked",
			err: fmt.Errorf("docusign Accounts:get: %w", &docusign.HaltedError{
				Reason: docusign.HaltConsentRevoked, ConsentURL: consentURL, Since: since,
				Cause: &docusign.ConsentRequiredError{ConsentURL: consentURL}}),
			wantMessage: "consent for this app was revoked",
			wantNext:    consentURL,
		},
		{
			name: "key rejected",
			err: &docusign.HaltedError{Reason: docusign.HaltKeyRejected, ConsentURL: consentURL,
				Since: since, Cause: &docusign.OAuthError{Code: "invalid_grant",
					Description: "no_valid_keys_or_signatures", StatusCode: 400}},
			wantMessage: "rejected the server's RSA key",
			wantNext:    "public half",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromDocusign(tt.err, "envelope e", since)
			if got.Code != CodeConsentRevoked {
				t.Errorf("Code = %q, want %q: a halt wins over the consent_required or "+
					"auth_failed cause it wraps", got.Code, CodeConsentRevoked)
			}
			if !strings.Contains(got.Message, tt.wantMessage) {
				t.Errorf("Message = %q, want it to contain %q", got.Message, tt.wantMessage)
			}
			if !strings.Contains(got.Message, "2026-12-04T20:00:00Z") {
				t.Errorf("Message = %q, want the halt time", got.Message)
			}
			if !strings.Contains(got.NextStep, tt.wantNext) {
				t.Errorf("NextStep = %q, want it to contain %q", got.NextStep, tt.wantNext)
			}
			if got.Retryable {
				t.Errorf("Retryable = true, want false while the integration is halted")
			}
		})
	}
}
