// Package pipeline runs the work that follows an envelope's completion: it archives the
// signed documents in the store, posts a signed completion event to downstream URLs, and
// checks on a schedule for envelopes that stay unsigned too long.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// Defaults of ArchiverOptions.
const (
	// DefaultMaxDocumentBytes caps one downloaded document. Docusign limits an envelope
	// to 200 MB, so its combined PDF fits in 200 MiB.
	DefaultMaxDocumentBytes = 200 << 20
	DefaultAlertAfter       = 5
	// DefaultMaxDeliveryAttempts is about two days of attempts at the maximum backoff.
	DefaultMaxDeliveryAttempts = 50
	DefaultMinBackoff          = 30 * time.Second
	DefaultMaxBackoff          = time.Hour
	DefaultPostTimeout         = 30 * time.Second
	// DefaultWorkingCopyGrace keeps a just-downloaded working copy readable for a while
	// after its envelope is archived.
	DefaultWorkingCopyGrace = 15 * time.Minute
	// maxIdle is the longest the worker sleeps before it lists the jobs again, so a job
	// that another path added is picked up without a wake-up.
	maxIdle = time.Minute
	// completedQueue bounds the completions waiting for the worker. A full queue makes
	// the worker scan the store instead.
	completedQueue = 256
)

// DocumentAPI is the part of docusign.DocumentsService that the archiver calls.
type DocumentAPI interface {
	List(ctx context.Context, envelopeID string) (*docusign.EnvelopeDocumentsResult,
		*docusign.Response, error)
	Download(ctx context.Context, envelopeID, documentID string, w io.Writer, maxBytes int64) (
		*docusign.DownloadInfo, *docusign.Response, error)
}

// Auditor appends records to the audit log. *store.AuditLog implements it.
type Auditor interface {
	Append(rec store.AuditRecord) (store.AuditRecord, error)
}

// Alerter raises operator alerts. *alert.Sink implements it.
type Alerter interface {
	Raise(ctx context.Context, a alert.Alert) bool
}

var (
	_ DocumentAPI = (*docusign.DocumentsService)(nil)
	_ Auditor     = (*store.AuditLog)(nil)
	_ Alerter     = (*alert.Sink)(nil)
)

// ArchiverOptions configures an Archiver.
type ArchiverOptions struct {
	Store     *store.Store
	Documents DocumentAPI
	// Audit receives a record per archived envelope and per delivery attempt. Nil
	// writes none.
	Audit Auditor
	// Alerts receives an alert when a job keeps failing. Nil raises none.
	Alerts Alerter
	Logger *slog.Logger
	// Downstream are the URLs that receive each completion event.
	Downstream []string
	// DownstreamKey is the HMAC-SHA256 key that signs the events. It is required when
	// Downstream is not empty.
	DownstreamKey []byte
	// HTTPClient posts the events. Nil means a client that follows no redirects.
	HTTPClient *http.Client
	// MaxDocumentBytes caps each download. 0 means DefaultMaxDocumentBytes.
	MaxDocumentBytes int64
	// AlertAfter is the number of failed runs of a job after which each failure raises
	// an alert. 0 means DefaultAlertAfter.
	AlertAfter int
	// MaxDeliveryAttempts is the number of failed posts after which a delivery is
	// given up. 0 means DefaultMaxDeliveryAttempts. Archiving is never given up.
	MaxDeliveryAttempts int
	// MinBackoff and MaxBackoff bound the wait before the next run of a failed job. 0
	// means DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// PostTimeout bounds each post. 0 means DefaultPostTimeout.
	PostTimeout time.Duration
	// WorkingCopyGrace is the age below which archiving leaves a working copy to the
	// store's upkeep job instead of deleting it at once. 0 means DefaultWorkingCopyGrace.
	WorkingCopyGrace time.Duration
	// Now is the clock of job times. Nil means time.Now.
	Now func() time.Time
	// Jitter returns a random duration in [0, d). Nil uses math/rand/v2.
	Jitter func(d time.Duration) time.Duration
}

