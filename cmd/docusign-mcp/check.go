package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"time"
)

// checkTimeout bounds a whole check run. Each Docusign request gets two attempts of at most
// 15 seconds, so an unreachable server fails the run in well under a minute.
const checkTimeout = 2 * time.Minute

const checkSummary = `Check the serve configuration end to end and print one line per check: the
settings, the private key, the CA file when set, the JWT Grant token, the userinfo
account and REST base URI, an Accounts:get call, the policy file, the data
directory and store key, and the Connect HMAC keys when configured. A failed line says how to fix it, and
the exit status is 1 when any check fails. check takes the flags, variables and
--config file of serve, sends only read requests to Docusign and prints no secret.`

// Statuses of a check line.
const (
	statusOK   = "ok"
	statusFail = "FAIL"
	statusSkip = "skip"
	// statusWarn marks a setting that works but is risky or incomplete. It does not fail
	// the run.
	statusWarn = "warn"
)

// checkReport prints check lines and counts the failures.
type checkReport struct {
	out           io.Writer
	total, failed int
}

// line prints one check: its status, its name and what was found or how to fix it.
func (r *checkReport) line(status, name, detail string) {
	r.total++
	if status == statusFail {
		r.failed++
	}
	fmt.Fprintf(r.out, "%-4s  %-15s %s\n", status, name, detail)
}

func (r *checkReport) ok(name, detail string)   { r.line(statusOK, name, detail) }
func (r *checkReport) fail(name, detail string) { r.line(statusFail, name, detail) }
func (r *checkReport) skip(name, detail string) { r.line(statusSkip, name, detail) }
func (r *checkReport) warn(name, detail string) { r.line(statusWarn, name, detail) }

// checkFailedError is the error of a check run with failed lines, which exits with status 1.
type checkFailedError struct{ failed, total int }

func (e *checkFailedError) Error() string {
	return fmt.Sprintf("check: %d of %d checks failed; fix the lines marked FAIL and run "+
		"'docusign-mcp check' again", e.failed, e.total)
}

// runCheckCommand parses the serve configuration and runs every check.
func runCheckCommand(ctx context.Context, args []string, env environment) error {
	f := newServeFlags()
	renameFlagSet(f.fs, "check", checkSummary)
	cfg, problems, err := f.parse(args, env)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	r := &checkReport{out: env.stdout}
	runChecks(ctx, r, cfg, problems)
	if r.failed > 0 {
		return &checkFailedError{failed: r.failed, total: r.total}
	}
	return nil
}

// renameFlagSet gives a flag set built for another command the name and help of this one.
func renameFlagSet(fs *flag.FlagSet, name, summary string) {
	fs.Init(name, flag.ContinueOnError)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: docusign-mcp %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		printFlags(out, fs)
	}
}

// runChecks runs the checks in order. A check whose input an earlier check found broken
// is skipped, so each cause is reported once.
func runChecks(ctx context.Context, r *checkReport, cfg serveConfig, problems []string) {
	if len(problems) == 0 {
		r.ok("configuration", "flags, environment and config file are valid")
	}
	for _, p := range problems {
		r.fail("configuration", redactURLPaths(p))
	}
	checkWarnings(r, cfg)
	keys, secretProblems := loadSecrets(cfg)
	keysOK := checkKeyFiles(r, cfg, keys, secretProblems)
	caOK := checkCAFile(r, &cfg)
	switch {
	case len(problems) > 0:
		r.skip("docusign", "the configuration is invalid, so no request was sent")
	case !keysOK:
		r.skip("docusign", "the key files are invalid, so no request was sent")
	case !caOK:
		r.skip("docusign", "the CA file is invalid, so no request was sent")
	default:
		checkDocusign(ctx, r, cfg, keys)
	}
	checkPolicy(r, cfg)
	checkDataDir(r, cfg, keys, keysOK)
	checkConnectKeys(r, cfg)
}

// checkCAFile loads DOCUSIGN_CA_FILE into cfg the way serve does, so that check trusts the
// same certificate authorities, and reports whether the file is usable or unset.
func checkCAFile(r *checkReport, cfg *serveConfig) bool {
	if cfg.Simulator || cfg.Docusign.CAFile == "" {
		return true
	}
	pool, problem := loadRootCAs(cfg.Docusign.CAFile)
	if problem != "" {
		r.fail("ca file", problem)
		return false
	}
	cfg.Docusign.RootCAs = pool
	r.ok("ca file", cfg.Docusign.CAFile+" is trusted in addition to the system roots")
	return true
}

// checkWarnings prints what serve would log as warnings at start: ignored flags, key files
// that other users can read, and a missing redirect URI.
func checkWarnings(r *checkReport, cfg serveConfig) {
	for _, w := range append(cfg.Warnings, keyFileWarnings(cfg)...) {
		r.warn("configuration", redactURLPaths(w))
	}
	if !cfg.Simulator && cfg.Docusign.RedirectURI == "" && !isLocalAuthServer(cfg.Docusign) {
		r.warn("redirect uri", "DOCUSIGN_REDIRECT_URI (--redirect-uri) is not set, so "+
			"consent URLs lack the redirect_uri that Docusign requires: set it to a redirect "+
			"URI registered for the integration key")
	}
}

// urlPath matches the path, query and fragment of a URL in a message.
var urlPath = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s"?#]+)[/?#][^\s"]*`)

// redactURLPaths replaces the path and query of each URL in a configuration message with
// "/...", because webhook URLs such as an alert or downstream URL carry their secret there,
// and check output ends up in terminals and CI logs. The scheme and host stay, which is
// enough to find the setting.
func redactURLPaths(msg string) string {
	return urlPath.ReplaceAllString(msg, "$1/...")
}
