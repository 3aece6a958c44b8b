package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// demoTimeout bounds a whole demo run; it takes about a second on a laptop.
const demoTimeout = 2 * time.Minute

// demoConfig is the checked configuration of the demo command.
type demoConfig struct {
	Log       logConfig
	DataDir   string // empty: a temporary directory, removed at the end
	ExportDir string // optional directory for plaintext copies of the downloads
}

const demoSummary = `Sign one envelope end to end against an embedded simulator, through the MCP
tools over streamable HTTP on loopback. The demo creates an envelope with a
two-page engagement letter for two signers (routing order 1, then 2) and one
carbon copy, lets the simulated signers open and sign it through the simulator's
control API, follows get_envelope_status to completed, downloads the combined
PDF and the certificate with download_document, and checks that both are PDFs.
It prints a transcript to stdout and needs no Docusign account.`

// parseDemoConfig parses the demo flags and returns one message per problem.
func parseDemoConfig(args []string, env environment) (demoConfig, []string, error) {
	fs := newFlagSet("demo", demoSummary)
	dataDir := fs.String("data-dir", "",
		"directory of the document store (default: a temporary directory, removed at the end)")
	exportDir := fs.String("export-dir", "",
		"optional directory that receives a plaintext copy of each downloaded document")
	logFormat, logLevel := logFlags(fs)
	fs.Lookup("log-level").DefValue = "warn"
	if err := fs.Set("log-level", "warn"); err != nil {
		return demoConfig{}, nil, fmt.Errorf("set default log level: %w", err)
	}
	if err := parseFlags(fs, args, env); err != nil {
		return demoConfig{}, nil, err
	}
	cfg := demoConfig{
		DataDir:   strings.TrimSpace(*dataDir),
		ExportDir: strings.TrimSpace(*exportDir),
	}
	var problems []string
	cfg.Log, problems = parseLogConfig(*logFormat, *logLevel)
	return cfg, problems, nil
}

func runDemoCommand(ctx context.Context, args []string, env environment) error {
	cfg, problems, err := parseDemoConfig(args, env)
	if err != nil {
		return err
	}
	if err := problemsError("demo", problems); err != nil {
		return err
	}
	return runDemo(ctx, cfg, env.stdout, newLogger(env.stderr, cfg.Log))
}

// runDemo starts the simulator and the MCP server in this process, connects mcp-go's
// client over streamable HTTP and walks one envelope to completion.
func runDemo(ctx context.Context, cfg demoConfig, out io.Writer, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, demoTimeout)
	defer cancel()
	httpCfg := httpConfig{Addr: "127.0.0.1:0", MaxBodyBytes: defaultMaxBodyBytes,
		SessionIdleTTL: defaultSessionIdleTTL, Routes: map[string]http.Handler{}}
	a, err := startApp(ctx, serveConfig{Simulator: true, DataDir: cfg.DataDir,
		ExportDir: cfg.ExportDir, HTTP: httpCfg}, secrets{}, logger)
	if err != nil {
		return err
	}
	defer a.close()
	a.mountConnect(httpCfg.Routes, httpCfg.MaxBodyBytes)
	h, err := listenHTTP(a.mcp, httpCfg, logger)
	if err != nil {
		return err
	}
	a.publishConnect(h.URL())
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- h.serve(serveCtx) }()
	defer func() {
		stopServing()
		if err := <-served; err != nil {
			logger.Warn("stopping the demo's HTTP server failed", "err", err)
		}
	}()

	c, err := connectHTTPClient(ctx, h.URL())
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(out, "docusign-mcp demo: one envelope from creation to signed PDF\n"+
		"MCP server:         %s (streamable HTTP)\nDocusign simulator: %s\n", h.URL(), a.sim.URL)
	d := &demo{mcp: c, control: newSimControl(a.sim.URL), out: out}
	if err := d.run(ctx); err != nil {
		return err
	}
	if v := a.sim.Violations(); v.Total() != 0 {
		return fmt.Errorf("the demo exceeded the simulator's rate limits %+v, so the "+
			"server does not keep within Docusign's hourly, burst and polling limits", v)
	}
	fmt.Fprintln(out, "simulator rate-limit violations: 0")
	printDemoFiles(out, cfg)
	return nil
}

// printDemoFiles prints where the downloaded documents are once the demo ends.
func printDemoFiles(out io.Writer, cfg demoConfig) {
	switch {
	case cfg.ExportDir != "":
		fmt.Fprintf(out, "plaintext copies of both files are in %s\n", cfg.ExportDir)
	case cfg.DataDir != "":
		fmt.Fprintf(out, "both files are in the encrypted store in %s; add --export-dir DIR "+
			"for plaintext copies\n", cfg.DataDir)
	default:
		fmt.Fprintln(out, "both files were in a temporary store, deleted now; add "+
			"--export-dir DIR to keep copies")
	}
}

// connectHTTPClient connects mcp-go's client to url and initializes the session.
func connectHTTPClient(ctx context.Context, url string) (*client.Client, error) {
	c, err := client.NewStreamableHttpClient(url)
	if err != nil {
		return nil, fmt.Errorf("create MCP client for %s: %w", url, err)
	}
	if err := c.Start(ctx); err != nil {
		return nil, fmt.Errorf("start MCP client: %w", err)
	}
	_, err = c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.ProtocolVersion20251125,
		ClientInfo:      mcp.Implementation{Name: "docusign-mcp-demo", Version: buildVersion()},
	}})
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("initialize MCP session at %s: %w", url, err)
	}
	return c, nil
}

// checkSimulatorDataDir rejects a data directory that contains a store but no store.key,
// such as the data directory of a serve for a real account. Simulator runs generate
// store.key, and a new key could not open that store.
func checkSimulatorDataDir(dir string) error {
	_, keyErr := os.Stat(filepath.Join(dir, "store.key"))
	if !errors.Is(keyErr, fs.ErrNotExist) {
		return nil
	}
	entries, err := os.ReadDir(filepath.Join(dir, "store"))
	if err != nil || len(entries) == 0 {
		return nil
	}
	return fmt.Errorf("data directory %s contains a store but no store.key, so a simulator "+
		"run cannot open it: give --data-dir a new or empty directory, or one that an "+
		"earlier simulator run created", dir)
}
