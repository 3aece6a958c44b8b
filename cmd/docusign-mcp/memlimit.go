package main

import "runtime/debug"

// memoryLimitEnv is the Go runtime's variable for the soft memory limit.
const memoryLimitEnv = "GOMEMLIMIT"

// defaultMemoryLimit is serve's soft memory limit when GOMEMLIMIT is not set. Without a
// limit the heap may grow to twice the live data between collections, and Badger's
// memtable flushes raise the live data for a moment. Under load, RSS peaked at about
// 225 MiB without a limit and about 130 MiB with this one. The CPU time per call did not
// change beyond the noise (bench, 10 sessions of status calls for 20 s, 2 CPUs).
// NOTE: the limit is soft. While the live data exceeds it, as with a create_envelope of
// tens of MiB of documents, the collector runs more often but takes at most about half of
// the CPU time, so requests slow down rather than fail.
const defaultMemoryLimit = 64 << 20

// applyMemoryLimit sets the soft memory limit of the process to defaultMemoryLimit, unless
// GOMEMLIMIT set one, which the runtime applied at start. GOMEMLIMIT=off removes the limit.
// It returns the limit in force, in bytes. main calls it for serve only, so that tests and
// the other commands keep the runtime's default of no limit.
func applyMemoryLimit(getenv func(string) string) int64 {
	if getenv(memoryLimitEnv) != "" {
		return debug.SetMemoryLimit(-1) // a negative value reads the limit
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	return defaultMemoryLimit
}
