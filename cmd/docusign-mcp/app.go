package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/store"
	"github.com/ys88io/docusign-mcp/tools"
)

// serverInstructions tell MCP clients how to use the server as a whole.
const serverInstructions = "Tools for Docusign eSignature: create and send envelopes, follow " +
	"their status, download signed documents and certificates, and use templates. " +
	"Confirm recipients and documents with the user before sending or voiding an envelope."

// app is a running server: the Docusign backend, the document store and the MCP
// server with the tools registered. close releases them in reverse order.
type app struct {
	mcp   *server.MCPServer
	sim   *docusigntest.Server // nil when serving a real account
	store *store.Store
	// audit is the store's one audit log, shared by the tools and background jobs.
	audit *store.AuditLog
	// client is the Docusign client that the tools and background jobs call.
	client  *docusign.Client
	dataDir string
	logger  *slog.Logger
	// policy is the policy in force, which SIGHUP reloads.
	policy *policyState
	// ops contains the metrics and readiness checks that /metrics and /readyz serve.
	ops *opsState
	// alerts raises operator alerts: a log line, an audit record and the alert URL's POST.
	alerts *alert.Sink
	// connect is the Connect receiver that /connect serves.
	connect *connectState
	// halt raises the alert of a Docusign consent halt and audits its end.
	halt *consentHalt

	closers []func()
}

// startApp starts the simulator in simulator mode, opens the store and registers
// the tools. On error it releases whatever it had started.
func startApp(ctx context.Context, cfg serveConfig, keys secrets, logger *slog.Logger) (
	_ *app, err error) {
	a := &app{logger: logger, ops: newOpsState(logger)}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	// The store opens first: when another process holds it, serve bridges to that
	// process and needs no simulator or Docusign client of its own.
	generatedKey, err := a.prepareDataDir(&cfg)
	if err != nil {
		return nil, err
	}
	if generatedKey != nil {
		keys.StoreKey = generatedKey
	}
	if err := a.openStore(cfg, keys.StoreKey); err != nil {
		return nil, err
	}
	dsCfg, err := a.docusignConfig(cfg, keys)
	if err != nil {
		return nil, err
	}
	if err := a.configureConsent(&dsCfg, cfg); err != nil {
		return nil, err
	}
	if cfg.ExportDir != "" {
		if err := os.MkdirAll(cfg.ExportDir, 0o700); err != nil {
			return nil, fmt.Errorf("create export directory %s: %w", cfg.ExportDir, err)
		}
	}
	if err := a.registerTools(dsCfg, cfg); err != nil {
		return nil, err
	}
	if err := a.startPipeline(ctx, cfg.Pipeline); err != nil {
		return nil, err
	}
	if err := a.startConnect(cfg); err != nil {
		return nil, err
	}
	a.watchConsent(ctx)
	return a, nil
}

// registerTools creates the Docusign client and the MCP server with the tools. The policy
// comes from cfg's policy file; with cfg.ReadOnly, it denies every tool not annotated
// read-only.
func (a *app) registerTools(dsCfg docusign.Config, cfg serveConfig) error {
	// The audit log prunes with the retention saved by the audit retention command, else
	// with the defaults.
	audit, err := store.OpenAuditLog(a.store, store.AuditOptions{
		HeadFile: filepath.Join(a.dataDir, store.AuditHeadFileName)})
	if err != nil {
		return err
	}
	a.audit = audit
	dsCfg.Observer = tools.NewAuditObserver(audit, a.logger.With("component", "audit"))
	if extra := cfg.callObserver; extra != nil {
		audited := dsCfg.Observer
		dsCfg.Observer = docusign.ObserverFunc(func(rec docusign.CallRecord) {
			audited.ObserveCall(rec)
			extra.ObserveCall(rec)
		})
	}
	dsCfg.Logger = a.logger.With("component", "docusign")
	a.ops.instrument(&dsCfg)
	client, err := docusign.NewClient(dsCfg)
	if err != nil {
		return fmt.Errorf("configure Docusign client: %w", err)
	}
	a.ops.watch(client, a.store)
	a.client = client
	a.policy, err = newPolicyState(cfg, dsCfg.UserID)
	if err != nil {
		return fmt.Errorf("configure policy: %w", err)
	}
	decider := a.policy.decider()
	// The filter hides the tools that the policy denies from tools/list, so a read-only
	// server lists only the read-only tools.
	a.mcp = server.NewMCPServer("docusign-mcp", buildVersion(),
		server.WithInstructions(serverInstructions),
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithToolFilter(tools.PolicyToolFilter(decider)),
		// The metrics middleware runs outside the recovery, so it counts a panic as
		// protocol_error.
		server.WithToolHandlerMiddleware(a.ops.metrics.ToolMiddleware()),
		server.WithRecovery())
	err = tools.Register(a.mcp, tools.Deps{
		Docusign:  tools.NewDocusign(client),
		Store:     a.store,
		Envelopes: a.store,
		Audit:     audit,
		Policy:    decider,
		Logger:    a.logger.With("component", "tools"),
		Options: tools.Options{ExportDir: cfg.ExportDir, StatusMaxAge: a.statusMaxAge(),
			AccountBudget:      accountBudgetOptions(a.policy.file()),
			ExtraSubscriptions: conformanceSubscriptions(cfg.ConformanceFixtures)},
	})
	if err != nil {
		return fmt.Errorf("register tools: %w", err)
	}
	if cfg.ConformanceFixtures {
		registerConformanceFixtures(a.mcp, a.logger)
	}
	a.reconcileIdempotency(tools.NewDocusign(client), audit)
	return nil
}

