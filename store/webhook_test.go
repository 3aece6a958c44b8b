package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"
)

func bodyHash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

func testDelivery(envelopeID, event string, at time.Time, body string) WebhookDelivery {
	return WebhookDelivery{EnvelopeID: envelopeID, Event: event, GeneratedAt: at,
		BodySHA256: bodyHash(body), KeyID: "k1"}
}

func TestRecordWebhookDeliveryDuplicates(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	first := testDelivery("env-1", "envelope-sent", t0, "body-1")
	tests := []struct {
		name    string
		next    WebhookDelivery
		wantNew bool
	}{
		{name: "same body", next: first, wantNew: false},
		{name: "same event, other body",
			next:    testDelivery("env-1", "envelope-sent", t0, "body-1 re-serialised"),
			wantNew: false},
		{name: "same event, time in another zone",
			next: testDelivery("env-1", "envelope-sent", t0.In(time.FixedZone("x", -7*3600)),
				"body-2"), wantNew: false},
		{name: "same body, other event key",
			next:    testDelivery("env-1", "envelope-sent", t0.Add(time.Second), "body-1"),
			wantNew: false},
		{name: "later time", next: testDelivery("env-1", "envelope-sent",
			t0.Add(time.Nanosecond), "body-3"), wantNew: true},
		{name: "other event", next: testDelivery("env-1", "envelope-delivered", t0, "body-4"),
			wantNew: true},
		{name: "other envelope", next: testDelivery("env-2", "envelope-sent", t0, "body-5"),
			wantNew: true},
		{name: "other recipient", next: withRecipient(
			testDelivery("env-1", "envelope-sent", t0, "body-6"), "2"), wantNew: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTestCounters(t)
			ctx := context.Background()
			if _, isNew, err := s.RecordWebhookDelivery(ctx, first); err != nil || !isNew {
				t.Fatalf("first RecordWebhookDelivery = new %v, err %v; want new", isNew, err)
			}
			got, isNew, err := s.RecordWebhookDelivery(ctx, tt.next)
			if err != nil {
				t.Fatalf("RecordWebhookDelivery failed: %v", err)
			}
			if isNew != tt.wantNew {
				t.Errorf("RecordWebhookDelivery new = %v, want %v", isNew, tt.wantNew)
			}
			if !tt.wantNew && got.BodySHA256 != first.BodySHA256 {
				t.Errorf("duplicate returned body hash %s, want the first delivery's %s",
					got.BodySHA256, first.BodySHA256)
			}
			_, found, err := s.FindWebhookDelivery(ctx, tt.next)
			if err != nil || !found {
				t.Errorf("FindWebhookDelivery after record = found %v, err %v; want found",
					found, err)
			}
		})
	}
}

func withRecipient(d WebhookDelivery, recipientID string) WebhookDelivery {
	d.RecipientID = recipientID
	return d
}

func TestRecordWebhookDeliveryWithoutEnvelope(t *testing.T) {
	s := openTestCounters(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	first := testDelivery("", "template-created", t0, "template-1")
	second := testDelivery("", "template-created", t0, "template-2")
	for _, d := range []WebhookDelivery{first, second} {
		if _, isNew, err := s.RecordWebhookDelivery(ctx, d); err != nil || !isNew {
			t.Errorf("RecordWebhookDelivery(%s) = new %v, err %v; want two distinct "+
				"template events at one instant recorded", d.BodySHA256[:8], isNew, err)
		}
	}
	if _, isNew, _ := s.RecordWebhookDelivery(ctx, first); isNew {
		t.Errorf("the same template event body was recorded twice")
	}
}

func TestRecordWebhookDeliveryRejectsInvalid(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		d    WebhookDelivery
	}{
		{name: "no event", d: WebhookDelivery{EnvelopeID: "e", GeneratedAt: t0,
			BodySHA256: bodyHash("x")}},
		{name: "short body hash", d: WebhookDelivery{EnvelopeID: "e", Event: "envelope-sent",
			BodySHA256: "abcd"}},
		{name: "body hash not hex", d: WebhookDelivery{EnvelopeID: "e", Event: "envelope-sent",
			BodySHA256: fmt.Sprintf("%064s", "z")}},
	}
	s := openTestCounters(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := s.RecordWebhookDelivery(context.Background(), tt.d); err == nil {
				t.Errorf("RecordWebhookDelivery(%+v) succeeded, want an error", tt.d)
			}
		})
	}
}

