package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

const snapshotCacheID = "4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"

// statusSnapshot returns a get_envelope_status snapshot whose one recipient has status
// recipientStatus and a tab with value tab.
func statusSnapshot(recipientStatus, tab string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"envelope_id":%q,"status":"sent","state":"sent",`+
		`"recipients":[{"recipient_id":"1","type":"signer","name":"Avery Client",`+
		`"email":"avery@example.com","routing_order":1,"status":%q,`+
		`"tabs":[{"name":"Text","value":%q}]}],"source":"docusign","age_seconds":0}`,
		snapshotCacheID, recipientStatus, tab))
}

func TestSnapshotCacheMatchesDecode(t *testing.T) {
	tests := []struct {
		name string
		raw  json.RawMessage
	}{
		{name: "status output", raw: statusSnapshot("sent", "a")},
		{name: "docusign envelope", raw: json.RawMessage(`{"envelopeId":"` +
			snapshotCacheID + `","status":"completed","recipients":{"signers":[` +
			`{"recipientId":"1","name":"Avery","email":"a@example.com","status":"completed"}` +
			`]},"customFields":{"textCustomFields":[{"name":"Matter","value":"M-1"}]}}`)},
		{name: "not json", raw: json.RawMessage(`{"envelope_id":`)},
		{name: "empty", raw: nil},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := newSnapshotCache()
			want, wantOK := decodeSnapshot(tt.raw)
			for i := range 3 {
				got, ok := cache.decode(snapshotCacheID, tt.raw)
				if ok != wantOK {
					t.Errorf("read %d: ok = %v, want %v as decodeSnapshot", i, ok, wantOK)
				}
				if !jsonEqual(got, want) {
					t.Errorf("read %d: decoded %+v, want %+v as decodeSnapshot", i, got, want)
				}
			}
		})
	}
}

func TestSnapshotCacheMissesChangedBytes(t *testing.T) {
	cache := newSnapshotCache()
	first := statusSnapshot("sent", "a")
	cache.decode(snapshotCacheID, first)

	// Same length, other content: only a byte comparison can distinguish them.
	second := statusSnapshot("sent", "b")
	if len(second) != len(first) {
		t.Fatalf("snapshots have lengths %d and %d, want equal", len(first), len(second))
	}

	got, ok := cache.decode(snapshotCacheID, second)
	if !ok {
		t.Fatalf("decode of the changed snapshot failed")
	}

	if value := got.Recipients[0].Tabs[0].Value; value != "b" {
		t.Errorf("tab value after the change = %q, want b: the cache served the old "+
			"snapshot", value)
	}
}

func TestSnapshotCacheResultIsACopy(t *testing.T) {
	cache := newSnapshotCache()
	raw := statusSnapshot("sent", "a")
	got, _ := cache.decode(snapshotCacheID, raw)
	got.Recipients[0].Status = "changed"
	got.Recipients[0].Tabs[0].Value = "changed"
	again, _ := cache.decode(snapshotCacheID, raw)
	if again.Recipients[0].Status != "sent" {
		t.Errorf("recipient status = %q after a caller changed its copy, want sent",
			again.Recipients[0].Status)
	}

	if again.Recipients[0].Tabs[0].Value != "a" {
		t.Errorf("tab value = %q after a caller changed its copy, want a",
			again.Recipients[0].Tabs[0].Value)
	}
}

func TestSnapshotCacheBound(t *testing.T) {
	cache := newSnapshotCache()
	raw := statusSnapshot("sent", "a")
	for i := range maxDecodedSnapshots + 10 {
		cache.decode(fmt.Sprintf("envelope-%d", i), raw)
	}

	if got := len(cache.entries); got > maxDecodedSnapshots {
		t.Errorf("cache holds %d snapshots, over the bound of %d", got, maxDecodedSnapshots)
	}

	checkSnapshotBytes(t, cache)
}

func TestSnapshotCacheByteBound(t *testing.T) {
	cache := newSnapshotCache()
	large := statusSnapshot("sent", strings.Repeat("x", 64<<10))
	for i := range 100 {
		cache.decode(fmt.Sprintf("envelope-%d", i), large)
	}

	checkSnapshotBytes(t, cache)
	huge := statusSnapshot("sent", strings.Repeat("x", maxDecodedSnapshotBytes))
	if _, ok := cache.decode("huge", huge); !ok {
		t.Fatalf("decode of a snapshot over the byte bound failed")
	}

	if _, stored := cache.entries["huge"]; stored {
		t.Errorf("cache keeps a snapshot over its byte bound of %d", maxDecodedSnapshotBytes)
	}

	checkSnapshotBytes(t, cache)
}

// checkSnapshotBytes fails t unless the cache's byte count matches its entries and stays
// within the bound.
func checkSnapshotBytes(t *testing.T, cache *snapshotCache) {
	t.Helper()
	total := 0
	for _, entry := range cache.entries {
		total += decodedSize(entry.raw)
	}

	if total != cache.bytes {
		t.Errorf("cache counts %d bytes, but its entries add up to %d", cache.bytes, total)
	}

	if cache.bytes > maxDecodedSnapshotBytes {
		t.Errorf("cache counts %d bytes, over the bound of %d", cache.bytes,
			maxDecodedSnapshotBytes)
	}
}

// TestStatusSeesEveryStoredChange checks that get_envelope_status and the envelope resource,
// after serving a state from the caches, serve each state that the store records next.
func TestStatusSeesEveryStoredChange(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
	h := newHarness(t)
	h.deps.Envelopes, h.deps.Now = h.store, clock.Now
	d, err := prepare(h.deps)
	if err != nil {
		t.Fatalf("prepare failed: %v", err)
	}

	tools := directTools(t, h.deps)
	id := createSent(t, tools)
	args := map[string]any{"envelope_id": id}
	steps := []struct {
		status string
		tab    string
	}{
		{status: "sent", tab: "first"},
		{status: "sent", tab: "other"},
		{status: "delivered", tab: "other"},
		{status: "completed", tab: "last"},
	}

	for i, step := range steps {
		clock.Advance(time.Second)
		snapshot := strings.ReplaceAll(string(statusSnapshot(step.status, step.tab)),
			snapshotCacheID, id)
		_, applied, err := h.store.PutEnvelope(context.Background(), store.EnvelopeState{
			EnvelopeID: id, Status: "sent", Source: store.SourceWebhook,
			ObservedAt: clock.Now(), Snapshot: json.RawMessage(snapshot)})
		if err != nil || !applied {
			t.Fatalf("step %d: PutEnvelope applied %v, error %v, want applied without error",
				i, applied, err)
		}

		for call := range 2 {
			out := decodeStatus(t, callDirect(t, context.Background(), tools,
				"get_envelope_status", args))
			if got := out.Recipients[0].Status; got != step.status {
				t.Errorf("step %d call %d: recipient status = %s, want %s", i, call, got,
					step.status)
			}
			if got := out.Recipients[0].Tabs[0].Value; got != step.tab {
				t.Errorf("step %d call %d: tab = %s, want %s", i, call, got, step.tab)
			}

			view, terr := d.knownEnvelope(context.Background(), id)
			if terr != nil {
				t.Fatalf("step %d call %d: knownEnvelope failed: %v", i, call, terr)
			}
			if got := view.Recipients[0].Status; got != step.status {
				t.Errorf("step %d call %d: resource recipient status = %s, want %s", i,
					call, got, step.status)
			}
		}
	}
}
