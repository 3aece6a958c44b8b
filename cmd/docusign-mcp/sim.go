package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// simConfig is the checked configuration of the sim command.
type simConfig struct {
	Log  logConfig
	Addr string // loopback listen address
	Dir  string // directory for the credentials files; empty means a new temporary one
	TLS  bool   // serve HTTPS with a self-signed certificate
}

const simSummary = `Run the Docusign simulator on its own until interrupted. It serves /oauth/*,
/restapi/* and the signer control API under /sim/ on one loopback origin, and
writes credentials files that 'serve' and Docusign SDKs can use:

  docusign-mcp.env     DOCUSIGN_* variables for serve ('set -a; . FILE; set +a')
  credentials.json     ids, URLs and the key path, for SDK clients
  private-key.pem      the integration key's RSA private key
  store.key            an encryption key for serve's document store
  ca.pem               with --tls, the certificate to trust (DOCUSIGN_CA_FILE for
                       serve, NODE_EXTRA_CA_CERTS for Node.js)

The simulator keeps envelopes in memory, so they last only while this process runs.
Each start writes a new integration key, user, account and RSA key to the files
and keeps only an existing store.key, so re-read the env file and restart serve
after restarting sim. A fixed --addr port keeps the URLs the same.
Docusign's SDKs call the OAuth server over https only, so they need --tls.`

// parseSimConfig parses the sim flags and returns one message per problem.
func parseSimConfig(args []string, env environment) (simConfig, []string, error) {
	fs := newFlagSet("sim", simSummary)
	addr := fs.String("addr", "127.0.0.1:0",
		"loopback address to listen on; port 0 picks a free port")
	dir := fs.String("dir", "",
		"directory for the credentials files (default: a new temporary directory)")
	useTLS := fs.Bool("tls", false,
		"serve HTTPS with a self-signed certificate, written to ca.pem, for Docusign SDKs")
	logFormat, logLevel := logFlags(fs)
	if err := parseFlags(fs, args, env); err != nil {
		return simConfig{}, nil, err
	}
	cfg := simConfig{Dir: strings.TrimSpace(*dir), TLS: *useTLS}
	var problems []string
	cfg.Log, problems = parseLogConfig(*logFormat, *logLevel)
	normalized, problem := checkLoopbackAddr(strings.TrimSpace(*addr))
	if problem != "" {
		problems = append(problems, fmt.Sprintf("--addr %q is invalid: %s", *addr, problem))
	}
	cfg.Addr = normalized
	return cfg, problems, nil
}

func runSimCommand(ctx context.Context, args []string, env environment) error {
	cfg, problems, err := parseSimConfig(args, env)
	if err != nil {
		return err
	}
	if err := problemsError("sim", problems); err != nil {
		return err
	}
	return runSim(ctx, cfg, env.stdout, newLogger(env.stderr, cfg.Log))
}

// runSim starts the simulator, writes the credentials files, prints where everything
// is and serves until ctx is done.
func runSim(ctx context.Context, cfg simConfig, stdout io.Writer, logger *slog.Logger) error {
	sim, err := docusigntest.Start(docusigntest.Options{Addr: cfg.Addr, TLS: cfg.TLS,
		Logger: logger.With("component", "simulator")})
	if err != nil {
		return fmt.Errorf("start simulator on %s: %w", cfg.Addr, err)
	}
	defer sim.Close()
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "docusign-sim-"); err != nil {
			return fmt.Errorf("create credentials directory: %w", err)
		}
	}
	files, err := writeSimCredentials(dir, sim.Credentials(), sim.CertificatePEM())
	if err != nil {
		return err
	}
	// Logged after the files exist, because scripts and tests wait for this line and then
	// read them.
	logger.Info("simulator started", "url", sim.URL, "dir", dir)
	printSimBanner(stdout, sim.URL, files)
	<-ctx.Done()
	logger.Info("simulator stopped")
	return nil
}

// simFiles are the paths of the files that runSim writes.
type simFiles struct {
	EnvFile, CredentialsJSON, PrivateKey, StoreKey, DataDir string
	Certificate                                             string // empty without --tls
}

// simCredentialsJSON is the content of credentials.json.
type simCredentialsJSON struct {
	IntegrationKey string `json:"integrationKey"`
	UserID         string `json:"userId"`
	AccountID      string `json:"accountId"`
	AuthServer     string `json:"authServer"`
	BaseURI        string `json:"baseUri"`
	PrivateKeyFile string `json:"privateKeyFile"`
	ControlURL     string `json:"controlUrl"`
	CAFile         string `json:"caFile,omitempty"`
}

