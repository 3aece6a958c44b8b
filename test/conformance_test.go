package test

import (
	"path/filepath"
	"strings"
	"testing"
)

// genericScenarios are the conformance scenarios that any correct server passes without
// the suite's fixture tools. The product does not declare the logging, completions or
// prompts capabilities, so logging-set-level, completion-complete and the prompts
// scenarios are left out, and every other scenario calls a fixture.
var genericScenarios = []string{"server-initialize", "ping", "tools-list",
	"resources-list", "server-sse-multiple-streams", "dns-rebinding-protection"}

// TestConformanceGenericScenarios runs the official MCP conformance suite's generic
// scenarios against the product binary with only the Docusign tools registered.
func TestConformanceGenericScenarios(t *testing.T) {
	tools, cli := requireConformance(t)
	url := startConformanceServer(t)
	var total conformanceCounts
	for _, scenario := range genericScenarios {
		code, output, counts := runConformance(t, tools, cli, url, "--scenario", scenario)
		if code != 0 || counts.ChecksFailed > 0 || counts.ChecksPassed == 0 {
			t.Errorf("scenario %s: exit status %d, %s, failures %q\noutput:\n%s", scenario,
				code, counts, counts.Failures, output)
		}
		total.merge(counts)
	}
	if total.Scenarios != len(genericScenarios) {
		t.Errorf("results cover %d scenarios, want %d", total.Scenarios, len(genericScenarios))
	}
	t.Logf("conformance generic scenarios: %s", total)
}

// TestConformanceActiveSuite runs the suite's whole active set against the same server
// stack with the conformance fixtures registered. Scenarios listed in
// .ci/conformance-expected-failures.yml may fail; the suite itself fails the run when
// another scenario fails or when a listed one passes.
func TestConformanceActiveSuite(t *testing.T) {
	tools, cli := requireConformance(t)
	url := startConformanceServer(t, "--conformance-fixtures")
	expected := filepath.Join(repoRoot(), ".ci", "conformance-expected-failures.yml")
	trackFile(t, expected)
	code, output, counts := runConformance(t, tools, cli, url, "--suite", "active",
		"--expected-failures", expected)
	t.Logf("conformance active suite: %s", counts)
	if code != 0 {
		t.Errorf("conformance suite exited with %d, want 0; failed checks:\n%s\noutput:\n%s",
			code, strings.Join(counts.Failures, "\n"), output)
	}
	// The active suite of 0.1.16 has 30 scenarios. Fewer results mean a scenario did not
	// run, which its exit status alone would not show.
	if counts.Scenarios < 30 {
		t.Errorf("results cover %d scenarios, want the 30 of the active suite; output:\n%s",
			counts.Scenarios, output)
	}
}

// notificationRepeats is how often TestConformanceNotificationsRepeat runs each scenario.
const notificationRepeats = 5

// TestConformanceNotificationsRepeat runs the two scenarios whose tools send
// notifications several times, because mcp-go can drop a notification sent just before
// a tool returns, and one passing run would not show that the fixtures avoid it.
func TestConformanceNotificationsRepeat(t *testing.T) {
	tools, cli := requireConformance(t)
	url := startConformanceServer(t, "--conformance-fixtures")
	for _, scenario := range []string{"tools-call-with-logging", "tools-call-with-progress"} {
		passed := 0
		for range notificationRepeats {
			code, output, counts := runConformance(t, tools, cli, url, "--scenario", scenario)
			if code == 0 && counts.ChecksFailed == 0 && counts.ChecksPassed > 0 {
				passed++
				continue
			}
			t.Errorf("scenario %s failed: %q\noutput:\n%s", scenario, counts.Failures, output)
		}
		t.Logf("conformance %s: %d of %d runs passed", scenario, passed, notificationRepeats)
	}
}
