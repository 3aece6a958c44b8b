package store

import (
	"path/filepath"
	"testing"
)

// benchmarkAuditLog opens an audit log with a head file beside the store, as serve does.
func benchmarkAuditLog(b *testing.B) *AuditLog {
	b.Helper()
	dir := b.TempDir()
	s, err := Open(filepath.Join(dir, "store"), Options{EncryptionKey: testKey})
	if err != nil {
		b.Fatalf("Open failed: %v", err)
	}
	b.Cleanup(func() { _ = s.Close() })
	log, err := OpenAuditLog(s, AuditOptions{HeadFile: filepath.Join(dir,
		AuditHeadFileName)})
	if err != nil {
		b.Fatalf("OpenAuditLog failed: %v", err)
	}
	return log
}

// benchmarkRecord is a tool call record of the size serve writes for a status call.
var benchmarkRecord = AuditRecord{Kind: AuditToolCall, Caller: "agent-1",
	Tool: "get_envelope_status", EnvelopeID: "4b3f1a52-0000-4000-8000-000000000000",
	ArgsDigest: "sha256:5c8e3f1a7d2b9c4e6f0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678abcd",
	Decision:   DecisionAllow, PolicyRule: "principal", Outcome: "ok"}

// BenchmarkAuditAppendSynced measures Append with the head file, from parallel callers:
// each append waits for its sync.
func BenchmarkAuditAppendSynced(b *testing.B) {
	log := benchmarkAuditLog(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := log.Append(benchmarkRecord); err != nil {
				b.Errorf("Append failed: %v", err)
				return
			}
		}
	})
}

// BenchmarkAuditAppendBatched measures AppendBatched with the head file, from parallel
// callers: the records share one background sync per batch window.
func BenchmarkAuditAppendBatched(b *testing.B) {
	log := benchmarkAuditLog(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := log.AppendBatched(benchmarkRecord); err != nil {
				b.Errorf("AppendBatched failed: %v", err)
				return
			}
		}
	})
	if err := log.Flush(); err != nil {
		b.Errorf("Flush failed: %v", err)
	}
}
