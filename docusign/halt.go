package docusign

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Reasons for a halt, in HaltedError.Reason.
const (
	// HaltConsentRevoked means the token endpoint returned consent_required for the
	// default user (Config.UserID): consent was revoked, or was never granted.
	HaltConsentRevoked = "consent_revoked"
	// HaltKeyRejected means the token endpoint returned invalid_grant with
	// no_valid_keys_or_signatures for every configured key: Docusign holds no public key
	// that matches them.
	HaltKeyRejected = "key_rejected"
)

// DefaultProbeInterval is the default shortest time between two probe token requests
// while the integration is halted.
const DefaultProbeInterval = time.Minute

// HaltPolicy sets how a halted client probes for restored consent.
//
// The client halts when a token request shows that the integration itself lost access:
// consent_required for the default user (Config.UserID), or a rejected signing key for any
// user. A user named with WithUser who has not consented gets a *ConsentRequiredError for
// that call alone, because the integration still works for everyone else. While halted,
// every call that needs Docusign returns a *HaltedError at once and sends no request.
type HaltPolicy struct {
	// ProbeInterval is the shortest time between two token requests while halted, measured
	// on Config.Clock. A probe runs lazily, within the first call (or ProbeHalt) after the
	// interval has passed since the halt or the last probe. Default DefaultProbeInterval.
	ProbeInterval time.Duration
	// Manual turns the automatic probes off: only Resume probes.
	Manual bool
}

func (p HaltPolicy) interval() time.Duration {
	if p.ProbeInterval == 0 {
		return DefaultProbeInterval
	}
	return p.ProbeInterval
}

func (p HaltPolicy) validate() error {
	if p.ProbeInterval < 0 {
		return fmt.Errorf("Halt.ProbeInterval %v is negative: set a positive duration, or 0 "+
			"for the default of %v", p.ProbeInterval, DefaultProbeInterval)
	}
	return nil
}

// HaltedError is returned by every call while the integration is halted (see HaltPolicy).
// Unwrap returns the token endpoint's error that caused the halt, so errors.As with
// *ConsentRequiredError or *OAuthError also matches it.
type HaltedError struct {
	// Reason is HaltConsentRevoked or HaltKeyRejected.
	Reason string
	// UserID is the user whose token request halted the integration.
	UserID string
	// ConsentURL is the page where the user or an administrator grants consent.
	ConsentURL string
	// Since is when the integration halted, on the client's clock.
	Since time.Time
	// Cause is the token endpoint's error.
	Cause error
}

// Error describes why the integration halted and what restores it.
func (e *HaltedError) Error() string {
	since := e.Since.UTC().Format(time.RFC3339)
	if e.Reason == HaltKeyRejected {
		return fmt.Sprintf("docusign: integration halted since %s: the token endpoint "+
			"rejected the integration's RSA key (no_valid_keys_or_signatures): upload the "+
			"key's public half for the integration key in Apps and Keys or configure the "+
			"matching private key, and calls resume after the next successful probe", since)
	}
	return fmt.Sprintf("docusign: integration halted since %s: consent for the default user "+
		"%s was revoked or never granted (consent_required): grant consent at %s, and "+
		"calls resume after the next successful probe", since, e.UserID, e.ConsentURL)
}

// Unwrap returns the token endpoint's error.
func (e *HaltedError) Unwrap() error { return e.Cause }

// HaltEvent describes a halt to Config.OnHalt.
type HaltEvent struct {
	Reason     string
	UserID     string
	ConsentURL string
	Since      time.Time
	Cause      error
}

// ResumeEvent describes the end of a halt to Config.OnResume.
type ResumeEvent struct {
	// Reason is the halt's reason.
	Reason  string
	Since   time.Time
	Resumed time.Time
	// KeyFingerprint identifies the key that signed the successful probe.
	KeyFingerprint string
}

// haltState tracks whether the client is halted and when it last probed. halted is nil
// while the integration serves.
type haltState struct {
	client *Client

	mu        sync.Mutex
	halted    *HaltedError
	lastProbe time.Time
	probing   bool
	// probes counts the probes of the current halt, to alternate keys after a rejection.
	probes int
}

func newHaltState(c *Client) *haltState { return &haltState{client: c} }

// haltReason returns the halt reason that a token request's error for user shows, or "".
func (c *Client) haltReason(user string, err error) string {
	var consent *ConsentRequiredError
	switch {
	case errors.As(err, &consent) && user == c.cfg.UserID:
		return HaltConsentRevoked
	case isKeyRejected(err):
		return HaltKeyRejected
	}
	return ""
}

