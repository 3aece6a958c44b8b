package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

func TestConformanceFixturesFlag(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		wantEnabled bool
		wantProblem bool
	}{
		{name: "off by default", args: []string{"--simulator"}},
		{name: "with simulator", args: []string{"--simulator", "--conformance-fixtures"},
			wantEnabled: true},
		{name: "without simulator", args: []string{"--conformance-fixtures"},
			wantEnabled: true, wantProblem: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := environment{stdout: io.Discard, stderr: io.Discard,
				getenv: func(string) string { return "" }}
			cfg, problems, err := parseServeConfig(tt.args, env)
			if err != nil {
				t.Fatalf("parseServeConfig(%v) failed: %v", tt.args, err)
			}
			if cfg.ConformanceFixtures != tt.wantEnabled {
				t.Errorf("ConformanceFixtures = %v, want %v", cfg.ConformanceFixtures,
					tt.wantEnabled)
			}
			found := slices.ContainsFunc(problems, func(p string) bool {
				return strings.Contains(p, "--conformance-fixtures needs --simulator")
			})
			if found != tt.wantProblem {
				t.Errorf("problems %q: mention of --conformance-fixtures = %v, want %v",
					problems, found, tt.wantProblem)
			}
		})
	}
}

func TestConformanceFixturesFlagHidden(t *testing.T) {
	var out bytes.Buffer
	env := environment{stdout: &out, stderr: io.Discard,
		getenv: func(string) string { return "" }}
	if _, _, err := parseServeConfig([]string{"--help"}, env); err != errHelp {
		t.Fatalf("parseServeConfig(--help) returned %v, want errHelp", err)
	}
	if !strings.Contains(out.String(), "--simulator") {
		t.Fatalf("serve --help printed no --simulator, so the check below proves nothing:\n%s",
			out.String())
	}
	if strings.Contains(out.String(), conformanceFixturesFlag) {
		t.Errorf("serve --help lists the CI-only flag --%s:\n%s", conformanceFixturesFlag,
			out.String())
	}
}

func TestConformanceFixturesRegistered(t *testing.T) {
	s := server.NewMCPServer("fixtures", "test")
	registerConformanceFixtures(s, slog.New(slog.DiscardHandler))
	var names []string
	for name := range s.ListTools() {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"test_audio_content", "test_elicitation",
		"test_elicitation_sep1034_defaults", "test_elicitation_sep1330_enums",
		"test_embedded_resource", "test_error_handling", "test_image_content",
		"test_multiple_content_types", "test_sampling", "test_simple_text",
		"test_tool_with_logging", "test_tool_with_progress"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("fixture tools = %v, want %v", names, want)
	}
	completion, err := conformanceCompletions{}.CompletePromptArgument(context.Background(),
		"test_prompt_with_arguments", mcp.CompleteArgument{Name: "arg1", Value: "par"},
		mcp.CompleteContext{})
	if err != nil {
		t.Fatalf("complete arg1=par failed: %v", err)
	}
	if got := strings.Join(completion.Values, " "); got != "paris park party" {
		t.Errorf("completions of %q = %q, want %q", "par", got, "paris park party")
	}
}
