package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
	"github.com/ys88io/docusign-mcp/tools"
)

// runServeCommand parses the serve configuration, reads the key files and serves.
// Every configuration problem is reported at once, one line each, with exit status 2.
func runServeCommand(ctx context.Context, args []string, env environment) error {
	// Reflecting the tool schemas takes tens of milliseconds of CPU, so it runs while the
	// configuration is read and the store opens.
	go tools.WarmSchemas()
	cfg, problems, err := parseServeConfig(args, env)
	if err != nil {
		return err
	}
	keys, fileProblems := loadSecrets(cfg)
	problems = append(problems, fileProblems...)
	if !cfg.Simulator {
		var caProblem string
		cfg.Docusign.RootCAs, caProblem = loadRootCAs(cfg.Docusign.CAFile)
		if caProblem != "" {
			problems = append(problems, caProblem)
		}
	}
	if err := problemsError("serve", problems); err != nil {
		return err
	}
	logger := newLogger(env.stderr, cfg.Log)
	for _, w := range append(cfg.Warnings, keyFileWarnings(cfg)...) {
		logger.Warn(w)
	}
	return runServe(ctx, cfg, keys, env, logger)
}

// runServe starts the Docusign backend and the store, then serves the MCP tools on
// the configured transport until ctx is done or, for stdio, stdin is closed.
func runServe(ctx context.Context, cfg serveConfig, keys secrets, env environment,
	logger *slog.Logger) error {
	logger.Info("starting docusign-mcp", "version", buildVersion(), "simulator", cfg.Simulator)
	// A local simulator grants consent itself, so it needs no redirect URI.
	if !cfg.Simulator && cfg.Docusign.RedirectURI == "" && !isLocalAuthServer(cfg.Docusign) {
		logger.Warn("DOCUSIGN_REDIRECT_URI is not set, so consent URLs in consent_required " +
			"errors lack the redirect_uri that Docusign requires")
	}
	a, err := startApp(ctx, cfg, keys, logger)
	var locked *store.LockedError
	switch {
	case errors.As(err, &locked) && cfg.HTTP.Addr == "":
		return serveBridge(ctx, cfg, locked, env, logger)
	case errors.As(err, &locked):
		return lockedHTTPError(locked)
	case err != nil:
		return err
	}
	defer a.close()
	a.policy.reloadOnSIGHUP(ctx, logger)
	if cfg.HTTP.Addr == "" {
		a.recordOwner("")
		return serveStdio(policy.WithPrincipal(ctx, a.policy.principal), a.mcp, env, logger)
	}
	if cfg.HTTP.SessionKey, err = ensureSessionKey(a.dataDir); err != nil {
		return err
	}
	cfg.HTTP.Policy = a.policy
	cfg.HTTP.Routes = a.opsRoutes(cfg.HTTP.Addr, env.getenv)
	a.mountConnect(cfg.HTTP.Routes, cfg.HTTP.MaxBodyBytes)
	h, err := listenHTTP(a.mcp, cfg.HTTP, logger)
	if err != nil {
		return err
	}
	a.publishConnect(h.URL())
	a.recordOwner(h.URL())
	return h.serve(ctx)
}
