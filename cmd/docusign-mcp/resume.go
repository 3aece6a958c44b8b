package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ys88io/docusign-mcp/store"
)

const resumeSummary = `Ask the serve process that owns the data directory to probe Docusign at
once. When Docusign consent was revoked or the integration's key rejected, serve halts
every Docusign call. With --consent-probe manual, only this command ends the halt: grant
consent (or fix the key) first, then run it. serve logs whether the probe succeeded.

The command sends SIGUSR1 to the pid in the data directory's owner file, after checking
that the same pid holds the store's lock.`

// runResumeCommand signals the owner of the data directory to probe Docusign.
func runResumeCommand(_ context.Context, args []string, env environment) error {
	flags := newFlagSet("resume", resumeSummary)
	dataDir := envSetting{flag: "data-dir", env: "DOCUSIGN_MCP_DATA_DIR",
		usage: "data directory that serve uses; default: the per-user data directory"}
	dataDir.register(flags)
	if err := parseFlags(flags, args, env); err != nil {
		return err
	}
	dataDir.resolve(flags, env.getenv)
	dir := dataDir.value
	if dir == "" {
		defaultDir, problem := defaultDataDir(env.getenv)
		if problem != "" {
			return &usageError{msg: "docusign-mcp resume: " + problem}
		}
		dir = defaultDir
	}
	pid, err := ownerPID(dir)
	if err != nil {
		return err
	}
	if err := signalResume(pid); err != nil {
		return fmt.Errorf("resume: signal process %d: %w: check that serve "+
			"still runs for %s", pid, err, dir)
	}
	fmt.Fprintf(env.stdout, "asked process %d to probe Docusign; its log shows whether "+
		"service resumed\n", pid)
	return nil
}

// ownerPID returns the pid of the live serve process that owns dir. The owner file and
// Badger's lock file must name the same pid, so that a file left by a crashed process
// does not send the signal to an unrelated process.
func ownerPID(dir string) (int, error) {
	owner, err := store.ReadOwner(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("resume: no serve process owns %s: start serve, "+
			"which probes Docusign with its first call", dir)
	}
	if err != nil {
		return 0, fmt.Errorf("resume: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "store", "LOCK"))
	lockPID, convErr := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || convErr != nil || lockPID != owner.PID || owner.PID <= 0 {
		return 0, fmt.Errorf("resume: the owner file of %s names process %d, "+
			"but that process does not hold the store: serve is not running there, so "+
			"start it", dir, owner.PID)
	}
	return owner.PID, nil
}
