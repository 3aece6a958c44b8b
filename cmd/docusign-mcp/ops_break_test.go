package main

import (
	"strings"
	"testing"
)

// TestCheckHidesWebhookURLPaths guards against a defect, since fixed, in which check echoes
// an invalid alert or downstream URL with its path, and only the query removed. Chat
// webhooks keep their secret in the path (Slack's /services/T../B../<secret>), and the doc
// comment of pipelineConfig.AlertURL states that the URL may carry a token and must never
// be logged whole. A typo in the scheme then prints the secret to the terminal and to CI
// logs. Expected: the line names the setting and the scheme or host only. Fix: redact the
// path too (or print a hash, as pipeline.TargetID does), in pipelineFlags.check.
func TestCheckHidesWebhookURLPaths(t *testing.T) {
	const secret = "Zq9secretWebhookPath77"
	tests := []struct {
		name string
		env  string
	}{
		{name: "alert URL", env: alertURLEnv},
		{name: "downstream URL", env: downstreamURLsEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCheckFixture(t)
			// The scheme is invalid, so check sends nothing to this host.
			f.vars[tt.env] = "htps://hooks.invalid/services/T000/B000/" + secret
			f.vars[downstreamKeyEnv] = "downstream-test-key"
			code, out, stderr := f.run(t)
			if code != exitFailure {
				t.Errorf("check exited with %d, want %d for an invalid URL", code, exitFailure)
			}
			if strings.Contains(out+stderr, secret) {
				t.Errorf("check printed the URL's secret path %q:\n%s%s", secret, out, stderr)
			}
		})
	}
}

// TestCheckNamesDownstreamEnv shows that an invalid URL in DOCUSIGN_MCP_DOWNSTREAM_URLS is
// reported as "--downstream-url", a flag the operator never set, so the search for the bad
// value starts in the wrong place. The alert URL names its source correctly through
// envSetting.name. Expected: the line names DOCUSIGN_MCP_DOWNSTREAM_URLS when the value
// came from it. Fix: name the setting's source in pipelineFlags.check.
func TestCheckNamesDownstreamEnv(t *testing.T) {
	f := newCheckFixture(t)
	f.vars[downstreamURLsEnv] = "htps://hooks.invalid/filing"
	f.vars[downstreamKeyEnv] = "downstream-test-key"
	_, out, _ := f.run(t)
	line := checkLine(out, statusFail, "configuration")
	if !strings.Contains(line, downstreamURLsEnv) {
		t.Errorf("configuration line = %q, want it to name %s, where the value came from",
			line, downstreamURLsEnv)
	}
}
