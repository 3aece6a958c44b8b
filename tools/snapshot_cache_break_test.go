package tools

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// maxRetainedSnapshotBytes is the byte bound that the store's own cache of the same states
// keeps (4 MiB). The tools' cache of decoded snapshots should not keep far more alive.
const maxRetainedSnapshotBytes = 4 << 20

// largeStatusSnapshot returns a status snapshot of about 16 KB for envelopeID: one signer
// with 150 filled text tabs, as a long form leaves it.
func largeStatusSnapshot(envelopeID string) json.RawMessage {
	tabs := make([]string, 150)
	for i := range tabs {
		tabs[i] = fmt.Sprintf(`{"name":"Text %03d","value":"answer %03d %s"}`, i, i,
			strings.Repeat("x", 60))
	}

	return json.RawMessage(fmt.Sprintf(`{"envelope_id":%q,"status":"sent","state":"sent",`+
		`"recipients":[{"recipient_id":"1","type":"signer","name":"Avery Client",`+
		`"email":"avery@example.com","routing_order":1,"status":"sent","tabs":[%s]}],`+
		`"source":"docusign","age_seconds":0}`, envelopeID, strings.Join(tabs, ",")))
}

// TestSnapshotCacheBytesBounded decodes one large snapshot for each of maxDecodedSnapshots
// envelopes, as a server that polls that many envelopes does. The cache is bounded by count
// alone, so it keeps every snapshot's bytes and its decoded form alive.
func TestSnapshotCacheBytesBounded(t *testing.T) {
	cache := newSnapshotCache()
	for i := range maxDecodedSnapshots {
		id := fmt.Sprintf("4f7c2a1e-0b1d-4c3e-9f8a-%012d", i)
		if _, ok := cache.decode(id, largeStatusSnapshot(id)); !ok {
			t.Fatalf("decode of snapshot %d failed", i)
		}
	}

	retained := 0
	for _, entry := range cache.entries {
		retained += len(entry.raw)
	}

	if retained > maxRetainedSnapshotBytes {
		t.Errorf("snapshot cache keeps %d MiB of raw snapshots (plus their decoded copies), "+
			"want at most %d MiB as the store's cache: it has no byte bound, so it can "+
			"exceed serve's soft memory limit", retained>>20, maxRetainedSnapshotBytes>>20)
	}
}
