package docusigntest

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// maxConnectDeliveries caps the delivery log, so a long-running simulator does not grow
// without bound. Older attempts are forgotten first.
const maxConnectDeliveries = 10_000

// connectStopGrace bounds how long stopping a configuration waits for its queue to drain
// before it cancels the attempt in flight.
const connectStopGrace = 2 * time.Second

// connectHub holds the Connect publishers of a simulator and the log of their deliveries.
// It has its own lock, so a slow receiver never holds up the REST API.
type connectHub struct {
	logger *slog.Logger

	mu            sync.Mutex
	closed        bool
	account       *publisher
	envelopes     map[string]*publisher // envelope-level publishers, by publisherKey
	deliveries    []ConnectDelivery
	lastGenerated time.Time
}

func newConnectHub(logger *slog.Logger) *connectHub {
	return &connectHub{logger: logger, envelopes: map[string]*publisher{}}
}

var errConnectClosed = errors.New("the simulator is closed: start a new one to use Connect")

// setAccount replaces the account-level publisher. A nil cfg turns it off.
func (h *connectHub) setAccount(cfg *ConnectConfig) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return errConnectClosed
	}
	old := h.account
	h.account = nil
	if cfg != nil {
		h.account = newPublisher(*cfg, false, h)
	}
	h.mu.Unlock()
	if old != nil {
		old.stop(connectStopGrace)
	}
	action := "off"
	if cfg != nil {
		action = "on"
	}
	h.logger.Info("simulator Connect configuration changed", "connect", action)
	return nil
}

func (h *connectHub) accountConfig() (ConnectConfig, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.account == nil {
		return ConnectConfig{}, false
	}
	return h.account.cfg.withDefaults(), true
}

// envelopePublisher returns the shared publisher of an envelope-level notification,
// starting it on first use. Envelopes with equal notifications share one queue. Callers
// hold h.mu.
func (h *connectHub) envelopePublisher(n *envelopeNotification) *publisher {
	key := publisherKey(n)
	p := h.envelopes[key]
	if p == nil {
		p = newPublisher(n.cfg, n.includeHMAC, h)
		h.envelopes[key] = p
	}
	return p
}

// accountKeys returns the HMAC keys of the account-level configuration, with which
// envelope-level notifications that set includeHMAC are signed.
func (h *connectHub) accountKeys() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.account == nil {
		return nil
	}
	return h.account.cfg.HMACKeys
}

// generatedAt returns now, or 100 ns after the previous message when the clock has not
// moved, so that generatedDateTime orders the messages as the events happened.
func (h *connectHub) generatedAt(now time.Time) time.Time {
	if !now.After(h.lastGenerated) {
		now = h.lastGenerated.Add(100 * time.Nanosecond)
	}
	h.lastGenerated = now
	return now
}

func (h *connectHub) record(d ConnectDelivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.deliveries = append(h.deliveries, d)
	if extra := len(h.deliveries) - maxConnectDeliveries; extra > 0 {
		h.deliveries = slices.Delete(h.deliveries, 0, extra)
	}
}

func (h *connectHub) deliveriesCopy() []ConnectDelivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := slices.Clone(h.deliveries)
	for i := range out {
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// publishers returns every running publisher.
func (h *connectHub) publishers() []*publisher {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*publisher, 0, len(h.envelopes)+1)
	if h.account != nil {
		out = append(out, h.account)
	}
	for _, p := range h.envelopes {
		out = append(out, p)
	}
	return out
}

// idle reports whether no publisher has a message queued or in flight.
func (h *connectHub) idle() bool {
	for _, p := range h.publishers() {
		if !p.idle() {
			return false
		}
	}
	return true
}

// close stops every publisher. Queued messages get one attempt each, within
// connectStopGrace per publisher.
func (h *connectHub) close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range h.publishers() {
		wg.Go(func() { p.stop(connectStopGrace) })
	}
	wg.Wait()
}

// WaitConnectIdle waits until every Connect message published so far has been delivered,
// dropped or given up on, or until ctx ends. Tests call it before reading
// ConnectDeliveries or before closing a receiver.
func (s *Server) WaitConnectIdle(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !s.connect.idle() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}
