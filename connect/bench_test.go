package connect

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkVerify measures one signature check of a JSON SIM message with its envelope
// summary, with two keys configured during a rotation and the second one matching.
func BenchmarkVerify(b *testing.B) {
	body := readFixture(b, "envelope-completed.json")
	v := mustVerifier(b, oldSecret, newSecret)
	h := http.Header{}
	h.Set("X-DocuSign-Signature-1", signHeader(body, newSecret))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(body, h); err != nil {
			b.Fatalf("Verify failed: %v", err)
		}
	}
}

// BenchmarkReceiverDelivery measures one new delivery end to end on a real store: verify,
// parse, de-duplicate, apply the state, append the audit record and sync the record to disk.
func BenchmarkReceiverDelivery(b *testing.B) {
	env := newReceiverEnv(b, oldSecret)
	template := readFixture(b, "envelope-completed.json")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		// A distinct generated time per delivery, so none is a duplicate.
		generated := fmt.Appendf(nil, `"generatedDateTime": "2026-03-02T10:15:30.%07dZ"`,
			i%10_000_000)
		body := bytes.Replace(template,
			[]byte(`"generatedDateTime": "2026-03-02T10:15:30.1234567Z"`), generated, 1)
		req := httptest.NewRequest(http.MethodPost, "/connect", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-DocuSign-Signature-1", signHeader(body, oldSecret))
		w := httptest.NewRecorder()
		env.rcv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("delivery %d answered %d, want 200", i, w.Code)
		}
	}
	if got := env.rcv.Stats().Accepted; got != uint64(i) {
		b.Fatalf("Stats accepted = %d, want %d distinct deliveries", got, i)
	}
}
