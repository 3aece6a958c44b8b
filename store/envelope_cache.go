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
// Badger only on a miss. Every committed change of a state invalidates its entry after the
// commit, and a fill is dropped when any invalidation happened since the reader took its
// generation, so a read that raced a write never caches the older state. The zero value is
// ready to use.
type envelopeStateCache struct {
	mu sync.RWMutex
	// generation counts invalidations. A reader takes it before its Badger read.
	generation uint64
	states     map[string]EnvelopeState
	// bytes is the total snapshot size of the cached states.
	bytes int
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
	if c.generation != generation {
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

// invalidate drops the cached state of an envelope and makes every fill that started before
// it a no-op. Writers call it after their commit.
func (c *envelopeStateCache) invalidate(envelopeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
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
