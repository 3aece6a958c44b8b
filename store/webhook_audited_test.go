package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// webhookAuditFixture returns a delivery of envelope-completed with the given body hash
// and its audit record.
func webhookAuditFixture(bodyHex string, retry int) (WebhookDelivery, AuditRecord) {
	generated := time.Date(2026, 12, 4, 10, 20, 0, 0, time.UTC)
	d := WebhookDelivery{EnvelopeID: "env-1", Event: "envelope-completed",
		GeneratedAt: generated, BodySHA256: strings.Repeat(bodyHex, 64), KeyID: "1",
		RetryCount: retry}
	rec := AuditRecord{Kind: AuditWebhook, EnvelopeID: "env-1", Action: d.Event,
		KeyID: "1", StatusCode: 200, Outcome: "ok", Attempt: retry + 1}
	return d, rec
}

func TestRecordWebhookDeliveryAudited(t *testing.T) {
	tests := []struct {
		name      string
		bodyHex   string
		retry     int
		wantNew   bool
		wantCount int
	}{
		{name: "first copy recorded and audited", bodyHex: "a", wantNew: true, wantCount: 1},
		{name: "same body is a duplicate", bodyHex: "a", wantCount: 1},
		{name: "redelivery with another retry count is a duplicate", bodyHex: "b", retry: 1,
			wantCount: 1},
	}
	s := openTestCounters(t)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, rec := webhookAuditFixture(tt.bodyHex, tt.retry)
			got, isNew, err := s.RecordWebhookDeliveryAudited(ctx, d, log, rec)
			if err != nil {
				t.Fatalf("RecordWebhookDeliveryAudited failed: %v", err)
			}
			if isNew != tt.wantNew {
				t.Errorf("RecordWebhookDeliveryAudited new = %v, want %v", isNew, tt.wantNew)
			}
			if got.BodySHA256 != strings.Repeat("a", 64) {
				t.Errorf("returned delivery body hash %q, want the first copy's",
					got.BodySHA256)
			}
			recs, err := QueryAudit(ctx, s, AuditQuery{Kind: AuditWebhook})
			if err != nil {
				t.Fatalf("QueryAudit failed: %v", err)
			}
			if len(recs) != tt.wantCount {
				t.Errorf("webhook audit records = %d, want %d: one per delivery, none for "+
					"a duplicate", len(recs), tt.wantCount)
			}
		})
	}
	// A skipped append must leave the chain's head in place for the next record.
	if _, err := log.Append(AuditRecord{Kind: AuditToolCall, Outcome: "ok"}); err != nil {
		t.Fatalf("Append after the duplicates failed: %v", err)
	}
	summary, err := VerifyAudit(ctx, s)
	if err != nil {
		t.Fatalf("VerifyAudit after the duplicates: %v", err)
	}
	if summary.Records != 2 {
		t.Errorf("verified audit records = %d, want 2", summary.Records)
	}
}

func TestRecordWebhookDeliveryAuditedInvalid(t *testing.T) {
	s := openTestCounters(t)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	ctx := context.Background()
	d, rec := webhookAuditFixture("a", 0)
	d.BodySHA256 = "not hex"
	if _, _, err := s.RecordWebhookDeliveryAudited(ctx, d, log, rec); err == nil {
		t.Errorf("RecordWebhookDeliveryAudited with an invalid body hash succeeded, " +
			"want an error")
	}
	recs, err := QueryAudit(ctx, s, AuditQuery{Kind: AuditWebhook})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	if len(recs) != 0 {
		t.Errorf("webhook audit records = %d after a rejected delivery record, want 0",
			len(recs))
	}
}

// TestRecordWebhookDeliveryAuditedFailure fails the transaction after the delivery record is
// written, as a crash before its commit would, and checks that neither record is left, so
// the redelivery is recorded and audited once.
func TestRecordWebhookDeliveryAuditedFailure(t *testing.T) {
	s := openTestCounters(t)
	log, err := OpenAuditLog(s, AuditOptions{})
	if err != nil {
		t.Fatalf("OpenAuditLog failed: %v", err)
	}
	ctx := context.Background()
	d, rec := webhookAuditFixture("a", 0)
	s.failWrite = diskFull("record webhook delivery")
	if _, _, err := s.RecordWebhookDeliveryAudited(ctx, d, log, rec); err == nil {
		t.Fatalf("RecordWebhookDeliveryAudited with a failing write succeeded, want an error")
	}
	s.failWrite = nil
	if _, found, err := s.FindWebhookDelivery(ctx, d); err != nil || found {
		t.Errorf("FindWebhookDelivery after the failed write = %v, %v; want not found",
			found, err)
	}
	redelivery, rec := webhookAuditFixture("b", 1)
	if _, isNew, err := s.RecordWebhookDeliveryAudited(ctx, redelivery, log, rec); err != nil ||
		!isNew {
		t.Fatalf("RecordWebhookDeliveryAudited of the redelivery = %v, %v; want new", isNew,
			err)
	}
	recs, err := QueryAudit(ctx, s, AuditQuery{Kind: AuditWebhook})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	if len(recs) != 1 {
		t.Errorf("webhook audit records = %d, want 1 for the redelivery alone", len(recs))
	}
	if _, err := VerifyAudit(ctx, s); err != nil {
		t.Errorf("VerifyAudit after the failed write: %v", err)
	}
}
