package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

// ownerWait bounds how long a process waits for the holder of a data directory to record
// itself in the owner file, which the holder does right after it opens the store and, for
// HTTP, starts listening.
const ownerWait = 5 * time.Second

// serveBridge forwards stdio to the HTTP endpoint of the process that holds the data
// directory, or returns an error that names the holder when it serves no HTTP.
func serveBridge(ctx context.Context, cfg serveConfig, locked *store.LockedError,
	env environment, logger *slog.Logger) error {
	dataDir := filepath.Dir(locked.Dir)
	owner, err := waitForOwner(ctx, dataDir, locked.PID, ownerWait)
	if err != nil {
		return err
	}
	if err := checkBridgeable(cfg, dataDir, owner); err != nil {
		return err
	}
	logger.Info("data directory is owned by another server; bridging stdio to it",
		"owner_pid", owner.PID, "url", owner.URL)
	b := &bridge{
		url:           owner.URL,
		authorization: cfg.BridgeAuthorization,
		client:        &http.Client{},
		logger:        logger.With("component", "bridge"),
		out:           env.stdout,
	}
	err = b.run(ctx, env.stdin)
	logger.Info("bridge stopped")
	return err
}

// checkBridgeable returns an error when owner serves no HTTP, or serves the simulator when
// cfg requests a real account, or the other way round.
func checkBridgeable(cfg serveConfig, dataDir string, owner store.Owner) error {
	switch {
	case owner.URL == "":
		return heldError(dataDir, owner, "it serves stdio only, so there is nothing to "+
			"bridge to: run one 'docusign-mcp serve --http 127.0.0.1:8931 --no-auth' as the owner "+
			"that every agent shares, or set another data directory")
	case owner.Simulator && !cfg.Simulator:
		return heldError(dataDir, owner, "it serves the simulator while this process is "+
			"configured for a real account: set another data directory")
	case !owner.Simulator && cfg.Simulator:
		return heldError(dataDir, owner, "it serves a real Docusign account while this "+
			"process asks for --simulator: set another data directory")
	}
	return nil
}

// waitForOwner returns the owner file of dataDir once it names the holder pid, which is
// 0 when unknown. After wait it returns an error that names the holder's pid.
func waitForOwner(ctx context.Context, dataDir string, pid int, wait time.Duration) (
	store.Owner, error) {
	deadline := time.Now().Add(wait)
	for {
		owner, err := store.ReadOwner(dataDir)
		if err == nil && (pid == 0 || owner.PID == pid) {
			return owner, nil
		}
		if time.Now().After(deadline) {
			return store.Owner{}, heldError(dataDir, store.Owner{PID: pid},
				"it has recorded no endpoint in "+store.OwnerFileName+": stop that process "+
					"or set another data directory")
		}
		select {
		case <-ctx.Done():
			return store.Owner{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// heldError returns an error that names the process holding dataDir, then why and what
// to do.
func heldError(dataDir string, owner store.Owner, why string) error {
	holder := "another process"
	if owner.PID > 0 {
		holder = fmt.Sprintf("process %d", owner.PID)
	}
	var details []string
	if owner.Command != "" {
		details = append(details, owner.Command)
	}
	if owner.URL != "" {
		details = append(details, "serving "+owner.URL)
	}
	if len(details) > 0 {
		holder += " (" + strings.Join(details, ", ") + ")"
	}
	return fmt.Errorf("data directory %s is in use by %s, and %s", dataDir, holder, why)
}

// lockedHTTPError explains why a second HTTP server cannot open a held data directory.
func lockedHTTPError(locked *store.LockedError) error {
	dataDir := filepath.Dir(locked.Dir)
	owner, err := store.ReadOwner(dataDir)
	if err != nil || (locked.PID != 0 && owner.PID != locked.PID) {
		owner = store.Owner{PID: locked.PID}
	}
	return heldError(dataDir, owner, "only one process can own it: point clients at that "+
		"server, stop it, or set another data directory")
}

// recordOwner writes the owner file of dataDir for this process and returns a function
// that removes it again.
func recordOwner(dataDir, url string, simulator bool, logger *slog.Logger) func() {
	owner := store.Owner{PID: os.Getpid(), URL: url, Command: ownerCommand(),
		Started: time.Now().UTC(), Simulator: simulator}
	if err := store.WriteOwner(dataDir, owner); err != nil {
		// Without the file, other processes still find the lock and name the pid.
		logger.Warn("recording this process as the data directory's owner failed",
			"dir", dataDir, "err", err)
	}
	return func() {
		if err := store.RemoveOwner(dataDir, owner.PID); err != nil {
			logger.Warn("removing the owner file failed", "dir", dataDir, "err", err)
		}
	}
}

// ownerCommand returns the program name and subcommand of this process. Flag values are
// left out because they may name key files.
func ownerCommand() string {
	parts := []string{filepath.Base(os.Args[0])}
	for _, arg := range os.Args[1:] {
		if strings.HasPrefix(arg, "-") {
			name, _, _ := strings.Cut(arg, "=")
			parts = append(parts, name)
			continue
		}
		if len(parts) == 1 {
			parts = append(parts, arg)
		}
	}
	return strings.Join(parts, " ")
}
