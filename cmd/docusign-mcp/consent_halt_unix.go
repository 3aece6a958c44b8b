//go:build unix

package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/ys88io/docusign-mcp/docusign"
)

// resumeSignal is the signal that 'docusign-mcp resume' sends serve to request a probe.
const resumeSignal = syscall.SIGUSR1

// listenForResume runs one probe on each SIGUSR1 until ctx is done.
func listenForResume(ctx context.Context, client *docusign.Client, logger *slog.Logger) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, resumeSignal)
	go func() {
		defer signal.Stop(signals)
		for {
			select {
			case <-ctx.Done():
				return
			case <-signals:
				resumeNow(ctx, client, logger)
			}
		}
	}()
}

// signalResume sends SIGUSR1 to the process pid.
func signalResume(pid int) error {
	return syscall.Kill(pid, resumeSignal)
}
