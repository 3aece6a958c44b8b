// Package alert raises operator alerts: one ERROR log line, one audit record and, when an
// alert URL is configured, a small JSON POST to it. The same kind and key repeat at most
// once per interval, unless more than maxTracked pairs were raised in it and the pair was
// evicted.
package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

// AuditKind is the audit record kind of a raised alert. Its Code is the alert's kind and
// its Action the alert's key.
const AuditKind = "alert"

// Defaults of Options.
const (
	DefaultInterval    = time.Hour
	DefaultPostTimeout = 10 * time.Second
	DefaultMaxAttempts = 3
	DefaultBackoff     = time.Second
	// queueSize bounds the posts of one kind waiting to be sent. A full queue drops the
	// post, which the log line and the audit record of the alert still cover.
	queueSize = 64
	// maxQueuedKinds bounds the kinds with posts waiting, so at most
	// maxQueuedKinds*queueSize posts wait in all.
	maxQueuedKinds = 16
	// maxTracked bounds the kind and key pairs that rate bounding stores. Past it, Raise
	// deletes those whose interval has passed, then the oldest.
	maxTracked = 1024
	// closeTimeout bounds the time Close spends posting the alerts still queued.
	closeTimeout = 10 * time.Second
)

// Alert is one condition an operator must look at. It must not contain personal data:
// envelope ids are fine, emails and names are not.
type Alert struct {
	// Kind names the condition, such as stuck_envelope or archive_failed.
	Kind string
	// Key separates alerts of one kind, such as an envelope id. Kind and Key together
	// are rate-bounded.
	Key        string
	Message    string
	EnvelopeID string
	// OwnerUserID is the Docusign user id of the envelope's sender, who owns it in the
	// account, so that the receiver of the alert URL can route the alert to that person.
	OwnerUserID string
}

// Auditor appends records to the audit log. *store.AuditLog implements it.
type Auditor interface {
	Append(rec store.AuditRecord) (store.AuditRecord, error)
}

// Options configures a Sink.
type Options struct {
	// URL receives a POST of each raised alert as JSON. Empty sends none. It must be an
	// http or https URL.
	URL string
	// Interval is the shortest time between two alerts of the same kind and key. 0 means
	// DefaultInterval.
	Interval time.Duration
	// Audit receives one record per raised alert. Nil writes none.
	Audit  Auditor
	Logger *slog.Logger
	// HTTPClient sends the posts. Nil means a client that follows no redirects.
	HTTPClient *http.Client
	// PostTimeout bounds each POST attempt. 0 means DefaultPostTimeout.
	PostTimeout time.Duration
	// MaxAttempts bounds the attempts of one POST. 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Backoff is the wait before the second attempt, doubled before each further one. 0
	// means DefaultBackoff.
	Backoff time.Duration
	// Now is the clock that rate bounding uses. Nil means time.Now.
	Now func() time.Time
}

// Stats counts what a Sink did, for metrics.
type Stats struct {
	// Raised counts alerts logged and audited, by kind.
	Raised map[string]uint64
	// Suppressed counts alerts dropped because the same kind and key was raised within
	// the interval.
	Suppressed uint64
	// Posted counts alert posts that the alert URL accepted with a 2xx status.
	Posted uint64
	// PostFailures counts alert posts given up after every attempt, dropped because the
	// queue was full or the sink closed, or still queued when Close gave up.
	PostFailures uint64
}

