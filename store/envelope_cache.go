package store

import "sync"

// Bounds of the envelope state cache. With status snapshots of a few kilobytes, the byte
// bound keeps about a thousand envelopes (an estimate), so the cache stays small whatever
// the size of the store.
const (
	maxCachedEnvelopes     = 4096
	maxCachedEnvelopeBytes = 4 << 20
)

// envelopeStateCache keeps decoded envelope states in memory, so that GetEnvelope reads
// Badger only on a miss. Two rules keep a read that raced a write from caching the older
// state, so that readers never see a state go back:
//   - a fill is dropped when the generation changed since the reader took it, or while a
//     write of the envelope runs (between beginWrite and endWrite);
//   - each entry carries the Badger version (commit timestamp) of its state, and a fill
//     never replaces an entry of a later version. A dropped fill still leaves its version
//     behind as a floor (an entry that is not valid), so that an older fill cannot follow.
//
// The zero value is ready to use.
type envelopeStateCache struct {
	mu sync.RWMutex
	// generation counts beginWrite and endWrite calls and evictions. A reader takes it
	// before its Badger read.
	generation uint64
	states     map[string]cachedState
	// bytes is the total cachedSize of the entries.
	bytes int
	// writing counts the writes of each envelope between beginWrite and endWrite.
	writing map[string]int
}

// cachedState is an entry of envelopeStateCache: a state and its Badger version, or only
// a version floor when valid is false.
type cachedState struct {
	state   EnvelopeState
	version uint64
	valid   bool
}

// get returns the cached state of an envelope.
func (c *envelopeStateCache) get(envelopeID string) (EnvelopeState, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	entry, ok := c.states[envelopeID]
	return entry.state, ok && entry.valid
}

// currentGeneration returns the generation to pass to fill after a Badger read.
func (c *envelopeStateCache) currentGeneration() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.generation
}

// fill caches the state of an envelope at a Badger version, read after currentGeneration
// returned generation, unless a rule of envelopeStateCache drops it. A state larger than
// the byte bound is not cached.
func (c *envelopeStateCache) fill(envelopeID string, state EnvelopeState, version,
	generation uint64) {
	// A full slice expression, so that a caller's append to the Snapshot of a hit copies
	// it instead of writing into memory that other callers share.
	state.Snapshot = state.Snapshot[:len(state.Snapshot):len(state.Snapshot)]
	entry := cachedState{state: state, version: version, valid: true}
	c.mu.Lock()
	defer c.mu.Unlock()
	old, found := c.states[envelopeID]
	if found && old.version > version {
		return
	}
	if c.generation != generation || c.writing[envelopeID] > 0 ||
		cachedSize(entry) > maxCachedEnvelopeBytes {
		entry = cachedState{version: version}
	}
	if found && old.version == version && (old.valid || !entry.valid) {
		return
	}
	c.store(envelopeID, entry)
}

// store puts entry in the cache, evicting other entries to stay within the bounds. The
// caller holds c.mu.
func (c *envelopeStateCache) store(envelopeID string, entry cachedState) {
	if c.states == nil {
		c.states = make(map[string]cachedState)
	}
	if old, ok := c.states[envelopeID]; ok {
		c.bytes -= cachedSize(old)
		delete(c.states, envelopeID)
	}
	size := cachedSize(entry)
	// Go's map iteration starts at a random entry, so this evicts arbitrary states. A
	// cache of the envelopes being polled needs no recency order to keep its hit rate.
	for id := range c.states {
		if len(c.states) < maxCachedEnvelopes && c.bytes+size <= maxCachedEnvelopeBytes {
			break
		}
		// An evicted entry takes its version with it, so fills that started before the
		// eviction, which the version would have stopped, are dropped too.
		c.dropLocked(id)
	}
	c.states[envelopeID] = entry
	c.bytes += size
}

// beginWrite drops the cached state of an envelope and keeps fills of it from succeeding
// until the matching endWrite. Writers call it before their commit.
func (c *envelopeStateCache) beginWrite(envelopeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writing == nil {
		c.writing = make(map[string]int)
	}
	c.writing[envelopeID]++
	c.dropLocked(envelopeID)
}

// endWrite ends a write that beginWrite started, after its commit or failure. Fills by
// readers that took their generation before it are dropped.
func (c *envelopeStateCache) endWrite(envelopeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writing[envelopeID]--
	if c.writing[envelopeID] <= 0 {
		delete(c.writing, envelopeID)
	}
	c.dropLocked(envelopeID)
}

// dropLocked removes the cached state of an envelope and advances the generation. The
// caller holds c.mu.
func (c *envelopeStateCache) dropLocked(envelopeID string) {
	c.generation++
	if old, ok := c.states[envelopeID]; ok {
		c.bytes -= cachedSize(old)
		delete(c.states, envelopeID)
	}
}

// cachedSize is the size that an entry counts against the byte bound: its snapshot and
// strings, plus a fixed overhead for the map entry.
func cachedSize(entry cachedState) int {
	const entryOverhead = 128
	state := entry.state
	return len(state.Snapshot) + len(state.EnvelopeID) + len(state.Status) +
		len(state.Source) + entryOverhead
}
