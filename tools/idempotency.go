package tools

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// Error codes of idempotent creation.
const (
	// CodeIdempotencyConflict means the idempotency key was used before with a different
	// request or by another caller. Nothing was sent.
	CodeIdempotencyConflict = "idempotency_conflict"
	// CodeInProgress means another call with the same idempotency key is still running.
	CodeInProgress = "in_progress"
)

const (
	// IdempotencyFieldName is the envelope text custom field that carries the idempotency
	// key to Docusign, so that reconciliation can find the envelope by listing.
	IdempotencyFieldName = "mcp_idempotency_key"
	// DefaultIdempotencyWindow is how long a derived key's result is replayed.
	DefaultIdempotencyWindow = 24 * time.Hour
	// DefaultCreateSettle is how long create_envelope waits after a create with an unknown
	// outcome before it looks for the envelope.
	// NOTE: an estimate. Docusign does not say how long a request whose connection was lost
	// can still take effect, so a slower commit can still lead to a second envelope.
	DefaultCreateSettle = 3 * time.Second
	// maxIdempotencyKeyLen keeps an explicit key within Docusign's 100-character limit for
	// custom field values.
	maxIdempotencyKeyLen = 100
	// derivedKeyPrefix starts every key that the server derives.
	derivedKeyPrefix = "req-"
)

// IdempotencyStore keeps the idempotency records of create_envelope. *store.Store
// implements it. When Deps.Store does not, create_envelope creates without a record.
type IdempotencyStore interface {
	ReserveIdempotencyKey(ctx context.Context, rec store.IdempotencyRecord) (
		store.IdempotencyRecord, bool, error)
	CompleteIdempotencyKey(ctx context.Context, key, envelopeID string, result []byte,
		ttl time.Duration) (store.IdempotencyRecord, error)
	ReleaseIdempotencyKey(ctx context.Context, key, requestHash string) error
	PendingIdempotencyKeys(ctx context.Context) ([]store.IdempotencyRecord, error)
}

var _ IdempotencyStore = (*store.Store)(nil)

// idempotencyRequest identifies one create_envelope call for idempotency.
type idempotencyRequest struct {
	key       string
	hash      string
	principal string
	derived   bool
}

// newIdempotencyRequest hashes the validated input and takes the caller's key, or derives
// one from the caller and the hash.
func newIdempotencyRequest(ctx context.Context, in *createEnvelopeInput) (
	idempotencyRequest, error) {
	hash, err := requestHash(in)
	if err != nil {
		return idempotencyRequest{}, err
	}
	req := idempotencyRequest{key: in.IdempotencyKey, hash: hash,
		principal: policy.PrincipalFrom(ctx)}
	if req.key == "" {
		sum := sha256.Sum256([]byte(req.principal + "\x00" + hash))
		req.key = derivedKeyPrefix + hex.EncodeToString(sum[:16])
		req.derived = true
	}
	return req, nil
}

