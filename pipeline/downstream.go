package pipeline

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/store"
)

// Headers of a downstream post. The signature is "sha256=" and the hex HMAC-SHA256 of the
// exact body under the downstream key. The event id stays the same across retries and
// restarts, so a receiver can drop repeats.
const (
	HeaderSignature = "X-DocuSign-MCP-Signature"
	HeaderTimestamp = "X-DocuSign-MCP-Timestamp"
	HeaderEventID   = "X-DocuSign-MCP-Event-Id"
	HeaderAttempt   = "X-DocuSign-MCP-Delivery-Attempt"
)

// EventEnvelopeCompleted is the type of the event posted after an envelope is archived.
const EventEnvelopeCompleted = "envelope.completed"

// AuditDelivery is the audit record kind of one downstream post. Its Action is the
// target id and its Outcome delivered, failed or given_up.
const AuditDelivery = "downstream_delivery"

// CompletionEvent is the JSON body posted to downstream URLs. It names no person.
type CompletionEvent struct {
	EventID     string          `json:"event_id"`
	Type        string          `json:"type"`
	EnvelopeID  string          `json:"envelope_id"`
	CompletedAt time.Time       `json:"completed_at,omitzero"`
	ArchivedAt  time.Time       `json:"archived_at"`
	Artifacts   []EventArtifact `json:"artifacts"`
}

// EventArtifact is one archived document in a CompletionEvent.
type EventArtifact struct {
	Name       string `json:"name"`
	DocumentID string `json:"document_id"`
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
}

// target is one downstream URL. Its id, a hash prefix of the URL, names it in job ids,
// logs and records, because the URL itself may carry a token.
type target struct {
	id  string
	url string
	key []byte
}

// deliveryData is the Data of a downstream job: the target and the exact body to post.
type deliveryData struct {
	Target  string `json:"target"`
	EventID string `json:"event_id"`
	Body    string `json:"body"`
}

func newTargets(urls []string, key []byte) ([]target, error) {
	if len(urls) > 0 && len(key) == 0 {
		return nil, errors.New("downstream URLs are set but the HMAC key is empty: set " +
			"DOCUSIGN_MCP_DOWNSTREAM_HMAC_KEY")
	}
	seen := map[string]bool{}
	var out []target
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("downstream URL %q is invalid: use an absolute http or "+
				"https URL", redactURL(raw))
		}
		id := TargetID(raw)
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, target{id: id, url: raw, key: key})
	}
	return out, nil
}

// TargetID returns the id of a downstream URL: the first 12 hex digits of its SHA-256.
func TargetID(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	return hex.EncodeToString(sum[:6])
}

// EventID returns the id of an envelope's completion event, the same on every run.
func EventID(envelopeID string) string {
	sum := sha256.Sum256([]byte(EventEnvelopeCompleted + "\x00" + envelopeID))
	return "evt_" + hex.EncodeToString(sum[:16])
}

// Sign returns the signature header value of body under key: "sha256=" and the hex
// HMAC-SHA256.
func Sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// queueDeliveries adds a downstream job per target with the event's body.
func (a *Archiver) queueDeliveries(ctx context.Context, archive store.Archive) error {
	if len(a.targets) == 0 {
		return nil
	}
	event := CompletionEvent{EventID: EventID(archive.EnvelopeID),
		Type: EventEnvelopeCompleted, EnvelopeID: archive.EnvelopeID,
		CompletedAt: archive.CompletedAt, ArchivedAt: archive.ArchivedAt,
		Artifacts: []EventArtifact{}}
	for _, art := range archive.Artifacts {
		event.Artifacts = append(event.Artifacts, EventArtifact{Name: art.Name,
			DocumentID: art.DocumentID, Size: art.Size, SHA256: art.SHA256})
	}
	body, err := json.Marshal(event)
	if err != nil {
		return fmt.Errorf("encode completion event of %s: %w", archive.EnvelopeID, err)
	}
	for _, t := range a.targets {
		data, err := json.Marshal(deliveryData{Target: t.id, EventID: event.EventID,
			Body: string(body)})
		if err != nil {
			return fmt.Errorf("encode delivery of %s: %w", archive.EnvelopeID, err)
		}
		_, _, err = a.store.AddJob(ctx, store.Job{Kind: store.JobDownstream,
			ID: archive.EnvelopeID + "/" + t.id, EnvelopeID: archive.EnvelopeID, Data: data})
		if err != nil {
			return err
		}
	}
	a.wakeDeliveries()
	return nil
}

