package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/ys88io/docusign-mcp/docusign"
)

// callTimer is a docusign.Observer that adds up the Docusign time and calls of each bench
// principal. Each bench session has its own principal and makes one call at a time, so the
// difference across a call is that call's Docusign time.
//
// The totals live in a slice of counters that may be a shared memory mapping of a file.
// Then a server in a child process adds to them, and the load in the parent reads them
// without sending the server any request.
type callTimer struct {
	counters []callerTime
	unmap    func()
}

// callerTime is the total of one principal. Its size, 16 bytes, is the layout of the
// shared file.
type callerTime struct {
	nanos atomic.Int64
	calls atomic.Int64
}

// callerTimeSize is the size of a callerTime in the shared file.
const callerTimeSize = int(unsafe.Sizeof(callerTime{}))

// newCallTimer returns a timer for sessions principals in process memory.
func newCallTimer(sessions int) *callTimer {
	return &callTimer{counters: make([]callerTime, sessions), unmap: func() {}}
}

// createTimerFile creates path with room for sessions principals.
func createTimerFile(path string, sessions int) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create bench timer file: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(int64(sessions * callerTimeSize)); err != nil {
		return fmt.Errorf("size bench timer file: %w", err)
	}
	return nil
}

// mapCallTimer maps the timer file at path, which createTimerFile made for sessions
// principals, shared with every other process that maps it.
func mapCallTimer(path string, sessions int) (*callTimer, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open bench timer file: %w", err)
	}
	defer f.Close()
	size := sessions * callerTimeSize
	mem, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map bench timer file %s: %w", path, err)
	}
	// The mapping is page aligned, so every counter is 8-byte aligned for the atomics.
	counters := unsafe.Slice((*callerTime)(unsafe.Pointer(&mem[0])), sessions)
	return &callTimer{counters: counters, unmap: func() { _ = syscall.Munmap(mem) }}, nil
}

// close releases the mapping, if any.
func (t *callTimer) close() { t.unmap() }

// ObserveCall adds rec's latency to its caller's total. Calls of background jobs, which
// have no bench principal, are not counted.
func (t *callTimer) ObserveCall(rec docusign.CallRecord) {
	if ct := t.counter(rec.Tag.Caller); ct != nil {
		ct.nanos.Add(int64(rec.Latency))
		ct.calls.Add(1)
	}
}

// read returns the Docusign time and calls of principal so far.
func (t *callTimer) read(principal string) (time.Duration, int64) {
	ct := t.counter(principal)
	if ct == nil {
		return 0, 0
	}
	return time.Duration(ct.nanos.Load()), ct.calls.Load()
}

// counter returns the counters of a principal named by benchPrincipal, or nil.
func (t *callTimer) counter(principal string) *callerTime {
	number, ok := strings.CutPrefix(principal, benchPrincipalPrefix)
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(number)
	if err != nil || n < 1 || n > len(t.counters) {
		return nil
	}
	return &t.counters[n-1]
}

// benchPrincipalPrefix starts the principal name of every bench session.
const benchPrincipalPrefix = "bench-"

// benchPrincipal returns the principal name of session i.
func benchPrincipal(i int) string { return benchPrincipalPrefix + strconv.Itoa(i+1) }
