package tools

import (
	"log/slog"
	"os"
	"testing"
)

// TestMain silences slog's default logger. mcp-go v1.2.1's stdio client transport, which
// mcptest uses, logs through slog.Default, and when a test closes the pipes it logs an
// "Error reading from stdout ... closed pipe" line that is no failure.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
