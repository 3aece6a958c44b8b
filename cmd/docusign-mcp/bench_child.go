package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

// A bench target may run in a child process of this binary, so that its CPU time and
// peak RSS are its own, apart from the load's client and the simulator. The parent starts
// `docusign-mcp bench --serve-target KIND ...`. The child prints one JSON line with its
// MCP URL to stdout, then handles commands read from stdin, one per line:
//
//	begin CPU HEAP  reset the peak RSS, note the CPU time, and start a CPU profile into
//	                the file CPU when it is not "-", then write "ok"
//	end             stop the profile, write a heap profile into the file HEAP when it
//	                is not "-", and write a JSON line of childReading
//
// At the end of stdin the child stops its server and exits.

// serveTargetFlag is the hidden first argument of bench that runs a target as a child.
const serveTargetFlag = "--serve-target"

// Kinds of serve target.
const (
	targetBare = "bare"
	targetOurs = "ours"
)

// childHello is the first line a child prints.
type childHello struct {
	URL string `json:"url"`
}

// childReading is a child's measurement of itself between begin and end.
type childReading struct {
	CPUNanos   int64 `json:"cpu_ns"`
	PeakRSSKiB int64 `json:"peak_rss_kib"`
}

// meterReading is a meter's measurement of a target's run.
type meterReading struct {
	serverCPU  time.Duration
	clientCPU  time.Duration
	peakRSSMiB float64
}

// targetMeter measures the server side of one measured run.
type targetMeter interface {
	begin(profiles benchProfiles) error
	end() (meterReading, error)
}

// childProcess is a target running in a child process, and the meter of its runs.
type childProcess struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	stdout   *bufio.Reader
	loadCPU0 time.Duration
}

// startChild starts this binary as a serve target of kind with the extra arguments and
// environment, and returns it with the URL it serves.
func startChild(ctx context.Context, kind string, args, env []string) (*childProcess,
	string, error) {
	binary, err := os.Executable()
	if err != nil {
		return nil, "", fmt.Errorf("find the docusign-mcp binary: %w", err)
	}
	all := append([]string{"bench", serveTargetFlag, kind}, args...)
	cmd := exec.CommandContext(ctx, binary, all...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", fmt.Errorf("bench target stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", fmt.Errorf("bench target stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start the %s bench target: %w", kind, err)
	}
	c := &childProcess{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout)}
	var hello childHello
	if err := c.readJSON(&hello); err != nil || hello.URL == "" {
		c.close()
		return nil, "", fmt.Errorf("the %s bench target did not start: %v", kind, err)
	}
	return c, hello.URL, nil
}

func (c *childProcess) readJSON(v any) error {
	line, err := c.stdout.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read from the bench target: %w", err)
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("the bench target wrote %.200q: %w", line, err)
	}
	return nil
}

func (c *childProcess) begin(profiles benchProfiles) error {
	c.loadCPU0 = processCPU()
	_, err := fmt.Fprintf(c.stdin, "begin %s %s\n", orDash(profiles.cpu), orDash(profiles.heap))
	if err != nil {
		return fmt.Errorf("start the measurement: %w", err)
	}
	var ok string
	return c.readJSON(&ok)
}

func (c *childProcess) end() (meterReading, error) {
	if _, err := io.WriteString(c.stdin, "end\n"); err != nil {
		return meterReading{}, fmt.Errorf("end the measurement: %w", err)
	}
	var r childReading
	if err := c.readJSON(&r); err != nil {
		return meterReading{}, err
	}
	return meterReading{serverCPU: time.Duration(r.CPUNanos),
		clientCPU: processCPU() - c.loadCPU0, peakRSSMiB: float64(r.PeakRSSKiB) / 1024}, nil
}

