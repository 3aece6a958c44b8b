package main

import (
	"context"
	"log/slog"
	"os"
	"testing"
)

// TestMain lets the test binary stand in for docusign-mcp as a bench target's child
// process: bench starts its own executable with "bench --serve-target".
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "bench" && os.Args[2] == serveTargetFlag {
		env := environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
			getenv: os.Getenv}
		os.Exit(runMain(context.Background(), os.Args[1:], env))
	}
	os.Exit(m.Run())
}

func TestParseMix(t *testing.T) {
	tests := []struct {
		name        string
		mix         string
		want        []mixEntry
		wantProblem bool
	}{
		{name: "weights", mix: "get_envelope_status=9,list_templates=1",
			want: []mixEntry{{Tool: "get_envelope_status", Weight: 9},
				{Tool: "list_templates", Weight: 1}}},
		{name: "weight defaults to one", mix: " get_template ",
			want: []mixEntry{{Tool: "get_template", Weight: 1}}},
		{name: "unknown tool", mix: "create_envelope=1", wantProblem: true},
		{name: "zero weight", mix: "get_template=0", wantProblem: true},
		{name: "empty", mix: " , ", wantProblem: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := parseMix(tt.mix)
			if (problem != "") != tt.wantProblem {
				t.Fatalf("parseMix(%q) problem = %q, want a problem: %v", tt.mix, problem,
					tt.wantProblem)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("parseMix(%q) = %v, want %v", tt.mix, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("entry %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestBenchShortRun loads both targets with a few calls, in each way bench can run them,
// and checks that every call succeeded and was counted.
func TestBenchShortRun(t *testing.T) {
	tests := []struct {
		name    string
		isolate bool
		client  string
	}{
		{name: "child processes, lean client", isolate: true, client: clientLean},
		{name: "in process, lean client", client: clientLean},
		{name: "in process, mcp-go client", client: clientMCPGo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkShortRun(t, tt.isolate, tt.client)
		})
	}
}

func checkShortRun(t *testing.T, isolate bool, client string) {
	mix := []mixEntry{{Tool: "get_envelope_status", Weight: 1},
		{Tool: "list_templates", Weight: 1}}
	cfg := benchConfig{Sessions: 2, Calls: 40, Warmup: 5, Mix: mix, Isolate: isolate,
		Client: client}
	report, err := runBench(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("runBench failed: %v", err)
	}
	if report.Ours.ServerCPUMicrosPerCall <= 0 || report.Ours.PeakRSSMiB <= 0 {
		t.Errorf("ours: server CPU %.1f µs per call, peak RSS %.1f MiB, want both positive: "+
			"the meter read nothing", report.Ours.ServerCPUMicrosPerCall,
			report.Ours.PeakRSSMiB)
	}
	for _, target := range []targetReport{report.Bare, report.Ours} {
		if target.Calls != 40 {
			t.Errorf("%s: %d calls measured, want 40", target.Name, target.Calls)
		}
		if target.Errors != 0 {
			t.Errorf("%s: %d calls failed, want none", target.Name, target.Errors)
		}
	}
	found := false
	for _, tool := range report.Ours.Tools {
		if tool.Tool != "list_templates" {
			continue
		}
		found = true
		if tool.DocusignCallsPerCall < 1 {
			t.Errorf("list_templates made %.2f Docusign calls per call, want at least 1: "+
				"the call timer missed them", tool.DocusignCallsPerCall)
		}
	}
	if !found {
		t.Errorf("no list_templates call among %+v, want about half of 40", report.Ours.Tools)
	}
}
