package tools

import "testing"

// BenchmarkInputDecode measures the decoding of a status call's arguments into its input,
// as decodeArguments does it and through the memo of repeated arguments.
func BenchmarkInputDecode(b *testing.B) {
	raw := []byte(`{"envelope_id":"4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"}`)
	b.Run("decodeArguments", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if terr := decodeArguments(raw, new(envelopeStatusInput)); terr != nil {
				b.Fatalf("decode failed: %v", terr)
			}
		}
	})
	b.Run("memo", func(b *testing.B) {
		memo := newInputMemo[envelopeStatusInput]()
		b.ReportAllocs()
		for b.Loop() {
			if _, terr := memo.decode(raw); terr != nil {
				b.Fatalf("decode failed: %v", terr)
			}
		}
	})
}
