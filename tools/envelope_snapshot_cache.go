package tools

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"
)

// maxDecodedSnapshots bounds the snapshot cache, one entry per envelope.
const maxDecodedSnapshots = 4096

// snapshotCache keeps the last decoded snapshot of each envelope, so that repeated status
// calls and resource reads of an unchanged state skip decodeSnapshot. An entry is used only
// for the same snapshot bytes it was decoded from, so a changed state never hits. The nil
// cache decodes every time.
type snapshotCache struct {
	mu      sync.Mutex
	entries map[string]decodedSnapshot
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, replaced := c.entries[envelopeID]; !replaced {
		// Go's map iteration starts at a random entry, so this evicts an arbitrary one.
		for id := range c.entries {
			if len(c.entries) < maxDecodedSnapshots {
				break
			}
			delete(c.entries, id)
		}
	}
	c.entries[envelopeID] = decodedSnapshot{raw: raw, out: out}
	return cloneStatusOutput(out), true
}

// cloneStatusOutput returns out with its slices copied, recipients' tabs included.
func cloneStatusOutput(out envelopeStatusOutput) envelopeStatusOutput {
	out.CustomFields = slices.Clone(out.CustomFields)
	out.Recipients = slices.Clone(out.Recipients)
	for i := range out.Recipients {
		out.Recipients[i].Tabs = slices.Clone(out.Recipients[i].Tabs)
	}
	return out
}
