package connect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

// DefaultMaxBodyBytes is the body limit of a receiver without MaxBodyBytes. A JSON SIM
// message with recipients, tabs and custom fields is tens of kilobytes, but a message that
// includes documents can exceed 25 MB, so Connect must be configured without documents.
const DefaultMaxBodyBytes = 16 << 20

// deliveryTimeout bounds the store and audit writes of one delivery. Docusign counts a
// delivery as failed without a 2xx response within 100 seconds.
const deliveryTimeout = 60 * time.Second

// maxClockSkew is how far in the future a generatedDateTime may be. A later one is recorded
// at the receiver's clock, so one wrong clock cannot block the updates that follow it.
const maxClockSkew = 5 * time.Minute

// AuditCaller is the audit record Caller of Connect deliveries.
const AuditCaller = "docusign-connect"

// Audit outcomes of a rejected delivery.
const (
	OutcomeNoSignature  = "no_signature"
	OutcomeBadSignature = "bad_signature"
	OutcomeInvalidBody  = "invalid_body"
	OutcomeBodyTooLarge = "body_too_large"
)

// AuditAppender appends to the audit log. *store.AuditLog implements it, and its Append
// syncs the record to disk before it returns.
type AuditAppender interface {
	Append(rec store.AuditRecord) (store.AuditRecord, error)
}

var _ AuditAppender = (*store.AuditLog)(nil)

// batchedAppender is an AuditAppender that can append without its own disk sync.
// *store.AuditLog implements it. The receiver uses it because RecordWebhookDelivery's sync,
// which follows the append, covers the record too.
type batchedAppender interface {
	AppendBatched(rec store.AuditRecord) (store.AuditRecord, error)
}

// ReceiverOptions configures NewReceiver.
type ReceiverOptions struct {
	Verifier *Verifier
	Store    *store.Store
	// Audit receives one record per accepted or rejected delivery. Nil writes none.
	Audit  AuditAppender
	Logger *slog.Logger
	// MaxBodyBytes is the largest body accepted, with 413 above it. 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Retention is how long PruneRecords keeps delivery records. 0 means
	// store.DefaultWebhookRetention.
	Retention time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// ReceiverStats counts deliveries since the receiver was created.
type ReceiverStats struct {
	Accepted  uint64 // recorded and applied
	Duplicate uint64 // acknowledged without effect
	Rejected  uint64 // given a 4xx status: no or bad signature, invalid or too large body
}

// Receiver is the http.Handler of POST /connect. It responds 200 only after a delivery is
// recorded and synced to disk, and 200 without effect to a duplicate. It responds 401 to a
// missing or bad signature, 400 to a signed body it cannot parse, 413 to a body over the
// limit, and 500 when the store fails, which makes Docusign deliver again.
type Receiver struct {
	opts     ReceiverOptions
	logger   *slog.Logger
	locks    keyedMutex
	rejects  rejectLimiter
	accepted atomic.Uint64
	dups     atomic.Uint64
	rejected atomic.Uint64
	// futureWarned is set once a message generated in the future was logged as a warning.
	futureWarned atomic.Bool
}

// NewReceiver returns a receiver. Verifier and Store are required.
func NewReceiver(opts ReceiverOptions) (*Receiver, error) {
	if opts.Verifier == nil || opts.Store == nil {
		return nil, errors.New("connect receiver: Verifier and Store must be set")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Retention <= 0 {
		opts.Retention = store.DefaultWebhookRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Receiver{opts: opts, logger: logger}, nil
}

// Stats returns the delivery counts, for metrics.
func (r *Receiver) Stats() ReceiverStats {
	return ReceiverStats{Accepted: r.accepted.Load(), Duplicate: r.dups.Load(),
		Rejected: r.rejected.Load()}
}

// PruneRecords deletes the delivery records older than the retention and returns how many
// it deleted.
func (r *Receiver) PruneRecords(ctx context.Context) (int, error) {
	return r.opts.Store.PruneWebhookDeliveries(ctx, r.opts.Now().Add(-r.opts.Retention))
}

// ServeHTTP handles one delivery: read, verify, parse, then record and apply.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method "+req.Method+" not allowed: Docusign Connect posts to /connect",
			http.StatusMethodNotAllowed)
		return
	}
	body, err := r.readBody(w, req)
	if err != nil {
		r.rejectRead(w, err)
		return
	}
	contentType := req.Header.Get("Content-Type")
	keyID, err := r.opts.Verifier.Verify(body, req.Header)
	if err != nil {
		r.rejectSignature(w, err, body, contentType)
		return
	}
	ev, err := Parse(body, contentType)
	if err != nil {
		r.reject(w, rejection{status: http.StatusBadRequest, outcome: OutcomeInvalidBody,
			keyID: keyID, err: err})
		return
	}
	// The delivery finishes even when Docusign hangs up, so a state change is never left
	// applied but unrecorded by a cancelled request.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), deliveryTimeout)
	defer cancel()
	r.deliver(ctx, w, ev, body, keyID)
}

