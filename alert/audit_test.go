package alert

import (
	"context"
	"log/slog"
	"testing"

	"github.com/ys88io/docusign-mcp/store"
)

func TestRaiseAppendsVerifiableRecord(t *testing.T) {
	s, err := store.Open(t.TempDir(), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer s.Close()
	log, err := store.OpenAuditLog(s, store.AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog: %v", err)
	}
	sink, err := New(Options{Audit: log, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer sink.Close()
	ctx := context.Background()
	sink.Raise(ctx, Alert{Kind: "archive_failed", Key: "env-9", EnvelopeID: "env-9",
		Message: "archiving envelope env-9 failed 5 times"})

	records, err := store.QueryAudit(ctx, s, store.AuditQuery{Kind: AuditKind})
	if err != nil {
		t.Fatalf("QueryAudit: %v", err)
	}
	if len(records) != 1 {
		t.Fatalf("alert audit records = %d, want 1", len(records))
	}
	rec := records[0]
	if rec.Code != "archive_failed" || rec.Action != "env-9" || rec.EnvelopeID != "env-9" {
		t.Errorf("audit record = %+v, want code archive_failed, action and envelope env-9", rec)
	}
	if _, err := store.VerifyAudit(ctx, s); err != nil {
		t.Errorf("VerifyAudit after an alert: %v", err)
	}
}
