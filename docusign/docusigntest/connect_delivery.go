package docusigntest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// connectMessage is one published event, rendered for one configuration. JSON bodies are
// rendered per attempt because retryCount changes. XML bodies do not change.
type connectMessage struct {
	event       string
	accountID   string
	envelopeID  string
	recipientID string
	render      func(retryCount int) ([]byte, error)
	dropped     bool
}

// publisher delivers the messages of one Connect configuration from one goroutine, in
// the order they were published, so the messages of an envelope arrive in event order.
// A message that keeps failing holds up the ones behind it until it is given up on, as
// Docusign queues messages behind a failing one.
type publisher struct {
	cfg    ConnectConfig
	hub    *connectHub
	client *http.Client
	// signWithAccountKeys signs with the account-level keys at the time of each attempt,
	// in place of cfg.HMACKeys, for an envelope-level notification with includeHMAC.
	signWithAccountKeys bool

	mu      sync.Mutex
	queue   []*connectMessage
	busy    bool // a message is being delivered
	stopped bool

	wake    chan struct{} // buffered, signals a new message
	closing chan struct{} // closed by stop: no more retries
	ctx     context.Context
	cancel  context.CancelFunc // ends the attempt in flight
	done    chan struct{}      // closed when the goroutine returns
}

func newPublisher(cfg ConnectConfig, signWithAccountKeys bool, hub *connectHub) *publisher {
	ctx, cancel := context.WithCancel(context.Background())
	p := &publisher{
		cfg: cfg, hub: hub, client: loopbackClient(), signWithAccountKeys: signWithAccountKeys,
		wake: make(chan struct{}, 1), closing: make(chan struct{}),
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	go p.run()
	return p
}

// loopbackClient returns an HTTP client that connects only to loopback addresses, uses
// no proxy and follows no redirect, so a Connect URL cannot lead anywhere else.
func loopbackClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: checkLoopbackDial}
	transport := &http.Transport{
		Proxy:             nil,
		DialContext:       dialer.DialContext,
		ForceAttemptHTTP2: false,
		MaxIdleConns:      4,
		IdleConnTimeout:   30 * time.Second,
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// checkLoopbackDial rejects a connection to a resolved address that is not loopback.
func checkLoopbackDial(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("connect delivery to %s rejected: not a loopback address", address)
	}
	return nil
}

// enqueue adds a message unless the publisher has stopped.
func (p *publisher) enqueue(m *connectMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.queue = append(p.queue, m)
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *publisher) idle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue) == 0 && !p.busy
}

func (p *publisher) run() {
	defer close(p.done)
	for {
		m, ok := p.next()
		if !ok {
			return
		}
		p.deliver(m)
		p.mu.Lock()
		p.busy = false
		p.mu.Unlock()
	}
}

// next waits for the next message. It returns false once stopped with an empty queue.
func (p *publisher) next() (*connectMessage, bool) {
	for {
		p.mu.Lock()
		if len(p.queue) > 0 {
			m := p.queue[0]
			p.queue = p.queue[1:]
			p.busy = true
			p.mu.Unlock()
			return m, true
		}
		stopped := p.stopped
		p.mu.Unlock()
		if stopped {
			return nil, false
		}
		select {
		case <-p.wake:
		case <-p.closing:
		}
	}
}

// stop ends retries, lets queued messages have one attempt each, and cancels the attempt
// in flight if the queue has not drained within grace.
func (p *publisher) stop(grace time.Duration) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		<-p.done
		return
	}
	p.stopped = true
	p.mu.Unlock()
	close(p.closing)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.cancel()
		<-p.done
	}
	p.cancel()
}

