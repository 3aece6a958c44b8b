package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// Defaults of StuckOptions.
const (
	DefaultStuckAfter      = 72 * time.Hour
	DefaultStuckCheckEvery = time.Hour
	// MinStuckCheckInterval is the shortest time between two runs, whatever the
	// configuration sets. Docusign allows one status poll per envelope per 15 minutes,
	// and each run reads every open envelope's status.
	MinStuckCheckInterval = 15 * time.Minute
	// DefaultStuckMaxAge is how far back a run looks at most. Docusign's own envelope
	// samples expire after 120 days (expireAfter 120), and an open envelope older than
	// its expiry no longer exists. An account can set a longer expiry.
	DefaultStuckMaxAge = 120 * 24 * time.Hour
	// stuckListCount is the page size of the one list call, Docusign's maximum.
	stuckListCount = 1000
	// fromDateSlack moves from_date earlier than the oldest open envelope's known sent
	// time. A state observed without a snapshot has the time this server saw it, which
	// is after Docusign sent the envelope, and the two clocks may differ.
	fromDateSlack = time.Hour
	// stuckCheckJobID names the job record that holds the time of the last run.
	stuckCheckJobID = "account"
)

// AlertStuckEnvelope is the alert kind of an envelope sent too long ago and still unsigned.
const AlertStuckEnvelope = "stuck_envelope"

// ErrTooSoon is returned by Run when the last run was less than MinStuckCheckInterval ago.
var ErrTooSoon = errors.New("stuck check ran less than 15 minutes ago")

// stuckStatuses are the current statuses a run lists: open ones to find stuck envelopes,
// final ones to reconcile envelopes whose change Connect did not deliver.
var stuckStatuses = []string{"sent", "delivered", "signed", "completed", "declined",
	"voided", "timedout"}

// EnvelopeLister is the part of docusign.EnvelopesService that the stuck check calls.
type EnvelopeLister interface {
	ListStatusChanges(ctx context.Context, opts *docusign.ListStatusChangesOptions) (
		*docusign.EnvelopesInformation, *docusign.Response, error)
}

var _ EnvelopeLister = (*docusign.EnvelopesService)(nil)