func TestFindWebhookDeliveryMissing(t *testing.T) {
	s := openTestCounters(t)
	d := testDelivery("env-1", "envelope-sent", time.Now(), "body")
	_, found, err := s.FindWebhookDelivery(context.Background(), d)
	if err != nil {
		t.Fatalf("FindWebhookDelivery failed: %v", err)
	}
	if found {
		t.Errorf("FindWebhookDelivery on an empty store found a delivery")
	}
}

func TestRecordWebhookDeliveryConcurrentOnce(t *testing.T) {
	s := openTestCounters(t)
	d := testDelivery("env-1", "envelope-completed", time.Now(), "body")
	const callers = 8
	var wg sync.WaitGroup
	results := make(chan bool, callers)
	for range callers {
		wg.Go(func() {
			_, isNew, err := s.RecordWebhookDelivery(context.Background(), d)
			if err != nil {
				t.Errorf("RecordWebhookDelivery failed: %v", err)
			}
			results <- isNew
		})
	}
	wg.Wait()
	close(results)
	recorded := 0
	for isNew := range results {
		if isNew {
			recorded++
		}
	}
	if recorded != 1 {
		t.Errorf("%d of %d concurrent identical deliveries were new, want exactly 1",
			recorded, callers)
	}
}

func TestPruneWebhookDeliveries(t *testing.T) {
	s := openTestCounters(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	old := testDelivery("env-1", "envelope-sent", t0, "old")
	old.ReceivedAt = t0
	fresh := testDelivery("env-1", "envelope-completed", t0, "fresh")
	fresh.ReceivedAt = t0.Add(DefaultWebhookRetention)
	for _, d := range []WebhookDelivery{old, fresh} {
		if _, _, err := s.RecordWebhookDelivery(ctx, d); err != nil {
			t.Fatalf("RecordWebhookDelivery failed: %v", err)
		}
	}
	n, err := s.PruneWebhookDeliveries(ctx, fresh.ReceivedAt)
	if err != nil {
		t.Fatalf("PruneWebhookDeliveries failed: %v", err)
	}
	if n != 1 {
		t.Errorf("PruneWebhookDeliveries deleted %d records, want 1", n)
	}
	if _, found, _ := s.FindWebhookDelivery(ctx, old); found {
		t.Errorf("the delivery received before the cutoff is still found by event key")
	}
	byBody := WebhookDelivery{Event: "other", BodySHA256: old.BodySHA256}
	if _, found, _ := s.FindWebhookDelivery(ctx, byBody); found {
		t.Errorf("the delivery received before the cutoff is still found by body hash")
	}
	if _, found, _ := s.FindWebhookDelivery(ctx, fresh); !found {
		t.Errorf("the delivery received at the cutoff was pruned, want it kept")
	}
	if _, isNew, _ := s.RecordWebhookDelivery(ctx, old); !isNew {
		t.Errorf("a pruned delivery was still reported as a duplicate")
	}
}

func TestPruneWebhookDeliveriesManyBatches(t *testing.T) {
	s := openTestCounters(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	total := webhookPruneBatch + 7
	for i := range total {
		d := testDelivery("env-1", "envelope-sent", t0.Add(time.Duration(i)),
			fmt.Sprint("body-", i))
		d.ReceivedAt = t0
		if _, _, err := s.RecordWebhookDelivery(ctx, d); err != nil {
			t.Fatalf("RecordWebhookDelivery %d failed: %v", i, err)
		}
	}
	n, err := s.PruneWebhookDeliveries(ctx, t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("PruneWebhookDeliveries failed: %v", err)
	}
	if n != total {
		t.Errorf("PruneWebhookDeliveries deleted %d records, want all %d", n, total)
	}
}
