package tools

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// reconcileMargin widens the listing window before a record's pending time, because the
// server's clock and Docusign's may differ.
const reconcileMargin = 15 * time.Minute

// flightKey names one idempotency key of one store.
type flightKey struct {
	store IdempotencyStore
	key   string
}

// flightTable tracks the calls in this process that own an idempotency key. Badger lets one
// process open a store, so this table covers every call that can use the key.
type flightTable struct {
	mu      sync.Mutex
	running map[flightKey]chan struct{}
}

var flights = &flightTable{running: map[flightKey]chan struct{}{}}

// acquire makes the caller the owner of k and returns a channel to close on release, or,
// when another call owns k, returns that call's channel and false.
func (t *flightTable) acquire(k flightKey) (chan struct{}, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if done, ok := t.running[k]; ok {
		return done, false
	}
	done := make(chan struct{})
	t.running[k] = done
	return done, true
}

func (t *flightTable) release(k flightKey, done chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.running, k)
	close(done)
}

// reconcile looks for the envelope of a pending record. When it finds one it stores it in the
// record and returns it. When the listing fails the record stays pending and the error says
// to call again with the key.
func (d *Deps) reconcile(ctx context.Context, idem IdempotencyStore, rec store.IdempotencyRecord,
	reason string) (createEnvelopeOutput, bool, *ToolError) {
	env, err := d.findEnvelope(ctx, rec)
	if err != nil {
		d.Logger.Warn("idempotency reconciliation failed, the record stays pending",
			"idempotency_key", rec.Key, "reason", reason, "error", maskEmails(err.Error()))
		terr := fromDocusign(err, "the envelope list", d.Now())
		d.auditReconciliation(rec, "failed", "", terr.TraceToken)
		return createEnvelopeOutput{}, false, stillUnknown(rec, terr)
	}
	if env == nil {
		d.Logger.Info("idempotency reconciliation found no envelope",
			"idempotency_key", rec.Key, "reason", reason)
		d.auditReconciliation(rec, "not_found", "", "")
		return createEnvelopeOutput{}, false, nil
	}
	d.Logger.Info("idempotency reconciliation adopted an envelope",
		"idempotency_key", rec.Key, "envelope_id", env.EnvelopeID, "reason", reason)
	d.auditReconciliation(rec, "adopted", env.EnvelopeID, "")
	out := createEnvelopeOutput{EnvelopeID: env.EnvelopeID, Status: env.Status,
		StatusAt: formatTime(env.StatusChangedDateTime)}
	return d.complete(ctx, idem, rec, out), true, nil
}

// findEnvelope lists the envelopes that changed since the record's pending time and carry
// its custom field value. It returns the oldest, or nil when there is none.
func (d *Deps) findEnvelope(ctx context.Context, rec store.IdempotencyRecord) (
	*docusign.Envelope, error) {
	opts := &docusign.ListStatusChangesOptions{
		FromDate:    rec.CreatedAt.Add(-reconcileMargin),
		CustomField: IdempotencyFieldName + "=" + rec.FieldValue,
		Include:     []string{"custom_fields"},
		Count:       100,
	}
	list, _, err := d.Docusign.Envelopes.ListStatusChanges(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list envelopes with idempotency key %s: %w", rec.Key, err)
	}
	var matches []docusign.Envelope
	for _, env := range list.Envelopes {
		if carriesField(env, rec.FieldValue) {
			matches = append(matches, env)
		}
	}
	if len(matches) == 0 {
		return nil, nil
	}
	slices.SortFunc(matches, func(a, b docusign.Envelope) int {
		return createdTime(a.CreatedDateTime).Compare(createdTime(b.CreatedDateTime))
	})
	if len(matches) > 1 {
		d.Logger.Warn("several envelopes carry one idempotency key, adopting the oldest",
			"idempotency_key", rec.Key, "count", len(matches),
			"envelope_id", matches[0].EnvelopeID)
	}
	return &matches[0], nil
}

