package tools

import (
	"encoding/json"
	"testing"
)

// BenchmarkMaskResult measures the masking of a get_envelope_status result with one
// recipient: with nothing to mask, with a digit run in its envelope id, which is never
// masked, and with a card number. Each runs through the byte scan and through the decoding
// path alone.
func BenchmarkMaskResult(b *testing.B) {
	cases := []struct {
		name       string
		envelopeID string
		tab        string
	}{
		{name: "nothing to mask", envelopeID: snapshotCacheID, tab: "Blue"},
		{name: "digits in the envelope id",
			envelopeID: "12345678-1234-1234-1234-123456789012", tab: "Blue"},
		{name: "card number", envelopeID: snapshotCacheID, tab: "4111 1111 1111 1111"},
	}
	for _, c := range cases {
		out, _ := decodeSnapshot(statusSnapshot("sent", c.tab))
		out.EnvelopeID = c.envelopeID
		out.NextLiveReadAt = "2026-12-04T23:05:00Z"
		raw, err := json.Marshal(out)
		if err != nil {
			b.Fatalf("encode the result: %v", err)
		}
		for _, path := range []struct {
			name string
			mask func([]byte) ([]byte, error)
		}{{name: "scan", mask: maskResult}, {name: "decode", mask: maskDecoded}} {
			b.Run(c.name+"/"+path.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := path.mask(raw); err != nil {
						b.Fatalf("mask failed: %v", err)
					}
				}
			})
		}
	}
}
