package tools

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// countingSink counts synced and batched appends.
type countingSink struct {
	mu              sync.Mutex
	synced, batched int
}

func (s *countingSink) Append(rec store.AuditRecord) (store.AuditRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.synced++
	return rec, nil
}

func (s *countingSink) AppendBatched(rec store.AuditRecord) (store.AuditRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batched++
	return rec, nil
}

// syncOnlySink has no AppendBatched, like the sinks of older callers.
type syncOnlySink struct{ synced int }

func (s *syncOnlySink) Append(rec store.AuditRecord) (store.AuditRecord, error) {
	s.synced++
	return rec, nil
}

func TestAuditObserverBatchesReads(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		wantSynced  int
		wantBatched int
	}{
		{name: "GET is batched", method: http.MethodGet, wantBatched: 1},
		{name: "POST is synced", method: http.MethodPost, wantSynced: 1},
		{name: "PUT is synced", method: http.MethodPut, wantSynced: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &countingSink{}
			NewAuditObserver(sink, nil).ObserveCall(docusign.CallRecord{
				Operation: "Envelopes:get", Method: tt.method})
			if sink.synced != tt.wantSynced {
				t.Errorf("synced appends = %d, want %d", sink.synced, tt.wantSynced)
			}
			if sink.batched != tt.wantBatched {
				t.Errorf("batched appends = %d, want %d", sink.batched, tt.wantBatched)
			}
		})
	}
}

func TestAppendAuditWithoutBatching(t *testing.T) {
	sink := &syncOnlySink{}
	_, err := appendAudit(sink, store.AuditRecord{Kind: store.AuditToolCall}, true)
	if err != nil {
		t.Fatalf("appendAudit failed: %v", err)
	}
	if sink.synced != 1 {
		t.Errorf("synced appends = %d, want 1: a sink without AppendBatched syncs reads too",
			sink.synced)
	}
}

// allowEveryCall allows every call.
type allowEveryCall struct{}

func (allowEveryCall) Decide(context.Context, policy.Request) (policy.Decision, error) {
	return policy.Decision{Allow: true, Rule: "test"}, nil
}

func TestNotingDeciderNotesReadOnly(t *testing.T) {
	tests := []struct {
		name     string
		readOnly bool
	}{
		{name: "read-only tool", readOnly: true},
		{name: "write tool", readOnly: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			note := &decisionNote{}
			ctx := context.WithValue(context.Background(), decisionNoteKey{}, note)
			_, err := notingDecider{next: allowEveryCall{}}.Decide(ctx, policy.Request{
				Tool: "get_envelope_status", ReadOnly: tt.readOnly})
			if err != nil {
				t.Fatalf("Decide failed: %v", err)
			}
			if note.readOnly != tt.readOnly {
				t.Errorf("noted readOnly = %v, want the request's %v", note.readOnly,
					tt.readOnly)
			}
		})
	}
}