// carriesField reports whether env has the idempotency custom field with value. An envelope
// listed without its custom fields is trusted to match the custom_field filter.
func carriesField(env docusign.Envelope, value string) bool {
	if env.CustomFields == nil {
		return true
	}
	for _, f := range env.CustomFields.TextCustomFields {
		if f.Name == IdempotencyFieldName && f.Value == value {
			return true
		}
	}
	return false
}

func createdTime(s string) time.Time {
	t, err := docusign.ParseTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// ReconcilePending looks up the envelope of every pending idempotency record, as left by a
// process that stopped between the create and storing its outcome, and stores the envelopes
// it finds. A record without an envelope stays pending, so the next call with its key
// creates the envelope once, unless it is older than the idempotency window: then nobody is
// expected to repeat the call and the record is deleted. Completed records whose window ended
// are deleted too. It returns how many records it adopted and how many stay pending.
func ReconcilePending(ctx context.Context, deps Deps) (adopted, pending int, err error) {
	d := deps.withDefaults()
	idem, ok := d.Store.(IdempotencyStore)
	if !ok {
		return 0, 0, nil
	}
	records, err := idem.PendingIdempotencyKeys(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("reconcile idempotency keys: %w", err)
	}
	for _, rec := range records {
		flight := flightKey{store: idem, key: rec.Key}
		done, owner := flights.acquire(flight)
		if !owner {
			continue
		}
		found, stays := d.reconcileAtStart(ctx, idem, rec)
		flights.release(flight, done)
		if found {
			adopted++
		}
		if stays {
			pending++
		}
	}
	d.Logger.Info("idempotency reconciliation at start-up finished", "checked", len(records),
		"adopted", adopted, "pending", pending)
	d.pruneIdempotency(ctx)
	return adopted, pending, nil
}

// idempotencyPruner deletes completed records whose window ended. *store.Store implements it.
type idempotencyPruner interface {
	PruneIdempotencyKeys(ctx context.Context) (int, error)
}

func (d *Deps) pruneIdempotency(ctx context.Context) {
	pruner, ok := d.Store.(idempotencyPruner)
	if !ok {
		return
	}
	pruned, err := pruner.PruneIdempotencyKeys(ctx)
	if err != nil {
		d.Logger.Warn("deleting expired idempotency records failed", "error", err)
		return
	}
	d.Logger.Info("deleted expired idempotency records", "count", pruned)
}

func (d *Deps) reconcileAtStart(ctx context.Context, idem IdempotencyStore,
	rec store.IdempotencyRecord) (found, stays bool) {
	_, found, terr := d.reconcile(ctx, idem, rec, "pending record found at start-up")
	if terr != nil || found {
		return found, terr != nil
	}
	if d.Now().Sub(rec.CreatedAt) < d.idempotencyWindow() {
		return false, true
	}
	d.release(ctx, idem, rec)
	d.Logger.Info("deleted a pending idempotency record older than the window",
		"idempotency_key", rec.Key, "pending_since", rec.CreatedAt)
	d.auditReconciliation(rec, "deleted", "", "")
	return false, false
}

// auditReconciliation appends one reconciliation record to the audit log, if there is one.
// ArgsDigest holds the record's request hash, which is not the digest of a tool call record.
func (d *Deps) auditReconciliation(rec store.IdempotencyRecord, outcome, envelopeID,
	traceToken string) {
	if d.Audit == nil {
		return
	}
	_, err := d.Audit.Append(store.AuditRecord{Kind: store.AuditReconciliation,
		Caller: rec.Principal, Tool: "create_envelope", EnvelopeID: envelopeID,
		Outcome: outcome, TraceToken: traceToken, ArgsDigest: rec.RequestHash})
	if err != nil {
		d.Logger.Error("appending a reconciliation to the audit log failed",
			"idempotency_key", rec.Key, "outcome", outcome, "error", err)
	}
}
