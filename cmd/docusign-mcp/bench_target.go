package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/internal/pdf"
)

// CPU profile labels that tell the bench's own goroutines apart. Goroutines inherit the
// labels of the goroutine that starts them, so every goroutine of a server, its HTTP
// connections and its store carries the server label.
const (
	labelSide     = "side"
	sideServer    = "server"
	sideClient    = "client"
	sideSimulator = "simulator"
)

// benchEnvelopes is how many envelopes get_envelope_status spreads its calls over.
const benchEnvelopes = 10

// benchTarget is a running MCP server that bench loads.
type benchTarget struct {
	name string
	url  string
	// tokens are the bearer tokens of the sessions, one principal each; nil without
	// authentication.
	tokens []string
	// timer times the Docusign calls of each principal; nil for the bare server.
	timer      *callTimer
	envelopes  []string
	templateID string
	// meter measures the server's CPU time and peak RSS over a run.
	meter targetMeter
	close func()
}

// startBareTarget starts a bare mcp-go server with one tool, in a child process when
// isolate is set.
func startBareTarget(ctx context.Context, isolate bool) (*benchTarget, error) {
	t := &benchTarget{name: "bare mcp-go"}
	if isolate {
		child, url, err := startChild(ctx, targetBare, nil, nil)
		if err != nil {
			return nil, err
		}
		t.url, t.meter, t.close = url, child, child.close
		return t, nil
	}
	url, stop, err := serveBare(ctx)
	if err != nil {
		return nil, err
	}
	t.url, t.meter, t.close = url, &inProcessMeter{}, stop
	return t, nil
}

// serveBare serves a bare mcp-go server with one tool that returns a short text, over
// streamable HTTP on loopback.
func serveBare(ctx context.Context) (string, func(), error) {
	s := server.NewMCPServer("bare-mcp-go", "1", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("ping", mcp.WithDescription("Return pong.")),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("pong"), nil
		})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen for the bare server: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", server.NewStreamableHTTPServer(s))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	pprof.Do(ctx, pprof.Labels(labelSide, sideServer), func(context.Context) {
		go func() { _ = srv.Serve(ln) }()
	})
	return "http://" + ln.Addr().String() + "/mcp", func() { _ = srv.Close() }, nil
}

// startOurTarget starts a simulator and serve's stack over HTTP with a policy file that
// gives each session its own principal and bearer token. With isolate, serve's stack runs in
// a child process and the simulator stays in this one.
func startOurTarget(ctx context.Context, sessions int, isolate bool, logger *slog.Logger) (
	_ *benchTarget, err error) {
	dir, err := os.MkdirTemp("", "docusign-mcp-bench-")
	if err != nil {
		return nil, fmt.Errorf("create temporary directory: %w", err)
	}
	t := &benchTarget{name: "docusign-mcp"}
	var closers []func()
	t.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		_ = os.RemoveAll(dir)
	}
	defer func() {
		if err != nil {
			t.close()
		}
	}()
	var sim *docusigntest.Server
	pprof.Do(ctx, pprof.Labels(labelSide, sideSimulator), func(context.Context) {
		sim, err = docusigntest.Start(docusigntest.Options{HourlyLimit: 1 << 30,
			BurstLimit: 1 << 30, Logger: atLeast(logger, slog.LevelWarn)})
	})
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	closers = append(closers, sim.Close)
	if err := seedBenchData(ctx, t, sim); err != nil {
		return nil, err
	}
	vars, err := prepareBenchDir(dir, sim, sessions, t)
	if err != nil {
		return nil, err
	}
	if isolate {
		return t, startOurChild(ctx, t, dir, sessions, &closers)
	}
	t.timer = newCallTimer(sessions)
	cfg, keys, err := benchServeConfigFrom(dir, vars, t.timer)
	if err != nil {
		return nil, err
	}
	url, stop, err := serveBenchApp(ctx, cfg, keys, logger)
	if err != nil {
		return nil, err
	}
	closers = append(closers, stop)
	t.url, t.meter = url, &inProcessMeter{}
	return t, nil
}