// requestHash returns the SHA-256 of the request's canonical form: the decoded input
// re-encoded with fields in declaration order and no whitespace, without the idempotency
// key, and with each document's bytes replaced by their hash. Key order and whitespace of the
// arguments therefore do not change it. Ids that validation assigned count, which is the
// same for the same arguments.
func requestHash(in *createEnvelopeInput) (string, error) {
	canonical := *in
	canonical.IdempotencyKey = ""
	canonical.Documents = make([]documentInput, len(in.Documents))
	for i, doc := range in.Documents {
		sum := sha256.Sum256(doc.data)
		doc.ContentBase64 = "sha256:" + hex.EncodeToString(sum[:])
		canonical.Documents[i] = doc
	}
	raw, err := json.Marshal(canonical)
	if err != nil {
		return "", fmt.Errorf("encode the request for its hash: %w", err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

// record returns the pending record to reserve. A derived key's custom field value gets a
// random suffix, because the key comes back after its window and must not match the
// envelope of an earlier window.
func (r idempotencyRequest) record(now time.Time) store.IdempotencyRecord {
	value := r.key
	if r.derived {
		var nonce [4]byte
		_, _ = rand.Read(nonce[:])
		value += "." + hex.EncodeToString(nonce[:])
	}
	return store.IdempotencyRecord{Key: r.key, FieldValue: value, RequestHash: r.hash,
		Principal: r.principal, Derived: r.derived, CreatedAt: now.UTC()}
}

// checkRecord rejects a stored record that another caller or a different request made.
func (r idempotencyRequest) checkRecord(rec store.IdempotencyRecord) *ToolError {
	if rec.Principal != r.principal {
		return &ToolError{Code: CodeIdempotencyConflict, Field: "idempotency_key",
			Message:  fmt.Sprintf("idempotency_key %q belongs to another caller", r.key),
			NextStep: "pass a new idempotency_key, such as a fresh UUID"}
	}
	if rec.RequestHash == r.hash {
		return nil
	}
	what := "a call that is not finished"
	if rec.EnvelopeID != "" {
		what = "envelope " + rec.EnvelopeID
	}
	return &ToolError{Code: CodeIdempotencyConflict, Field: "idempotency_key",
		Message: fmt.Sprintf("idempotency_key %q was used for a different request (%s), "+
			"so nothing was sent", r.key, what),
		NextStep: "repeat the original request unchanged, or pass a new idempotency_key " +
			"to create another envelope"}
}

// createEnvelope creates the envelope at most once per idempotency key. Calls with the same
// key in this process run one after another, so a pending record that a call finds was left
// by a call that ended without an outcome, or by a process that stopped.
func createEnvelope(ctx context.Context, d *Deps, in *createEnvelopeInput) (
	createEnvelopeOutput, []content, *ToolError) {
	req, err := newIdempotencyRequest(ctx, in)
	if err != nil {
		return createEnvelopeOutput{}, nil, &ToolError{Code: CodeInternal, cause: err,
			Message: "failed to hash the request, so nothing was sent"}
	}
	idem, ok := d.Store.(IdempotencyStore)
	if !ok {
		out, terr := createUnrecorded(ctx, d, in, req)
		return out, nil, terr
	}
	flight := flightKey{store: idem, key: req.key}
	for {
		done, owner := flights.acquire(flight)
		if owner {
			out, terr := d.createOwned(ctx, idem, in, req)
			flights.release(flight, done)
			return out, nil, terr
		}
		if !waitForFlight(ctx, done) {
			break
		}
	}
	return createEnvelopeOutput{}, nil, &ToolError{Code: CodeInProgress, Retryable: true,
		Field:    "idempotency_key",
		Message:  fmt.Sprintf("another call with idempotency_key %q is still running", req.key),
		NextStep: "call again in a few seconds with the same idempotency_key to get its result"}
}

func waitForFlight(ctx context.Context, done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// createOwned runs one call while it is the only one with its key in this process.
func (d *Deps) createOwned(ctx context.Context, idem IdempotencyStore, in *createEnvelopeInput,
	req idempotencyRequest) (createEnvelopeOutput, *ToolError) {
	rec, reserved, err := idem.ReserveIdempotencyKey(ctx, req.record(d.Now()))
	if err != nil {
		return createEnvelopeOutput{}, &ToolError{Code: CodeUnavailable, Retryable: true,
			cause: err, Message: "failed to record the idempotency key, so nothing was sent",
			NextStep: "call again; if it keeps failing, tell the server operator"}
	}
	if !reserved {
		if terr := req.checkRecord(rec); terr != nil {
			return createEnvelopeOutput{}, terr
		}
		if !rec.Pending() {
			return d.replay(ctx, rec, in), nil
		}
		out, found, terr := d.reconcile(ctx, idem, rec, "pending record of an earlier call")
		if terr != nil {
			return createEnvelopeOutput{}, terr
		}
		if found {
			out.Replayed = true
			out.Source = in.Source
			return out, nil
		}
	}
	return d.createRecorded(ctx, idem, in, rec)
}

// createRecorded sends the create for a pending record. After a failure that leaves the
// outcome unknown it lists the envelopes that carry the key, adopts one if found, and
// otherwise sends the create one more time.
func (d *Deps) createRecorded(ctx context.Context, idem IdempotencyStore,
	in *createEnvelopeInput, rec store.IdempotencyRecord) (createEnvelopeOutput, *ToolError) {
	def, terr := envelopeDefinition(ctx, d, in)
	if terr != nil {
		d.release(ctx, idem, rec)
		return createEnvelopeOutput{}, terr
	}
	addIdempotencyField(def, rec.FieldValue)
	resent, unknown := false, 0
	for {
		summary, _, err := d.Docusign.Envelopes.Create(ctx, def)
		switch {
		case err == nil:
			out := createEnvelopeOutput{EnvelopeID: summary.EnvelopeID, Status: summary.Status,
				StatusAt: formatTime(summary.StatusDateTime), Source: in.Source}
			return d.complete(ctx, idem, rec, out), nil
		case !outcomeUnknown(err) && docusign.IsRetryable(err) && !resent:
			// Docusign rejected the request before acting on it, as with an expired access
			// token that the client has dropped, so sending it again is safe.
			resent = true
			d.Logger.Info("envelope create rejected before Docusign acted, sending it again",
				"idempotency_key", rec.Key, "error", maskEmails(err.Error()))
		case !outcomeUnknown(err):
			d.release(ctx, idem, rec)
			return createEnvelopeOutput{}, fromDocusign(err, "the envelope", d.Now())
		case isRateLimited(err):
			// Another create now would spend a call of the exhausted limit and fail too, so the
			// call looks for the envelope once and otherwise leaves the record pending.
			out, settled, terr := d.settleUnknown(ctx, idem, rec, err, 2)
			if settled {
				out.Source = in.Source
			}
			return out, terr
		default:
			unknown++
			d.settle(ctx)
			out, settled, terr := d.settleUnknown(ctx, idem, rec, err, unknown)
			if settled {
				out.Source = in.Source
				return out, terr
			}
		}
	}
}

// settle waits Options.CreateSettle, or until ctx ends. A create that timed out here may
// still be running at Docusign, and a listing sent at once would miss the envelope it makes.
func (d *Deps) settle(ctx context.Context) {
	wait := d.Options.CreateSettle
	if wait == 0 {
		wait = DefaultCreateSettle
	}
	if wait < 0 {
		return
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// settleUnknown reconciles after the failures-th create with an unknown outcome. It reports
// settled with the adopted envelope or an error, or not settled when the create should be
// sent once more.
func (d *Deps) settleUnknown(ctx context.Context, idem IdempotencyStore,
	rec store.IdempotencyRecord, err error, failures int) (createEnvelopeOutput, bool,
	*ToolError) {
	d.Logger.Warn("envelope create failed with an unknown outcome, reconciling",
		"idempotency_key", rec.Key, "failures", failures, "error", maskEmails(err.Error()))
	out, found, terr := d.reconcile(ctx, idem, rec, "create failed with an unknown outcome")
	if terr != nil || found {
		return out, true, terr
	}
	if failures >= 2 {
		return out, true, stillUnknown(rec, fromDocusign(err, "the envelope", d.Now()))
	}
	d.Logger.Info("reconciliation found no envelope, creating it once more",
		"idempotency_key", rec.Key)
	return out, false, nil
}

// outcomeUnknown reports whether a failed create may have created the envelope: the client
// marks timeouts, dropped connections and 5xx responses ambiguous. A 429 counts too, so that
// a limit reported after the request arrived cannot lead to a second envelope.
func outcomeUnknown(err error) bool {
	var rate *docusign.RateLimitError
	var api *docusign.APIError
	return errors.Is(err, docusign.ErrAmbiguous) || errors.As(err, &rate) ||
		(errors.As(err, &api) && api.StatusCode == 429)
}

// isRateLimited reports whether Docusign rejected the call for an exhausted rate limit.
func isRateLimited(err error) bool {
	var rate *docusign.RateLimitError
	return errors.As(err, &rate)
}

// stillUnknown is the error of a call that leaves its record pending. cause is the failure
// of the last Docusign call. A rate limit keeps its code, so the agent waits for the reset.
func stillUnknown(rec store.IdempotencyRecord, cause *ToolError) *ToolError {
	code := CodeOutcomeUnknown
	if cause.Code == CodeRateLimited {
		code = CodeRateLimited
	}
	terr := &ToolError{Code: code, Retryable: true, cause: cause.cause,
		TraceToken: cause.TraceToken, RetryAfter: cause.RetryAfter,
		Message: "the envelope may have been created, and Docusign could not confirm it yet (" +
			cause.Message + ")",
		NextStep: fmt.Sprintf("call create_envelope again with idempotency_key %q and the "+
			"same arguments: it looks for the envelope before creating one", rec.Key)}
	if cause.Code == CodeRateLimited {
		terr.NextStep = fmt.Sprintf("wait %d seconds, then ", cause.RetryAfter) + terr.NextStep
	}
	return terr
}

// replay returns the stored result of a completed record.
func (d *Deps) replay(ctx context.Context, rec store.IdempotencyRecord,
	in *createEnvelopeInput) createEnvelopeOutput {
	var out createEnvelopeOutput
	if err := json.Unmarshal(rec.Result, &out); err != nil {
		d.Logger.Warn("stored idempotency result is unreadable, returning the envelope id only",
			"idempotency_key", rec.Key, "envelope_id", rec.EnvelopeID, "error", err)
	}
	out.EnvelopeID = rec.EnvelopeID
	out.Source = in.Source
	out.IdempotencyKey = rec.Key
	out.Replayed = true
	d.Logger.LogAttrs(ctx, slog.LevelInfo, "create_envelope replayed a stored result",
		slog.String("idempotency_key", rec.Key), slog.String("envelope_id", rec.EnvelopeID))
	return out
}

// complete stores the outcome in the record. When that fails the record stays pending, and
// the next call with the key or the next start-up adopts the envelope by listing.
func (d *Deps) complete(ctx context.Context, idem IdempotencyStore, rec store.IdempotencyRecord,
	out createEnvelopeOutput) createEnvelopeOutput {
	out.IdempotencyKey = rec.Key
	out.Replayed = false
	raw, err := json.Marshal(out)
	if err == nil {
		var ttl time.Duration
		if rec.Derived {
			ttl = d.idempotencyWindow()
		}
		// The envelope exists, so the record is written even after the call's deadline.
		_, err = idem.CompleteIdempotencyKey(context.WithoutCancel(ctx), rec.Key,
			out.EnvelopeID, raw, ttl)
	}
	if err != nil {
		d.Logger.Error("storing the envelope of an idempotency key failed, so the record "+
			"stays pending until reconciliation", "idempotency_key", rec.Key,
			"envelope_id", out.EnvelopeID, "error", err)
	}
	return out
}

// release deletes a pending record after a failure that created nothing.
func (d *Deps) release(ctx context.Context, idem IdempotencyStore, rec store.IdempotencyRecord) {
	err := idem.ReleaseIdempotencyKey(context.WithoutCancel(ctx), rec.Key, rec.RequestHash)
	if err != nil {
		d.Logger.Error("releasing an idempotency key failed, so the next call with it "+
			"reconciles first", "idempotency_key", rec.Key, "error", err)
	}
}

func (d *Deps) idempotencyWindow() time.Duration {
	if d.Options.IdempotencyWindow > 0 {
		return d.Options.IdempotencyWindow
	}
	return DefaultIdempotencyWindow
}

// addIdempotencyField adds the custom field that carries the key. It is hidden from
// recipients.
func addIdempotencyField(def *docusign.EnvelopeDefinition, value string) {
	if def.CustomFields == nil {
		def.CustomFields = &docusign.CustomFields{}
	}
	def.CustomFields.TextCustomFields = append(def.CustomFields.TextCustomFields,
		docusign.TextCustomField{Name: IdempotencyFieldName, Value: value, Show: "false",
			Required: "false"})
}

// createUnrecorded creates without an idempotency record, for a store that keeps none.
func createUnrecorded(ctx context.Context, d *Deps, in *createEnvelopeInput,
	req idempotencyRequest) (createEnvelopeOutput, *ToolError) {
	def, terr := envelopeDefinition(ctx, d, in)
	if terr != nil {
		return createEnvelopeOutput{}, terr
	}
	summary, _, err := d.Docusign.Envelopes.Create(ctx, def)
	if err != nil {
		return createEnvelopeOutput{}, fromDocusign(err, "the envelope", d.Now())
	}
	return createEnvelopeOutput{EnvelopeID: summary.EnvelopeID, Status: summary.Status,
		StatusAt: formatTime(summary.StatusDateTime), Source: in.Source,
		IdempotencyKey: req.key}, nil
}
