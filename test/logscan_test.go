package test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// Known secrets that the scenarios hand to the server, so the scan can look for them.
const (
	connectHMACKey    = "connect-hmac-key-7f3a9c2e51d84b06"
	downstreamHMACKey = "downstream-hmac-key-2c8e4f1a9b7d3e65"
	badBearerToken    = "not-a-token-of-this-server-4f9a2c7e"
)

// Signers of the scenarios. Their names and addresses must never reach a log or the audit
// log; only masked addresses may.
var scanSigners = []struct{ name, email string }{
	{name: "Quinn Signer", email: "quinn.signer@example.com"},
	{name: "Rowan Witness", email: "rowan.witness@example.com"},
}

// TestDemoLogsHoldNoSecrets runs the demo with debug logging and scans its log lines and
// its audit log for secrets and the demo signers' names and addresses.
func TestDemoLogsHoldNoSecrets(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	env := append(os.Environ(), "HOME="+t.TempDir(),
		"DOCUSIGN_CONNECT_HMAC_KEYS="+connectHMACKey,
		"DOCUSIGN_MCP_DOWNSTREAM_HMAC_KEY="+downstreamHMACKey)
	stdout, stderr, code := runCommand(t, 2*time.Minute, env, binaryPath, "demo",
		"--data-dir", dataDir, "--log-level", "debug", "--log-format", "json")
	if code != 0 {
		t.Fatalf("demo exited with %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	audit := auditTail(t, env, "--data-dir", dataDir)
	scan := newLeakScan(t)
	scan.addFile(t, "store key", filepath.Join(dataDir, "store.key"))
	scan.addSecret("Connect HMAC key", connectHMACKey)
	scan.addSecret("downstream HMAC key", downstreamHMACKey)
	for _, s := range []struct{ name, email string }{
		{"Avery Client", "avery.client@example.com"},
		{"Morgan Partner", "morgan.partner@example.com"},
	} {
		scan.addSecret("signer name", s.name)
		scan.addSecret("signer email", s.email)
	}
	requireDebugLines(t, stderr)
	scan.check(t, "demo log", stderr)
	scan.check(t, "demo audit log", audit)
	scan.report(t)
}

// TestServeLogsHoldNoSecrets runs serve --http with debug logging against a simulator in
// this process. It sends a request with a bad bearer token, a create_envelope, a status
// read, a good and a forged Connect delivery, and a create that Docusign rejects with a
// message naming a signer's address. The scan of the log lines and the audit log finds none
// of the secrets, names or addresses, and finds the rejected address masked.
func TestServeLogsHoldNoSecrets(t *testing.T) {
	sim, env := startSimInProcess(t)
	env = append(env, "DOCUSIGN_CONNECT_HMAC_KEYS="+connectHMACKey,
		"DOCUSIGN_MCP_DOWNSTREAM_HMAC_KEY="+downstreamHMACKey)
	serve := startServeArgs(t, env, "serve", "--http", "127.0.0.1:0", "--policy",
		writeTwoPrincipalPolicy(t), "--log-level", "debug", "--log-format", "json")
	endpoint := serve.waitForLogField(t, "serving MCP over streamable HTTP", "url")

	if got := sendMCP(t, http.MethodPost, endpoint, badBearerToken, "",
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`).StatusCode; got != 401 {
		t.Errorf("a request with a bad bearer token = %d, want 401", got)
	}
	c := connectWithToken(t, endpoint, aliceToken)
	out := toolOutput(t, callScanTool(t, c, "create_envelope", scanEnvelopeArgs("scan-1")))
	envelopeID, _ := out["envelope_id"].(string)
	callScanTool(t, c, "get_envelope_status", map[string]any{"envelope_id": envelopeID})
	postScanDeliveries(t, endpoint, envelopeID)
	sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope, Status: 400,
		ErrorCode: "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
		Message:   "The email address " + scanSigners[0].email + " is not valid."})
	res := callScanTool(t, c, "create_envelope", scanEnvelopeArgs("scan-2"))
	if !res.IsError {
		t.Errorf("create_envelope with the injected 400 succeeded, want an error")
	}
	serve.stop(t)

	requireDebugLines(t, serve.stderr.String())
	scan := newLeakScan(t)
	scan.addServeSecrets(t, env)
	scan.addSecret("bad bearer token", badBearerToken)
	scan.addSecret("alice's bearer token", aliceToken)
	scan.check(t, "serve log", serve.stderr.String())
	scan.check(t, "serve audit log", auditTail(t, append(os.Environ(), env...)))
	if scan.masked == 0 {
		t.Errorf("no masked address (such as q***@example.com) in the logs: the rejected "+
			"create's address was dropped instead of masked; log:\n%s", serve.stderr)
	}
	scan.report(t)
}

// TestFailedAuthLogsHoldNoSecrets runs serve with debug logging twice against a simulator
// in this process: once with a private key that the simulator does not know, and once
// after the user's consent was revoked. Each run calls a tool that needs a token, and the
// scan of its log lines and audit log finds neither key nor any token.
func TestFailedAuthLogsHoldNoSecrets(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, sim *docusigntest.Server, env []string) []string
		// wantLogged is the OAuth error that the log must name, so the scan covers the
		// failure's log lines.
		wantLogged string
	}{
		{name: "wrong private key", setup: useWrongKey, wantLogged: "invalid_grant"},
		{name: "consent missing", setup: func(t *testing.T, sim *docusigntest.Server,
			env []string) []string {
			sim.RevokeConsent(sim.Credentials().UserID)
			return env
		}, wantLogged: "consent_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, env := startSimInProcess(t)
			env = tt.setup(t, sim, env)
			env = append(env, "DOCUSIGN_CONNECT_HMAC_KEYS="+connectHMACKey)
			serve := startServeArgs(t, env, "serve", "--http", "127.0.0.1:0", "--no-auth",
				"--log-level", "debug", "--log-format", "json")
			endpoint := serve.waitForLogField(t, "serving MCP over streamable HTTP", "url")
			c := connectHTTP(t, endpoint)
			res := callScanTool(t, c, "create_envelope", scanEnvelopeArgs("scan-auth"))
			if !res.IsError {
				t.Errorf("create_envelope succeeded, want an authentication error")
			}
			serve.stop(t)

			scan := newLeakScan(t)
			scan.addServeSecrets(t, env)
			scan.addFile(t, "simulator's private key",
				filepath.Join(filepath.Dir(envValue(env, "DOCUSIGN_MCP_STORE_KEY_FILE")),
					"credentials", docusigntest.PrivateKeyFile))
			requireDebugLines(t, serve.stderr.String())
			if !strings.Contains(serve.stderr.String(), tt.wantLogged) {
				t.Errorf("the log does not name %s:\n%s", tt.wantLogged, serve.stderr)
			}
			scan.check(t, "serve log", serve.stderr.String())
			scan.check(t, "serve audit log", auditTail(t, append(os.Environ(), env...)))
			scan.report(t)
		})
	}
}

// postScanDeliveries posts a Connect delivery signed with the configured HMAC key and one
// signed with another key to serve's /connect, so the scan covers the receiver's lines.
func postScanDeliveries(t *testing.T, endpoint, envelopeID string) {
	t.Helper()
	url := strings.TrimSuffix(endpoint, "/mcp") + "/connect"
	ev := &stormEvent{envelopeID: envelopeID, name: "envelope-delivered",
		status: "delivered", generated: time.Now().UTC(), summary: true}
	if got := postDelivery(url, signedDelivery(t, ev, 0, connectHMACKey)); got != 200 {
		t.Errorf("a delivery signed with the configured key = %d, want 200", got)
	}
	if got := postDelivery(url, signedDelivery(t, ev, 1, stormWrongKey)); got != 401 {
		t.Errorf("a delivery signed with another key = %d, want 401", got)
	}
}

// useWrongKey writes a new RSA key that the simulator does not know and points
// DOCUSIGN_PRIVATE_KEY_FILE at it.
func useWrongKey(t *testing.T, _ *docusigntest.Server, env []string) []string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	path := filepath.Join(t.TempDir(), "wrong.key")
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatalf("write the wrong key: %v", err)
	}
	return append(env, "DOCUSIGN_PRIVATE_KEY_FILE="+path)
}

// requireDebugLines fails the test unless log holds a debug-level JSON line, which shows
// that the scan covers what --log-level debug adds.
func requireDebugLines(t *testing.T, log string) {
	t.Helper()
	if !strings.Contains(log, `"level":"DEBUG"`) {
		t.Errorf("the log has no debug-level line, so debug logging was not scanned:\n%s", log)
	}
}

// envValue returns the last value of name in env.
func envValue(env []string, name string) string {
	value := ""
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			value = v
		}
	}
	return value
}

// connectWithToken returns an initialized streamable HTTP client that sends token.
func connectWithToken(t *testing.T, endpoint, token string) *client.Client {
	t.Helper()
	c, err := client.NewStreamableHttpClient(endpoint, transport.WithHTTPHeaders(
		map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		t.Fatalf("new HTTP client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("start HTTP client: %v", err)
	}
	_, err = c.Initialize(t.Context(), mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcp.Implementation{Name: "log-scan", Version: "1"},
	}})
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c
}

func callScanTool(t *testing.T, c *client.Client, name string,
	args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := c.CallTool(ctx, toolRequest(name, args))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// scanEnvelopeArgs returns create_envelope arguments for the scan's two signers.
func scanEnvelopeArgs(key string) map[string]any {
	var signers []map[string]any
	for i, s := range scanSigners {
		signers = append(signers, map[string]any{"recipient_id": i + 1, "name": s.name,
			"email": s.email, "routing_order": i + 1})
	}
	return map[string]any{
		"idempotency_key": key, "source": "documents", "status": "sent",
		"email_subject": "Please sign: log scan",
		"documents": []map[string]any{{"document_id": 1, "name": "Terms.pdf",
			"file_extension": "pdf", "content_base64": shortPDF()}},
		"signers": signers,
	}
}

// auditTail returns every audit record of the data directory that env or args name, one
// JSON object per line.
func auditTail(t *testing.T, env []string, args ...string) string {
	t.Helper()
	args = append([]string{"audit", "tail", "-n", "1000000"}, args...)
	stdout, stderr, code := runCommand(t, time.Minute, env, binaryPath, args...)
	if code != 0 {
		t.Fatalf("audit tail exited with %d: %s", code, stderr)
	}
	if strings.Count(stdout, "\n") == 0 {
		t.Fatalf("audit tail printed no records")
	}
	return stdout
}

// leakScan looks for known secret values and for the shapes of secrets in texts.
type leakScan struct {
	secrets []leakSecret
	// hits counts every secret found, masked every masked email address seen.
	hits, masked, lines, sources int
}

type leakSecret struct{ name, value string }

// leakPatterns are shapes that no log line may contain, whatever the value.
var leakPatterns = []struct {
	name    string
	pattern *regexp.Regexp
}{
	{name: "PEM private key", pattern: regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY`)},
	{name: "JWT", pattern: regexp.MustCompile(
		`eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.`)},
	{name: "bearer token", pattern: regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/-]{8,}`)},
	{name: "token field", pattern: regexp.MustCompile(`(?i)access_token|assertion=`)},
}

// emailAddress matches addresses, masked or not: a masked one has *** as its local part
// or after its first character.
var emailAddress = regexp.MustCompile(`[A-Za-z0-9._%+*\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

func newLeakScan(t *testing.T) *leakScan {
	t.Helper()
	s := &leakScan{}
	for _, signer := range scanSigners {
		s.addSecret("signer name", signer.name)
		s.addSecret("signer email", signer.email)
	}
	return s
}

func (s *leakScan) addSecret(name, value string) {
	if value != "" {
		s.secrets = append(s.secrets, leakSecret{name: name, value: value})
	}
}

// addFile adds a file's content as a secret. A PEM file also adds its base64 body and
// every 24-character piece of it, so that a partly logged key is found too. A hex key
// also adds its base64 form.
func (s *leakScan) addFile(t *testing.T, name, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	text := strings.TrimSpace(string(raw))
	s.addSecret(name, text)
	if block, _ := pem.Decode(raw); block != nil {
		body := base64.StdEncoding.EncodeToString(block.Bytes)
		for i := 0; i+24 <= len(body); i += 12 {
			s.addSecret(name+" (base64 piece)", body[i:i+24])
		}
		return
	}
	if key, err := hex.DecodeString(text); err == nil {
		s.addSecret(name+" (base64)", base64.StdEncoding.EncodeToString(key))
		s.addSecret(name+" (base64url)", base64.RawURLEncoding.EncodeToString(key))
	}
}

// addServeSecrets adds the files that a serve run with env reads or writes: the private
// key, the store key and the session key.
func (s *leakScan) addServeSecrets(t *testing.T, env []string) {
	t.Helper()
	s.addFile(t, "private key", envValue(env, "DOCUSIGN_PRIVATE_KEY_FILE"))
	s.addFile(t, "store key", envValue(env, "DOCUSIGN_MCP_STORE_KEY_FILE"))
	session := filepath.Join(envValue(env, "DOCUSIGN_MCP_DATA_DIR"), "session.key")
	if _, err := os.Stat(session); err == nil {
		s.addFile(t, "session key", session)
	}
	s.addSecret("Connect HMAC key", connectHMACKey)
	s.addSecret("downstream HMAC key", downstreamHMACKey)
}

// check scans each line of text.
func (s *leakScan) check(t *testing.T, source, text string) {
	t.Helper()
	s.sources++
	for n, line := range strings.Split(text, "\n") {
		s.lines++
		where := source + " line " + strconv.Itoa(n+1)
		for _, secret := range s.secrets {
			if strings.Contains(line, secret.value) {
				s.hits++
				t.Errorf("%s contains the %s: %s", where, secret.name, clip(line))
			}
		}
		for _, p := range leakPatterns {
			if p.pattern.MatchString(line) {
				s.hits++
				t.Errorf("%s contains a %s: %s", where, p.name, clip(line))
			}
		}
		s.checkAddresses(t, where, line)
	}
}

// checkAddresses counts masked addresses and reports any other address.
func (s *leakScan) checkAddresses(t *testing.T, where, line string) {
	for _, address := range emailAddress.FindAllString(line, -1) {
		local, _, _ := strings.Cut(address, "@")
		if strings.HasSuffix(local, "***") && len(local) <= 4 {
			s.masked++
			continue
		}
		s.hits++
		t.Errorf("%s contains the unmasked address %s: %s", where, address, clip(line))
	}
}

func (s *leakScan) report(t *testing.T) {
	t.Logf("log scan: %d sources, %d lines, %d secrets and %d shapes checked, %d hits, "+
		"%d masked addresses", s.sources, s.lines, len(s.secrets), len(leakPatterns),
		s.hits, s.masked)
}

// clip shortens a log line for a failure message.
func clip(line string) string {
	if len(line) > 300 {
		return line[:300] + "..."
	}
	return line
}
