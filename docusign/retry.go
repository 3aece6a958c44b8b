package docusign

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// RetryPolicy bounds how the client repeats failed requests. GETs and token requests are
// repeated on 5xx, 408 and 429 responses, rate limits and network errors. Void and resend are
// repeated only after re-reading the envelope, and Envelopes:create never. Zero fields take the
// defaults below.
type RetryPolicy struct {
	// MaxAttempts is the number of requests per call, the first included. Default 4.
	MaxAttempts int
	// MinBackoff is the upper bound of the first random wait. Default 250ms.
	MinBackoff time.Duration
	// MaxBackoff caps the exponential backoff. Default 10s.
	MaxBackoff time.Duration
	// Budget is the max time a call may spend, waits included. The context deadline wins when
	// it is earlier. A rate-limit wait that would end after it is not slept: the call returns
	// a *RateLimitError at once. Default 60s.
	Budget time.Duration
	// AttemptTimeout bounds one request, reading the response included. Default 30s.
	AttemptTimeout time.Duration
	// Backoff returns the wait before attempt number attempt (2 or more) when the response
	// gave no Retry-After. Nil means full jitter: a random duration between 0 and
	// min(max, min * 2^(attempt-2)).
	Backoff func(attempt int, min, max time.Duration) time.Duration
	// Sleep waits for d or until ctx is done. Nil means a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// withDefaults returns p with zero fields set to their defaults.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 4
	}
	if p.MinBackoff == 0 {
		p.MinBackoff = 250 * time.Millisecond
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = 10 * time.Second
	}
	if p.Budget == 0 {
		p.Budget = 60 * time.Second
	}
	if p.AttemptTimeout == 0 {
		p.AttemptTimeout = 30 * time.Second
	}
	if p.Backoff == nil {
		p.Backoff = FullJitterBackoff
	}
	if p.Sleep == nil {
		p.Sleep = sleepContext
	}
	return p
}

// validate rejects negative bounds.
func (p RetryPolicy) validate() error {
	var problems []error
	if p.MaxAttempts < 0 {
		problems = append(problems, fmt.Errorf("Retry.MaxAttempts %d is negative: set it to 1 "+
			"or more, or 0 for the default", p.MaxAttempts))
	}
	durations := []struct {
		name  string
		value time.Duration
	}{
		{"MinBackoff", p.MinBackoff}, {"MaxBackoff", p.MaxBackoff},
		{"Budget", p.Budget}, {"AttemptTimeout", p.AttemptTimeout},
	}
	for _, d := range durations {
		if d.value < 0 {
			problems = append(problems, fmt.Errorf("Retry.%s %v is negative: set a positive "+
				"duration, or 0 for the default", d.name, d.value))
		}
	}
	return errors.Join(problems...)
}

