package main

import (
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/pipeline"
)

// Variables of the completion pipeline. The HMAC key is a secret, so it has no flag.
const (
	downstreamKeyEnv  = "DOCUSIGN_MCP_DOWNSTREAM_HMAC_KEY"
	downstreamURLsEnv = "DOCUSIGN_MCP_DOWNSTREAM_URLS"
	alertURLEnv       = "DOCUSIGN_MCP_ALERT_URL"
)

// pipelineConfig configures the completion archiver, its downstream posts, the stuck
// envelope check and the alert sink.
type pipelineConfig struct {
	// DownstreamURLs receive a signed completion event after each archived envelope.
	DownstreamURLs []string
	// DownstreamKey signs the events. It is a secret: never log it.
	DownstreamKey string
	// AlertURL receives a JSON POST per alert. Empty sends none. It may carry a token:
	// never log it whole.
	AlertURL      string
	AlertInterval time.Duration
	StuckAfter    time.Duration
	// StuckCheckEvery is the time between stuck checks. 0 turns the check off.
	StuckCheckEvery time.Duration
}

// pipelineFlags holds the raw pipeline settings.
type pipelineFlags struct {
	fs              *flag.FlagSet
	downstream      urlList
	alertURL        envSetting
	alertInterval   *time.Duration
	stuckAfter      *time.Duration
	stuckCheckEvery *time.Duration
}

// urlList is a repeatable URL flag.
type urlList []string

// String returns the URLs with only their schemes and hosts, because the rest may carry
// tokens.
func (l *urlList) String() string {
	out := make([]string, 0, len(*l))
	for _, u := range *l {
		out = append(out, redactURL(u))
	}
	return strings.Join(out, ",")
}

// Set appends one URL.
func (l *urlList) Set(v string) error {
	*l = append(*l, strings.TrimSpace(v))
	return nil
}

// addPipelineFlags defines the pipeline's flags on fs.
func addPipelineFlags(fs *flag.FlagSet) *pipelineFlags {
	p := &pipelineFlags{fs: fs}
	fs.Var(&p.downstream, "downstream-url", "URL that receives a completion event, signed "+
		"with "+downstreamKeyEnv+", after each archived envelope; repeat it, or list "+
		"several comma-separated in the variable (env "+downstreamURLsEnv+")")
	p.alertURL = envSetting{flag: "alert-url", env: alertURLEnv,
		usage: "URL that receives a JSON POST per alert, such as a stuck envelope or a " +
			"failing archive job (default: alerts go to the log and the audit log only)"}
	p.alertURL.register(fs)
	p.alertInterval = fs.Duration("alert-interval", alert.DefaultInterval,
		"shortest time between two alerts of the same kind about the same envelope")
	p.stuckAfter = fs.Duration("stuck-after", pipeline.DefaultStuckAfter,
		"time after sending at which an unsigned envelope counts as stuck and raises an alert")
	p.stuckCheckEvery = fs.Duration("stuck-check-every", pipeline.DefaultStuckCheckEvery,
		"time between stuck envelope checks, at least 15m; 0 turns the check off")
	return p
}

// check resolves the environment and validates the settings.
func (p *pipelineFlags) check(getenv func(string) string) (pipelineConfig, []string) {
	p.alertURL.resolve(p.fs, getenv)
	cfg := pipelineConfig{DownstreamURLs: p.downstream, AlertURL: p.alertURL.value,
		DownstreamKey: getenv(downstreamKeyEnv), AlertInterval: *p.alertInterval,
		StuckAfter: *p.stuckAfter, StuckCheckEvery: *p.stuckCheckEvery}
	downstreamName := "--downstream-url"
	if !flagWasSet(p.fs, "downstream-url") {
		downstreamName = downstreamURLsEnv
		cfg.DownstreamURLs = nil
		for u := range strings.SplitSeq(getenv(downstreamURLsEnv), ",") {
			if u = strings.TrimSpace(u); u != "" {
				cfg.DownstreamURLs = append(cfg.DownstreamURLs, u)
			}
		}
	}
	var problems []string
	for _, u := range cfg.DownstreamURLs {
		if !isHTTPURL(u) {
			problems = append(problems, fmt.Sprintf("%s %q is invalid: use an absolute "+
				"http or https URL", downstreamName, redactURL(u)))
		}
	}
	if len(cfg.DownstreamURLs) > 0 && cfg.DownstreamKey == "" {
		problems = append(problems, downstreamName+" is set but "+downstreamKeyEnv+
			" is empty: set it to the key that the downstream receivers verify")
	}
	if cfg.AlertURL != "" && !isHTTPURL(cfg.AlertURL) {
		problems = append(problems, fmt.Sprintf("%s %q is invalid: use an absolute http "+
			"or https URL", p.alertURL.name(), redactURL(cfg.AlertURL)))
	}
	problems = append(problems, checkPipelineDurations(cfg)...)
	return cfg, problems
}

func checkPipelineDurations(cfg pipelineConfig) []string {
	var problems []string
	if cfg.AlertInterval <= 0 {
		problems = append(problems, fmt.Sprintf("--alert-interval %s is invalid: use a "+
			"positive duration such as 1h", cfg.AlertInterval))
	}
	if cfg.StuckAfter <= 0 {
		problems = append(problems, fmt.Sprintf("--stuck-after %s is invalid: use a "+
			"positive duration such as 72h", cfg.StuckAfter))
	}
	every := cfg.StuckCheckEvery
	if every < 0 || (every > 0 && every < pipeline.MinStuckCheckInterval) {
		problems = append(problems, fmt.Sprintf("--stuck-check-every %s is invalid: use 0 "+
			"to turn the check off, or at least %s, because Docusign allows one status "+
			"poll per envelope per 15 minutes", every, pipeline.MinStuckCheckInterval))
	}
	return problems
}

func isHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// redactURL returns the scheme and host of raw, followed by "/..." when raw has more.
// Chat webhooks carry their secret in the path, and other URLs in the query or user
// information, so only the scheme and host are safe to print.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an invalid URL)"
	}
	out := u.Scheme + "://" + u.Host
	if u.Scheme == "" {
		out = u.Host
	}
	if u.User != nil || u.Opaque != "" || u.Path != "" || u.RawQuery != "" ||
		u.Fragment != "" {
		out += "/..."
	}
	return out
}
