package store

import (
	"context"
	"testing"
	"time"
)

func TestEventsSinceAndPrune(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		since     time.Duration
		pruneTo   time.Duration
		wantCount int
		wantSum   int64
	}{
		{name: "all events", since: -time.Hour, wantCount: 3, wantSum: 7},
		{name: "since the second", since: time.Minute, wantCount: 2, wantSum: 6},
		{name: "after the last", since: time.Hour, wantCount: 0, wantSum: 0},
		{name: "pruned before the third", since: -time.Hour, pruneTo: 2 * time.Minute,
			wantCount: 1, wantSum: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTestCounters(t)
			for i, amount := range []int64{1, 2, 4} {
				at := start.Add(time.Duration(i) * time.Minute)
				if _, err := s.RecordEvent(ctx, EventDownload, "alice", at, amount); err != nil {
					t.Fatalf("record event %d: %v", i, err)
				}
			}
			if _, err := s.RecordEvent(ctx, EventDownload, "bob", start, 100); err != nil {
				t.Fatalf("record event of another key: %v", err)
			}
			if tt.pruneTo != 0 {
				if _, err := s.PruneEvents(ctx, EventDownload, start.Add(tt.pruneTo)); err != nil {
					t.Fatalf("prune: %v", err)
				}
			}
			n, sum, err := s.SumSince(ctx, EventDownload, "alice", start.Add(tt.since))
			if err != nil {
				t.Fatalf("sum since: %v", err)
			}
			if n != tt.wantCount || sum != tt.wantSum {
				t.Errorf("count, sum = %d, %d; want %d, %d", n, sum, tt.wantCount, tt.wantSum)
			}
		})
	}
}

func TestEventsSurviveReopenAndDelete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	keep, err := s.RecordEvent(ctx, EventResend, "env-1", at, 1)
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	drop, err := s.RecordEvent(ctx, EventResend, "env-1", at.Add(time.Second), 1)
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	if err := s.DeleteEvent(ctx, drop); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	events, err := s.EventsSince(ctx, EventResend, "env-1", time.Time{})
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	if len(events) != 1 || events[0].ID != keep || !events[0].At.Equal(at) {
		t.Errorf("events after reopen = %+v, want only the kept one at %s", events, at)
	}
}

func TestRecordEventRejectsBadKeys(t *testing.T) {
	s := openTestCounters(t)
	tests := []struct{ name, kind, key string }{
		{name: "empty kind", kind: "", key: "k"},
		{name: "empty key", kind: EventResend, key: ""},
		{name: "NUL in key", kind: EventResend, key: "a\x00b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.RecordEvent(context.Background(), tt.kind, tt.key, time.Now(), 1)
			if err == nil {
				t.Errorf("RecordEvent(%q, %q) succeeded, want an error", tt.kind, tt.key)
			}
		})
	}
}

func openTestCounters(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
