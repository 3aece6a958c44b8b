package docusign_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

// A 429 without a Docusign error code (Docusign documents 429 for an exhausted API limit, and
// some gateways send it with an HTML or empty body) still carries X-RateLimit-Reset. With no
// Retry-After, the wait must come from that header, not from a guessed 30-second window.
func TestPlain429WaitsForRateLimitReset(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{name: "empty body", body: ""},
		{name: "html body", body: "<html>Too Many Requests</html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			reset := env.clock.Now().Add(20 * time.Minute).Truncate(time.Second)
			env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-RateLimit-Limit", "1000")
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(tt.body))
			})
			_, _, err := env.client.Envelopes.Get(context.Background(), testEnvelopeID, nil)
			var rateErr *docusign.RateLimitError
			if !errors.As(err, &rateErr) {
				t.Fatalf("Get error = %v, want a *RateLimitError", err)
			}
			if !rateErr.Reset.Equal(reset) {
				t.Errorf("RateLimitError.Reset = %v, want %v from X-RateLimit-Reset: the hourly "+
					"limit is exhausted, so a retry after 30 seconds fails again",
					rateErr.Reset, reset)
			}
			if _, _, rest := env.fake.counts(); rest != 1 {
				t.Errorf("REST requests = %d, want 1: the reset is beyond the call's budget",
					rest)
			}
		})
	}
}

// /oauth/userinfo lists accounts by GUID only, so an account number (digits) as AccountID
// could never be matched. NewClient rejects it and names the GUID to use instead.
func TestAccountNumberAccountIDRejected(t *testing.T) {
	cfg := validConfig(t)
	cfg.AccountID = "18361234"
	_, err := docusign.NewClient(cfg)
	if err == nil {
		t.Fatal("NewClient accepted the account number 18361234 as AccountID, want an error: " +
			"every call would fail when userinfo lists no account with that id")
	}
	for _, part := range []string{"AccountID", "18361234", "API Account ID GUID", "Apps and Keys"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("NewClient error %q does not mention %q", err, part)
		}
	}
}
