package tools

import (
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// BenchmarkArgumentFacts measures what one status call takes from its arguments for the
// policy and the audit record, the envelope id twice and the digest, with and without the
// memo.
func BenchmarkArgumentFacts(b *testing.B) {
	raw := json.RawMessage(`{"envelope_id":"4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"}`)
	var req mcp.CallToolRequest
	req.Params.RawArguments = raw
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			decodeEnvelopeID(raw)
			decodeEnvelopeID(raw)
			digestArguments(raw)
		}
	})
	b.Run("memo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			argumentEnvelopeID(req)
			envelopeIDOf(raw, nil)
			argumentsDigest(raw)
		}
	})
}
