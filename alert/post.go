package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// payload is the JSON body posted to the alert URL.
type payload struct {
	Kind        string    `json:"kind"`
	Key         string    `json:"key"`
	Message     string    `json:"message"`
	EnvelopeID  string    `json:"envelope_id,omitempty"`
	OwnerUserID string    `json:"owner_user_id,omitempty"`
	RaisedAt    time.Time `json:"raised_at"`
	Service     string    `json:"service"`
}

// send posts queued alerts one at a time until Close, then drains the queue.
func (s *Sink) send() {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			s.drain()
			return
		default:
		}
		p, ok := s.queue.pop()
		if ok {
			s.post(context.Background(), p)
			continue
		}
		select {
		case <-s.stop:
			s.drain()
			return
		case <-s.queue.wake:
		}
	}
}

// drain posts what is still queued after Close, one attempt each because sleep returns at
// once after Close, and counts as failures the posts left when closeTimeout passes.
func (s *Sink) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	for ctx.Err() == nil {
		p, ok := s.queue.pop()
		if !ok {
			return
		}
		s.post(ctx, p)
	}
	left := s.queue.len()
	if left == 0 {
		return
	}
	s.count(func(st *Stats) { st.PostFailures += uint64(left) })
	s.logger.Error("alert posts dropped: closing the sink timed out", "posts", left,
		"timeout", closeTimeout)
}

// post sends p with up to MaxAttempts attempts and doubling waits, each attempt within
// ctx, and counts the outcome.
func (s *Sink) post(ctx context.Context, p payload) {
	p.Service = "docusign-mcp"
	body, err := json.Marshal(p)
	if err != nil {
		s.logger.Error("encoding an alert post failed", "kind", p.Kind, "err", err)
		return
	}
	wait := s.opts.Backoff
	attempt := 1
	for ; ; attempt++ {
		err = s.postOnce(ctx, body)
		if err == nil {
			s.count(func(st *Stats) { st.Posted++ })
			return
		}
		if attempt >= s.opts.MaxAttempts {
			break
		}
		s.logger.Warn("alert post failed, retrying", "kind", p.Kind, "key", p.Key,
			"attempt", attempt, "retry_in", wait, "err", err)
		if !s.sleep(wait) {
			err = fmt.Errorf("%w: %w", errStopped, err)
			break
		}
		wait *= 2
	}
	s.count(func(st *Stats) { st.PostFailures++ })
	s.logger.Error("alert post failed", "kind", p.Kind, "key", p.Key,
		"url", redactURL(s.opts.URL), "attempts", attempt, "err", err)
}

// postOnce sends one POST and returns an error unless the response status is 2xx.
func (s *Sink) postOnce(parent context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(parent, s.opts.PostTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opts.URL,
		bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		// The *url.Error names the whole URL, whose path or query may be a secret.
		return fmt.Errorf("post to %s failed: %w", redactURL(s.opts.URL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("alert URL %s returned HTTP %d", redactURL(s.opts.URL),
			resp.StatusCode)
	}
	return nil
}

// sleep waits d and reports false when the sink closed first.
func (s *Sink) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.stop:
		return false
	case <-t.C:
		return true
	}
}

// unwrapURLError returns the cause of a *url.Error, whose message repeats the full URL.
func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}
