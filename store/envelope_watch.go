package store

import "sync"

// EnvelopeListener is called after a state change of an envelope is committed, with the state
// that replaced the previous one. It runs on the writer's goroutine, so it must return quickly
// and must not call back into PutEnvelope.
type EnvelopeListener func(EnvelopeState)

// envelopeListeners is the set of listeners of a Store, with the cache of the states that
// the same committed changes invalidate. The zero value is ready to use.
type envelopeListeners struct {
	mu   sync.RWMutex
	next uint64
	fns  map[uint64]EnvelopeListener

	// states caches GetEnvelope's reads. It sits here, in the Store's one field for
	// envelope state changes, because each change that the listeners hear of must also
	// invalidate it.
	states envelopeStateCache
}

// OnEnvelopeChange registers fn to be called after every committed change of an envelope's
// state, whatever its source (create, status read, void, webhook). Observations that
// PutEnvelope ignores, such as an older event after a newer one, call nothing. The returned
// function removes fn.
func (s *Store) OnEnvelopeChange(fn EnvelopeListener) (remove func()) {
	l := &s.listeners
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fns == nil {
		l.fns = make(map[uint64]EnvelopeListener)
	}
	id := l.next
	l.next++
	l.fns[id] = fn
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.fns, id)
	}
}

// notify calls every listener with state.
func (l *envelopeListeners) notify(state EnvelopeState) {
	l.mu.RLock()
	fns := make([]EnvelopeListener, 0, len(l.fns))
	for _, fn := range l.fns {
		fns = append(fns, fn)
	}
	l.mu.RUnlock()
	for _, fn := range fns {
		fn(state)
	}
}