// FullJitterBackoff returns a random wait between 0 and min(max, min * 2^(attempt-2)), so that
// attempt 2 waits up to min and each later attempt up to twice as long.
func FullJitterBackoff(attempt int, min, max time.Duration) time.Duration {
	ceiling := min
	for i := 2; i < attempt && ceiling < max; i++ {
		ceiling *= 2
	}
	ceiling = minDuration(ceiling, max)
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

func minDuration(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// decision is the check step's verdict on a failed attempt.
type decision struct {
	retry bool
	// wait is the pause before the next attempt.
	wait time.Duration
	// rateLimited marks a wait that a rate limit imposes. When it does not fit in the budget,
	// the call ends with the RateLimitError instead of sleeping.
	rateLimited bool
	// exhausted marks a retryable failure on the last allowed attempt.
	exhausted bool
}

// send runs ep until it succeeds or the retry policy ends it: check decides whether a
// response is worth repeating, the backoff picks the wait, and ep.prepare may re-read state
// before a repeat.
func (c *Client) send(ctx context.Context, user string, ep *endpoint, handle handler) (
	*Response, error) {
	deadline := c.now().Add(c.retry.Budget)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	refreshed := false
	for n := 1; ; n++ {
		res := c.attempt(ctx, user, ep, n, handle)
		if res.resp != nil {
			res.resp.Attempts = n
		}
		if res.err == nil {
			return res.resp, nil
		}
		d := c.check(ctx, user, ep, n, res, &refreshed)
		if d.exhausted {
			return res.resp, c.giveUp(ep, n, res.err, d, "attempt limit reached")
		}
		if !d.retry {
			return res.resp, res.err
		}
		if d.wait > 0 && c.now().Add(d.wait).After(deadline) {
			return res.resp, c.giveUp(ep, n, res.err, d, "the wait does not fit the time budget")
		}
		attrs := []any{"operation", ep.operation, "attempt", n + 1,
			"wait_ms", d.wait.Milliseconds(), "error", res.err.Error()}
		if ep.action != "" {
			attrs = append(attrs, "action", ep.action)
		}
		c.logger.Info("docusign retrying", attrs...)
		if err := c.retry.Sleep(ctx, d.wait); err != nil {
			return res.resp, fmt.Errorf("docusign %s: stopped waiting to retry: %w (last "+
				"error: %w)", ep.operation, err, res.err)
		}
		if ep.prepare != nil {
			resp, stop, err := ep.prepare(ctx, res.err)
			if stop {
				return resp, err
			}
		}
	}
}

// check is the retry policy's check step: it decides whether the failed attempt n is
// repeated and after how long.
func (c *Client) check(ctx context.Context, user string, ep *endpoint, n int,
	res attemptResult, refreshed *bool) decision {
	if res.final || ctx.Err() != nil {
		return decision{}
	}
	if apiErr, ok := asAPIError(res.err); ok && ep.auth && isInvalidToken(apiErr) {
		c.tokens.invalidate(user, res.token)
		c.logger.Warn("docusign access token rejected, dropped from the cache",
			"operation", ep.operation, "trace_token", apiErr.TraceToken)
		if ep.mode == modeNever || *refreshed {
			return decision{}
		}
		*refreshed = true
		return decision{retry: true}
	}
	d := c.checkRetryable(ep, n, res)
	if d.retry && n >= c.retry.MaxAttempts {
		return decision{exhausted: true, rateLimited: d.rateLimited}
	}
	return d
}

// checkRetryable handles rate limits, retryable statuses and network errors.
func (c *Client) checkRetryable(ep *endpoint, n int, res attemptResult) decision {
	var rateErr *RateLimitError
	if errors.As(res.err, &rateErr) {
		if ep.mode == modeNever {
			return decision{}
		}
		return decision{retry: true, wait: res.rateLimitWait, rateLimited: true}
	}
	var netErr *NetworkError
	if errors.As(res.err, &netErr) {
		if IsCertificateError(netErr) {
			return decision{}
		}
		return decision{retry: ep.mode != modeNever, wait: c.backoff(n+1, nil)}
	}
	var oauthErr *OAuthError
	if errors.As(res.err, &oauthErr) && retryableStatus(oauthErr.StatusCode) {
		return decision{retry: true, wait: c.backoff(n+1, res.resp)}
	}
	apiErr, ok := asAPIError(res.err)
	if !ok || !retryableStatus(apiErr.StatusCode) {
		return decision{}
	}
	if ep.mode == modeNever {
		c.markAmbiguous(ep, res.err)
		return decision{}
	}
	return decision{retry: true, wait: c.backoff(n+1, res.resp)}
}

// backoff is the retry policy's backoff step: Retry-After when the response carries one, else
// the configured backoff for the attempt.
func (c *Client) backoff(attempt int, resp *Response) time.Duration {
	if resp != nil {
		if wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
			return wait
		}
	}
	return c.retry.Backoff(attempt, c.retry.MinBackoff, c.retry.MaxBackoff)
}

// markAmbiguous flags a final 5xx or 408 response to a request that changes state: the server
// may have applied it before failing.
func (c *Client) markAmbiguous(ep *endpoint, err error) {
	if ep.mode == modeIdempotent {
		return
	}
	var rateErr *RateLimitError
	if errors.As(err, &rateErr) {
		return
	}
	if apiErr, ok := asAPIError(err); ok && retryableStatus(apiErr.StatusCode) &&
		apiErr.StatusCode != http.StatusTooManyRequests {
		apiErr.Ambiguous = true
	}
}

// giveUp ends a call that may not retry any more, because the wait does not fit or no attempt
// is left. A rate limit returns its RateLimitError, whose Reset is when the caller may retry.
// Other errors are wrapped with the attempt count.
func (c *Client) giveUp(ep *endpoint, n int, err error, d decision, why string) error {
	if d.rateLimited {
		return err
	}
	c.markAmbiguous(ep, err)
	return fmt.Errorf("docusign %s: giving up after %d attempts (%s): %w", ep.operation, n, why,
		err)
}
