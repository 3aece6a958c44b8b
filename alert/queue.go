package alert

import "sync"

// postQueue contains the alert posts waiting to be sent, one FIFO queue per kind, and
// returns them one kind at a time in turn. A flood of one kind, such as one stuck_envelope
// alert per envelope, so cannot crowd out a rare kind such as consent_revoked.
type postQueue struct {
	mu       sync.Mutex
	byKind   map[string][]payload
	order    []string        // kinds with queued posts, next to send first
	dropping map[string]bool // kinds that dropped a post since their queue was last empty
	wake     chan struct{}   // receives a value after each push
}

func newPostQueue() *postQueue {
	return &postQueue{byKind: map[string][]payload{}, dropping: map[string]bool{},
		wake: make(chan struct{}, 1)}
}

// push queues p unless its kind already has queueSize posts waiting, or maxQueuedKinds
// other kinds do. firstDrop is true for the first drop of a kind since its queue was last
// empty, so the caller can log a flood once.
func (q *postQueue) push(p payload) (queued, firstDrop bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	waiting, known := q.byKind[p.Kind]
	if len(waiting) >= queueSize || (!known && len(q.order) >= maxQueuedKinds) {
		firstDrop = !q.dropping[p.Kind]
		q.dropping[p.Kind] = true
		return false, firstDrop
	}
	if !known {
		q.order = append(q.order, p.Kind)
	}
	q.byKind[p.Kind] = append(waiting, p)
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true, false
}

// pop removes and returns the oldest post of the next kind in turn, and moves that kind to
// the end of the turn. ok is false when nothing is queued.
func (q *postQueue) pop() (p payload, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.order) == 0 {
		return payload{}, false
	}
	kind := q.order[0]
	q.order = q.order[1:]
	waiting := q.byKind[kind]
	p = waiting[0]
	if len(waiting) == 1 {
		delete(q.byKind, kind)
		delete(q.dropping, kind)
		return p, true
	}
	q.byKind[kind] = waiting[1:]
	q.order = append(q.order, kind)
	return p, true
}

// len returns the number of queued posts.
func (q *postQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, waiting := range q.byKind {
		n += len(waiting)
	}
	return n
}
