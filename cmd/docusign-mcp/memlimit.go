package main

import "runtime/debug"

// memoryLimitEnv is the Go runtime's variable for the soft memory limit.
const memoryLimitEnv = "GOMEMLIMIT"

// defaultMemoryLimit is serve's soft memory limit when GOMEMLIMIT is not set. Without a
// limit the heap may grow to twice the live data between collections, and Badger's
// memtable flushes raise the live data to about 105 MB for a moment. Under load, RSS
// peaked at about 240 MiB without a limit and 137 to 152 MiB with this one, and the
// collector took 2 to 4% of serve's CPU time with either. A limit of 64 MiB, below those
// peaks of live data, kept RSS near 135 MiB but made the collector take 17% (bench, 10
// sessions of status calls for 20 s, 2 CPUs).
// NOTE: the limit is soft. While the live data exceeds it, as with a create_envelope of
// tens of MiB of documents, the collector runs more often but takes at most about half of
// the CPU time, so requests slow down rather than fail.
const defaultMemoryLimit = 128 << 20

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
