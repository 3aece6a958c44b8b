package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAddJobKeepsExisting(t *testing.T) {
	s := openTestCounters(t)
	ctx := context.Background()
	first := Job{Kind: JobArchive, ID: "env-1", EnvelopeID: "env-1", Attempts: 2}
	if _, added, err := s.AddJob(ctx, first); err != nil || !added {
		t.Fatalf("AddJob(first) = added %v, err %v; want added", added, err)
	}
	got, added, err := s.AddJob(ctx, Job{Kind: JobArchive, ID: "env-1", EnvelopeID: "env-1"})
	if err != nil {
		t.Fatalf("AddJob(second): %v", err)
	}
	if added {
		t.Errorf("AddJob(second) added a job over an existing one")
	}
	if got.Attempts != 2 {
		t.Errorf("AddJob(second) returned attempts %d, want the stored job's 2", got.Attempts)
	}
}

func TestJobRoundTrip(t *testing.T) {
	s := openTestCounters(t)
	ctx := context.Background()
	next := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	jobs := []Job{
		{Kind: JobArchive, ID: "a", EnvelopeID: "a", NextAttempt: next, LastError: "boom"},
		{Kind: JobArchive, ID: "b", EnvelopeID: "b"},
		{Kind: JobDownstream, ID: "a/t1", EnvelopeID: "a", Data: []byte(`{"x":1}`)},
	}
	for _, j := range jobs {
		if err := s.PutJob(ctx, j); err != nil {
			t.Fatalf("PutJob(%s/%s): %v", j.Kind, j.ID, err)
		}
	}
	got, err := s.GetJob(ctx, JobArchive, "a")
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if !got.NextAttempt.Equal(next) || got.LastError != "boom" {
		t.Errorf("GetJob = next %v, error %q; want %v and boom", got.NextAttempt,
			got.LastError, next)
	}
	archives, err := s.ListJobs(ctx, JobArchive)
	if err != nil {
		t.Fatalf("ListJobs: %v", err)
	}
	if len(archives) != 2 {
		t.Errorf("ListJobs(archive) returned %d jobs, want 2: kinds must not mix", len(archives))
	}
	if err := s.DeleteJob(ctx, JobArchive, "a"); err != nil {
		t.Fatalf("DeleteJob: %v", err)
	}
	if _, err := s.GetJob(ctx, JobArchive, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetJob after DeleteJob: err %v, want ErrNotFound", err)
	}
	if err := s.DeleteJob(ctx, JobArchive, "a"); err != nil {
		t.Errorf("DeleteJob of a missing job: %v, want nil", err)
	}
}

func TestJobKeyRejectsBadParts(t *testing.T) {
	tests := []struct {
		name     string
		kind, id string
	}{
		{name: "empty kind", kind: "", id: "x"},
		{name: "empty id", kind: JobArchive, id: ""},
		{name: "slash in kind", kind: "a/b", id: "x"},
		{name: "NUL in id", kind: JobArchive, id: "a\x00b"},
	}
	s := openTestCounters(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.PutJob(context.Background(), Job{Kind: tt.kind, ID: tt.id}); err == nil {
				t.Errorf("PutJob(%q, %q) succeeded, want an error", tt.kind, tt.id)
			}
		})
	}
}

func TestDeliveriesInOrder(t *testing.T) {
	s := openTestCounters(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		d := Delivery{EventID: "evt", EnvelopeID: "env", Target: "t1", Attempt: i + 1,
			At: at.Add(time.Duration(i) * time.Second), StatusCode: 500}
		if err := s.RecordDelivery(ctx, d); err != nil {
			t.Fatalf("RecordDelivery(%d): %v", i, err)
		}
	}
	got, err := s.Deliveries(ctx, "env")
	if err != nil {
		t.Fatalf("Deliveries: %v", err)
	}
	if len(got) != 3 {
		t.Fatalf("Deliveries returned %d records, want 3", len(got))
	}
	for i, d := range got {
		if d.Attempt != i+1 {
			t.Errorf("delivery %d has attempt %d, want %d: not in attempt order", i, d.Attempt,
				i+1)
		}
	}
}
