package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/mark3labs/mcp-go/server"
)

const (
	// stdioWorkers is the number of tool calls the stdio transport runs at once. mcp-go's
	// default of 5 lets a few slow calls hold up every fast one behind them. A call returns
	// within the tools' call budget, so it holds a worker at most that long.
	stdioWorkers = 32
	// stdioQueue is the number of tool calls that wait for a worker. When the queue is full,
	// mcp-go runs the next call on the goroutine that reads stdin, which stops reading,
	// including cancellations, until that call ends.
	stdioQueue = 1024
)

// serveStdio serves s over stdin and stdout until stdin is closed or ctx is done. Only the
// transport writes to stdout: os.Stdout points at stderr while it serves.
func serveStdio(ctx context.Context, s *server.MCPServer, env environment,
	logger *slog.Logger) error {
	defer redirectStdout(env)()
	stdio := server.NewStdioServer(s)
	stdio.SetErrorLogger(slog.NewLogLogger(logger.Handler(), slog.LevelError))
	server.WithWorkerPoolSize(stdioWorkers)(stdio)
	server.WithQueueSize(stdioQueue)(stdio)
	logger.Info("serving MCP over stdio", "workers", stdioWorkers, "queue", stdioQueue)
	err := stdio.Listen(ctx, env.stdin, env.stdout)
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("serve stdio: %w", err)
	}
	logger.Info("stdio transport stopped")
	return nil
}

// redirectStdout points os.Stdout at os.Stderr when env.stdout is the process's stdout, so
// that a stray print from any package cannot corrupt the JSON-RPC stream, and returns the
// function that restores it.
// NOTE: a write to file descriptor 1 that bypasses os.Stdout still reaches the stream.
func redirectStdout(env environment) func() {
	original := os.Stdout
	if f, ok := env.stdout.(*os.File); !ok || f != original {
		return func() {}
	}
	os.Stdout = os.Stderr
	return func() { os.Stdout = original }
}
