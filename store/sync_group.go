package store

import "sync"

// syncGroup lets concurrent callers share disk syncs (group commit). A caller needs a sync
// that starts after its call, because a sync already running may have begun before the
// caller's write. While one sync runs, the callers that arrive wait, and then one of them
// runs a single sync that covers them all.
type syncGroup struct {
	mu      sync.Mutex
	cond    *sync.Cond
	running bool
	// started and done count the syncs begun and finished. err is the error of the newest
	// finished sync.
	started, done uint64
	err           error
}

// sync returns once a call of do that started after this call has finished, running do
// itself when no other caller is. It returns the error of the newest finished do.
func (g *syncGroup) sync(do func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	need := g.started + 1
	for g.done < need {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.started++
		mine := g.started
		g.mu.Unlock()
		err := do()
		g.mu.Lock()
		g.running = false
		g.done, g.err = mine, err
		g.cond.Broadcast()
	}
	return g.err
}