// readBody reads the whole body up to MaxBodyBytes.
func (r *Receiver) readBody(w http.ResponseWriter, req *http.Request) ([]byte, error) {
	if req.ContentLength > r.opts.MaxBodyBytes {
		return nil, &http.MaxBytesError{Limit: r.opts.MaxBodyBytes}
	}
	return io.ReadAll(http.MaxBytesReader(w, req.Body, r.opts.MaxBodyBytes))
}

// deliver records and applies ev unless it is a duplicate, then responds.
func (r *Receiver) deliver(ctx context.Context, w http.ResponseWriter, ev Event, body []byte,
	keyID string) {
	sum := sha256.Sum256(body)
	d := store.WebhookDelivery{
		EnvelopeID:  ev.EnvelopeID,
		RecipientID: ev.RecipientID,
		TemplateID:  ev.TemplateID,
		Event:       ev.Name,
		GeneratedAt: ev.GeneratedAt,
		BodySHA256:  hex.EncodeToString(sum[:]),
		KeyID:       keyID,
		RetryCount:  ev.RetryCount,
		ReceivedAt:  r.opts.Now(),
	}
	duplicate, applied, err := r.recordOnce(ctx, ev, d)
	if err != nil {
		r.logger.Error("connect delivery failed to record: Docusign will deliver it again",
			"envelope_id", ev.EnvelopeID, "event", ev.Name, "key_id", keyID, "err", err)
		http.Error(w, "delivery not recorded: the store failed, retry later",
			http.StatusInternalServerError)
		return
	}
	if duplicate {
		r.dups.Add(1)
		r.logger.Info("connect delivery is a duplicate, acknowledged without effect",
			"envelope_id", ev.EnvelopeID, "event", ev.Name, "retry_count", ev.RetryCount)
		w.WriteHeader(http.StatusOK)
		return
	}
	r.accepted.Add(1)
	r.logger.Info("connect delivery accepted", "envelope_id", ev.EnvelopeID, "event", ev.Name,
		"status", ev.Status, "state_changed", applied, "key_id", keyID,
		"retry_count", ev.RetryCount, "format", ev.Format)
	w.WriteHeader(http.StatusOK)
}

