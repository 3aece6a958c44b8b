package docusign_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

func TestErrorBodies(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantCode    string
		wantText    string
		notFound    bool
		retryable   bool
	}{
		{"json error", 400, "application/json",
			`{"errorCode":"ENVELOPE_DOES_NOT_EXIST","message":"The envelope specified either ` +
				`does not exist or you have no rights to it."}`,
			"ENVELOPE_DOES_NOT_EXIST", "does not exist", true, false},
		{"html 503", 503, "text/html; charset=utf-8",
			"<html><body>Service Unavailable</body></html>",
			"", "text/html body", false, true},
		{"empty 502", 502, "", "", "", "empty body", false, true},
		{"plain 404", 404, "text/plain", "not here", "", "text/plain", true, false},
		{"json without errorCode", 403, "application/json", `{"foo":"bar"}`, "",
			"application/json body", false, false},
		{"email masked", 400, "application/json",
			`{"errorCode":"INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",` +
				`"message":"bad jane.doe@example.com"}`,
			"INVALID_EMAIL_ADDRESS_FOR_RECIPIENT", "***@example.com", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, func(c *docusign.Config) { c.Retry.MaxAttempts = 1 })
			env.fake.setREST(func(w http.ResponseWriter, _ *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.Header().Set("X-DocuSign-TraceToken", "trace-1")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			_, resp, err := env.client.Envelopes.Get(context.Background(), testEnvelopeID, nil)
			assertAPIError(t, err, tt.status, tt.wantCode)
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), "jane.doe") {
				t.Errorf("error %q leaks an email address", err)
			}
			if got := docusign.IsNotFound(err); got != tt.notFound {
				t.Errorf("IsNotFound = %v, want %v", got, tt.notFound)
			}
			if got := docusign.IsRetryable(err); got != tt.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tt.retryable)
			}
			if resp == nil || resp.StatusCode != tt.status || resp.TraceToken != "trace-1" {
				t.Errorf("Response = %+v, want status %d and trace token trace-1", resp, tt.status)
			}
		})
	}
}

func assertAPIError(t *testing.T, err error, status int, code string) *docusign.APIError {
	t.Helper()
	var apiErr *docusign.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	if apiErr.StatusCode != status || apiErr.ErrorCode != code {
		t.Errorf("APIError status/code = %d/%q, want %d/%q", apiErr.StatusCode, apiErr.ErrorCode,
			status, code)
	}
	return apiErr
}

func TestErrorBodyReadThroughLimit(t *testing.T) {
	env := newTestEnv(t, func(c *docusign.Config) { c.Retry.MaxAttempts = 1 })
	env.fake.setREST(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		// A valid error object padded past 64 KiB is cut and so no longer parses.
		_, _ = io.WriteString(w, `{"errorCode":"X","message":"`+strings.Repeat("a", 1<<20)+`"}`)
	})
	_, _, err := env.client.Envelopes.Get(context.Background(), testEnvelopeID, nil)
	apiErr := assertAPIError(t, err, http.StatusBadRequest, "")
	if len(err.Error()) > 1000 {
		t.Errorf("error message is %d bytes, want the body left out", len(err.Error()))
	}
	if apiErr.Message != "" {
		t.Errorf("Message has %d bytes, want none from a truncated body", len(apiErr.Message))
	}
}

