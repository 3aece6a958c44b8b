package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// startupReport contains the figures of repeated serve starts over stdio.
type startupReport struct {
	Runs int `json:"runs"`
	// InitializeMillis is the time from starting the process to reading its initialize
	// response, median and max over the runs.
	InitializeMedianMillis float64 `json:"initialize_median_ms"`
	InitializeMaxMillis    float64 `json:"initialize_max_ms"`
	// IdleRSSMiB is the VmRSS of the process one second after initialize, median over the
	// runs, and PeakRSSMiB its VmHWM then.
	IdleRSSMiB  float64 `json:"idle_rss_mib"`
	PeakRSSMiB  float64 `json:"peak_rss_mib"`
	LoadAverage string  `json:"load_average"`
}

// initializeRequest is the first message of an MCP client over stdio.
const initializeRequest = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":` +
	`{"protocolVersion":"2025-06-18","capabilities":{},` +
	`"clientInfo":{"name":"docusign-mcp-bench","version":"1"}}}` + "\n"

// measureStartup starts this binary's serve over stdio runs times, each on a new data
// directory with an existing store, against a simulator in this process, and times the
// first initialize response.
func measureStartup(ctx context.Context, runs int, logger *slog.Logger) (startupReport,
	error) {
	report := startupReport{Runs: runs, LoadAverage: loadAverage()}
	binary, err := os.Executable()
	if err != nil {
		return report, fmt.Errorf("find the docusign-mcp binary: %w", err)
	}
	sim, err := docusigntest.Start(docusigntest.Options{Logger: atLeast(logger,
		slog.LevelWarn)})
	if err != nil {
		return report, fmt.Errorf("start simulator: %w", err)
	}
	defer sim.Close()
	var times []time.Duration
	var idle, peak []float64
	for range runs {
		elapsed, idleKiB, peakKiB, err := startOnce(ctx, binary, sim)
		if err != nil {
			return report, err
		}
		times = append(times, elapsed)
		idle = append(idle, float64(idleKiB)/1024)
		peak = append(peak, float64(peakKiB)/1024)
	}
	report.InitializeMedianMillis = percentile(times, 50)
	report.InitializeMaxMillis = percentile(times, 100)
	slices.Sort(idle)
	slices.Sort(peak)
	report.IdleRSSMiB, report.PeakRSSMiB = idle[len(idle)/2], peak[len(peak)/2]
	return report, nil
}

// startOnce prepares a data directory whose store exists, starts serve, sends initialize
// and returns the time to its response and the process's VmRSS and VmHWM in KiB a second
// later.
func startOnce(ctx context.Context, binary string, sim *docusigntest.Server) (
	time.Duration, int64, int64, error) {
	dir, err := os.MkdirTemp("", "docusign-mcp-startup-")
	if err != nil {
		return 0, 0, 0, fmt.Errorf("create temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	env, err := startupEnvironment(dir, sim)
	if err != nil {
		return 0, 0, 0, err
	}
	// The first start creates the store, so the measured start opens an existing one.
	if _, _, _, err := runServeOnce(ctx, binary, env, false); err != nil {
		return 0, 0, 0, fmt.Errorf("create the store: %w", err)
	}
	return runServeOnce(ctx, binary, env, true)
}

// startupEnvironment writes the simulator's credentials and a store key to dir and returns
// serve's environment.
func startupEnvironment(dir string, sim *docusigntest.Server) ([]string, error) {
	if err := sim.WriteCredentials(dir); err != nil {
		return nil, fmt.Errorf("write simulator credentials: %w", err)
	}
	keyFile := filepath.Join(dir, "store.key")
	key := strings.Repeat("5a", 32)
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		return nil, fmt.Errorf("write store key: %w", err)
	}
	creds := sim.Credentials()
	return append(os.Environ(),
		"DOCUSIGN_INTEGRATION_KEY="+creds.IntegrationKey,
		"DOCUSIGN_USER_ID="+creds.UserID,
		"DOCUSIGN_ACCOUNT_ID="+creds.AccountID,
		"DOCUSIGN_AUTH_SERVER="+creds.AuthServer,
		"DOCUSIGN_PRIVATE_KEY_FILE="+filepath.Join(dir, docusigntest.PrivateKeyFile),
		"DOCUSIGN_MCP_STORE_KEY_FILE="+keyFile,
		"DOCUSIGN_MCP_DATA_DIR="+filepath.Join(dir, "data"),
	), nil
}

// runServeOnce runs serve over stdio until its initialize response and, with measure, a
// second more, then closes stdin and waits for it to exit.
func runServeOnce(ctx context.Context, binary string, env []string, measure bool) (
	time.Duration, int64, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve", "--log-level", "warn",
		"--stuck-check-every", "0")
	cmd.Env = env
	cmd.Stderr = io.Discard
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("stdin pipe: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("stdout pipe: %w", err)
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, fmt.Errorf("start serve: %w", err)
	}
	defer func() { _ = cmd.Wait() }()
	defer stdin.Close()
	if _, err := io.WriteString(stdin, initializeRequest); err != nil {
		return 0, 0, 0, fmt.Errorf("send initialize: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	elapsed := time.Since(started)
	if err != nil || !strings.Contains(line, `"result"`) {
		return 0, 0, 0, errors.Join(fmt.Errorf("serve sent no initialize result: %q",
			line), err)
	}
	if !measure {
		return elapsed, 0, 0, nil
	}
	time.Sleep(time.Second)
	status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	return elapsed, procStatusKiB(status, "VmRSS:"), procStatusKiB(status, "VmHWM:"), nil
}
