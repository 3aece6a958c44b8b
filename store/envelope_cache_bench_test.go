package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// BenchmarkGetEnvelope measures GetEnvelope of a state that is stored and was read before,
// as a repeated get_envelope_status call reads it.
func BenchmarkGetEnvelope(b *testing.B) {
	s, err := Open(b.TempDir(), Options{EncryptionKey: testKey})
	if err != nil {
		b.Fatalf("Open failed: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	snapshot := `{"envelope_id":"e1","status":"sent","recipients":[` +
		strings.Repeat(`{"recipient_id":"1","name":"Avery Client","status":"sent"},`, 5) +
		`{"recipient_id":"6"}]}`
	_, _, err = s.PutEnvelope(ctx, EnvelopeState{EnvelopeID: "e1", Status: "sent",
		Source: SourceDocusign, Snapshot: json.RawMessage(snapshot)})
	if err != nil {
		b.Fatalf("PutEnvelope failed: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetEnvelope(ctx, "e1"); err != nil {
			b.Fatalf("GetEnvelope failed: %v", err)
		}
	}
}
