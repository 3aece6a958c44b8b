package pipeline

import (
	"math/rand/v2"
	"time"
)

// backoff returns the wait before the run after attempts failed ones: MinBackoff doubled
// per earlier failure, at most MaxBackoff, with equal jitter. Half the wait is fixed and
// half random, so failed jobs spread out but never retry sooner than half the backoff.
func (a *Archiver) backoff(attempts int) time.Duration {
	return jitteredBackoff(attempts, a.opts.MinBackoff, a.opts.MaxBackoff, a.opts.Jitter)
}

func jitteredBackoff(attempts int, lo, hi time.Duration,
	jitter func(time.Duration) time.Duration) time.Duration {
	d := lo
	for i := 1; i < attempts && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	half := d / 2
	return half + jitter(d-half)
}

// randomJitter returns a random duration in [0, d).
func randomJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
