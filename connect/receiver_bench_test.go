package connect

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// benchmarkEnvelopeID is the envelope id of the envelope-completed.json fixture.
const benchmarkEnvelopeID = "7e4b9c2a-1f3d-4a6b-8c5e-0d2f1a3b4c5d"

// BenchmarkReceiverDeliveryParallel measures new deliveries about 64 envelopes from parallel
// senders, as Docusign posts them: each is verified, parsed, de-duplicated, applied and
// synced, and concurrent deliveries share disk syncs. With -cpu 2, ns/op is the time per delivery of the
// whole receiver, so 1e9 / ns/op is its deliveries per second.
func BenchmarkReceiverDeliveryParallel(b *testing.B) {
	env := newReceiverEnv(b, oldSecret)
	template := readFixture(b, "envelope-completed.json")
	old := []byte(`"generatedDateTime": "2026-03-02T10:15:30.1234567Z"`)
	if !bytes.Contains(template, old) {
		b.Fatalf("fixture has no generatedDateTime %s to vary", old)
	}
	if !bytes.Contains(template, []byte(benchmarkEnvelopeID)) {
		b.Fatalf("fixture has no envelope id %s to vary", benchmarkEnvelopeID)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			// A distinct generated time per delivery, so none is a duplicate.
			generated := fmt.Appendf(nil, `"generatedDateTime": "2026-03-02T10:%02d:%02d.%07dZ"`,
				i/600_000_000%60, i/10_000_000%60, i%10_000_000)
			body := bytes.Replace(template, old, generated, 1)
			// Deliveries of one envelope take turns, so spread them over 64 envelopes.
			envelopeID := fmt.Appendf(nil, "7e4b9c2a-1f3d-4a6b-8c5e-0d2f1a3b%04x", i%64)
			body = bytes.ReplaceAll(body, []byte(benchmarkEnvelopeID), envelopeID)
			req := httptest.NewRequest(http.MethodPost, "/connect", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-DocuSign-Signature-1", signHeader(body, oldSecret))
			w := httptest.NewRecorder()
			env.rcv.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("delivery %d answered %d, want 200", i, w.Code)
				return
			}
		}
	})
	if got, want := env.rcv.Stats().Accepted, uint64(next.Load()); got != want {
		b.Errorf("Stats accepted = %d, want %d distinct deliveries", got, want)
	}
}
