package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// benchReport is the output of one bench run.
type benchReport struct {
	Sessions    int          `json:"sessions"`
	Mix         []mixEntry   `json:"mix"`
	Client      string       `json:"client"`
	Isolated    bool         `json:"isolated"`
	CPUs        int          `json:"cpus"`
	GoVersion   string       `json:"go_version"`
	LoadAverage string       `json:"load_average"`
	Bare        targetReport `json:"bare"`
	Ours        targetReport `json:"ours"`
	Ratios      benchRatios  `json:"ratios"`
	// Startup is nil when --startup is 0.
	Startup *startupReport `json:"startup,omitempty"`
}

// targetReport contains the figures of one target. Times are per call.
type targetReport struct {
	Name           string  `json:"name"`
	Calls          int     `json:"calls"`
	Errors         int     `json:"errors"`
	Seconds        float64 `json:"seconds"`
	CallsPerSecond float64 `json:"calls_per_second"`
	// ServerCPUMicrosPerCall is the server process's CPU time per call. Without
	// isolation, it is the CPU time of the server's goroutines, plus the share of
	// unlabelled runtime work (such as garbage collection) in proportion to the labelled
	// CPU time. ClientCPUMicrosPerCall is the rest: with isolation, the bench process's
	// CPU time, which for ours includes the simulator.
	ServerCPUMicrosPerCall float64 `json:"server_cpu_us_per_call"`
	ClientCPUMicrosPerCall float64 `json:"client_cpu_us_per_call"`
	// PeakRSSMiB is the server process's VmHWM after the run, reset before it when the
	// kernel allows. Without isolation, that process also contains the client and, for
	// ours, the simulator.
	PeakRSSMiB     float64      `json:"peak_rss_mib"`
	AddedP50Millis float64      `json:"added_p50_ms"`
	AddedP99Millis float64      `json:"added_p99_ms"`
	Tools          []toolReport `json:"tools"`
}

// toolReport contains the latencies of one tool. Added latency is the latency minus the
// time the server spent in Docusign calls during the call.
type toolReport struct {
	Tool                 string  `json:"tool"`
	Calls                int     `json:"calls"`
	Errors               int     `json:"errors"`
	P50Millis            float64 `json:"p50_ms"`
	P99Millis            float64 `json:"p99_ms"`
	AddedP50Millis       float64 `json:"added_p50_ms"`
	AddedP99Millis       float64 `json:"added_p99_ms"`
	DocusignCallsPerCall float64 `json:"docusign_calls_per_call"`
}

// benchRatios compares ours with the bare server of the same run.
type benchRatios struct {
	ServerCPUPerCall       float64 `json:"server_cpu_per_call"`
	CallsPerSecond         float64 `json:"calls_per_second"`
	AddedP50OverBareMillis float64 `json:"added_p50_over_bare_ms"`
	AddedP99OverBareMillis float64 `json:"added_p99_over_bare_ms"`
}

// callSample is one measured call.
type callSample struct {
	tool          int
	latency       time.Duration
	docusign      time.Duration
	docusignCalls int64
	failed        bool
}

// benchSession is one initialized MCP session and its principal.
type benchSession struct {
	caller    benchCaller
	principal string
	rng       *rand.Rand
}

// runBench loads the bare server, then ours, and compares them.
func runBench(ctx context.Context, cfg benchConfig, logger *slog.Logger) (benchReport, error) {
	report := benchReport{Sessions: cfg.Sessions, Mix: cfg.Mix, Client: cfg.Client,
		Isolated: cfg.Isolate, CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), LoadAverage: loadAverage()}
	if cfg.Startup > 0 {
		startup, err := measureStartup(ctx, cfg.Startup, logger)
		if err != nil {
			return report, err
		}
		report.Startup = &startup
	}
	if cfg.NoLoad {
		return report, nil
	}
	bare, err := startBareTarget(ctx, cfg.Isolate)
	if err != nil {
		return report, err
	}
	report.Bare, err = loadTarget(ctx, bare, cfg, benchProfiles{}, logger)
	bare.close()
	if err != nil {
		return report, err
	}
	ours, err := startOurTarget(ctx, cfg.Sessions, cfg.Isolate, logger)
	if err != nil {
		return report, err
	}
	report.Ours, err = loadTarget(ctx, ours, cfg, benchProfiles{cpu: cfg.CPUProfile,
		heap: cfg.HeapProfile}, logger)
	ours.close()
	if err != nil {
		return report, err
	}
	report.Ratios = benchRatios{
		ServerCPUPerCall: report.Ours.ServerCPUMicrosPerCall /
			report.Bare.ServerCPUMicrosPerCall,
		CallsPerSecond:         report.Ours.CallsPerSecond / report.Bare.CallsPerSecond,
		AddedP50OverBareMillis: report.Ours.AddedP50Millis - report.Bare.AddedP50Millis,
		AddedP99OverBareMillis: report.Ours.AddedP99Millis - report.Bare.AddedP99Millis,
	}
	return report, nil
}