// Sink raises alerts. It is safe for concurrent use. Close stops its sender.
type Sink struct {
	opts   Options
	logger *slog.Logger
	client *http.Client

	mu    sync.Mutex
	last  map[string]time.Time // by kind and key: when it was last raised
	stats Stats

	queue *postQueue // nil when no URL is set
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// New returns a Sink with o's settings and starts its sender when o.URL is set.
func New(o Options) (*Sink, error) {
	if err := checkURL(o.URL); err != nil {
		return nil, err
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.PostTimeout <= 0 {
		o.PostTimeout = DefaultPostTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Now == nil {
		o.Now = time.Now
	}

	s := &Sink{opts: o, logger: o.Logger, client: o.HTTPClient,
		last: map[string]time.Time{}, stats: Stats{Raised: map[string]uint64{}},
		stop: make(chan struct{}), done: make(chan struct{})}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.client == nil {
		s.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}

	if o.URL == "" {
		close(s.done)
		return s, nil
	}
	s.queue = newPostQueue()
	go s.send()
	return s, nil
}

// checkURL accepts an empty URL or an absolute http or https URL.
func checkURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// The parse error quotes the URL, whose path may be a secret.
		return errors.New("alert URL is not a valid URL: use an absolute http or https URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("alert URL with scheme %q and host %q is invalid: use an "+
			"absolute http or https URL", u.Scheme, u.Host)
	}
	return nil
}

// Raise logs, audits and posts a unless the same kind and key was raised within the
// interval, and reports whether it did. The post runs in the background, so Raise waits
// only for the audit record's disk sync.
func (s *Sink) Raise(ctx context.Context, a Alert) bool {
	now := s.opts.Now()
	if !s.admit(a, now) {
		return false
	}
	s.logger.ErrorContext(ctx, "alert", "kind", a.Kind, "key", a.Key,
		"envelope_id", a.EnvelopeID, "owner_user_id", a.OwnerUserID, "message", a.Message)
	if s.opts.Audit != nil {
		rec := store.AuditRecord{Time: now, Kind: AuditKind, Code: a.Kind, Action: a.Key,
			EnvelopeID: a.EnvelopeID, Outcome: "raised"}
		if _, err := s.opts.Audit.Append(rec); err != nil {
			s.logger.ErrorContext(ctx, "writing the audit record of an alert failed",
				"kind", a.Kind, "key", a.Key, "err", err)
		}
	}
	if s.queue != nil {
		s.enqueue(payload{Kind: a.Kind, Key: a.Key, Message: a.Message,
			EnvelopeID: a.EnvelopeID, OwnerUserID: a.OwnerUserID, RaisedAt: now.UTC()})
	}
	return true
}

// admit counts a and reports whether it is due: the first of its kind and key within the
// interval.
func (s *Sink) admit(a Alert, now time.Time) bool {
	id := a.Kind + "\x00" + a.Key
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.last[id]; ok && now.Sub(last) < s.opts.Interval {
		s.stats.Suppressed++
		return false
	}
	if len(s.last) >= maxTracked {
		s.forget(now)
	}
	s.last[id] = now
	s.stats.Raised[a.Kind]++
	return true
}

// forget deletes the pairs whose interval has passed and, when that leaves the map full,
// the oldest pair, so the map stays below maxTracked. A forgotten pair may then repeat
// within its interval. The caller holds s.mu.
func (s *Sink) forget(now time.Time) {
	var oldestID string
	var oldest time.Time
	for k, at := range s.last {
		if now.Sub(at) >= s.opts.Interval {
			delete(s.last, k)
			continue
		}
		if oldestID == "" || at.Before(oldest) {
			oldestID, oldest = k, at
		}
	}
	if len(s.last) >= maxTracked {
		delete(s.last, oldestID)
	}
}

// enqueue queues p for the sender, or drops and counts it when its kind's queue is full
// or the sink is closed. It logs the first drop of a kind until that kind's queue empties.
func (s *Sink) enqueue(p payload) {
	select {
	case <-s.stop:
		s.count(func(st *Stats) { st.PostFailures++ })
		s.logger.Error("alert post dropped: the sink is closed", "kind", p.Kind,
			"key", p.Key)
		return
	default:
	}
	queued, firstDrop := s.queue.push(p)
	if queued {
		return
	}
	s.count(func(st *Stats) { st.PostFailures++ })
	if firstDrop {
		s.logger.Error("alert posts dropped: the queue of this kind is full", "kind", p.Kind,
			"key", p.Key, "queue_size", queueSize)
	}
}

func (s *Sink) count(fn func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.stats)
}

// Stats returns a copy of the counters.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.Raised = make(map[string]uint64, len(s.stats.Raised))
	for k, v := range s.stats.Raised {
		out.Raised[k] = v
	}
	return out
}

// Close stops retries, posts the alerts still queued with one attempt each for at most
// closeTimeout, and then stops the sender. Posts left after that count as failures.
func (s *Sink) Close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

// redactURL returns the scheme and host of raw, followed by "/..." when raw has more.
// Chat webhooks carry their secret in the path, and other URLs in the query or user
// information, so only the scheme and host are safe to log.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "(an invalid URL)"
	}
	out := u.Scheme + "://" + u.Host
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		out += "/..."
	}
	return out
}

// errStopped ends a post's retries when the sink closes.
var errStopped = errors.New("alert sink closed")
