package test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
)

// The HTTP hardening of serve --http has one test each. Bearer auth with WWW-Authenticate
// (TestHTTPAuthStatus), the Origin allow-list and the body limit (TestServeHTTPGuards,
// TestRequireAllowedOrigin, TestLimitBody) and the use of a session by another principal
// (TestHTTPSessionOfAnotherPrincipal) are tested in cmd/docusign-mcp on the same handler
// stack. This file adds, against the real binary, what those leave out: a DELETE of a
// session by another principal, the default bind address, and the idle session timeout
// (hardening_idle_test.go).

// Static bearer tokens of the hardening policy.
const (
	aliceToken = "alice-hardening-token"
	bobToken   = "bob-hardening-token"
)

// TestSessionDeleteByOtherPrincipal opens a session as alice and sends DELETE with its id
// as bob: the server returns 404 and alice's session still works.
func TestSessionDeleteByOtherPrincipal(t *testing.T) {
	serve := startServeArgs(t, nil, "serve", "--simulator", "--http", "127.0.0.1:0",
		"--policy", writeTwoPrincipalPolicy(t), "--log-format", "json")
	endpoint := serve.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	session := initializeSession(t, endpoint, aliceToken)

	if got := principalRequest(t, http.MethodDelete, endpoint, bobToken, session, ""); got !=
		http.StatusNotFound {
		t.Errorf("DELETE of alice's session as bob = %d, want 404", got)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`
	if got := principalRequest(t, http.MethodPost, endpoint, bobToken, session, list); got !=
		http.StatusNotFound {
		t.Errorf("tools/list in alice's session as bob = %d, want 404", got)
	}
	if got := principalRequest(t, http.MethodPost, endpoint, aliceToken, session, list); got !=
		http.StatusOK {
		t.Errorf("tools/list in alice's session after bob's DELETE = %d, want 200", got)
	}
	if got := principalRequest(t, http.MethodDelete, endpoint, aliceToken, session, ""); got !=
		http.StatusOK {
		t.Errorf("DELETE of alice's session as alice = %d, want 200", got)
	}
	if got := principalRequest(t, http.MethodPost, endpoint, aliceToken, session, list); got !=
		http.StatusNotFound {
		t.Errorf("tools/list in alice's ended session = %d, want 404", got)
	}
}

// TestHTTPDefaultBindIsLoopback starts serve with --http and no host: it listens on
// 127.0.0.1 only.
func TestHTTPDefaultBindIsLoopback(t *testing.T) {
	serve := startServeArgs(t, nil, "serve", "--simulator", "--http", ":0", "--no-auth",
		"--log-format", "json")
	endpoint := serve.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("parse the logged URL %q: %v", endpoint, err)
	}
	if host := u.Hostname(); host != "127.0.0.1" {
		t.Errorf("serve --http :0 listens on %s, want 127.0.0.1", host)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		t.Errorf("serve --http :0 listens on %s, which is not a loopback address", u.Host)
	}
}

// writeTwoPrincipalPolicy writes a policy in which alice and bob may call every tool, each
// with a static bearer token, and returns its path.
func writeTwoPrincipalPolicy(t *testing.T) string {
	t.Helper()
	file := policy.File{
		Principals: map[string]policy.Scope{
			"alice": {Tools: []string{policy.Wildcard}},
			"bob":   {Tools: []string{policy.Wildcard}},
		},
		Tokens: []policy.Token{
			{Principal: "alice", SHA256: policy.HashToken(aliceToken)},
			{Principal: "bob", SHA256: policy.HashToken(bobToken)},
		},
	}
	raw, err := json.Marshal(file)
	if err != nil {
		t.Fatalf("encode policy: %v", err)
	}
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatalf("write policy: %v", err)
	}
	return path
}

// startServeArgs starts the binary with args and env added to the environment, with its
// stderr collected and stdin closed, stopping it when the test ends.
func startServeArgs(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	trackSources(t)
	cmd := exec.Command(binaryPath, args...)
	cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir()), env...)
	p := &process{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// initializeSession sends initialize with token and returns the session id.
func initializeSession(t *testing.T, endpoint, token string) string {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` +
		mcp.ProtocolVersion20251125 + `","capabilities":{},"clientInfo":{"name":"hardening",` +
		`"version":"1"}}}`
	resp := sendMCP(t, http.MethodPost, endpoint, token, "", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("initialize as %s = %d, want 200", token, resp.StatusCode)
	}
	id := resp.Header.Get(server.HeaderKeySessionID)
	if id == "" {
		t.Fatalf("initialize returned no %s header", server.HeaderKeySessionID)
	}
	return id
}

// principalRequest sends one request in session with token and returns the HTTP status.
func principalRequest(t *testing.T, method, endpoint, token, session, body string) int {
	t.Helper()
	return sendMCP(t, method, endpoint, token, session, body).StatusCode
}

// sendMCP sends one MCP HTTP request, with the bearer token and session id when not
// empty, and returns the response with its body closed.
func sendMCP(t *testing.T, method, endpoint, token, session, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, endpoint,
		strings.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set(mcp.HeaderProtocolVersion, mcp.ProtocolVersion20251125)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if session != "" {
		req.Header.Set(server.HeaderKeySessionID, session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, endpoint, err)
	}
	resp.Body.Close()
	return resp
}