// StuckOptions configures a StuckChecker.
type StuckOptions struct {
	Store     *store.Store
	Envelopes EnvelopeLister
	// Alerts receives one stuck_envelope alert per stuck envelope. Nil raises none.
	Alerts Alerter
	Logger *slog.Logger
	// StuckAfter is how long after sending an unsigned envelope counts as stuck. 0 means
	// DefaultStuckAfter.
	StuckAfter time.Duration
	// Every is the time between scheduled runs, at least MinStuckCheckInterval. 0 means
	// DefaultStuckCheckEvery. Start does nothing when it is negative.
	Every time.Duration
	// MaxAge bounds how far back a run lists envelopes. 0 means DefaultStuckMaxAge.
	MaxAge time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// StuckReport describes one run.
type StuckReport struct {
	FromDate time.Time
	// Listed is the number of envelopes the list call returned.
	Listed int
	// Updated is the number of envelope states the run changed in the store.
	Updated int
	// Stuck are the ids of the envelopes found stuck.
	Stuck []string
	// Truncated is true when Docusign had more envelopes than one page, which the run
	// does not fetch. The next run lists from the last one returned.
	Truncated bool
}

// stuckRun is the Data of the stuck check's job record.
type stuckRun struct {
	LastRun time.Time `json:"last_run"`
	// Cursor is the last_modified time of the last envelope of a truncated list, where the
	// next run's list starts. It is zero after a complete list.
	Cursor time.Time `json:"cursor,omitzero"`
}

// StuckChecker finds envelopes sent long ago and still unsigned, with one
// listStatusChanges call per run, and raises an alert for each. It never voids. The same
// call updates the stored state of the envelopes it returns, which reconciles state that
// Connect did not deliver and so starts the archiving of missed completions.
type StuckChecker struct {
	opts   StuckOptions
	logger *slog.Logger
	mu     sync.Mutex // serialises runs

	stop      chan struct{}
	done      chan struct{}
	startOnce sync.Once
	closeOnce sync.Once
	started   bool
}

// NewStuckChecker checks o and returns a StuckChecker that does nothing until Start or Run.
func NewStuckChecker(o StuckOptions) (*StuckChecker, error) {
	if o.Store == nil || o.Envelopes == nil {
		return nil, errors.New("new stuck checker: Store and Envelopes are required: pass " +
			"the store and the Docusign envelopes service")
	}
	if o.StuckAfter <= 0 {
		o.StuckAfter = DefaultStuckAfter
	}
	if o.Every == 0 {
		o.Every = DefaultStuckCheckEvery
	}
	if o.Every > 0 {
		o.Every = max(o.Every, MinStuckCheckInterval)
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultStuckMaxAge
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &StuckChecker{opts: o, logger: o.Logger, stop: make(chan struct{}),
		done: make(chan struct{})}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Start runs the check now and then every Every until Close or until ctx is done. A run
// within MinStuckCheckInterval of the last one, before a restart included, is skipped.
func (c *StuckChecker) Start(ctx context.Context) {
	if c.opts.Every < 0 {
		return
	}
	c.startOnce.Do(func() {
		c.mu.Lock()
		c.started = true
		c.mu.Unlock()
		go c.loop(ctx)
	})
}

// Close stops the schedule and waits for a run in progress.
func (c *StuckChecker) Close() {
	c.closeOnce.Do(func() {
		close(c.stop)
		c.mu.Lock()
		started := c.started
		c.mu.Unlock()
		if started {
			<-c.done
		}
	})
}

func (c *StuckChecker) loop(ctx context.Context) {
	defer close(c.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	ticker := time.NewTicker(c.opts.Every)
	defer ticker.Stop()
	for {
		c.runLogged(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (c *StuckChecker) runLogged(ctx context.Context) {
	report, err := c.Run(ctx)
	switch {
	case errors.Is(err, ErrTooSoon) || ctx.Err() != nil:
	case err != nil:
		c.logger.Error("stuck envelope check failed", "err", err)
	default:
		c.logger.Info("stuck envelope check done", "listed", report.Listed,
			"updated", report.Updated, "stuck", len(report.Stuck),
			"from_date", report.FromDate)
	}
}

// Run makes one listStatusChanges call, updates the store with the envelopes it returns,
// and alerts for each stuck one. It returns ErrTooSoon, and calls nothing, when the last
// run was less than MinStuckCheckInterval ago.
func (c *StuckChecker) Run(ctx context.Context) (StuckReport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now().UTC()
	cursor, err := c.claimRun(ctx, now)
	if err != nil {
		return StuckReport{}, err
	}

	report := StuckReport{FromDate: later(c.fromDate(ctx, now), cursor)}
	info, _, err := c.opts.Envelopes.ListStatusChanges(ctx, &docusign.ListStatusChangesOptions{
		FromDate: report.FromDate, Status: stuckStatuses, Count: stuckListCount,
		OrderBy: "last_modified", Order: "asc",
	})
	if err != nil {
		return report, fmt.Errorf("stuck check: list envelopes: %w", err)
	}
	report.Listed = len(info.Envelopes)
	report.Truncated = truncatedList(info)
	if report.Truncated {
		// The run does not page, to keep to one call. The next run lists from the last
		// envelope returned, and the stored states replace the envelopes not listed.
		c.logger.Warn("stuck check saw only the first page of envelopes",
			"returned", info.ResultSetSize, "total", info.TotalSetSize)
	}

	for _, env := range info.Envelopes {
		stored, tracked, updated := c.reconcile(ctx, env, now)
		if updated {
			report.Updated++
		}
		// The stored state decides, because Connect may have stored a later status, such
		// as completed, than the list returned.
		if tracked && isOpen(stored.Status) && c.isStuck(env, now) {
			report.Stuck = append(report.Stuck, env.EnvelopeID)
			c.alertStuck(ctx, env, now)
		}
	}
	if report.Truncated || !cursor.IsZero() {
		report.Stuck = append(report.Stuck, c.stuckUnlisted(ctx, info.Envelopes, now)...)
	}
	c.saveCursor(ctx, now, report.Truncated, info.Envelopes)
	return report, nil
}

// stuckUnlisted alerts for, and returns, the envelopes that the store records as open and
// sent at least StuckAfter ago but that a truncated list, or one that started at a cursor,
// did not return. Such an envelope changed after the page's last envelope or not since
// from_date, so its stored state replaces Docusign's in the check.
// NOTE: a change that Connect missed and that falls past the page leaves a stored state
// open that Docusign has closed, which raises a false alert until a later run lists it.
func (c *StuckChecker) stuckUnlisted(ctx context.Context, listed []docusign.Envelope,
	now time.Time) []string {
	seen := make(map[string]bool, len(listed))
	for _, env := range listed {
		seen[strings.ToLower(env.EnvelopeID)] = true
	}
	states, err := c.opts.Store.ListEnvelopeStates(ctx, func(st store.EnvelopeState) bool {
		return isOpen(st.Status) && !seen[strings.ToLower(st.EnvelopeID)]
	})
	if err != nil {
		c.logger.Warn("reading open envelopes failed, so envelopes past the listed page "+
			"are not checked", "err", err)
		return nil
	}
	var stuck []string
	for _, st := range states {
		env := docusign.Envelope{EnvelopeID: st.EnvelopeID, Status: st.Status,
			SentDateTime: sentAt(st).Format(time.RFC3339Nano)}
		if c.isStuck(env, now) {
			stuck = append(stuck, env.EnvelopeID)
			c.alertStuck(ctx, env, now)
		}
	}
	return stuck
}

// saveCursor stores where the next run's list starts: after the last envelope of a
// truncated list, or from the oldest open envelope again after a complete one.
func (c *StuckChecker) saveCursor(ctx context.Context, now time.Time, truncated bool,
	listed []docusign.Envelope) {
	run := stuckRun{LastRun: now}
	if truncated && len(listed) > 0 {
		last, err := docusign.ParseTime(listed[len(listed)-1].LastModifiedDateTime)
		if err == nil {
			run.Cursor = last.UTC()
		}
	}
	if err := c.putRun(ctx, run); err != nil {
		c.logger.Warn("saving the stuck check's next start failed", "err", err)
	}
}

// claimRun records this run's time in the store before the call, so that a failing or
// interrupted run also counts against the polling interval, and returns ErrTooSoon when
// the previous run was too recent. It returns the cursor that the previous run saved, zero
// when there is none.
func (c *StuckChecker) claimRun(ctx context.Context, now time.Time) (time.Time, error) {
	job, err := c.opts.Store.GetJob(ctx, store.JobStuckCheck, stuckCheckJobID)
	switch {
	case err == nil && !job.Due(now):
		return time.Time{}, fmt.Errorf("%w: next run allowed at %s", ErrTooSoon,
			job.NextAttempt.Format(time.RFC3339))
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return time.Time{}, fmt.Errorf("stuck check: read last run: %w", err)
	}
	var prev stuckRun
	if err == nil && len(job.Data) > 0 {
		// An unreadable record only loses the cursor, and the run lists from the oldest
		// open envelope.
		_ = json.Unmarshal(job.Data, &prev)
	}
	if err := c.putRun(ctx, stuckRun{LastRun: now, Cursor: prev.Cursor}); err != nil {
		return time.Time{}, fmt.Errorf("stuck check: record run: %w", err)
	}
	return prev.Cursor, nil
}

// putRun stores run as the stuck check's job record, due MinStuckCheckInterval after it.
func (c *StuckChecker) putRun(ctx context.Context, run stuckRun) error {
	data, err := json.Marshal(run)
	if err != nil {
		return err
	}
	return c.opts.Store.PutJob(ctx, store.Job{Kind: store.JobStuckCheck,
		ID: stuckCheckJobID, NextAttempt: run.LastRun.Add(MinStuckCheckInterval), Data: data})
}

// fromDate returns the sent time of the oldest open envelope in the store less
// fromDateSlack, but no earlier than MaxAge ago, or MaxAge ago when the store has no open
// envelope.
func (c *StuckChecker) fromDate(ctx context.Context, now time.Time) time.Time {
	floor := now.Add(-c.opts.MaxAge)
	states, err := c.opts.Store.ListEnvelopeStates(ctx, func(st store.EnvelopeState) bool {
		return isOpen(st.Status)
	})
	if err != nil {
		c.logger.Warn("reading open envelopes failed, listing from the max age", "err", err)
		return floor
	}
	oldest := time.Time{}
	for _, st := range states {
		sent := sentAt(st)
		if oldest.IsZero() || sent.Before(oldest) {
			oldest = sent
		}
	}
	if oldest.IsZero() {
		return floor
	}
	return later(oldest.Add(-fromDateSlack), floor)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// reconcile stores env's status when the store already tracks the envelope, because this
// server created it or learned of it, and the status differs. It returns the state kept
// after the write, whether the envelope is tracked, and whether the state changed. An
// envelope the store does not know is neither stored nor alerted on, so the check never
// tracks, archives or alerts on envelopes of other integrations of the account, and they
// never pull the list's start date back. A failed read counts as tracked with env's status.
func (c *StuckChecker) reconcile(ctx context.Context, env docusign.Envelope,
	now time.Time) (stored store.EnvelopeState, tracked, updated bool) {
	status := strings.ToLower(env.Status)
	listed := store.EnvelopeState{EnvelopeID: env.EnvelopeID, Status: status,
		Source: store.SourceDocusign, ObservedAt: now}
	if env.EnvelopeID == "" || status == "" {
		return listed, false, false
	}
	cur, err := c.opts.Store.GetEnvelope(ctx, env.EnvelopeID)
	switch {
	case errors.Is(err, store.ErrEnvelopeNotFound):
		return listed, false, false
	case err != nil:
		c.logger.Warn("reading an envelope state failed", "envelope_id", env.EnvelopeID,
			"err", err)
		return listed, true, false
	case strings.EqualFold(cur.Status, status):
		return cur, true, false
	}
	stored, applied, err := c.opts.Store.PutEnvelope(ctx, listed)
	if err != nil {
		c.logger.Warn("storing an envelope state failed", "envelope_id", env.EnvelopeID,
			"err", err)
		return cur, true, false
	}
	return stored, true, applied
}

// isStuck reports whether env is unsigned and was sent at least StuckAfter before now.
func (c *StuckChecker) isStuck(env docusign.Envelope, now time.Time) bool {
	if !isOpen(env.Status) {
		return false
	}
	sent, ok := envelopeSentAt(env)
	return ok && now.Sub(sent) >= c.opts.StuckAfter
}

func (c *StuckChecker) alertStuck(ctx context.Context, env docusign.Envelope, now time.Time) {
	if c.opts.Alerts == nil {
		return
	}
	sent, _ := envelopeSentAt(env)
	age := now.Sub(sent).Truncate(time.Minute)
	var owner string
	if env.Sender != nil {
		owner = env.Sender.UserID
	}
	c.opts.Alerts.Raise(ctx, alert.Alert{Kind: AlertStuckEnvelope, Key: env.EnvelopeID,
		EnvelopeID: env.EnvelopeID, OwnerUserID: owner, Message: fmt.Sprintf("envelope %s was sent at %s and "+
			"is still %s after %s: remind the signers or void it in Docusign, because this "+
			"server never voids it", env.EnvelopeID, sent.Format(time.RFC3339),
			strings.ToLower(env.Status), age)})
}

// isOpen reports whether an envelope waits for its recipients: sent or delivered.
func isOpen(status string) bool {
	switch strings.ToLower(status) {
	case "sent", "delivered":
		return true
	}
	return false
}

// envelopeSentAt returns when env was first sent.
func envelopeSentAt(env docusign.Envelope) (time.Time, bool) {
	for _, raw := range []string{env.InitialSentDateTime, env.SentDateTime} {
		if t, err := docusign.ParseTime(raw); err == nil && !t.IsZero() {
			return t, true
		}
	}
	return time.Time{}, false
}

// sentAt returns the sent time in a state's snapshot, which is a tool's status output
// (sent_at) or a Connect envelope summary (sentDateTime), else when the state was observed.
func sentAt(st store.EnvelopeState) time.Time {
	var snap struct {
		SentAt       string `json:"sent_at"`
		SentDateTime string `json:"sentDateTime"`
	}
	if len(st.Snapshot) > 0 && json.Unmarshal(st.Snapshot, &snap) == nil {
		for _, raw := range []string{snap.SentAt, snap.SentDateTime} {
			if t, err := docusign.ParseTime(raw); err == nil && !t.IsZero() {
				return t
			}
		}
	}
	return st.ObservedAt
}

// truncatedList reports whether Docusign has more envelopes than the page returned.
func truncatedList(info *docusign.EnvelopesInformation) bool {
	if info.NextURI != "" {
		return true
	}
	total, err1 := strconv.Atoi(info.TotalSetSize)
	size, err2 := strconv.Atoi(info.ResultSetSize)
	return err1 == nil && err2 == nil && total > size
}
