package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// benchConfig is the checked configuration of the bench command.
type benchConfig struct {
	Log      logConfig
	Sessions int
	// Duration is how long each target is loaded, unless Calls is set.
	Duration time.Duration
	// Calls is the number of measured calls per target; 0 means run for Duration.
	Calls int
	// Warmup is the number of calls each session makes before the measurement.
	Warmup int
	Mix    []mixEntry
	JSON   bool
	// CPUProfile is a file that receives the CPU profile of our target's measured run.
	CPUProfile string
	// HeapProfile is a file that receives the heap profile of our target after the run.
	HeapProfile string
	// Startup is the number of timed serve starts over stdio; 0 skips them.
	Startup int
	// NoLoad skips the load of both targets.
	NoLoad bool
	// Isolate runs each target in a child process, so that its CPU time and peak RSS are
	// its own. Without it, the targets run in this process.
	Isolate bool
	// Client is the kind of MCP client of the load: clientLean or clientMCPGo.
	Client string
}

// mixEntry is one tool of the call mix and its relative weight.
type mixEntry struct {
	Tool   string `json:"tool"`
	Weight int    `json:"weight"`
}

// benchTools are the tools that bench can call: benchArguments builds their arguments.
var benchTools = []string{"get_envelope_status", "list_envelopes", "list_templates",
	"get_template"}

// defaultMix is mostly status calls, which the stored envelope state serves, plus a share
// of tools that call Docusign each time.
const defaultMix = "get_envelope_status=85,list_templates=5,get_template=5,list_envelopes=5"

const benchSummary = `Measure the server's overhead, throughput and memory. bench starts the same
stack as serve (bearer authentication, signed sessions, policy, audit log and
store) over streamable HTTP on loopback, in a child process of its own, against
a simulator in the bench process that answers without delay, and runs
--sessions concurrent MCP sessions that call the tools of --mix. In the same run
it loads a bare mcp-go server with one trivial tool, in another child process,
the same way. It prints, for each tool, calls, p50 and p99 latency, and the
server-added latency (latency minus the time the server spent in Docusign calls
during the call); then calls per second, the server process's CPU time per call
and its peak RSS, each also as a ratio to the bare server. With --isolate=false
both servers run in the bench process, and a labelled CPU profile splits the
server's CPU time from the client's. Before the load, --startup starts serve
over stdio that many times and prints the time to its initialize response and
its idle RSS.`

// parseBenchConfig parses the bench flags and returns one message per problem.
func parseBenchConfig(args []string, env environment) (benchConfig, []string, error) {
	fs := newFlagSet("bench", benchSummary)
	sessions := fs.Int("sessions", 10, "number of concurrent MCP sessions")
	duration := fs.Duration("duration", 10*time.Second,
		"measured time per target, unless --calls is set")
	calls := fs.Int("calls", 0, "measured calls per target, spread over the sessions "+
		"(0: run for --duration)")
	warmup := fs.Int("warmup", 200, "calls per session before the measurement")
	mix := fs.String("mix", defaultMix, "tools to call with relative weights, as "+
		"tool=weight,...; tools: "+strings.Join(benchTools, ", "))
	asJSON := fs.Bool("json", false, "print the results as one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "file that receives the CPU profile of the "+
		"measured run against docusign-mcp, for go tool pprof")
	heapProfile := fs.String("memprofile", "", "file that receives the heap profile of "+
		"docusign-mcp after the measured run, for go tool pprof")
	startup := fs.Int("startup", 5, "number of timed serve starts over stdio, each "+
		"measured from process start to the initialize response (0: none)")
	noLoad := fs.Bool("no-load", false, "skip the load and measure only the starts")
	isolate := fs.Bool("isolate", true, "run each server in a child process of its own")
	clientKind := fs.String("client", clientLean, "MCP client of the load: lean (hand-"+
		"written requests, the least CPU) or mcp-go (mcp-go's client)")
	logFormat, logLevel := logFlags(fs)
	fs.Lookup("log-level").DefValue = "warn"
	if err := fs.Set("log-level", "warn"); err != nil {
		return benchConfig{}, nil, fmt.Errorf("set default log level: %w", err)
	}
	if err := parseFlags(fs, args, env); err != nil {
		return benchConfig{}, nil, err
	}
	cfg := benchConfig{Sessions: *sessions, Duration: *duration, Calls: *calls,
		Warmup: *warmup, JSON: *asJSON, CPUProfile: *cpuProfile,
		HeapProfile: *heapProfile, Startup: *startup,
		NoLoad: *noLoad, Isolate: *isolate, Client: *clientKind}
	var problems []string
	cfg.Log, problems = parseLogConfig(*logFormat, *logLevel)
	problems = append(problems, checkBenchConfig(&cfg, *mix)...)
	return cfg, problems, nil
}

