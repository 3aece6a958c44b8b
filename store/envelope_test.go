package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestNextEnvelopeState(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	state := func(status string, at time.Time, snapshot string) EnvelopeState {
		s := EnvelopeState{EnvelopeID: "e", Status: status, ObservedAt: at, Source: "docusign"}
		if snapshot != "" {
			s.Snapshot = json.RawMessage(snapshot)
		}
		return s
	}
	tests := []struct {
		name         string
		cur          EnvelopeState
		found        bool
		next         EnvelopeState
		wantApplied  bool
		wantStatus   string
		wantSnapshot string
	}{
		{name: "first observation", next: state("sent", t0, ""), wantApplied: true,
			wantStatus: "sent"},
		{name: "created to sent", found: true, cur: state("created", t0, ""),
			next: state("sent", t1, ""), wantApplied: true, wantStatus: "sent"},
		{name: "sent to delivered", found: true, cur: state("sent", t0, ""),
			next: state("delivered", t1, ""), wantApplied: true, wantStatus: "delivered"},
		{name: "delivered to completed", found: true, cur: state("delivered", t0, ""),
			next: state("completed", t1, ""), wantApplied: true, wantStatus: "completed"},
		{name: "sent to voided", found: true, cur: state("sent", t0, ""),
			next: state("voided", t1, ""), wantApplied: true, wantStatus: "voided"},
		{name: "delivered back to sent", found: true, cur: state("delivered", t0, ""),
			next: state("sent", t1, ""), wantStatus: "delivered"},
		{name: "sent back to created", found: true, cur: state("sent", t0, ""),
			next: state("created", t1, ""), wantStatus: "sent"},
		{name: "completed to voided", found: true, cur: state("completed", t0, ""),
			next: state("voided", t1, ""), wantStatus: "completed"},
		{name: "declined to delivered", found: true, cur: state("declined", t0, ""),
			next: state("delivered", t1, ""), wantStatus: "declined"},
		{name: "voided to unknown status", found: true, cur: state("voided", t0, ""),
			next: state("processing", t1, ""), wantStatus: "voided"},
		{name: "unknown status over sent", found: true, cur: state("sent", t0, ""),
			next: state("processing", t1, ""), wantApplied: true, wantStatus: "processing"},
		{name: "status case ignored", found: true, cur: state("Completed", t0, ""),
			next: state("completed", t1, `{"a":1}`), wantApplied: true,
			wantStatus: "completed", wantSnapshot: `{"a":1}`},
		{name: "older observation of same status", found: true,
			cur: state("sent", t1, `{"new":1}`), next: state("sent", t0, `{"old":1}`),
			wantStatus: "sent", wantSnapshot: `{"new":1}`},
		{name: "create keeps overtaking view", found: true,
			cur: state("sent", t0, `{"webhook":1}`),
			next: EnvelopeState{EnvelopeID: "e", Status: "sent", ObservedAt: t1,
				Source: SourceCreate},
			wantStatus: "sent", wantSnapshot: `{"webhook":1}`},
		{name: "older view fills missing snapshot", found: true, cur: state("sent", t1, ""),
			next: state("sent", t0, `{"old":1}`), wantApplied: true, wantStatus: "sent",
			wantSnapshot: `{"old":1}`},
		{name: "older view of same rank ignored", found: true, cur: state("sent", t1, ""),
			next: state("correct", t0, `{"old":1}`), wantStatus: "sent"},
		{name: "newer observation refreshes", found: true, cur: state("sent", t0, `{"v":1}`),
			next: state("sent", t1, `{"v":2}`), wantApplied: true, wantStatus: "sent",
			wantSnapshot: `{"v":2}`},
		{name: "final keeps snapshot", found: true, cur: state("voided", t0, `{"v":1}`),
			next: state("voided", t1, ""), wantApplied: true, wantStatus: "voided",
			wantSnapshot: `{"v":1}`},
		{name: "open status drops old snapshot", found: true, cur: state("sent", t0, `{"v":1}`),
			next: state("sent", t1, ""), wantApplied: true, wantStatus: "sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, applied := NextEnvelopeState(tt.cur, tt.found, tt.next)
			if applied != tt.wantApplied {
				t.Errorf("applied = %v, want %v", applied, tt.wantApplied)
			}
			if got.Status != tt.wantStatus {
				t.Errorf("status = %s, want %s", got.Status, tt.wantStatus)
			}
			if string(got.Snapshot) != tt.wantSnapshot {
				t.Errorf("snapshot = %s, want %s", got.Snapshot, tt.wantSnapshot)
			}
		})
	}
}

func TestIsFinalStatus(t *testing.T) {
	tests := []struct {
		name   string
		status string
		want   bool
	}{
		{name: "completed", status: "completed", want: true},
		{name: "declined", status: "declined", want: true},
		{name: "voided", status: "Voided", want: true},
		{name: "timed out", status: "timedout", want: true},
		{name: "sent", status: "sent", want: false},
		{name: "delivered", status: "delivered", want: false},
		{name: "empty", status: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsFinalStatus(tt.status); got != tt.want {
				t.Errorf("IsFinalStatus(%q) = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}

func TestPutGetEnvelope(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testKey)
	ctx := context.Background()
	if _, err := s.GetEnvelope(ctx, "e1"); !errors.Is(err, ErrEnvelopeNotFound) {
		t.Fatalf("GetEnvelope before any put: error = %v, want ErrEnvelopeNotFound", err)
	}

	steps := []struct {
		status      string
		wantApplied bool
		wantStatus  string
	}{
		{status: "sent", wantApplied: true, wantStatus: "sent"},
		{status: "completed", wantApplied: true, wantStatus: "completed"},
		{status: "delivered", wantApplied: false, wantStatus: "completed"},
	}
	for _, step := range steps {
		kept, applied, err := s.PutEnvelope(ctx, EnvelopeState{EnvelopeID: "e1",
			Status: step.status, Source: SourceDocusign})
		if err != nil {
			t.Fatalf("PutEnvelope(%s) failed: %v", step.status, err)
		}
		if applied != step.wantApplied || kept.Status != step.wantStatus {
			t.Errorf("PutEnvelope(%s) = %s, applied %v; want %s, applied %v", step.status,
				kept.Status, applied, step.wantStatus, step.wantApplied)
		}
	}
	s.Close()

	s = openTest(t, dir, testKey)
	defer s.Close()
	got, err := s.GetEnvelope(ctx, "e1")
	if err != nil {
		t.Fatalf("GetEnvelope after reopening failed: %v", err)
	}
	if got.Status != "completed" || got.Source != SourceDocusign || got.ObservedAt.IsZero() {
		t.Errorf("stored state = %+v, want completed from docusign with a time", got)
	}
}

func TestPutEnvelopeRejectsBadID(t *testing.T) {
	s := openTest(t, t.TempDir(), testKey)
	defer s.Close()
	for _, id := range []string{"", "a/b"} {
		_, _, err := s.PutEnvelope(context.Background(), EnvelopeState{EnvelopeID: id})
		if err == nil {
			t.Errorf("PutEnvelope(%q) succeeded, want an invalid envelope id error", id)
		}
	}
}
