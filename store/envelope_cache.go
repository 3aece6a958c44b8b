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
// Badger only on a miss. A writer calls beginWrite before its commit and endWrite after
// it. In between, the envelope has no entry and no fill succeeds, so every read goes to
// Badger, and a fill is dropped when the generation changed since the reader took it. So
// a read that raced a write never caches the older state, and readers never see a state
// go back. The zero value is ready to use.
type envelopeStateCache struct {
	mu sync.RWMutex
	// generation counts beginWrite, endWrite and invalidate calls. A reader takes it
	// before its Badger read.
	generation uint64
	states     map[string]EnvelopeState
	// bytes is the total snapshot size of the cached states.
	bytes int
	// writing counts the writes of each envelope between beginWrite and endWrite.
	writing map[string]int
}

// get returns the cached state of an envelope.
func (c *envelopeStateCache) get(envelopeID string) (EnvelopeState, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	state, ok := c.states[envelopeID]
	return state, ok
}

// currentGeneration returns the generation to pass to fill after a Badger read.
func (c *envelopeStateCache) currentGeneration() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.generation
}

// fill caches the state of an envelope, read from Badger after currentGeneration returned
// generation, unless an invalidation happened since. A state larger than the byte bound is
// not cached.
func (c *envelopeStateCache) fill(envelopeID string, state EnvelopeState, generation uint64) {
	size := cachedSize(state)
	if size > maxCachedEnvelopeBytes {
		return
	}
	// A full slice expression, so that a caller's append to the Snapshot of a hit copies
	// it instead of writing into memory that other callers share.
	state.Snapshot = state.Snapshot[:len(state.Snapshot):len(state.Snapshot)]
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation != generation || c.writing[envelopeID] > 0 {
		return
	}
	if c.states == nil {
		c.states = make(map[string]EnvelopeState)
	}
	if old, ok := c.states[envelopeID]; ok {
		c.bytes -= cachedSize(old)
		delete(c.states, envelopeID)
	}
	// Go's map iteration starts at a random entry, so this evicts arbitrary states. A
	// cache of the envelopes being polled needs no recency order to keep its hit rate.
	for id, old := range c.states {
		if len(c.states) < maxCachedEnvelopes && c.bytes+size <= maxCachedEnvelopeBytes {
			break
		}
		c.bytes -= cachedSize(old)
		delete(c.states, id)
	}
	c.states[envelopeID] = state
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

// invalidate drops the cached state of an envelope and makes every fill that started before
// it a no-op, for a writer that calls it only after its commit.
// NOTE: between such a writer's commit and its invalidate, a fill of the older state can
// still replace a fill of the newer one, so a reader may briefly see the state go back.
// Writers that can call beginWrite before their commit should use beginWrite and endWrite.
func (c *envelopeStateCache) invalidate(envelopeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
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

// cachedSize is the size that a state counts against the byte bound: its snapshot and
// strings, plus a fixed overhead for the map entry.
func cachedSize(state EnvelopeState) int {
	const entryOverhead = 128
	return len(state.Snapshot) + len(state.EnvelopeID) + len(state.Status) +
		len(state.Source) + entryOverhead
}
