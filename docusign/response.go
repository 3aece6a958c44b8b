package docusign

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxErrorBody is the number of bytes read from an error body. The rest is discarded.
const maxErrorBody = 64 << 10

// burstWindow is the length of Docusign's burst rate-limit window.
const burstWindow = 30 * time.Second

// Response is the HTTP response behind a successful or failed call. Header contains the
// response's headers. The body has already been consumed.
type Response struct {
	StatusCode int
	Header     http.Header
	// TraceToken is X-DocuSign-TraceToken, the id to quote to Docusign support.
	TraceToken string
	RateLimit  RateLimit
	// Attempts counts the HTTP requests the call made, retries and a token refresh included.
	Attempts int
}

// RateLimit is the rate-limit state from the X-RateLimit-* and X-BurstLimit-* headers. A count
// whose header was absent or not a number is -1, and an absent or invalid reset is the zero
// time.
type RateLimit struct {
	// Limit is the account's hourly API call limit (X-RateLimit-Limit).
	Limit int
	// Remaining counts the calls left in the current hour (X-RateLimit-Remaining).
	Remaining int
	// Reset is when the hourly window restarts (X-RateLimit-Reset, Unix seconds).
	Reset time.Time
	// BurstLimit is the account's limit per 30-second window (X-BurstLimit-Limit).
	BurstLimit int
	// BurstRemaining counts the calls left in the current 30-second window.
	BurstRemaining int
}

// ParseRateLimit reads the rate-limit headers of a response. It never fails: a missing or
// malformed header leaves -1 or the zero time.
func ParseRateLimit(h http.Header) RateLimit {
	rl := RateLimit{
		Limit:          headerInt(h, "X-RateLimit-Limit"),
		Remaining:      headerInt(h, "X-RateLimit-Remaining"),
		BurstLimit:     headerInt(h, "X-BurstLimit-Limit"),
		BurstRemaining: headerInt(h, "X-BurstLimit-Remaining"),
	}
	if secs := headerInt(h, "X-RateLimit-Reset"); secs > 0 {
		rl.Reset = time.Unix(int64(secs), 0).UTC()
	}
	return rl
}

func headerInt(h http.Header, name string) int {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// newResponse copies what callers need from an HTTP response.
func newResponse(resp *http.Response) *Response {
	return &Response{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		TraceToken: resp.Header.Get("X-DocuSign-TraceToken"),
		RateLimit:  ParseRateLimit(resp.Header),
	}
}

// rateLimitKinds maps the error codes of exhausted rate limits to whether the limit is hourly
// (true) or a 30-second burst window (false). Docusign documents HTTP 429 for the
// account-wide codes, but clients have also received them with 400, and the per-envelope
// codes come with 400. So the code, not the status, decides.
var rateLimitKinds = map[string]bool{
	"HOURLY_APIINVOCATION_LIMIT_EXCEEDED":          true,
	"BURST_APIINVOCATION_LIMIT_EXCEEDED":           false,
	"Hourly_Envelope_Polling_Limit_Exceeded":       true,
	"Burst_Envelope_Polling_Limit_Exceeded":        false,
	"Hourly_APIInvocation_Envelope_Limit_Exceeded": true,
	"Burst_APIInvocation_Envelope_Limit_Exceeded":  false,
}

// CheckResponse returns nil for a 2xx response. For any other status it reads at most 64 KiB of
// the body and returns an *APIError, or a *RateLimitError when the errorCode names an
// exhausted rate limit or the status is 429. It does not close the body. A burst limit's Reset
// is computed from time.Now, which the client replaces with its configured clock.
func CheckResponse(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	apiErr := parseErrorBody(resp)
	if reset, ok := rateLimitReset(apiErr, resp.Header, time.Now()); ok {
		return &RateLimitError{APIError: *apiErr, Reset: reset}
	}
	return apiErr
}

// parseErrorBody builds an APIError from a non-2xx response, reading the body through a limit.
func parseErrorBody(resp *http.Response) *APIError {
	apiErr := &APIError{
		StatusCode: resp.StatusCode,
		TraceToken: resp.Header.Get("X-DocuSign-TraceToken"),
	}
	var data []byte
	if resp.Body != nil {
		data, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	}
	var details ErrorDetails
	if err := json.Unmarshal(data, &details); err == nil && details.ErrorCode != "" {
		apiErr.ErrorCode = details.ErrorCode
		apiErr.Message = details.Message
		return apiErr
	}
	if len(strings.TrimSpace(string(data))) > 0 {
		apiErr.ContentType = mediaType(resp.Header.Get("Content-Type"))
	}
	return apiErr
}

// mediaType returns the media type of a Content-Type value, or a placeholder when it is
// missing or invalid.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		return "non-JSON"
	}
	return mt
}

// rateLimitReset reports whether apiErr is an exhausted rate limit and, if so, when it resets:
// Retry-After when present, else X-RateLimit-Reset for an hourly limit, else now plus 30 seconds.
// A 429 without a known errorCode counts as hourly when X-RateLimit-Remaining is 0.
func rateLimitReset(apiErr *APIError, h http.Header, now time.Time) (time.Time, bool) {
	hourly, known := rateLimitKinds[apiErr.ErrorCode]
	if !known && apiErr.StatusCode != http.StatusTooManyRequests {
		return time.Time{}, false
	}
	if !known {
		hourly = ParseRateLimit(h).Remaining == 0
	}
	if wait, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		return now.Add(wait), true
	}
	if hourly {
		if reset := ParseRateLimit(h).Reset; reset.After(now) {
			return reset, true
		}
	}
	return now.Add(burstWindow), true
}

// parseRetryAfter reads a Retry-After value given as seconds or as an HTTP date. A date in the
// past yields a zero wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 || secs > int64(24*time.Hour/time.Second) {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}

// emailPattern matches email addresses in messages so they can be masked.
var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})`)

// maskEmails replaces the local part of every email address in s, to keep signers' addresses
// out of errors and logs.
func maskEmails(s string) string {
	return emailPattern.ReplaceAllString(s, "***@$1")
}

// asAPIError returns the APIError inside err, if any.
func asAPIError(err error) (*APIError, bool) {
	var apiErr *APIError
	ok := errors.As(err, &apiErr)
	return apiErr, ok
}
