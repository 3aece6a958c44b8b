package test

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// conformanceTimeout bounds one run of the conformance suite's CLI. The whole active
// suite takes a few seconds on an idle machine.
const conformanceTimeout = 5 * time.Minute

// requireConformance returns the Node tools and the conformance suite's CLI, or skips
// the test when they are missing. With CI=true it fails instead.
func requireConformance(t *testing.T) (nodeTools, string) {
	t.Helper()
	tools := requireNodeTools(t)
	cli := filepath.Join(tools.nodeModules, ".bin", "conformance")
	if _, err := os.Stat(cli); err != nil {
		msg := cli + " does not exist; install it with 'npm ci --prefix .ci/tools', or run .ci/run"
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the conformance suite is missing: %s", msg)
		}
		t.Skip(msg)
	}
	return tools, cli
}

// startConformanceServer starts 'serve --simulator' over HTTP without auth, with its
// own origin allowed, and returns the MCP endpoint's URL. The suite's DNS rebinding
// scenario sends the endpoint's own origin and expects it accepted, so the port is
// chosen before the server starts. When another process takes the port in between, it
// tries a new one.
func startConformanceServer(t *testing.T, extra ...string) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := freeLoopbackAddr(t)
		args := append([]string{"serve", "--simulator", "--http", addr, "--no-auth",
			"--allowed-origins", "http://" + addr, "--log-format", "json"}, extra...)
		p := startBinary(t, nil, args...)
		if p.waitForHTTP(t) {
			return "http://" + addr + "/mcp"
		}
		if attempt == 3 {
			t.Fatalf("serve did not start on a free port in 3 attempts; stderr:\n%s", p.stderr)
		}
	}
}

// freeLoopbackAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitForHTTP waits until the server logs that it serves HTTP, and returns false when it
// exited because its port was taken.
func (p *process) waitForHTTP(t *testing.T) bool {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(p.stderr.String(), `"serving MCP over streamable HTTP"`) {
			return true
		}
		select {
		case <-p.done:
			if strings.Contains(p.stderr.String(), "address already in use") {
				return false
			}
			t.Fatalf("serve exited (%v) before serving HTTP; stderr:\n%s", p.err, p.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start serving HTTP within 60 s; stderr:\n%s", p.stderr)
	return false
}

// conformanceCheck is one check of a scenario, from the checks.json the suite writes.
type conformanceCheck struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	ErrorMessage string `json:"errorMessage"`
}

// conformanceCounts are the scenario and check counts of one run.
type conformanceCounts struct {
	Scenarios, ScenariosPassed, ScenariosFailed int
	ChecksPassed, ChecksFailed, ChecksOther     int
	// Failures names each failed check with its scenario and message.
	Failures []string
}

func (c conformanceCounts) String() string {
	return fmt.Sprintf("%d scenarios: %d passed, %d failed; checks: %d passed, %d failed, "+
		"%d warnings or notes", c.Scenarios, c.ScenariosPassed, c.ScenariosFailed,
		c.ChecksPassed, c.ChecksFailed, c.ChecksOther)
}

// runConformance runs the suite's server command against url with args, writing the
// results under a temporary directory, and returns its exit status, its output and the
// counts read from the results.
func runConformance(t *testing.T, tools nodeTools, cli, url string, args ...string) (
	int, string, conformanceCounts) {
	t.Helper()
	out := t.TempDir()
	args = append([]string{"server", "--url", url, "-o", out}, args...)
	stdout, stderr, code := runCommand(t, conformanceTimeout, tools.env(t), cli, args...)
	return code, stdout + stderr, readConformanceResults(t, out)
}

// readConformanceResults counts the checks in every <scenario>/checks.json under dir.
func readConformanceResults(t *testing.T, dir string) conformanceCounts {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "checks.json"))
	if err != nil {
		t.Fatalf("list conformance results in %s: %v", dir, err)
	}
	var counts conformanceCounts
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("read %s: %v", file, err)
		}
		var checks []conformanceCheck
		if err := json.Unmarshal(raw, &checks); err != nil {
			t.Fatalf("decode %s: %v", file, err)
		}
		counts.add(scenarioName(filepath.Base(filepath.Dir(file))), checks)
	}
	return counts
}

// add counts the checks of one scenario, which fails when any check failed.
func (c *conformanceCounts) add(scenario string, checks []conformanceCheck) {
	c.Scenarios++
	failed := false
	for _, check := range checks {
		switch check.Status {
		case "SUCCESS":
			c.ChecksPassed++
		case "FAILURE":
			c.ChecksFailed++
			failed = true
			c.Failures = append(c.Failures, scenario+"/"+check.ID+": "+check.ErrorMessage)
		default:
			c.ChecksOther++
		}
	}
	if failed {
		c.ScenariosFailed++
	} else {
		c.ScenariosPassed++
	}
}

// scenarioName strips the "server-" prefix and the timestamp suffix from a results
// directory's name, as in server-tools-list-2026-12-04T19-55-59-971Z.
func scenarioName(dir string) string {
	name := strings.TrimPrefix(dir, "server-")
	if i := strings.LastIndex(name, "-20"); i > 0 {
		if _, err := strconv.Atoi(name[i+1 : i+5]); err == nil {
			return name[:i]
		}
	}
	return name
}

// merge adds the counts of another run.
func (c *conformanceCounts) merge(o conformanceCounts) {
	c.Scenarios += o.Scenarios
	c.ScenariosPassed += o.ScenariosPassed
	c.ScenariosFailed += o.ScenariosFailed
	c.ChecksPassed += o.ChecksPassed
	c.ChecksFailed += o.ChecksFailed
	c.ChecksOther += o.ChecksOther
	c.Failures = append(c.Failures, o.Failures...)
}

// trackFile opens path, so that go test caches the result under its content.
func trackFile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	f.Close()
}