// loadTarget connects the sessions, warms them up, then measures the calls. profiles names
// the files that receive the profiles of the measured run.
func loadTarget(ctx context.Context, t *benchTarget, cfg benchConfig, profiles benchProfiles,
	logger *slog.Logger) (targetReport, error) {
	var sessions []*benchSession
	var err error
	pprof.Do(ctx, pprof.Labels(labelSide, sideClient), func(ctx context.Context) {
		sessions, err = connectBenchSessions(ctx, t, cfg.Sessions, cfg.Client)
	})
	defer func() {
		for _, s := range sessions {
			s.caller.close()
		}
	}()
	if err != nil {
		return targetReport{}, err
	}
	tools := benchToolNames(t, cfg.Mix)
	runSessions(ctx, t, sessions, tools, runLimit{calls: cfg.Warmup * len(sessions)}, logger)
	if err := t.meter.begin(profiles); err != nil {
		return targetReport{}, err
	}
	started := time.Now()
	limit := runLimit{calls: cfg.Calls}
	if cfg.Calls == 0 {
		limit.duration = cfg.Duration
	}
	samples := runSessions(ctx, t, sessions, tools, limit, logger)
	elapsed := time.Since(started)
	reading, err := t.meter.end()
	if err != nil {
		return targetReport{}, err
	}
	return summarize(t.name, tools, samples, elapsed, reading), nil
}

// inProcessMeter measures a target that runs in this process, through a CPU profile whose
// samples carry the side label.
type inProcessMeter struct {
	profile bytes.Buffer
	path    string
	heap    string
}

func (m *inProcessMeter) begin(profiles benchProfiles) error {
	m.profile.Reset()
	m.path = profiles.cpu
	m.heap = profiles.heap
	resetPeakRSS()
	if err := pprof.StartCPUProfile(&m.profile); err != nil {
		return fmt.Errorf("start CPU profile: %w", err)
	}
	return nil
}

func (m *inProcessMeter) end() (meterReading, error) {
	pprof.StopCPUProfile()
	if m.path != "" {
		if err := os.WriteFile(m.path, m.profile.Bytes(), 0o600); err != nil {
			return meterReading{}, fmt.Errorf("write CPU profile: %w", err)
		}
	}
	if m.heap != "" {
		if err := writeHeapProfile(m.heap); err != nil {
			return meterReading{}, err
		}
	}
	cpu, err := cpuBySide(m.profile.Bytes())
	if err != nil {
		return meterReading{}, err
	}
	return meterReading{serverCPU: cpu.serverShare(), clientCPU: cpu.clientShare(),
		peakRSSMiB: peakRSSMiB()}, nil
}

// connectBenchSessions initializes n sessions of the client kind, each with its own bearer
// token.
func connectBenchSessions(ctx context.Context, t *benchTarget, n int, kind string) (
	[]*benchSession, error) {
	var sessions []*benchSession
	for i := range n {
		principal, token := "", ""
		if t.tokens != nil {
			principal, token = benchPrincipal(i), t.tokens[i]
		}
		caller, err := connectCaller(ctx, kind, t.url, token)
		if err != nil {
			for _, s := range sessions {
				s.caller.close()
			}
			return nil, fmt.Errorf("initialize bench session %d with %s: %w", i+1, t.name, err)
		}
		sessions = append(sessions, &benchSession{caller: caller, principal: principal,
			rng: rand.New(rand.NewPCG(uint64(i), 8))})
	}
	return sessions, nil
}

// benchToolNames expands the mix into a list to draw from, one entry per weight unit. The
// bare server has one tool, which every call uses.
func benchToolNames(t *benchTarget, mix []mixEntry) []string {
	if t.timer == nil {
		return []string{"ping"}
	}
	var names []string
	for _, m := range mix {
		for range m.Weight {
			names = append(names, m.Tool)
		}
	}
	return names
}

// runLimit ends a run after calls calls, or after duration when calls is 0.
type runLimit struct {
	calls    int
	duration time.Duration
}

