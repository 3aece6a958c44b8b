package tools

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"
)

// Bounds of the snapshot cache, which has one entry per envelope. An entry counts twice its
// raw snapshot against the byte bound, for the bytes and their decoded copy (an estimate).
// So the cache keeps at most 2 MiB of raw snapshots alive, half of the store's own cache.
const (
	maxDecodedSnapshots     = 4096
	maxDecodedSnapshotBytes = 4 << 20
)

// snapshotCache keeps the last decoded snapshot of each envelope, so that repeated status
// calls and resource reads of an unchanged state skip decodeSnapshot. An entry is used only
// for the same snapshot bytes it was decoded from, so a changed state never hits. The nil
// cache decodes every time.
type snapshotCache struct {
	mu      sync.Mutex
	entries map[string]decodedSnapshot
	// bytes is the total decodedSize of the entries.
	bytes int
}

// decodedSnapshot is a snapshot and its decoded form. raw keeps the bytes alive, so the
// comparison in decode stays valid however the store reuses memory.
type decodedSnapshot struct {
	raw json.RawMessage
	out envelopeStatusOutput
}

func newSnapshotCache() *snapshotCache {
	return &snapshotCache{entries: make(map[string]decodedSnapshot)}
}

// decode returns decodeSnapshot(raw), from the cache when raw equals the snapshot last
// decoded for the envelope. The store's own cache returns the same bytes for an unchanged
// state, so the comparison usually ends at the pointers. The result's slices are copies,
// which the caller may change.
func (c *snapshotCache) decode(envelopeID string, raw json.RawMessage) (envelopeStatusOutput,
	bool) {
	if c == nil {
		return decodeSnapshot(raw)
	}
	c.mu.Lock()
	entry, ok := c.entries[envelopeID]
	c.mu.Unlock()
	if ok && bytes.Equal(entry.raw, raw) {
		return cloneStatusOutput(entry.out), true
	}
	out, ok := decodeSnapshot(raw)
	if !ok {
		return envelopeStatusOutput{}, false
	}
	c.keep(envelopeID, decodedSnapshot{raw: raw, out: out})
	return cloneStatusOutput(out), true
}

// keep stores entry for an envelope within the bounds, evicting other entries as needed.
// An entry over the byte bound on its own is not kept.
func (c *snapshotCache) keep(envelopeID string, entry decodedSnapshot) {
	size := decodedSize(entry.raw)
	if size > maxDecodedSnapshotBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[envelopeID]; ok {
		c.bytes -= decodedSize(old.raw)
		delete(c.entries, envelopeID)
	}
	// Go's map iteration starts at a random entry, so this evicts arbitrary entries.
	for id, old := range c.entries {
		if len(c.entries) < maxDecodedSnapshots && c.bytes+size <= maxDecodedSnapshotBytes {
			break
		}
		c.bytes -= decodedSize(old.raw)
		delete(c.entries, id)
	}
	c.entries[envelopeID] = entry
	c.bytes += size
}

// decodedSize is the size that an entry of raw counts against maxDecodedSnapshotBytes.
func decodedSize(raw json.RawMessage) int { return 2 * len(raw) }

// cloneStatusOutput returns out with its slices copied, recipients' tabs included.
func cloneStatusOutput(out envelopeStatusOutput) envelopeStatusOutput {
	out.CustomFields = slices.Clone(out.CustomFields)
	out.Recipients = slices.Clone(out.Recipients)
	for i := range out.Recipients {
		out.Recipients[i].Tabs = slices.Clone(out.Recipients[i].Tabs)
	}
	return out
}