// startOurChild starts serve's stack for t in a child process that shares the call timer
// file in dir with this process.
func startOurChild(ctx context.Context, t *benchTarget, dir string, sessions int,
	closers *[]func()) error {
	timerPath := filepath.Join(dir, benchTimerFile)
	if err := createTimerFile(timerPath, sessions); err != nil {
		return err
	}
	timer, err := mapCallTimer(timerPath, sessions)
	if err != nil {
		return err
	}
	*closers = append(*closers, timer.close)
	child, url, err := startChild(ctx, targetOurs, []string{"--dir", dir, "--sessions",
		strconv.Itoa(sessions)}, nil)
	if err != nil {
		return err
	}
	*closers = append(*closers, child.close)
	t.url, t.timer, t.meter = url, timer, child
	return nil
}

// serveBenchApp starts serve's app and HTTP listener, as runServe does, with every
// goroutine labelled as the server's. It returns the MCP URL and a function that stops
// both.
func serveBenchApp(ctx context.Context, cfg serveConfig, keys secrets,
	logger *slog.Logger) (url string, stop func(), err error) {
	var a *app
	var h *httpServer
	pprof.Do(ctx, pprof.Labels(labelSide, sideServer), func(ctx context.Context) {
		if a, err = startApp(ctx, cfg, keys, logger); err != nil {
			return
		}
		if cfg.HTTP.SessionKey, err = ensureSessionKey(a.dataDir); err != nil {
			a.close()
			return
		}
		cfg.HTTP.Policy = a.policy
		cfg.HTTP.Routes = a.opsRoutes(cfg.HTTP.Addr, func(string) string { return "" })
		a.mountConnect(cfg.HTTP.Routes, cfg.HTTP.MaxBodyBytes)
		if h, err = listenHTTP(a.mcp, cfg.HTTP, logger); err != nil {
			a.close()
		}
	})
	if err != nil {
		return "", nil, err
	}
	serveCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	pprof.Do(ctx, pprof.Labels(labelSide, sideServer), func(context.Context) {
		go func() { served <- h.serve(serveCtx) }()
	})
	stop = func() {
		cancel()
		if err := <-served; err != nil {
			logger.Warn("stopping the bench server failed", "err", err)
		}
		a.close()
	}
	return h.URL(), stop, nil
}

// prepareBenchDir writes the simulator's credentials, a store key, a policy file with one
// principal per session and serve's environment to dir, and returns that environment.
func prepareBenchDir(dir string, sim *docusigntest.Server, sessions int,
	t *benchTarget) (map[string]string, error) {
	if err := sim.WriteCredentials(dir); err != nil {
		return nil, fmt.Errorf("write simulator credentials: %w", err)
	}
	storeKey := make([]byte, 32)
	_, _ = rand.Read(storeKey)
	keyFile := filepath.Join(dir, "store.key")
	err := os.WriteFile(keyFile, []byte(hex.EncodeToString(storeKey)), 0o600)
	if err != nil {
		return nil, fmt.Errorf("write store key: %w", err)
	}
	if err := writeBenchPolicy(filepath.Join(dir, "policy.json"), sessions, t); err != nil {
		return nil, err
	}
	creds := sim.Credentials()
	vars := map[string]string{
		"DOCUSIGN_INTEGRATION_KEY":    creds.IntegrationKey,
		"DOCUSIGN_USER_ID":            creds.UserID,
		"DOCUSIGN_ACCOUNT_ID":         creds.AccountID,
		"DOCUSIGN_AUTH_SERVER":        creds.AuthServer,
		"DOCUSIGN_PRIVATE_KEY_FILE":   filepath.Join(dir, docusigntest.PrivateKeyFile),
		"DOCUSIGN_MCP_STORE_KEY_FILE": keyFile,
	}
	return vars, writeBenchEnv(dir, vars)
}

