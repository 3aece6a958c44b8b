package main

import "runtime/debug"

// memoryLimitEnv is the Go runtime's variable for the soft memory limit.
const memoryLimitEnv = "GOMEMLIMIT"

// defaultMemoryLimit is serve's soft memory limit when GOMEMLIMIT is not set. Without a
// limit the heap may grow to twice the live data between collections, and Badger's
// memtable flushes raise the live data to about 50 MB for a moment. Measured with bench,
// 10 sessions of status calls for 20 s, 2 CPUs at load average 6 to 18, peak RSS and the
// collector's share of serve's CPU time were:
//
//	no limit  196 MiB         3%
//	64 MiB    78 to 96 MiB    12 to 16%
//	96 MiB    110 to 116 MiB  6 to 9%
//	128 MiB   126 to 147 MiB  4 to 5%
//
// The server CPU time per call did not differ beyond the noise. This value favours RSS,
// and GOMEMLIMIT=128MiB favours CPU time.
// NOTE: the limit is soft. While the live data exceeds it, as with a create_envelope of
// tens of MiB of documents, the collector runs more often but takes at most about half of
// the CPU time, so requests slow down rather than fail.
const defaultMemoryLimit = 64 << 20

// applyMemoryLimit sets the soft memory limit of the process to defaultMemoryLimit, unless
// GOMEMLIMIT set one, which the runtime applied at start. GOMEMLIMIT=off removes the limit.
// It returns the limit in force, in bytes. Only serve and bench's child that runs serve's
// stack call it, so that tests and the other commands keep the runtime's default of none.
func applyMemoryLimit(getenv func(string) string) int64 {
	if getenv(memoryLimitEnv) != "" {
		return debug.SetMemoryLimit(-1) // a negative value reads the limit
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	return defaultMemoryLimit
}
