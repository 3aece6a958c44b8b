//go:build !unix

package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ys88io/docusign-mcp/docusign"
)

// listenForResume does nothing where SIGUSR1 does not exist. Automatic probes still run.
func listenForResume(context.Context, *docusign.Client, *slog.Logger) {}

// signalResume reports that this system cannot signal serve.
func signalResume(int) error {
	return errors.New("this system has no SIGUSR1: restart serve, or use --consent-probe auto")
}
