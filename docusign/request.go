package docusign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// maxJSONBody limits a successful JSON response read into memory.
const maxJSONBody = 32 << 20

// retryMode defines when a request may be sent again.
type retryMode int

const (
	// modeIdempotent requests (GETs, the token request) are repeated on 5xx, 429, rate
	// limits and network errors.
	modeIdempotent retryMode = iota
	// modeReread requests (void, resend) are repeated only after endpoint.prepare has
	// re-read the envelope and found that repeating is still needed.
	modeReread
	// modeNever requests (envelope create) are sent once, and an unclear failure is ambiguous.
	modeNever
)

// endpoint is one call's request and the rules for repeating it.
type endpoint struct {
	operation    string
	action       string
	method       string
	pathTemplate string
	envelopeID   string
	url          string
	body         []byte
	contentType  string
	accept       string
	// auth adds the impersonated user's bearer token.
	auth bool
	mode retryMode
	// streaming marks a handler that writes to the caller, so a failure while reading the
	// body is never retried.
	streaming bool
	// parseError turns a non-2xx response into an error. Nil means parseAPIError.
	parseError func(resp *http.Response, now time.Time) error
	// prepare runs before each repeat of a modeReread request (see prepareFunc).
	prepare prepareFunc
}

// prepareFunc decides, before a request is repeated, whether to repeat it. It returns
// stop=true to end the call with resp and err instead, for example with a nil error when a
// re-read shows that the first request took effect.
type prepareFunc func(ctx context.Context, lastErr error) (resp *Response, stop bool, err error)

// handler consumes a successful response's body. An error of type *NetworkError is retried like
// a failed request unless the endpoint is streaming.
type handler func(resp *http.Response) error

// parseAPIError turns a non-2xx REST or userinfo response into an APIError or RateLimitError.
func parseAPIError(resp *http.Response, now time.Time) error {
	apiErr := parseErrorBody(resp)
	if reset, ok := rateLimitReset(apiErr, resp.Header, now); ok {
		return &RateLimitError{APIError: *apiErr, Reset: reset}
	}
	return apiErr
}

// decodeJSON returns a handler that decodes a JSON body of at most limit bytes into out.
func decodeJSON(out any, limit int64) handler {
	return func(resp *http.Response) error {
		data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		if err != nil {
			return &NetworkError{Err: fmt.Errorf("read HTTP %d response body: %w",
				resp.StatusCode, err)}
		}
		if int64(len(data)) > limit {
			return fmt.Errorf("response larger than %d bytes", limit)
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode %s response: %w", mediaType(resp.Header.Get("Content-Type")),
				err)
		}
		return nil
	}
}

// attemptResult is the outcome of one HTTP request.
type attemptResult struct {
	resp *Response
	err  error
	// token is the access token sent, so that a 401 drops exactly that token.
	token string
	// final marks an error that no retry can fix, such as a failed token request.
	final bool
	// rateLimitWait is the time until a rate limit resets, measured when the response arrived.
	rateLimitWait time.Duration
}

// attempt sends ep once, within the per-attempt timeout, and reports it to the observer. The
// wait for an access token is bounded by ctx alone, because the token request has its own
// attempts and timeouts.
func (c *Client) attempt(ctx context.Context, user string, ep *endpoint, n int,
	handle handler) attemptResult {
	token, err := c.tokenFor(ctx, user, ep)
	if err != nil {
		return attemptResult{err: err, final: true}
	}
	ctx, cancel := context.WithTimeout(ctx, c.retry.AttemptTimeout)
	defer cancel()
	// http.Transport sends a GET again by itself when a reused connection closes before
	// a response arrives, and Docusign may have served the first copy. Each extra write is
	// observed as a call without a response, so the audit log records every copy sent.
	var writes atomic.Int32
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				writes.Add(1)
			}
		}})
	req, err := c.newRequest(ctx, ep, token)
	if err != nil {
		return attemptResult{err: err, final: true}
	}
	started := time.Now()
	httpResp, err := c.httpClient.Do(req)
	rec := CallRecord{
		Operation: ep.operation, Action: ep.action, Method: ep.method,
		PathTemplate: ep.pathTemplate, EnvelopeID: ep.envelopeID, Attempt: n,
		Tag: CallTagFrom(ctx),
	}
	for range writes.Load() - 1 {
		replay := rec
		replay.Latency = time.Since(started)
		replay.Err = errors.New("connection closed before a response: http.Transport " +
			"sent the request again")
		c.observe(replay)
	}
	if err != nil {
		res := attemptResult{err: c.networkError(ctx, ep, err), token: token}
		rec.Latency, rec.Err = time.Since(started), res.err
		c.observe(rec)
		return res
	}
	defer httpResp.Body.Close()
	res := c.readResponse(ep, httpResp, handle)
	res.token = token
	rec.StatusCode, rec.TraceToken = httpResp.StatusCode, res.resp.TraceToken
	rec.ErrorCode, rec.Err, rec.Latency = errorCode(res.err), res.err, time.Since(started)
	c.observe(rec)
	return res
}