// runSessions runs the sessions concurrently until the limit and returns the samples of
// all sessions.
func runSessions(ctx context.Context, t *benchTarget, sessions []*benchSession,
	tools []string, limit runLimit, logger *slog.Logger) []callSample {
	if limit.calls == 0 && limit.duration == 0 {
		return nil
	}
	var remaining atomic.Int64
	remaining.Store(int64(limit.calls))
	deadline := time.Now().Add(limit.duration)
	more := func() bool {
		if limit.calls == 0 {
			return time.Now().Before(deadline)
		}
		return remaining.Add(-1) >= 0
	}
	var mu sync.Mutex
	var all []callSample
	var logged atomic.Bool
	var wg sync.WaitGroup
	pprof.Do(ctx, pprof.Labels(labelSide, sideClient), func(ctx context.Context) {
		for _, s := range sessions {
			wg.Go(func() {
				var mine []callSample
				for more() {
					sample, err := callOnce(ctx, t, s, tools)
					if err != nil && logged.CompareAndSwap(false, true) {
						logger.Warn("bench call failed", "target", t.name, "err", err)
					}
					mine = append(mine, sample)
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
	})
	return all
}

// callOnce makes one call of a tool drawn from tools and measures it.
func callOnce(ctx context.Context, t *benchTarget, s *benchSession, tools []string) (
	callSample, error) {
	index := s.rng.IntN(len(tools))
	name := tools[index]
	args := benchArguments(t, name, s.rng)
	var startDocusign time.Duration
	var startCalls int64
	if t.timer != nil {
		startDocusign, startCalls = t.timer.read(s.principal)
	}
	started := time.Now()
	err := s.caller.callTool(ctx, name, args)
	sample := callSample{tool: index, latency: time.Since(started), failed: err != nil}
	if t.timer != nil {
		endDocusign, endCalls := t.timer.read(s.principal)
		sample.docusign, sample.docusignCalls = endDocusign-startDocusign, endCalls-startCalls
	}
	return sample, err
}

// benchArguments returns the arguments of one call of tool.
func benchArguments(t *benchTarget, tool string, rng *rand.Rand) map[string]any {
	switch tool {
	case "get_envelope_status":
		return map[string]any{"envelope_id": t.envelopes[rng.IntN(len(t.envelopes))]}
	case "get_template":
		return map[string]any{"template_id": t.templateID}
	case "list_envelopes":
		return map[string]any{"page_size": 10}
	default:
		return map[string]any{}
	}
}

// summarize turns the samples into the target's report.
func summarize(name string, tools []string, samples []callSample, elapsed time.Duration,
	reading meterReading) targetReport {
	r := targetReport{Name: name, Calls: len(samples), Seconds: elapsed.Seconds(),
		PeakRSSMiB: reading.peakRSSMiB}
	if len(samples) == 0 {
		return r
	}
	r.CallsPerSecond = float64(len(samples)) / elapsed.Seconds()
	r.ServerCPUMicrosPerCall = reading.serverCPU.Seconds() * 1e6 / float64(len(samples))
	r.ClientCPUMicrosPerCall = reading.clientCPU.Seconds() * 1e6 / float64(len(samples))
	byTool := map[string][]callSample{}
	for _, s := range samples {
		byTool[tools[s.tool]] = append(byTool[tools[s.tool]], s)
		if s.failed {
			r.Errors++
		}
	}
	names := make([]string, 0, len(byTool))
	for tool := range byTool {
		names = append(names, tool)
	}
	slices.Sort(names)
	for _, tool := range names {
		r.Tools = append(r.Tools, toolFigures(tool, byTool[tool]))
	}
	added := addedLatencies(samples)
	r.AddedP50Millis, r.AddedP99Millis = percentile(added, 50), percentile(added, 99)
	return r
}

// toolFigures returns the latency figures of one tool's samples.
func toolFigures(tool string, samples []callSample) toolReport {
	r := toolReport{Tool: tool, Calls: len(samples)}
	latencies := make([]time.Duration, len(samples))
	var docusignCalls int64
	for i, s := range samples {
		latencies[i] = s.latency
		docusignCalls += s.docusignCalls
		if s.failed {
			r.Errors++
		}
	}
	r.P50Millis, r.P99Millis = percentile(latencies, 50), percentile(latencies, 99)
	added := addedLatencies(samples)
	r.AddedP50Millis, r.AddedP99Millis = percentile(added, 50), percentile(added, 99)
	r.DocusignCallsPerCall = float64(docusignCalls) / float64(len(samples))
	return r
}

func addedLatencies(samples []callSample) []time.Duration {
	added := make([]time.Duration, len(samples))
	for i, s := range samples {
		added[i] = s.latency - s.docusign
	}
	return added
}

// percentile returns the p-th percentile of values in milliseconds, by the nearest-rank
// method. It sorts values.
func percentile(values []time.Duration, p int) float64 {
	if len(values) == 0 {
		return 0
	}
	slices.Sort(values)
	rank := (p*len(values) + 99) / 100
	rank = max(1, min(rank, len(values)))
	return float64(values[rank-1]) / float64(time.Millisecond)
}