// deliver tries a message until a 2xx response, MaxAttempts, or stop.
func (p *publisher) deliver(m *connectMessage) {
	base := ConnectDelivery{
		ConfigurationID: p.cfg.ConfigurationID, URL: p.cfg.URL, Format: p.cfg.Format,
		Event: m.event, EnvelopeID: m.envelopeID, RecipientID: m.recipientID,
	}
	if m.dropped {
		base.Dropped = true
		p.hub.record(base)
		p.hub.logger.Info("simulator Connect message dropped", "event", m.event,
			"envelope_id", m.envelopeID)
		return
	}
	for attempt := 1; attempt <= p.cfg.MaxAttempts; attempt++ {
		d := p.attempt(m, base, attempt, false)
		if d.OK() {
			if p.cfg.Duplicate {
				p.repost(m, d)
			}
			return
		}
		if attempt == p.cfg.MaxAttempts || !p.waitRetry() {
			p.hub.logger.Warn("simulator Connect message given up", "event", m.event,
				"envelope_id", m.envelopeID, "attempts", attempt, "status", d.StatusCode,
				"error", d.Err)
			return
		}
	}
}

// attempt renders and posts the message once and records the outcome.
func (p *publisher) attempt(m *connectMessage, base ConnectDelivery, attempt int,
	duplicate bool) ConnectDelivery {
	d := base
	d.Attempt, d.RetryCount, d.Duplicate = attempt, attempt-1, duplicate
	body, err := m.render(d.RetryCount)
	if err == nil {
		d.Body = body
		d.StatusCode, err = p.post(m.accountID, body)
	}
	if err != nil {
		d.Err = err.Error()
	}
	p.hub.record(d)
	level := p.hub.logger.Debug
	if !d.OK() {
		level = p.hub.logger.Warn
	}
	level("simulator Connect delivery", "event", m.event, "envelope_id", m.envelopeID,
		"status", d.StatusCode, "retry_count", d.RetryCount, "error", d.Err)
	return d
}

// repost sends the body of a delivered message once more, as a duplicate delivery.
func (p *publisher) repost(m *connectMessage, first ConnectDelivery) {
	d := first
	d.Duplicate, d.Err = true, ""
	status, err := p.post(m.accountID, first.Body)
	d.StatusCode = status
	if err != nil {
		d.Err = err.Error()
	}
	p.hub.record(d)
}

// waitRetry waits RetryDelay and reports false when the publisher stops meanwhile.
func (p *publisher) waitRetry() bool {
	timer := time.NewTimer(p.cfg.RetryDelay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-p.closing:
		return false
	}
}

// post sends one signed message and returns the response status.
func (p *publisher) post(accountID string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.URL,
		bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build Connect request: %w", err)
	}
	p.setHeaders(req.Header, accountID, body)
	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("connect receiver timed out: no response within %s: %w",
				p.cfg.Timeout, err)
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

func (p *publisher) setHeaders(h http.Header, accountID string, body []byte) {
	if p.cfg.Format == ConnectFormatXML {
		h.Set("Content-Type", "text/xml")
	} else {
		h.Set("Content-Type", "application/json")
	}
	// The map is written directly to keep Docusign's spelling of the names on the wire.
	// Receivers read them case-insensitively.
	h["X-DocuSign-AccountId"] = []string{accountID}
	keys := p.cfg.HMACKeys
	if p.signWithAccountKeys {
		keys = p.hub.accountKeys()
	}
	if len(keys) == 0 {
		return
	}
	h["X-Authorization-Digest"] = []string{"HMACSHA256"}
	for i, key := range keys {
		h["X-DocuSign-Signature-"+strconv.Itoa(i+1)] = []string{signConnectBody(key, body)}
	}
}

// signConnectBody returns the base64 HMAC-SHA256 of body keyed with the key's bytes, as
// Docusign signs Connect messages.
func signConnectBody(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// publisherKey identifies an envelope-level notification, so equal notifications share
// one publisher.
func publisherKey(n *envelopeNotification) string {
	c := n.cfg
	return strings.Join([]string{c.URL, c.Format, strconv.FormatBool(n.includeHMAC),
		strings.Join(c.IncludeData, ","), strings.Join(c.Events, ",")}, "\x01")
}
