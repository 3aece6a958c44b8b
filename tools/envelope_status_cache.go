package tools

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

// Defaults of the Options that govern get_envelope_status's use of the envelope state.
// Docusign allows one status read per envelope per 15 minutes, so both are 15 minutes.
const (
	// DefaultStatusMaxAge is how long an envelope state that is not final answers
	// get_envelope_status without a Docusign call.
	DefaultStatusMaxAge = 15 * time.Minute
	// DefaultRefreshMinInterval is how soon after a Docusign read refresh may read again.
	DefaultRefreshMinInterval = 15 * time.Minute
)

// Values of the source field of get_envelope_status.
const (
	statusSourceCache    = "cache"
	statusSourceDocusign = "docusign"
)

// EnvelopeCache keeps the last known state of each envelope. *store.Store implements it.
type EnvelopeCache interface {
	GetEnvelope(ctx context.Context, envelopeID string) (store.EnvelopeState, error)
	PutEnvelope(ctx context.Context, next store.EnvelopeState) (store.EnvelopeState, bool,
		error)
}

var _ EnvelopeCache = (*store.Store)(nil)

// getEnvelopeStatus serves the status from the envelope state while it is fresh enough, and
// otherwise reads it from Docusign and stores it.
func getEnvelopeStatus(ctx context.Context, d *Deps, in *envelopeStatusInput) (
	envelopeStatusOutput, []content, *ToolError) {
	if out, ok := d.servedFromStore(ctx, in); ok {
		return out, nil, nil
	}
	// Concurrent calls for one envelope wait here, and all but the first find the state
	// that the first one stored, so they cost one Docusign read.
	unlock := d.controls.status.lock(in.EnvelopeID)
	defer unlock()
	if out, ok := d.servedFromStore(ctx, in); ok {
		return out, nil, nil
	}
	now := d.Now()
	out, terr := readEnvelopeStatus(ctx, d, in.EnvelopeID)
	if terr != nil {
		return envelopeStatusOutput{}, nil, terr
	}
	out.Source = statusSourceDocusign
	out = d.rememberStatus(ctx, out, now)
	out.NextLiveReadAt = d.nextLiveRead(out.Status, now)
	return out, nil, nil
}

// servedFromStore returns the stored status when it may answer without a Docusign call.
func (d *Deps) servedFromStore(ctx context.Context, in *envelopeStatusInput) (
	envelopeStatusOutput, bool) {
	now := d.Now()
	cached, ok := d.cachedEnvelope(ctx, in.EnvelopeID)
	if !ok || !d.servable(cached, in.Refresh, now) {
		return envelopeStatusOutput{}, false
	}
	out, ok := d.fromSnapshot(cached, now)
	if ok {
		out.NextLiveReadAt = d.nextLiveRead(cached.Status, cached.ObservedAt)
	}
	return out, ok
}

// nextLiveRead returns the RFC 3339 time from which get_envelope_status reads a status
// observed at observedAt from Docusign again, or "" for a final status, which it never reads
// again.
func (d *Deps) nextLiveRead(status string, observedAt time.Time) string {
	if store.IsFinalStatus(status) {
		return ""
	}
	wait := orDefault(d.Options.RefreshMinInterval, DefaultRefreshMinInterval)
	if d.Options.StatusMaxAge < 0 {
		wait = 0
	} else {
		wait = min(wait, orDefault(d.Options.StatusMaxAge, DefaultStatusMaxAge))
	}
	return observedAt.Add(wait).UTC().Format(time.RFC3339)
}

// cachedEnvelope returns the stored state of an envelope. A store failure is logged and
// treated as a miss, so the status comes from Docusign.
func (d *Deps) cachedEnvelope(ctx context.Context, envelopeID string) (store.EnvelopeState,
	bool) {
	if d.Envelopes == nil {
		return store.EnvelopeState{}, false
	}
	cached, err := d.Envelopes.GetEnvelope(ctx, envelopeID)
	if errors.Is(err, store.ErrEnvelopeNotFound) {
		return store.EnvelopeState{}, false
	}
	if err != nil {
		d.Logger.Warn("reading the envelope state failed", "envelope_id", envelopeID,
			"err", err)
		return store.EnvelopeState{}, false
	}
	return cached, true
}

