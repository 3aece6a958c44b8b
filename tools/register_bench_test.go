package tools

import (
	"testing"

	"github.com/mark3labs/mcp-go/server"
)

// BenchmarkRegister measures registering every tool on a new server, with the schema cache
// cleared before each registration (cold, as at a first start) and kept (warm, as after
// WarmSchemas).
func BenchmarkRegister(b *testing.B) {
	for _, cold := range []bool{true, false} {
		name := "warm"
		if cold {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if cold {
					schemaCache.Clear()
				}
				if err := Register(server.NewMCPServer("bench", "0"), Deps{}); err != nil {
					b.Fatalf("Register failed: %v", err)
				}
			}
		})
	}
}