func TestCheckResponseRateLimits(t *testing.T) {
	reset := time.Now().Add(40 * time.Minute).Truncate(time.Second)
	tests := []struct {
		name      string
		status    int
		code      string
		header    map[string]string
		wantLimit bool
		wantReset time.Duration
	}{
		{"hourly 400", 400, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
			map[string]string{"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
			true, 40 * time.Minute},
		{"hourly 429", 429, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
			map[string]string{"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
			true, 40 * time.Minute},
		{"burst 429", 429, "BURST_APIINVOCATION_LIMIT_EXCEEDED", nil, true, 30 * time.Second},
		{"burst 400", 400, "BURST_APIINVOCATION_LIMIT_EXCEEDED", nil, true, 30 * time.Second},
		{"envelope polling hourly", 400, "Hourly_Envelope_Polling_Limit_Exceeded",
			map[string]string{"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
			true, 40 * time.Minute},
		{"envelope polling burst", 400, "Burst_Envelope_Polling_Limit_Exceeded", nil, true,
			30 * time.Second},
		{"envelope update hourly", 400, "Hourly_APIInvocation_Envelope_Limit_Exceeded", nil,
			true, 30 * time.Second},
		{"envelope update burst", 400, "Burst_APIInvocation_Envelope_Limit_Exceeded", nil,
			true, 30 * time.Second},
		{"retry-after seconds wins", 429, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
			map[string]string{"Retry-After": "120",
				"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
			true, 2 * time.Minute},
		{"429 without code", 429, "", nil, true, 30 * time.Second},
		{"other 400", 400, "INVALID_REQUEST_PARAMETER", nil, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			for k, v := range tt.header {
				rec.Header().Set(k, v)
			}
			if tt.code != "" {
				writeError(rec, tt.status, tt.code, "limit")
			} else {
				rec.WriteHeader(tt.status)
			}
			before := time.Now()
			err := docusign.CheckResponse(rec.Result())
			var rateErr *docusign.RateLimitError
			if got := errors.As(err, &rateErr); got != tt.wantLimit {
				t.Fatalf("CheckResponse = %v; RateLimitError %v, want %v", err, got, tt.wantLimit)
			}
			if !tt.wantLimit {
				return
			}
			if got := rateErr.Reset.Sub(before); got < tt.wantReset-2*time.Second ||
				got > tt.wantReset+2*time.Second {
				t.Errorf("Reset is %v ahead, want about %v", got, tt.wantReset)
			}
			if !docusign.IsRetryable(err) {
				t.Errorf("IsRetryable(rate limit) = false, want true")
			}
			var apiErr *docusign.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode != tt.code {
				t.Errorf("errors.As *APIError = %v, want code %q", apiErr, tt.code)
			}
		})
	}
}

func TestParseRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		want   docusign.RateLimit
	}{
		{"all present", map[string]string{
			"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "984",
			"X-RateLimit-Reset": "1320855230", "X-BurstLimit-Limit": "500",
			"X-BurstLimit-Remaining": "498"},
			docusign.RateLimit{Limit: 1000, Remaining: 984,
				Reset: time.Unix(1320855230, 0).UTC(), BurstLimit: 500, BurstRemaining: 498}},
		{"none present", nil, docusign.RateLimit{Limit: -1, Remaining: -1, BurstLimit: -1,
			BurstRemaining: -1}},
		{"garbage", map[string]string{"X-RateLimit-Limit": "lots", "X-RateLimit-Reset": "-5",
			"X-RateLimit-Remaining": "0"},
			docusign.RateLimit{Limit: -1, Remaining: 0, BurstLimit: -1, BurstRemaining: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got := docusign.ParseRateLimit(h); got != tt.want {
				t.Errorf("ParseRateLimit = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestResponseCarriesRateLimitHeaders(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "3000")
		w.Header().Set("X-RateLimit-Remaining", "2999")
		w.Header().Set("X-RateLimit-Reset", "1764849600")
		w.Header().Set("X-BurstLimit-Limit", "200")
		w.Header().Set("X-BurstLimit-Remaining", "199")
		w.Header().Set("X-DocuSign-TraceToken", "6f1c2a3b-trace")
		accountOK(w, r)
	})
	_, resp, err := env.client.Accounts.Get(context.Background())
	if err != nil {
		t.Fatalf("Accounts.Get: %v", err)
	}
	want := docusign.RateLimit{Limit: 3000, Remaining: 2999,
		Reset: time.Unix(1764849600, 0).UTC(), BurstLimit: 200, BurstRemaining: 199}
	if resp.RateLimit != want {
		t.Errorf("RateLimit = %+v, want %+v", resp.RateLimit, want)
	}
	if resp.TraceToken != "6f1c2a3b-trace" {
		t.Errorf("TraceToken = %q, want 6f1c2a3b-trace", resp.TraceToken)
	}
	if resp.StatusCode != http.StatusOK || resp.Attempts != 1 {
		t.Errorf("StatusCode/Attempts = %d/%d, want 200/1", resp.StatusCode, resp.Attempts)
	}
}