// checkBenchConfig checks the numbers of cfg, parses mix into cfg.Mix, and returns one
// message per problem.
func checkBenchConfig(cfg *benchConfig, mix string) []string {
	var problems []string
	if cfg.Sessions < 1 || cfg.Sessions > 1000 {
		problems = append(problems, fmt.Sprintf("--sessions %d is out of range: use 1 to "+
			"1000", cfg.Sessions))
	}
	if cfg.Calls < 0 || (cfg.Calls == 0 && cfg.Duration <= 0) {
		problems = append(problems, "--calls must be positive, or 0 with a positive "+
			"--duration")
	}
	if cfg.Startup < 0 || cfg.Startup > 100 {
		problems = append(problems, fmt.Sprintf("--startup %d is out of range: use 0 to "+
			"100 starts", cfg.Startup))
	}
	if cfg.Warmup < 0 {
		problems = append(problems, fmt.Sprintf("--warmup %d is negative: use 0 or more "+
			"calls", cfg.Warmup))
	}
	if cfg.Client != clientLean && cfg.Client != clientMCPGo {
		problems = append(problems, fmt.Sprintf("--client %q is not a client: use %s or %s",
			cfg.Client, clientLean, clientMCPGo))
	}
	var mixProblem string
	cfg.Mix, mixProblem = parseMix(mix)
	if mixProblem != "" {
		problems = append(problems, mixProblem)
	}
	return problems
}

// parseMix parses "tool=weight,..." and returns a problem message when it is invalid.
func parseMix(s string) ([]mixEntry, string) {
	var mix []mixEntry
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		tool, weightText, found := strings.Cut(part, "=")
		weight := 1
		if found {
			n, err := strconv.Atoi(strings.TrimSpace(weightText))
			if err != nil || n < 1 {
				return nil, fmt.Sprintf("--mix %q: weight %q is invalid: use a positive "+
					"integer", s, weightText)
			}
			weight = n
		}
		tool = strings.TrimSpace(tool)
		if !slices.Contains(benchTools, tool) {
			return nil, fmt.Sprintf("--mix %q: tool %q is not supported: use %s", s, tool,
				strings.Join(benchTools, ", "))
		}
		mix = append(mix, mixEntry{Tool: tool, Weight: weight})
	}
	if len(mix) == 0 {
		return nil, "--mix is empty: name at least one tool, such as get_envelope_status=1"
	}
	return mix, ""
}

func runBenchCommand(ctx context.Context, args []string, env environment) error {
	if len(args) > 0 && args[0] == serveTargetFlag {
		return runServeTarget(ctx, args[1:], env)
	}
	cfg, problems, err := parseBenchConfig(args, env)
	if err != nil {
		return err
	}
	if err := problemsError("bench", problems); err != nil {
		return err
	}
	report, err := runBench(ctx, cfg, newLogger(env.stderr, cfg.Log))
	if err != nil {
		return err
	}
	if cfg.JSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	printBenchReport(env.stdout, report)
	return nil
}

// printBenchReport prints the start figures, the two load tables and the ratios.
func printBenchReport(w io.Writer, r benchReport) {
	if s := r.Startup; s != nil {
		fmt.Fprintf(w, "serve over stdio, %d starts (load average %s): initialize after "+
			"%.1f ms median, %.1f ms max; idle RSS %.1f MiB, peak %.1f MiB\n", s.Runs,
			s.LoadAverage, s.InitializeMedianMillis, s.InitializeMaxMillis, s.IdleRSSMiB,
			s.PeakRSSMiB)
	}
	if r.Bare.Name == "" {
		return
	}
	where := "each server in its own process"
	if !r.Isolated {
		where = "servers in the bench process"
	}
	fmt.Fprintf(w, "bench: %d sessions, mix %s, %s client, %s, %d CPUs, load average %s\n",
		r.Sessions, formatMix(r.Mix), r.Client, where, r.CPUs, r.LoadAverage)
	for _, t := range []targetReport{r.Bare, r.Ours} {
		fmt.Fprintf(w, "\n%s: %d calls in %.2f s, %.0f calls/s, server CPU %.1f µs/call, "+
			"peak RSS %.1f MiB, %d errors\n", t.Name, t.Calls, t.Seconds, t.CallsPerSecond,
			t.ServerCPUMicrosPerCall, t.PeakRSSMiB, t.Errors)
		fmt.Fprintf(w, "  %-22s %8s %10s %10s %12s %12s %12s\n", "tool", "calls", "p50 ms",
			"p99 ms", "added p50", "added p99", "docusign/call")
		for _, tool := range t.Tools {
			fmt.Fprintf(w, "  %-22s %8d %10.3f %10.3f %12.3f %12.3f %12.2f\n", tool.Tool,
				tool.Calls, tool.P50Millis, tool.P99Millis, tool.AddedP50Millis,
				tool.AddedP99Millis, tool.DocusignCallsPerCall)
		}
	}
	fmt.Fprintf(w, "\nratios to bare mcp-go: server CPU per call %.2f, calls/s %.2f, "+
		"added p50 +%.3f ms, added p99 +%.3f ms\n", r.Ratios.ServerCPUPerCall,
		r.Ratios.CallsPerSecond, r.Ratios.AddedP50OverBareMillis,
		r.Ratios.AddedP99OverBareMillis)
}

func formatMix(mix []mixEntry) string {
	parts := make([]string, len(mix))
	for i, m := range mix {
		parts[i] = m.Tool + "=" + strconv.Itoa(m.Weight)
	}
	return strings.Join(parts, ",")
}