// recordOnce applies ev to the envelope state, records the delivery and appends its audit
// record, unless the delivery is already recorded. Deliveries of one envelope take turns,
// so a redelivery that arrives while the first copy is being applied waits and is then
// found. With a *store.AuditLog, the state, the record and the audit record are written in
// one transaction, which the audit log's committer shares with other deliveries. So a crash
// or a failure at any point never applies or audits a delivery twice.
func (r *Receiver) recordOnce(ctx context.Context, ev Event, d store.WebhookDelivery) (
	duplicate, applied bool, err error) {
	unlock := r.locks.lock(ev.EnvelopeID)
	defer unlock()
	rec := r.auditRecord(store.AuditRecord{EnvelopeID: ev.EnvelopeID, Action: ev.Name,
		KeyID: d.KeyID, StatusCode: http.StatusOK, Outcome: "ok",
		Attempt: ev.RetryCount + 1})
	if log, ok := r.opts.Audit.(*store.AuditLog); ok && log != nil {
		out, err := r.opts.Store.ApplyWebhookDelivery(ctx, d, r.eventState(ctx, ev), log, rec)
		if err != nil {
			return false, false, fmt.Errorf("apply delivery with its audit record: %w", err)
		}
		return out.Duplicate, out.StateChanged, nil
	}
	if _, found, err := r.opts.Store.FindWebhookDelivery(ctx, d); err != nil || found {
		return found, false, err
	}
	if applied, err = r.applyState(ctx, ev); err != nil {
		return false, false, err
	}
	// NOTE: another AuditAppender gets its record before the delivery record, so a failure
	// between the two audits the redelivery a second time.
	if err := r.appendAudit(rec); err != nil {
		return false, applied, err
	}
	var isNew bool
	if _, isNew, err = r.opts.Store.RecordWebhookDelivery(ctx, d); err != nil {
		return false, applied, err
	}
	return !isNew, applied, nil
}

// applyState writes the envelope state that ev reports, for an audit log that cannot
// share the delivery's transaction.
func (r *Receiver) applyState(ctx context.Context, ev Event) (bool, error) {
	state := r.eventState(ctx, ev)
	if state == nil {
		return false, nil
	}
	_, applied, err := r.opts.Store.PutEnvelope(ctx, *state)
	if err != nil {
		return false, fmt.Errorf("apply envelope state: %w", err)
	}
	return applied, nil
}

// eventState returns the envelope status that ev reports, observed at its generated time,
// so an older event after a newer one changes nothing. An event without a status, such as
// a recipient event without the envelope summary, returns nil.
func (r *Receiver) eventState(ctx context.Context, ev Event) *store.EnvelopeState {
	if ev.EnvelopeID == "" || ev.Status == "" {
		return nil
	}
	observed := ev.GeneratedAt
	if now := r.opts.Now(); observed.After(now.Add(maxClockSkew)) {
		// A skewed clock affects every message, so only the first one logs a warning.
		level := slog.LevelDebug
		if r.futureWarned.CompareAndSwap(false, true) {
			level = slog.LevelWarn
		}
		r.logger.Log(ctx, level, "connect message generated in the future: recorded at "+
			"the local time; check this host's clock", "envelope_id", ev.EnvelopeID,
			"event", ev.Name, "generated_at", observed)
		observed = now
	}
	return &store.EnvelopeState{EnvelopeID: ev.EnvelopeID, Status: ev.Status,
		Source: store.SourceWebhook, ObservedAt: observed, Snapshot: ev.Snapshot}
}

// audit appends rec as a webhook record, when an audit log is configured.
func (r *Receiver) audit(rec store.AuditRecord) error {
	return r.appendAudit(r.auditRecord(rec))
}

// auditRecord returns rec with the kind, caller and time of a webhook record.
func (r *Receiver) auditRecord(rec store.AuditRecord) store.AuditRecord {
	rec.Kind = store.AuditWebhook
	rec.Caller = AuditCaller
	rec.Time = r.opts.Now()
	return rec
}

// appendAudit appends rec, when an audit log is configured.
func (r *Receiver) appendAudit(rec store.AuditRecord) error {
	if r.opts.Audit == nil {
		return nil
	}
	var err error
	if batched, ok := r.opts.Audit.(batchedAppender); ok {
		_, err = batched.AppendBatched(rec)
	} else {
		_, err = r.opts.Audit.Append(rec)
	}
	if err != nil {
		return fmt.Errorf("append audit record: %w", err)
	}
	return nil
}