// writeSimCredentials writes the credentials files into dir, creating it if needed.
// certPEM is the simulator's TLS certificate, or nil when it serves plain HTTP.
func writeSimCredentials(dir string, c docusigntest.Credentials, certPEM []byte) (simFiles,
	error) {
	f := simFiles{
		EnvFile:         filepath.Join(dir, "docusign-mcp.env"),
		CredentialsJSON: filepath.Join(dir, "credentials.json"),
		PrivateKey:      filepath.Join(dir, "private-key.pem"),
		StoreKey:        filepath.Join(dir, "store.key"),
		DataDir:         filepath.Join(dir, "data"),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return f, fmt.Errorf("create credentials directory %s: %w: set --dir to a directory "+
			"you can write, or leave it out for a new temporary one", dir, err)
	}
	if err := os.WriteFile(f.PrivateKey, c.PrivateKeyPEM, 0o600); err != nil {
		return f, fmt.Errorf("write private key: %w", err)
	}
	if _, err := ensureStoreKey(dir); err != nil {
		return f, err
	}
	if len(certPEM) > 0 {
		f.Certificate = filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(f.Certificate, certPEM, 0o600); err != nil {
			return f, fmt.Errorf("write certificate: %w", err)
		}
	}
	creds, err := json.MarshalIndent(simCredentialsJSON{
		IntegrationKey: c.IntegrationKey, UserID: c.UserID, AccountID: c.AccountID,
		AuthServer: c.AuthServer, BaseURI: c.BaseURI, PrivateKeyFile: f.PrivateKey,
		ControlURL: c.AuthServer + "/sim/", CAFile: f.Certificate,
	}, "", "  ")
	if err != nil {
		return f, fmt.Errorf("encode credentials: %w", err)
	}
	if err := os.WriteFile(f.CredentialsJSON, append(creds, '\n'), 0o600); err != nil {
		return f, fmt.Errorf("write credentials: %w", err)
	}
	env := []string{
		"DOCUSIGN_INTEGRATION_KEY=" + c.IntegrationKey,
		"DOCUSIGN_USER_ID=" + c.UserID,
		"DOCUSIGN_ACCOUNT_ID=" + c.AccountID,
		"DOCUSIGN_AUTH_SERVER=" + c.AuthServer,
		"DOCUSIGN_PRIVATE_KEY_FILE=" + shellQuote(f.PrivateKey),
		"DOCUSIGN_MCP_STORE_KEY_FILE=" + shellQuote(f.StoreKey),
		"DOCUSIGN_MCP_DATA_DIR=" + shellQuote(f.DataDir),
	}
	if f.Certificate != "" {
		env = append(env, "DOCUSIGN_CA_FILE="+shellQuote(f.Certificate),
			"NODE_EXTRA_CA_CERTS="+shellQuote(f.Certificate))
	}
	text := strings.Join(env, "\n") + "\n"
	if err := os.WriteFile(f.EnvFile, []byte(text), 0o600); err != nil {
		return f, fmt.Errorf("write environment file: %w", err)
	}
	return f, nil
}

// printSimBanner prints the simulator's URLs and files for a person to copy.
func printSimBanner(w io.Writer, url string, f simFiles) {
	fmt.Fprintf(w, `Docusign simulator running at %[1]s
  OAuth server:   %[1]s  (/oauth/token, /oauth/userinfo)
  REST base:      %[1]s/restapi
  control API:    %[1]s/sim/  (e.g. POST %[1]s/sim/envelopes/ENVELOPE_ID/sign-all)
Credentials:
  environment:    %[2]s
  JSON:           %[3]s
  private key:    %[4]s
  store key:      %[5]s
`, url, f.EnvFile, f.CredentialsJSON, f.PrivateKey, f.StoreKey)
	if f.Certificate != "" {
		fmt.Fprintf(w, "  certificate:    %s  (DOCUSIGN_CA_FILE, NODE_EXTRA_CA_CERTS)\n",
			f.Certificate)
	}
	fmt.Fprintf(w, "Point serve at it:\n  set -a; . %s; set +a; docusign-mcp serve\n",
		shellQuote(f.EnvFile))
	fmt.Fprintln(w, "Envelopes live in memory until this process stops. Stop with Ctrl-C.")
}

// shellQuote quotes s for a POSIX shell when it contains anything but safe characters.
func shellQuote(s string) string {
	safe := strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ':' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0
	if safe && s != "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
