package tools

import "testing"

// BenchmarkSnapshotDecode measures the decoding of a stored status snapshot with one
// recipient and one tab, without and with the snapshot cache, as a repeated status call
// decodes the unchanged state.
func BenchmarkSnapshotDecode(b *testing.B) {
	raw := statusSnapshot("sent", "a")
	b.Run("decodeSnapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			decodeSnapshot(raw)
		}
	})
	b.Run("cached", func(b *testing.B) {
		cache := newSnapshotCache()
		b.ReportAllocs()
		for b.Loop() {
			cache.decode(snapshotCacheID, raw)
		}
	})
}
