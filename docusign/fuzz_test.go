package docusign_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
)

// FuzzCheckResponse feeds arbitrary error bodies and rate-limit headers to CheckResponse and
// ParseRateLimit, which must never panic and must always return a typed error for a non-2xx
// status.
func FuzzCheckResponse(f *testing.F) {
	f.Add(400, "application/json", `{"errorCode":"ENVELOPE_DOES_NOT_EXIST","message":"x"}`,
		"", "", "")
	f.Add(429, "application/json", `{"errorCode":"BURST_APIINVOCATION_LIMIT_EXCEEDED"}`,
		"1764849600", "0", "30")
	f.Add(400, "application/json", `{"errorCode":"HOURLY_APIINVOCATION_LIMIT_EXCEEDED"}`,
		"99999999999999999999", "-1", "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(503, "text/html", "<html>down</html>", "x", "y", "z")
	f.Add(200, "", "", "", "", "")
	f.Add(401, "application/json", `{"errorCode":null,"message":{"a":1}}`, "", "", "")
	f.Fuzz(func(t *testing.T, status int, contentType, body, reset, remaining,
		retryAfter string) {
		if status < 100 || status > 999 {
			return
		}
		header := http.Header{}
		header.Set("Content-Type", contentType)
		header.Set("X-RateLimit-Reset", reset)
		header.Set("X-RateLimit-Remaining", remaining)
		header.Set("Retry-After", retryAfter)
		resp := &http.Response{StatusCode: status, Header: header,
			Body: io.NopCloser(bytes.NewReader([]byte(body)))}
		rl := docusign.ParseRateLimit(header)
		if rl.Remaining < -1 || rl.Limit < -1 {
			t.Errorf("ParseRateLimit = %+v, want counts of -1 or more", rl)
		}
		err := docusign.CheckResponse(resp)
		if status >= 200 && status <= 299 {
			if err != nil {
				t.Errorf("CheckResponse(%d) = %v, want nil", status, err)
			}
			return
		}
		var apiErr *docusign.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Fatalf("CheckResponse(%d) = %v, want an *APIError with that status", status, err)
		}
		_ = err.Error()
		_ = docusign.IsRetryable(err)
		_ = docusign.IsNotFound(err)
	})
}