// servable reports whether a stored state may answer without a Docusign call: a final state
// always, another state while younger than StatusMaxAge (never when it is negative), and with
// refresh only while younger than RefreshMinInterval.
func (d *Deps) servable(cached store.EnvelopeState, refresh bool, now time.Time) bool {
	if len(cached.Snapshot) == 0 {
		return false
	}
	age := cached.Age(now)
	switch {
	case refresh:
		return age < orDefault(d.Options.RefreshMinInterval, DefaultRefreshMinInterval)
	case store.IsFinalStatus(cached.Status):
		return true
	case d.Options.StatusMaxAge < 0:
		return false
	default:
		return age < orDefault(d.Options.StatusMaxAge, DefaultStatusMaxAge)
	}
}

func orDefault(value, fallback time.Duration) time.Duration {
	if value > 0 {
		return value
	}
	return fallback
}

// fromSnapshot returns the stored output with source cache and its age.
func (d *Deps) fromSnapshot(cached store.EnvelopeState, now time.Time) (envelopeStatusOutput,
	bool) {
	out, ok := d.snapshots.decode(cached.EnvelopeID, cached.Snapshot)
	if !ok {
		return envelopeStatusOutput{}, false
	}
	out.Source = statusSourceCache
	out.AgeSeconds = max(0, int(cached.Age(now)/time.Second))
	if out.Recipients == nil {
		out.Recipients = []recipientStatus{}
	}
	return out, true
}

// rememberStatus stores a status read from Docusign and returns what to answer. When the
// stored state is further along the lifecycle, the read is not kept and the stored state
// answers, so an agent never sees an envelope move back.
func (d *Deps) rememberStatus(ctx context.Context, out envelopeStatusOutput,
	now time.Time) envelopeStatusOutput {
	if d.Envelopes == nil {
		return out
	}
	snapshot, err := json.Marshal(out)
	if err != nil {
		return out
	}
	kept, applied, err := d.Envelopes.PutEnvelope(ctx, store.EnvelopeState{
		EnvelopeID: out.EnvelopeID, Status: out.Status, Source: store.SourceDocusign,
		ObservedAt: now, Snapshot: snapshot,
	})
	if err != nil {
		d.Logger.Warn("storing the envelope state failed", "envelope_id", out.EnvelopeID,
			"err", err)
		return out
	}
	if applied {
		return out
	}
	d.Logger.Warn("Docusign returned an earlier envelope status than the stored one; "+
		"keeping the stored one", "envelope_id", out.EnvelopeID, "read", out.Status,
		"stored", kept.Status, "stored_source", kept.Source)
	if cachedOut, ok := d.fromSnapshot(kept, now); ok {
		return cachedOut
	}
	return out
}

// noteEnvelopeResult records the envelope state that a successful create_envelope or
// void_envelope result shows.
func (d *Deps) noteEnvelopeResult(ctx context.Context, tool string, structured json.RawMessage) {
	if d.Envelopes == nil || len(structured) == 0 {
		return
	}
	if tool != "create_envelope" && tool != "void_envelope" {
		// Most calls are reads, so this skips decoding their results.
		return
	}
	var body struct {
		EnvelopeID string `json:"envelope_id"`
		Status     string `json:"status"`
		Action     string `json:"action"`
	}
	if json.Unmarshal(structured, &body) != nil || body.EnvelopeID == "" {
		return
	}
	next := store.EnvelopeState{EnvelopeID: body.EnvelopeID, ObservedAt: d.Now()}
	switch tool {
	case "create_envelope":
		if body.Status == "" {
			return
		}
		next.Status, next.Source = body.Status, store.SourceCreate
	case "void_envelope":
		// A confirmation_required result voided nothing yet.
		if body.Action != "voided" {
			return
		}
		next.Status, next.Source = "voided", store.SourceVoid
	default:
		return
	}
	if _, _, err := d.Envelopes.PutEnvelope(ctx, next); err != nil {
		d.Logger.Warn("storing the envelope state failed", "envelope_id", body.EnvelopeID,
			"tool", tool, "err", err)
	}
}