// observe halts the integration when err, the outcome of a token request for user, shows
// a lost consent or a rejected key. It returns the error that callers get: a *HaltedError
// then, else err.
func (h *haltState) observe(user string, err error) error {
	if err == nil {
		return nil
	}
	c := h.client
	reason := c.haltReason(user, err)
	if reason == "" {
		return err
	}
	h.mu.Lock()
	if h.halted != nil {
		halted := *h.halted
		h.mu.Unlock()
		return &halted
	}
	now := c.now()
	h.halted = &HaltedError{Reason: reason, UserID: user, ConsentURL: c.ConsentURL(),
		Since: now, Cause: err}
	h.lastProbe, h.probes = now, 0
	halted := *h.halted
	h.mu.Unlock()

	c.logger.Error("docusign integration halted: every call fails until a probe succeeds",
		"reason", reason, "user_id", user, "consent_url", halted.ConsentURL,
		"manual_resume", c.cfg.Halt.Manual, "error", err.Error())
	if c.cfg.OnHalt != nil {
		c.cfg.OnHalt(HaltEvent{Reason: reason, UserID: user, ConsentURL: halted.ConsentURL,
			Since: now, Cause: err})
	}
	return &halted
}

// admit returns nil while the integration serves. While it is halted, it runs a probe when
// one is due in automatic mode and no other probe runs, and otherwise returns the
// *HaltedError at once.
func (h *haltState) admit(ctx context.Context) error {
	h.mu.Lock()
	if h.halted == nil {
		h.mu.Unlock()
		return nil
	}
	due := !h.client.now().Before(h.lastProbe.Add(h.client.cfg.Halt.interval()))
	if h.client.cfg.Halt.Manual || h.probing || !due {
		halted := *h.halted
		h.mu.Unlock()
		return &halted
	}
	key := h.startProbeLocked()
	h.mu.Unlock()
	return h.probe(ctx, key)
}

// startProbeLocked marks a probe as running and picks its key: after a key rejection,
// probes alternate between the configured keys. h.mu must be held.
func (h *haltState) startProbeLocked() *signingKey {
	h.probing = true
	h.lastProbe = h.client.now()
	key := h.client.keys.current()
	if h.halted.Reason == HaltKeyRejected && h.probes%2 == 1 {
		if other, ok := h.client.keys.other(key); ok {
			key = other
		}
	}
	h.probes++
	return key
}

// probe sends one token request for the default user, with no retry, and resumes the
// integration when it succeeds.
func (h *haltState) probe(ctx context.Context, key *signingKey) error {
	c := h.client
	user := c.cfg.UserID
	tok, err := c.requestTokenWith(ctx, user, key, c.sendOnce)
	if err != nil {
		return h.probeFailed(user, err)
	}
	c.tokens.mu.Lock()
	c.tokens.tokens[user] = tok
	c.tokens.mu.Unlock()
	c.preferKey(key)

	h.mu.Lock()
	halted := h.halted
	h.halted, h.probing = nil, false
	h.mu.Unlock()
	now := c.now()
	c.logger.Info("docusign integration resumed: a probe token request succeeded",
		"reason", halted.Reason, "halted_for", now.Sub(halted.Since).Round(time.Second).String(),
		"key", key.fingerprint)
	if c.cfg.OnResume != nil {
		c.cfg.OnResume(ResumeEvent{Reason: halted.Reason, Since: halted.Since, Resumed: now,
			KeyFingerprint: key.fingerprint})
	}
	return nil
}

// probeFailed keeps the integration halted after a failed probe. When the failure itself
// shows a halt reason, such as a rejected key after consent came back, it becomes the cause.
func (h *haltState) probeFailed(user string, err error) error {
	c := h.client
	reason := c.haltReason(user, err)
	h.mu.Lock()
	h.probing = false
	if reason != "" {
		h.halted.Reason, h.halted.Cause = reason, err
	}
	halted := *h.halted
	h.mu.Unlock()
	c.logger.Warn("docusign probe failed, the integration stays halted", "reason",
		halted.Reason, "next_probe_after", c.cfg.Halt.interval().String(), "error", err.Error())
	return &halted
}

// sendOnce sends a token request once, without retries, so that a probe costs exactly one
// request.
func (c *Client) sendOnce(ctx context.Context, user string, ep *endpoint, handle handler) (
	*Response, error) {
	res := c.attempt(ctx, user, ep, 1, handle)
	if res.resp != nil {
		res.resp.Attempts = 1
	}
	return res.resp, res.err
}

// Halted returns the current halt and true while the integration is halted.
func (c *Client) Halted() (HaltedError, bool) {
	c.halt.mu.Lock()
	defer c.halt.mu.Unlock()
	if c.halt.halted == nil {
		return HaltedError{}, false
	}
	return *c.halt.halted, true
}

// ProbeHalt runs a probe when the integration is halted, the automatic probes are on and
// one is due, so that service resumes without waiting for a call. It returns nil when the
// integration serves, else the *HaltedError.
func (c *Client) ProbeHalt(ctx context.Context) error {
	return c.halt.admit(ctx)
}

// Resume sends one probe token request at once, in either mode and whatever the interval,
// and returns nil when the integration serves afterwards. It returns the *HaltedError
// without a request when another probe is running.
func (c *Client) Resume(ctx context.Context) error {
	h := c.halt
	h.mu.Lock()
	if h.halted == nil {
		h.mu.Unlock()
		return nil
	}
	if h.probing {
		halted := *h.halted
		h.mu.Unlock()
		return &halted
	}
	key := h.startProbeLocked()
	h.mu.Unlock()
	return h.probe(ctx, key)
}