// close ends the child's stdin and waits for it to stop, killing it after ten seconds.
func (c *childProcess) close() {
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() {
		_ = c.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// processCPU returns the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runServeTarget is the child side: it serves a target and handles the parent's commands.
func runServeTarget(ctx context.Context, args []string, env environment) error {
	fs := flag.NewFlagSet("bench "+serveTargetFlag, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	dir := fs.String("dir", "", "directory that the parent prepared for ours")
	sessions := fs.Int("sessions", 1, "number of bench sessions")
	if len(args) == 0 {
		return errors.New("bench " + serveTargetFlag + ": name a kind, bare or ours")
	}
	kind := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(env.stderr,
		&slog.HandlerOptions{Level: slog.LevelWarn}))
	url, stop, err := serveTarget(ctx, kind, *dir, *sessions, logger)
	if err != nil {
		return err
	}
	defer stop()
	if err := json.NewEncoder(env.stdout).Encode(childHello{URL: url}); err != nil {
		return err
	}
	return answerParent(env.stdin, env.stdout)
}

func serveTarget(ctx context.Context, kind, dir string, sessions int, logger *slog.Logger) (
	string, func(), error) {
	switch kind {
	case targetBare:
		return serveBare(ctx)
	case targetOurs:
		// The child runs as serve does, with serve's soft memory limit.
		applyMemoryLimit(os.Getenv)
		timer, err := mapCallTimer(filepath.Join(dir, benchTimerFile), sessions)
		if err != nil {
			return "", nil, err
		}
		cfg, keys, err := benchServeConfigFrom(dir, readBenchEnv(dir), timer)
		if err != nil {
			timer.close()
			return "", nil, err
		}
		url, stop, err := serveBenchApp(ctx, cfg, keys, logger)
		if err != nil {
			timer.close()
			return "", nil, err
		}
		return url, func() { stop(); timer.close() }, nil
	}
	return "", nil, fmt.Errorf("bench %s %q: use bare or ours", serveTargetFlag, kind)
}

// answerParent handles begin and end commands until stdin ends.
func answerParent(stdin io.Reader, stdout io.Writer) error {
	scanner := bufio.NewScanner(stdin)
	var cpu0 time.Duration
	var profile *os.File
	heapPath := "-"
	enc := json.NewEncoder(stdout)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "begin":
			resetPeakRSS()
			cpuPath := "-"
			if len(fields) == 3 {
				cpuPath, heapPath = fields[1], fields[2]
			}
			if cpuPath != "-" {
				f, err := os.Create(cpuPath)
				if err != nil {
					return fmt.Errorf("create CPU profile: %w", err)
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					_ = f.Close()
					return fmt.Errorf("start CPU profile: %w", err)
				}
				profile = f
			}
			cpu0 = processCPU()
			if err := enc.Encode("ok"); err != nil {
				return err
			}
		case "end":
			reading := childReading{CPUNanos: int64(processCPU() - cpu0),
				PeakRSSKiB: procStatusKiB("/proc/self/status", "VmHWM:")}
			if profile != nil {
				pprof.StopCPUProfile()
				_ = profile.Close()
				profile = nil
			}
			if err := writeHeapProfile(heapPath); err != nil {
				return err
			}
			if err := enc.Encode(reading); err != nil {
				return err
			}
		}
	}
	return scanner.Err()
}

// writeHeapProfile writes the heap profile into path, unless path is "-".
func writeHeapProfile(path string) error {
	if path == "-" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create heap profile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		return fmt.Errorf("write heap profile: %w", err)
	}
	return nil
}

func orDash(path string) string {
	if path == "" {
		return "-"
	}
	return path
}

// benchProfiles names the files that receive the profiles of the measured run; empty
// means none.
type benchProfiles struct {
	cpu  string
	heap string
}

// benchTimerFile and benchEnvFile are the files in the directory of an isolated ours
// target: the shared call timer, and the environment serve reads.
const (
	benchTimerFile = "timer"
	benchEnvFile   = "env.json"
)

// writeBenchEnv writes the environment of ours to dir.
func writeBenchEnv(dir string, vars map[string]string) error {
	raw, err := json.Marshal(vars)
	if err != nil {
		return fmt.Errorf("encode bench environment: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, benchEnvFile), raw, 0o600)
}

// readBenchEnv reads the environment that writeBenchEnv wrote, or nil.
func readBenchEnv(dir string) map[string]string {
	raw, err := os.ReadFile(filepath.Join(dir, benchEnvFile))
	if err != nil {
		return nil
	}
	var vars map[string]string
	if json.NewDecoder(bytes.NewReader(raw)).Decode(&vars) != nil {
		return nil
	}
	return vars
}