// reconcileTimeout bounds the start-up reconciliation of pending idempotency records.
const reconcileTimeout = time.Minute

// reconcileIdempotency adopts the envelopes of create_envelope calls that a stopped process
// left pending, before the server takes calls. A failure leaves the records pending, and the
// next call with such a key reconciles it.
func (a *app) reconcileIdempotency(ds tools.Docusign, audit tools.AuditSink) {
	ctx, cancel := context.WithTimeout(context.Background(), reconcileTimeout)
	defer cancel()
	_, _, err := tools.ReconcilePending(ctx, tools.Deps{Docusign: ds, Store: a.store,
		Audit: audit, Logger: a.logger.With("component", "tools")})
	if err != nil {
		a.logger.Error("idempotency reconciliation at start-up failed", "err", err)
	}
}

// docusignConfig returns the client configuration for a real account, or starts the
// embedded simulator and returns its credentials.
func (a *app) docusignConfig(cfg serveConfig, keys secrets) (docusign.Config, error) {
	if !cfg.Simulator {
		return docusign.Config{
			IntegrationKey: cfg.Docusign.IntegrationKey,
			UserID:         cfg.Docusign.UserID,
			PrivateKeyPEM:  keys.PrivateKeyPEM,
			AuthServer:     cfg.Docusign.AuthServer,
			AccountID:      cfg.Docusign.AccountID,
			RedirectURI:    cfg.Docusign.RedirectURI,
			RootCAs:        cfg.Docusign.RootCAs,
		}, nil
	}
	sim, err := docusigntest.Start(docusigntest.Options{
		Logger: a.logger.With("component", "simulator")})
	if err != nil {
		return docusign.Config{}, fmt.Errorf("start simulator: %w", err)
	}
	a.sim = sim
	a.closers = append(a.closers, sim.Close)
	a.logger.Info("simulator started", "url", sim.URL)
	c := sim.Credentials()
	return docusign.Config{
		IntegrationKey: c.IntegrationKey,
		UserID:         c.UserID,
		PrivateKeyPEM:  c.PrivateKeyPEM,
		AuthServer:     c.AuthServer,
		AccountID:      c.AccountID,
	}, nil
}

// prepareDataDir creates the data directory, a temporary one when a simulator run
// names none, and returns the store key: the configured one, or in simulator mode
// one generated in the directory.
func (a *app) prepareDataDir(cfg *serveConfig) ([]byte, error) {
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "docusign-mcp-")
		if err != nil {
			return nil, fmt.Errorf("create temporary data directory: %w", err)
		}
		cfg.DataDir = dir
		a.closers = append(a.closers, func() {
			if err := os.RemoveAll(dir); err != nil {
				a.logger.Warn("removing temporary data directory failed", "dir", dir, "err", err)
			}
		})
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w: set DOCUSIGN_MCP_DATA_DIR "+
			"(--data-dir) to a directory you can write", cfg.DataDir, err)
	}
	if !cfg.Simulator {
		return nil, nil
	}
	if err := checkSimulatorDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	return ensureStoreKey(cfg.DataDir)
}

// openStore opens the encrypted Badger store in DataDir/store and starts its upkeep job.
// It returns a *store.LockedError when another process holds the directory.
func (a *app) openStore(cfg serveConfig, key []byte) error {
	if len(key) == 0 {
		return errors.New("open store: no encryption key: set DOCUSIGN_MCP_STORE_KEY_FILE " +
			"or DOCUSIGN_MCP_STORE_KEY")
	}
	s, err := store.Open(filepath.Join(cfg.DataDir, "store"), store.Options{
		EncryptionKey: key,
		// Badger logs routine compaction and table statistics at info level.
		Logger:    atLeast(a.logger, slog.LevelWarn),
		Retention: cfg.Retention,
	})
	if err != nil {
		return err
	}
	a.store = s
	a.dataDir = cfg.DataDir
	a.closers = append(a.closers, func() {
		if err := s.Close(); err != nil {
			a.logger.Error("closing store failed", "err", err)
		}
		a.logger.Info("store closed", "dir", cfg.DataDir)
	})
	s.StartUpkeep(cfg.UpkeepInterval, a.logger.With("component", "store"))
	a.logger.Info("store opened", "dir", cfg.DataDir)
	return nil
}

// recordOwner writes the data directory's owner file for this process, with the MCP
// endpoint when it serves HTTP, and removes the file on close.
func (a *app) recordOwner(url string) {
	a.closers = append(a.closers, recordOwner(a.dataDir, url, a.sim != nil, a.logger))
}

// close releases what startApp started, last first.
func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}
