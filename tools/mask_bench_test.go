package tools

import (
	"encoding/json"
	"testing"
)

// BenchmarkMaskResult measures the masking of a get_envelope_status result with one
// recipient, without and with a value to mask, through the byte scan and through the
// decoding path alone.
func BenchmarkMaskResult(b *testing.B) {
	cases := []struct {
		name string
		tab  string
	}{
		{name: "nothing to mask", tab: "Blue"},
		{name: "card number", tab: "4111 1111 1111 1111"},
	}
	for _, c := range cases {
		out, _ := decodeSnapshot(statusSnapshot("sent", c.tab))
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
