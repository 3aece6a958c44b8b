package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestApplyMemoryLimit(t *testing.T) {
	previous := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(previous) })
	tests := []struct {
		name      string
		env       string // GOMEMLIMIT
		inForce   int64  // the limit before the call, as the runtime set it from env
		wantLimit int64
	}{
		{name: "default without GOMEMLIMIT", inForce: math.MaxInt64,
			wantLimit: defaultMemoryLimit},
		{name: "GOMEMLIMIT kept", env: "200MiB", inForce: 200 << 20, wantLimit: 200 << 20},
		{name: "GOMEMLIMIT off kept", env: "off", inForce: math.MaxInt64,
			wantLimit: math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(tt.inForce)
			getenv := func(name string) string {
				if name == memoryLimitEnv {
					return tt.env
				}
				return ""
			}
			if got := applyMemoryLimit(getenv); got != tt.wantLimit {
				t.Errorf("applyMemoryLimit = %d, want %d", got, tt.wantLimit)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
				t.Errorf("limit in force = %d, want %d", got, tt.wantLimit)
			}
		})
	}
}