// Archiver archives completed envelopes and posts their completion events. It learns of
// completions through store.OnEnvelopeChange and keeps its work in store job records, so
// a restart resumes it. Archive jobs run on one worker and each downstream target's
// deliveries on a worker of its own, so a target that hangs delays only its own posts.
type Archiver struct {
	opts    ArchiverOptions
	store   *store.Store
	logger  *slog.Logger
	client  *http.Client
	targets []target

	completed chan string
	wakeup    chan struct{}   // wakes the archive worker
	delivered []chan struct{} // wakes the delivery worker of each target, by index
	mu        sync.Mutex
	rescan    bool
	remove    func()
	stop      chan struct{}
	done      chan struct{}
	started   bool
	closeOnce sync.Once
}

// NewArchiver checks o and returns an Archiver that does nothing until Start.
func NewArchiver(o ArchiverOptions) (*Archiver, error) {
	if o.Store == nil || o.Documents == nil {
		return nil, errors.New("new archiver: Store and Documents are required: pass the " +
			"store and the Docusign documents service")
	}
	targets, err := newTargets(o.Downstream, o.DownstreamKey)
	if err != nil {
		return nil, fmt.Errorf("new archiver: %w", err)
	}
	setArchiverDefaults(&o)
	a := &Archiver{opts: o, store: o.Store, logger: o.Logger, client: o.HTTPClient,
		targets: targets, completed: make(chan string, completedQueue),
		wakeup: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	for range targets {
		a.delivered = append(a.delivered, make(chan struct{}, 1))
	}
	if a.logger == nil {
		a.logger = slog.New(slog.DiscardHandler)
	}
	if a.client == nil {
		a.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	return a, nil
}

func setArchiverDefaults(o *ArchiverOptions) {
	if o.MaxDocumentBytes <= 0 {
		o.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if o.AlertAfter <= 0 {
		o.AlertAfter = DefaultAlertAfter
	}
	if o.MaxDeliveryAttempts <= 0 {
		o.MaxDeliveryAttempts = DefaultMaxDeliveryAttempts
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.PostTimeout <= 0 {
		o.PostTimeout = DefaultPostTimeout
	}
	if o.WorkingCopyGrace <= 0 {
		o.WorkingCopyGrace = DefaultWorkingCopyGrace
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = randomJitter
	}
}

// Start subscribes to envelope changes, schedules a scan for completed envelopes that are
// not archived yet, and starts the workers, which run until Close or until ctx is done.
func (a *Archiver) Start(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.started {
		return
	}
	a.started = true
	a.rescan = true
	a.remove = a.store.OnEnvelopeChange(a.onChange)

	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-a.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	var workers sync.WaitGroup
	workers.Go(func() { a.loop(ctx, a.wakeup, a.runArchives) })
	for i, t := range a.targets {
		workers.Go(func() {
			a.loop(ctx, a.delivered[i], func(ctx context.Context) time.Duration {
				return a.runDeliveries(ctx, t)
			})
		})
	}
	go func() {
		workers.Wait()
		cancel()
		close(a.done)
	}()
	a.wake()
	a.wakeDeliveries()
}

// Close unsubscribes, stops the workers and waits for the jobs in progress to end.
func (a *Archiver) Close() {
	a.closeOnce.Do(func() {
		a.mu.Lock()
		started, remove := a.started, a.remove
		a.mu.Unlock()
		if remove != nil {
			remove()
		}
		close(a.stop)
		if started {
			<-a.done
		}
	})
}

// onChange runs on the writer's goroutine, so it only queues the envelope id.
func (a *Archiver) onChange(st store.EnvelopeState) {
	if !strings.EqualFold(st.Status, "completed") {
		return
	}
	select {
	case a.completed <- st.EnvelopeID:
	default:
		a.mu.Lock()
		a.rescan = true
		a.mu.Unlock()
	}
	a.wake()
}

func (a *Archiver) wake() {
	wakeChan(a.wakeup)
}

// wakeDeliveries wakes the delivery worker of every target.
func (a *Archiver) wakeDeliveries() {
	for _, ch := range a.delivered {
		wakeChan(ch)
	}
}

func wakeChan(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// loop calls run whenever wakeup receives or the wait that run returned passes, until ctx
// is done.
func (a *Archiver) loop(ctx context.Context, wakeup <-chan struct{},
	run func(context.Context) time.Duration) {
	timer := time.NewTimer(maxIdle)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wakeup:
		case <-timer.C:
		}
		wait := run(ctx)
		timer.Reset(wait)
	}
}

// runOnce runs the archive jobs and then each target's deliveries once, on the caller's
// goroutine, and returns the shortest wait before a next run. Tests drive an Archiver that
// was not started with it.
func (a *Archiver) runOnce(ctx context.Context) time.Duration {
	wait := a.runArchives(ctx)
	for _, t := range a.targets {
		wait = min(wait, a.runDeliveries(ctx, t))
	}
	return wait
}

// runArchives adds jobs for the queued completions, scans the store when asked to, runs
// every due archive job, and returns how long to sleep before the next run.
func (a *Archiver) runArchives(ctx context.Context) time.Duration {
	a.addQueuedJobs(ctx)
	a.mu.Lock()
	rescan := a.rescan
	a.rescan = false
	a.mu.Unlock()
	if rescan {
		if err := a.scan(ctx); err != nil && ctx.Err() == nil {
			a.logger.Error("scanning the store for completed envelopes failed", "err", err)
			a.mu.Lock()
			a.rescan = true
			a.mu.Unlock()
		}
		a.dropOrphanDeliveries(ctx)
	}
	return a.runDue(ctx, store.JobArchive, func(store.Job) bool { return true })
}

func (a *Archiver) addQueuedJobs(ctx context.Context) {
	for {
		select {
		case id := <-a.completed:
			if err := a.addArchiveJob(ctx, id); err != nil && ctx.Err() == nil {
				a.logger.Error("adding an archive job failed", "envelope_id", id, "err", err)
				a.mu.Lock()
				a.rescan = true
				a.mu.Unlock()
			}
		default:
			return
		}
	}
}

// scan adds an archive job for each completed envelope in the store without an archive.
func (a *Archiver) scan(ctx context.Context) error {
	states, err := a.store.ListEnvelopeStates(ctx, func(st store.EnvelopeState) bool {
		return strings.EqualFold(st.Status, "completed")
	})
	if err != nil {
		return err
	}
	for _, st := range states {
		if err := a.addArchiveJob(ctx, st.EnvelopeID); err != nil {
			return err
		}
	}
	return nil
}

// addArchiveJob adds the archive job of an envelope unless the envelope is archived or
// has a job already.
func (a *Archiver) addArchiveJob(ctx context.Context, envelopeID string) error {
	_, err := a.store.GetArchive(ctx, envelopeID)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	_, added, err := a.store.AddJob(ctx, store.Job{Kind: store.JobArchive, ID: envelopeID,
		EnvelopeID: envelopeID})
	if err != nil {
		return err
	}
	if added {
		a.logger.Info("archive job added", "envelope_id", envelopeID)
	}
	return nil
}

// runDeliveries runs the due deliveries to t and returns how long to sleep before the
// next run.
func (a *Archiver) runDeliveries(ctx context.Context, t target) time.Duration {
	return a.runDue(ctx, store.JobDownstream, func(job store.Job) bool {
		return strings.HasSuffix(job.ID, "/"+t.id)
	})
}

// runDue runs the due jobs of kind that match, and returns the wait until the earliest
// matching job that is not due, at most maxIdle.
func (a *Archiver) runDue(ctx context.Context, kind string,
	match func(store.Job) bool) time.Duration {
	wait := maxIdle
	jobs, err := a.store.ListJobs(ctx, kind)
	if err != nil {
		if ctx.Err() == nil {
			a.logger.Error("listing jobs failed", "kind", kind, "err", err)
		}
		return wait
	}
	for _, job := range jobs {
		if ctx.Err() != nil {
			return wait
		}
		if !match(job) {
			continue
		}
		now := a.opts.Now()
		if !job.Due(now) {
			wait = min(wait, job.NextAttempt.Sub(now))
			continue
		}
		if next, ok := a.runJob(ctx, job); ok {
			wait = min(wait, max(0, next.Sub(a.opts.Now())))
		}
	}
	return max(wait, time.Millisecond)
}

// dropOrphanDeliveries hands runDelivery, which deletes them, the delivery jobs that no
// target's worker picks up: those of targets no longer configured.
func (a *Archiver) dropOrphanDeliveries(ctx context.Context) {
	jobs, err := a.store.ListJobs(ctx, store.JobDownstream)
	if err != nil {
		if ctx.Err() == nil {
			a.logger.Error("listing jobs failed", "kind", store.JobDownstream, "err", err)
		}
		return
	}
	for _, job := range jobs {
		if ctx.Err() != nil {
			return
		}
		if !a.hasTarget(job) {
			a.runDelivery(ctx, job)
		}
	}
}

// hasTarget reports whether job is a delivery to a configured target.
func (a *Archiver) hasTarget(job store.Job) bool {
	for _, t := range a.targets {
		if strings.HasSuffix(job.ID, "/"+t.id) {
			return true
		}
	}
	return false
}

// runJob runs one job. When the job failed and stays, it returns its next attempt time.
func (a *Archiver) runJob(ctx context.Context, job store.Job) (time.Time, bool) {
	switch job.Kind {
	case store.JobArchive:
		err := a.runArchive(ctx, job)
		if err == nil || ctx.Err() != nil {
			return time.Time{}, false
		}
		return a.archiveFailed(ctx, job, err), true
	case store.JobDownstream:
		return a.runDelivery(ctx, job)
	}
	return time.Time{}, false
}

// archiveFailed records a failed archive run on its job and returns the next attempt time.
func (a *Archiver) archiveFailed(ctx context.Context, job store.Job, err error) time.Time {
	if consentLost(err) {
		return a.archiveHalted(ctx, job, err)
	}
	job.Attempts++
	job.LastError = truncate(err.Error(), 500)
	wait := a.backoff(job.Attempts)
	job.NextAttempt = a.opts.Now().Add(wait).UTC()
	a.logger.Warn("archiving failed, retrying", "envelope_id", job.EnvelopeID,
		"attempt", job.Attempts, "retry_in", wait, "err", err)
	if perr := a.store.PutJob(ctx, job); perr != nil {
		a.logger.Error("saving the archive job failed", "envelope_id", job.EnvelopeID,
			"err", perr)
	}
	if job.Attempts >= a.opts.AlertAfter {
		a.raise(ctx, alert.Alert{Kind: "archive_failed", Key: job.EnvelopeID,
			EnvelopeID: job.EnvelopeID, Message: fmt.Sprintf("archiving envelope %s failed "+
				"%d times, last error: %s", job.EnvelopeID, job.Attempts, job.LastError)})
	}
	return job.NextAttempt
}

// haltedRetry is the wait before an archive job runs again while the client is halted,
// the client's default interval between consent probes.
const haltedRetry = docusign.DefaultProbeInterval

// consentLost reports whether err comes from a client halted on lost consent or a rejected
// key, or from the token request that halted it.
func consentLost(err error) bool {
	var halted *docusign.HaltedError
	var consent *docusign.ConsentRequiredError
	return errors.As(err, &halted) || errors.As(err, &consent)
}

// archiveHalted postpones a job whose run failed because the client is halted. The halt
// raises its own alert, so the run counts as no failure and raises none.
func (a *Archiver) archiveHalted(ctx context.Context, job store.Job, err error) time.Time {
	job.LastError = truncate(err.Error(), 500)
	job.NextAttempt = a.opts.Now().Add(haltedRetry).UTC()
	a.logger.Warn("archiving waits for Docusign consent", "envelope_id", job.EnvelopeID,
		"retry_in", haltedRetry)
	if perr := a.store.PutJob(ctx, job); perr != nil {
		a.logger.Error("saving the archive job failed", "envelope_id", job.EnvelopeID,
			"err", perr)
	}
	return job.NextAttempt
}

func (a *Archiver) raise(ctx context.Context, al alert.Alert) {
	if a.opts.Alerts != nil {
		a.opts.Alerts.Raise(ctx, al)
	}
}

func (a *Archiver) audit(rec store.AuditRecord) {
	if a.opts.Audit == nil {
		return
	}
	rec.Time = a.opts.Now()
	if _, err := a.opts.Audit.Append(rec); err != nil {
		a.logger.Error("writing an audit record failed", "kind", rec.Kind,
			"envelope_id", rec.EnvelopeID, "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
