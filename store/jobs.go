package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Kinds of background job records.
const (
	// JobArchive archives a completed envelope. Its id is the envelope id.
	JobArchive = "archive"
	// JobDownstream posts an envelope's completion event to one downstream URL. Its id is
	// the envelope id, a slash and the target's id.
	JobDownstream = "downstream"
	// JobStuckCheck records the last run of the stuck-envelope check. Its id is "account".
	JobStuckCheck = "stuck_check"
)

// jobPrefix starts the keys of job records: job/<kind>/<id>.
const jobPrefix = "job/"

// Job is a durable record of background work that must survive a restart: what to do, how
// often it failed, and when to try next.
type Job struct {
	Kind       string `json:"kind"`
	ID         string `json:"id"`
	EnvelopeID string `json:"envelope_id,omitempty"`
	// Attempts counts the runs that failed so far.
	Attempts int `json:"attempts"`
	// NextAttempt is when the job is due. The zero time means at once.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// LastError is the error of the last failed run, without secrets or personal data.
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Data is the kind's own state, such as the body of a downstream event.
	Data json.RawMessage `json:"data,omitempty"`
}

// Due reports whether the job should run at now.
func (j Job) Due(now time.Time) bool { return !now.Before(j.NextAttempt) }

// AddJob stores job unless a job of the same kind and id exists, synced to disk, and
// returns the stored job and whether it was added. CreatedAt and UpdatedAt default to now.
func (s *Store) AddJob(ctx context.Context, job Job) (Job, bool, error) {
	key, err := jobKey(job.Kind, job.ID)
	if err != nil {
		return Job{}, false, fmt.Errorf("add job: %w", err)
	}
	now := s.now().UTC()
	if job.CreatedAt.IsZero() {
		job.CreatedAt = now
	}
	if job.UpdatedAt.IsZero() {
		job.UpdatedAt = now
	}
	raw, err := json.Marshal(job)
	if err != nil {
		return Job{}, false, fmt.Errorf("add %s job %s: encode: %w", job.Kind, job.ID, err)
	}
	if err := s.checkSpace(len(raw)); err != nil {
		return Job{}, false, fmt.Errorf("add %s job %s: %w", job.Kind, job.ID, err)
	}
	var existing Job
	var found bool
	err = s.updateSynced(ctx, func(txn *badger.Txn) error {
		var err error
		existing, found, err = readJob(txn, key)
		if err != nil || found {
			return err
		}
		return txn.Set(key, raw)
	})
	if err != nil {
		return Job{}, false, fmt.Errorf("add %s job %s: %w", job.Kind, job.ID, err)
	}
	if found {
		return existing, false, nil
	}
	return job, true, nil
}

// PutJob stores job, replacing any job of the same kind and id, synced to disk. UpdatedAt
// is set to now.
func (s *Store) PutJob(ctx context.Context, job Job) error {
	key, err := jobKey(job.Kind, job.ID)
	if err != nil {
		return fmt.Errorf("put job: %w", err)
	}
	job.UpdatedAt = s.now().UTC()
	if job.CreatedAt.IsZero() {
		job.CreatedAt = job.UpdatedAt
	}
	raw, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("put %s job %s: encode: %w", job.Kind, job.ID, err)
	}
	err = s.injectedFault("put job")
	if err == nil {
		err = s.checkSpace(len(raw))
	}
	if err == nil {
		err = s.updateSynced(ctx, func(txn *badger.Txn) error { return txn.Set(key, raw) })
	}
	if err != nil {
		return fmt.Errorf("put %s job %s: %w", job.Kind, job.ID, err)
	}
	return nil
}

// GetJob returns the job of kind and id, or an error wrapping ErrNotFound.
func (s *Store) GetJob(ctx context.Context, kind, id string) (Job, error) {
	key, err := jobKey(kind, id)
	if err != nil {
		return Job{}, fmt.Errorf("get job: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Job{}, fmt.Errorf("get %s job %s: %w", kind, id, err)
	}
	var job Job
	var found bool
	err = s.db.View(func(txn *badger.Txn) error {
		var err error
		job, found, err = readJob(txn, key)
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("get %s job %s: %w", kind, id, err)
	}
	if !found {
		return Job{}, fmt.Errorf("get %s job %s: %w", kind, id, ErrNotFound)
	}
	return job, nil
}

// DeleteJob removes the job of kind and id, synced to disk. A missing job is not an error.
func (s *Store) DeleteJob(ctx context.Context, kind, id string) error {
	key, err := jobKey(kind, id)
	if err != nil {
		return fmt.Errorf("delete job: %w", err)
	}
	err = s.updateSynced(ctx, func(txn *badger.Txn) error { return txn.Delete(key) })
	if err != nil {
		return fmt.Errorf("delete %s job %s: %w", kind, id, err)
	}
	return nil
}

// ListJobs returns every job of kind, in key order.
func (s *Store) ListJobs(ctx context.Context, kind string) ([]Job, error) {
	if err := checkJobPart("kind", kind); err != nil || strings.Contains(kind, "/") {
		return nil, fmt.Errorf("list jobs: invalid kind %q: name a job kind such as %s",
			kind, JobArchive)
	}
	jobs, err := scanJSON[Job](ctx, s.db, []byte(jobPrefix+kind+"/"))
	if err != nil {
		return nil, fmt.Errorf("list %s jobs: %w", kind, err)
	}
	return jobs, nil
}

func readJob(txn *badger.Txn, key []byte) (Job, bool, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, err
	}
	var job Job
	if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &job) }); err != nil {
		return Job{}, false, fmt.Errorf("decode stored job: %w", err)
	}
	return job, true, nil
}

// jobKey returns job/<kind>/<id>. The kind may not contain a slash, so that one kind's
// prefix never matches another's keys.
func jobKey(kind, id string) ([]byte, error) {
	if err := checkJobPart("kind", kind); err != nil {
		return nil, err
	}
	if strings.Contains(kind, "/") {
		return nil, fmt.Errorf("job kind %q contains a slash: use a kind such as %s", kind,
			JobArchive)
	}
	if err := checkJobPart("id", id); err != nil {
		return nil, err
	}
	return []byte(jobPrefix + kind + "/" + id), nil
}

func checkJobPart(field, value string) error {
	if value == "" || strings.ContainsRune(value, 0) {
		return fmt.Errorf("job %s %q is empty or contains a NUL byte: set it", field, value)
	}
	return nil
}