// benchServeConfigFrom parses serve's flags and the environment vars for the directory
// that prepareBenchDir filled, as serve does, with timer observing the Docusign calls.
func benchServeConfigFrom(dir string, vars map[string]string, timer *callTimer) (
	serveConfig, secrets, error) {
	env := environment{stdout: io.Discard, stderr: io.Discard,
		getenv: func(name string) string { return vars[name] }}
	cfg, problems, err := parseServeConfig([]string{"--http", "127.0.0.1:0",
		"--policy", filepath.Join(dir, "policy.json"), "--data-dir",
		filepath.Join(dir, "data"), "--stuck-check-every", "0"}, env)
	if err != nil {
		return serveConfig{}, secrets{}, fmt.Errorf("bench serve configuration: %w", err)
	}
	keys, fileProblems := loadSecrets(cfg)
	if err := problemsError("bench", append(problems, fileProblems...)); err != nil {
		return serveConfig{}, secrets{}, err
	}
	cfg.callObserver = timer
	return cfg, keys, nil
}

// writeBenchPolicy writes a policy file that gives each session a principal that may call
// every tool, with a random bearer token, and lifts the account budget, which would
// otherwise reject the load's Docusign calls after the burst limit.
func writeBenchPolicy(path string, sessions int, t *benchTarget) error {
	type token struct {
		Principal string `json:"principal"`
		SHA256    string `json:"sha256"`
	}
	principals := make(map[string]any, sessions)
	var tokens []token
	for i := range sessions {
		name := benchPrincipal(i)
		secret := make([]byte, 24)
		_, _ = rand.Read(secret)
		value := base64.RawURLEncoding.EncodeToString(secret)
		sum := sha256.Sum256([]byte(value))
		principals[name] = map[string]any{"tools": []string{"*"}}
		tokens = append(tokens, token{Principal: name, SHA256: hex.EncodeToString(sum[:])})
		t.tokens = append(t.tokens, value)
	}
	raw, err := json.Marshal(map[string]any{"principals": principals, "tokens": tokens,
		"account_budget": map[string]int{"hourly": 1 << 30, "burst": 1 << 30}})
	if err != nil {
		return fmt.Errorf("encode bench policy: %w", err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return fmt.Errorf("write bench policy: %w", err)
	}
	return nil
}

// seedBenchData creates the envelopes that get_envelope_status reads and picks the
// template that get_template reads, through a client of the bench's own.
func seedBenchData(ctx context.Context, t *benchTarget, sim *docusigntest.Server) error {
	creds := sim.Credentials()
	c, err := docusign.NewClient(docusign.Config{IntegrationKey: creds.IntegrationKey,
		UserID: creds.UserID, PrivateKeyPEM: creds.PrivateKeyPEM, AuthServer: creds.AuthServer,
		AccountID: creds.AccountID})
	if err != nil {
		return fmt.Errorf("bench Docusign client: %w", err)
	}
	letter, err := pdf.RenderEngagementLetter(pdf.EngagementLetter{Firm: "Bench LLP",
		FirmSigner: "Bench Partner", Client: "Bench Client Ltd", ClientName: "Bench Client",
		Matter: "Load test", FeeTerms: "None", Date: time.Now()})
	if err != nil {
		return fmt.Errorf("render bench document: %w", err)
	}
	for i := range benchEnvelopes {
		summary, _, err := c.Envelopes.Create(ctx, &docusign.EnvelopeDefinition{
			EmailSubject: "Bench envelope " + strconv.Itoa(i+1), Status: "sent",
			Documents: []docusign.Document{{DocumentID: "1", Name: "Letter.pdf",
				FileExtension: "pdf", DocumentBase64: base64.StdEncoding.EncodeToString(letter)}},
			Recipients: &docusign.Recipients{Signers: []docusign.Signer{{RecipientID: "1",
				Name: "Bench Signer", Email: "signer@example.com", RoutingOrder: "1"}}},
		})
		if err != nil {
			return fmt.Errorf("create bench envelope %d: %w", i+1, err)
		}
		t.envelopes = append(t.envelopes, summary.EnvelopeID)
	}
	templates, _, err := c.Templates.List(ctx, nil)
	if err != nil {
		return fmt.Errorf("list the simulator's templates: %w", err)
	}
	if len(templates.EnvelopeTemplates) == 0 {
		return errors.New("the simulator has no seed template for get_template")
	}
	t.templateID = templates.EnvelopeTemplates[0].TemplateID
	return nil
}
