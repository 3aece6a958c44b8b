package test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// restartHTTPServe starts serve --simulator on addr with the data directory dir.
func restartHTTPServe(t *testing.T, addr, dir string) *process {
	t.Helper()
	p := startBinary(t, nil, "serve", "--simulator", "--http", addr, "--no-auth", "--data-dir", dir,
		"--log-format", "json")
	p.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	return p
}

// TestSessionSurvivesRestart checks that a session id stays valid across a restart with the
// same data directory, which keeps the key that signs it. After the key changes, the old id
// gets 404 and mcp-go's client starts a new session.
func TestSessionSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	first, endpoint := startHTTPServe(t, "--data-dir", dir)
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("parse endpoint %q: %v", endpoint, err)
	}
	tr, err := transport.NewStreamableHTTP(endpoint)
	if err != nil {
		t.Fatalf("create HTTP transport: %v", err)
	}
	c := newGoClient(t, tr, legacyVersion)
	session := c.GetSessionId()
	checkToolsWork(t, c)
	info, err := os.Stat(filepath.Join(dir, "session.key"))
	if err != nil {
		t.Fatalf("stat session key: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("session key mode = %04o, want 0600", perm)
	}

	first.stop(t)
	second := restartHTTPServe(t, u.Host, dir)
	checkToolsWork(t, c)
	if got := c.GetSessionId(); got != session {
		t.Errorf("session id changed across the restart from %q to %q, want it kept",
			session, got)
	}

	second.stop(t)
	if err := os.Remove(filepath.Join(dir, "session.key")); err != nil {
		t.Fatalf("remove session key: %v", err)
	}
	restartHTTPServe(t, u.Host, dir)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err = c.ListTools(ctx, mcp.ListToolsRequest{})
	if !errors.Is(err, transport.ErrSessionTerminated) {
		t.Fatalf("tools/list with a session id of the old key returned %v, want "+
			"ErrSessionTerminated from HTTP 404", err)
	}
	reinitialize(t, c)
	if c.GetSessionId() == session || c.GetSessionId() == "" {
		t.Errorf("session id after initialize is %q, want a new one", c.GetSessionId())
	}
	checkToolsWork(t, c)
}

// reinitialize sends initialize again, as a client does after a 404.
func reinitialize(t *testing.T, c *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ClientInfo = mcp.Implementation{Name: "sessions-test", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		t.Fatalf("initialize after 404: %v", err)
	}
}

// legacyInitialize sends initialize over raw HTTP and returns the session id.
func legacyInitialize(t *testing.T, endpoint string) string {
	t.Helper()
	reply := postJSONRPC(t, t.Context(), endpoint, http.Header{}, map[string]any{
		"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
			"protocolVersion": legacyVersion, "capabilities": map[string]any{},
			"clientInfo": map[string]any{"name": "sessions-test", "version": "1"}}})
	id := reply.header.Get("Mcp-Session-Id")
	if reply.status != http.StatusOK || id == "" {
		t.Fatalf("initialize = %d with session id %q, want 200 and an id; body %s",
			reply.status, id, reply.body)
	}
	return id
}

// sessionRequest sends method with session id to endpoint and returns the HTTP status.
func sessionRequest(t *testing.T, endpoint, method, session string) int {
	t.Helper()
	var reply httpReply
	switch method {
	case http.MethodPost:
		h := http.Header{}
		h.Set("Mcp-Protocol-Version", legacyVersion)
		if session != "" {
			h.Set("Mcp-Session-Id", session)
		}
		reply = postJSONRPC(t, t.Context(), endpoint, h,
			map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
	default:
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, endpoint, nil)
		if err != nil {
			t.Fatalf("create request: %v", err)
		}
		req.Header.Set("Accept", "text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, endpoint, err)
		}
		resp.Body.Close()
		reply.status = resp.StatusCode
	}
	return reply.status
}

// TestSessionRejectsUnknownIDs checks the HTTP status of requests whose session id is
// missing, forged, signed with another key or ended.
func TestSessionRejectsUnknownIDs(t *testing.T) {
	_, endpoint := startHTTPServe(t)
	issued := legacyInitialize(t, endpoint)
	tampered := issued[:len(issued)-2] + "AA"
	if tampered == issued {
		tampered = issued[:len(issued)-2] + "BB"
	}
	tests := []struct {
		name    string
		method  string
		session string
		want    int
	}{
		{name: "POST issued id", method: http.MethodPost, session: issued, want: 200},
		{name: "POST without id", method: http.MethodPost, want: 404},
		{name: "POST mcp-go default format", method: http.MethodPost,
			session: "mcp-session-2b7e1516-28ae-4d2a-8f6c-0123456789ab", want: 404},
		{name: "POST tampered signature", method: http.MethodPost, session: tampered,
			want: 404},
		{name: "GET without id", method: http.MethodGet, want: 400},
		{name: "GET forged id", method: http.MethodGet, session: tampered, want: 404},
		{name: "DELETE forged id", method: http.MethodDelete, session: tampered, want: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sessionRequest(t, endpoint, tt.method, tt.session); got != tt.want {
				t.Errorf("%s with session id %q = %d, want %d", tt.method, tt.session, got,
					tt.want)
			}
		})
	}
	t.Run("ended id", func(t *testing.T) {
		if got := sessionRequest(t, endpoint, http.MethodDelete, issued); got != 200 {
			t.Fatalf("DELETE of an issued id = %d, want 200", got)
		}
		if got := sessionRequest(t, endpoint, http.MethodPost, issued); got != 404 {
			t.Errorf("POST with an ended id = %d, want 404", got)
		}
	})
}