// runDelivery posts one job's event to its target and records the attempt. When the post
// failed and will be retried, it returns the next attempt time.
func (a *Archiver) runDelivery(ctx context.Context, job store.Job) (time.Time, bool) {
	var data deliveryData
	if err := json.Unmarshal(job.Data, &data); err != nil {
		a.logger.Error("dropping an unreadable delivery job", "job_id", job.ID, "err", err)
		a.deleteJob(ctx, job)
		return time.Time{}, false
	}
	t, ok := a.target(data.Target)
	if !ok {
		a.logger.Warn("dropping a delivery to a target that is no longer configured",
			"envelope_id", job.EnvelopeID, "target", data.Target)
		a.deleteJob(ctx, job)
		return time.Time{}, false
	}
	attempt := job.Attempts + 1
	status, err := a.post(ctx, t, data, attempt)
	if err != nil && ctx.Err() != nil {
		// Close interrupted the post, so the attempt is neither a failure nor recorded.
		return time.Time{}, false
	}
	// A delivered event is recorded even when Close came after the response, so that it is
	// not posted again after a restart.
	ctx = context.WithoutCancel(ctx)
	a.recordDelivery(ctx, job, data, attempt, status, err)
	if err == nil {
		a.logger.Info("completion event delivered", "envelope_id", job.EnvelopeID,
			"target", t.id, "attempt", attempt)
		a.deleteJob(ctx, job)
		return time.Time{}, false
	}
	return a.deliveryFailed(ctx, job, t, err)
}

func (a *Archiver) target(id string) (target, bool) {
	for _, t := range a.targets {
		if t.id == id {
			return t, true
		}
	}
	return target{}, false
}

// deliveryFailed records a failed post on its job, or gives the delivery up after
// MaxDeliveryAttempts, and returns the next attempt time when there is one.
func (a *Archiver) deliveryFailed(ctx context.Context, job store.Job, t target,
	err error) (time.Time, bool) {
	job.Attempts++
	job.LastError = truncate(err.Error(), 500)
	if job.Attempts >= a.opts.AlertAfter {
		a.raise(ctx, alert.Alert{Kind: "downstream_failed", Key: job.ID,
			EnvelopeID: job.EnvelopeID, Message: fmt.Sprintf("posting the completion "+
				"event of envelope %s to downstream target %s failed %d times, last error: %s",
				job.EnvelopeID, t.id, job.Attempts, job.LastError)})
	}
	if job.Attempts >= a.opts.MaxDeliveryAttempts {
		a.logger.Error("completion event delivery given up", "envelope_id", job.EnvelopeID,
			"target", t.id, "attempts", job.Attempts, "err", err)
		a.audit(store.AuditRecord{Kind: AuditDelivery, EnvelopeID: job.EnvelopeID,
			Action: t.id, Attempt: job.Attempts, Outcome: "given_up"})
		a.deleteJob(ctx, job)
		return time.Time{}, false
	}
	wait := a.backoff(job.Attempts)
	job.NextAttempt = a.opts.Now().Add(wait).UTC()
	a.logger.Warn("completion event delivery failed, retrying", "envelope_id",
		job.EnvelopeID, "target", t.id, "attempt", job.Attempts, "retry_in", wait, "err", err)
	if perr := a.store.PutJob(ctx, job); perr != nil {
		a.logger.Error("saving the delivery job failed", "envelope_id", job.EnvelopeID,
			"err", perr)
	}
	return job.NextAttempt, true
}

// post sends the event once and returns the response status, 0 when none arrived.
func (a *Archiver) post(ctx context.Context, t target, data deliveryData,
	attempt int) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.PostTimeout)
	defer cancel()
	body := []byte(data.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "docusign-mcp")
	req.Header.Set(HeaderSignature, Sign(t.key, body))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(a.opts.Now().Unix(), 10))
	req.Header.Set(HeaderEventID, data.EventID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post to target %s failed: %w", t.id, unwrapURLError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("target %s returned HTTP %d", t.id,
			resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// recordDelivery stores and audits one attempt. A failure to record is logged, because
// the post itself happened.
func (a *Archiver) recordDelivery(ctx context.Context, job store.Job, data deliveryData,
	attempt, status int, postErr error) {
	d := store.Delivery{EventID: data.EventID, EnvelopeID: job.EnvelopeID,
		Target: data.Target, Attempt: attempt, At: a.opts.Now(), StatusCode: status,
		Delivered: postErr == nil}
	outcome := "delivered"
	if postErr != nil {
		d.Error = truncate(postErr.Error(), 500)
		outcome = "failed"
	}
	if err := a.store.RecordDelivery(ctx, d); err != nil {
		a.logger.Error("recording a delivery failed", "envelope_id", job.EnvelopeID,
			"target", data.Target, "err", err)
	}
	a.audit(store.AuditRecord{Kind: AuditDelivery, EnvelopeID: job.EnvelopeID,
		Method: http.MethodPost, Action: data.Target, StatusCode: status, Attempt: attempt,
		Outcome: outcome})
}

func (a *Archiver) deleteJob(ctx context.Context, job store.Job) {
	if err := a.store.DeleteJob(ctx, job.Kind, job.ID); err != nil {
		a.logger.Error("deleting a finished job failed", "kind", job.Kind, "job_id", job.ID,
			"err", err)
	}
}

// redactURL returns the scheme and host of raw, followed by "/..." when raw has more.
// Webhook URLs carry their secret in the path, the query or the user information.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	out := u.Scheme + "://" + u.Host
	if u.User != nil || u.Opaque != "" || u.Path != "" || u.RawQuery != "" ||
		u.Fragment != "" {
		out += "/..."
	}
	return out
}

// unwrapURLError returns the cause of a *url.Error, whose message repeats the full URL.
func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}