// readResponse turns an HTTP response into a result: an error for a non-2xx status, else the
// handler's outcome.
func (c *Client) readResponse(ep *endpoint, httpResp *http.Response,
	handle handler) attemptResult {
	resp := newResponse(httpResp)
	if httpResp.StatusCode < 200 || httpResp.StatusCode > 299 {
		parse := ep.parseError
		if parse == nil {
			parse = parseAPIError
		}
		now := c.now()
		res := attemptResult{resp: resp, err: parse(httpResp, now)}
		if apiErr, ok := asAPIError(res.err); ok {
			apiErr.Operation = ep.operation
		}
		var rateErr *RateLimitError
		if errors.As(res.err, &rateErr) {
			res.rateLimitWait = max(rateErr.Reset.Sub(now), 0)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(httpResp.Body, maxErrorBody))
		return res
	}
	if err := handle(httpResp); err != nil {
		return handlerFailure(ep, resp, err)
	}
	return attemptResult{resp: resp}
}

// handlerFailure wraps an error from reading a 2xx response's body. The 2xx status shows that
// a state change (create, void, resend) took effect, so for those the error matches
// ErrAmbiguous: the caller must look for the result before repeating the request.
func handlerFailure(ep *endpoint, resp *Response, err error) attemptResult {
	changesState := ep.mode != modeIdempotent
	var netErr *NetworkError
	if errors.As(err, &netErr) {
		netErr.Operation = ep.operation
		netErr.Ambiguous = changesState
		return attemptResult{resp: resp, err: netErr, final: ep.streaming}
	}
	if changesState {
		err = fmt.Errorf("HTTP %d succeeded, so %w, but %w", resp.StatusCode, ErrAmbiguous,
			err)
	}
	return attemptResult{resp: resp, err: fmt.Errorf("docusign %s: %w", ep.operation, err),
		final: true}
}

// tokenFor returns the user's access token when ep needs one, else "".
func (c *Client) tokenFor(ctx context.Context, user string, ep *endpoint) (string, error) {
	if !ep.auth {
		return "", nil
	}
	return c.tokens.get(ctx, user)
}

// newRequest builds the HTTP request, with the bearer token when ep needs one.
func (c *Client) newRequest(ctx context.Context, ep *endpoint, token string) (*http.Request,
	error) {
	var body io.Reader
	if ep.body != nil {
		body = bytes.NewReader(ep.body)
	}
	req, err := http.NewRequestWithContext(ctx, ep.method, ep.url, body)
	if err != nil {
		return nil, fmt.Errorf("docusign %s: build request: %w", ep.operation, err)
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "application/json")
	if ep.accept != "" {
		req.Header.Set("Accept", ep.accept)
	}
	if ep.contentType != "" {
		req.Header.Set("Content-Type", ep.contentType)
	}
	if !ep.auth {
		req.Header.Set("Cache-Control", "no-store")
		req.Header.Set("Pragma", "no-cache")
		return req, nil
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req, nil
}

// networkError wraps a transport failure. It is ambiguous unless the request was idempotent
// or certainly never reached the server (a failed dial).
func (c *Client) networkError(ctx context.Context, ep *endpoint, err error) *NetworkError {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		// The URL can contain query values such as search text, so keep it out of the error.
		err = urlErr.Err
	}
	var opErr *net.OpError
	// A failed dial or TLS certificate check comes before the request is sent.
	notSent := (errors.As(err, &opErr) && opErr.Op == "dial") || IsCertificateError(err)
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		err = fmt.Errorf("attempt timed out or was canceled: %w", err)
	}
	return &NetworkError{
		Operation: ep.operation,
		Ambiguous: ep.mode != modeIdempotent && !notSent,
		Err:       err,
	}
}

// errorCode returns the Docusign or OAuth error code inside err, if any.
func errorCode(err error) string {
	if apiErr, ok := asAPIError(err); ok {
		return apiErr.ErrorCode
	}
	var oauthErr *OAuthError
	if errors.As(err, &oauthErr) {
		return oauthErr.Code
	}
	var consentErr *ConsentRequiredError
	if errors.As(err, &consentErr) {
		return "consent_required"
	}
	return ""
}

// call sends a REST request for the user that ctx impersonates. pathArgs fill the
// placeholders of ep.pathTemplate after {accountId}, in order, each escaped as a path segment.
func (c *Client) call(ctx context.Context, ep *endpoint, query url.Values, handle handler,
	pathArgs ...string) (*Response, error) {
	user, err := c.userFrom(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := c.sessions.get(ctx, user)
	if err != nil {
		return nil, err
	}
	path, err := expandPath(ep.pathTemplate, append([]string{sess.accountID}, pathArgs...))
	if err != nil {
		return nil, err
	}
	ep.url = sess.restBase + path
	if len(query) > 0 {
		ep.url += "?" + query.Encode()
	}
	ep.auth = true
	return c.send(ctx, user, ep, handle)
}

// expandPath replaces each {name} placeholder of template with the next value, escaped as a
// single path segment.
func expandPath(template string, values []string) (string, error) {
	var b strings.Builder
	rest := template
	for _, v := range values {
		open := strings.IndexByte(rest, '{')
		end := strings.IndexByte(rest, '}')
		if open < 0 || end < open {
			return "", fmt.Errorf("path template %q has fewer placeholders than values", template)
		}
		b.WriteString(rest[:open])
		b.WriteString(url.PathEscape(v))
		rest = rest[end+1:]
	}
	if strings.ContainsRune(rest, '{') {
		return "", fmt.Errorf("path template %q has more placeholders than values", template)
	}
	b.WriteString(rest)
	return b.String(), nil
}
