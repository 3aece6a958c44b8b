package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/store"
)

const (
	initializeLine = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":` +
		`{"protocolVersion":"2025-06-18","capabilities":{},` +
		`"clientInfo":{"name":"t","version":"1"}}}`
	initializedLine = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	echoCallLine    = `{"jsonrpc":"2.0","id":2,"method":"tools/call",` +
		`"params":{"name":"echo","arguments":{}}}`
)

// recordingOwner serves an MCP server with one echo tool over streamable HTTP and records
// the Authorization header of each request. When forgetOnce is set, it returns 404 for the
// first request that carries a session id after initialize, as an owner does after a
// restart.
type recordingOwner struct {
	mu         sync.Mutex
	auth       []string
	forgetOnce bool
}

func (o *recordingOwner) start(t *testing.T) string {
	t.Helper()
	s := server.NewMCPServer("owner", "1", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("echo"), func(context.Context, mcp.CallToolRequest) (
		*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("echoed"), nil
	})
	streamable := server.NewStreamableHTTPServer(s)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.auth = append(o.auth, r.Header.Get("Authorization"))
		forget := o.forgetOnce && r.Method == http.MethodPost &&
			r.Header.Get("Mcp-Session-Id") != ""
		if forget {
			o.forgetOnce = false
		}
		o.mu.Unlock()
		if forget {
			http.Error(w, "Invalid session ID", http.StatusNotFound)
			return
		}
		streamable.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/mcp"
}

// runBridge forwards the lines to url and returns the messages written to stdout by id.
func runBridge(t *testing.T, url, authorization string, lines ...string) map[string]string {
	t.Helper()
	var out syncBuffer
	b := &bridge{url: url, authorization: authorization, client: &http.Client{},
		logger: slog.New(slog.DiscardHandler), out: &out}
	in := strings.NewReader(strings.Join(lines, "\n") + "\n")
	if err := b.run(context.Background(), in); err != nil {
		t.Fatalf("bridge run failed: %v", err)
	}
	byID := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			t.Fatalf("stdout line is not JSON: %v: %q", err, line)
		}
		byID[string(msg.ID)] = line
	}
	return byID
}

func TestBridgeForwardsWithAuthorization(t *testing.T) {
	owner := &recordingOwner{}
	url := owner.start(t)
	got := runBridge(t, url, "Bearer test-token", initializeLine, initializedLine, echoCallLine)
	if !strings.Contains(got["1"], `"serverInfo":{"name":"owner"`) {
		t.Errorf("initialize reply = %q, want the owner's serverInfo", got["1"])
	}
	if !strings.Contains(got["2"], "echoed") {
		t.Errorf("tools/call reply = %q, want the echo result", got["2"])
	}
	owner.mu.Lock()
	defer owner.mu.Unlock()
	for i, auth := range owner.auth {
		if auth != "Bearer test-token" {
			t.Errorf("request %d Authorization = %q, want the configured header", i, auth)
		}
	}
}

func TestBridgeRenewsForgottenSession(t *testing.T) {
	owner := &recordingOwner{forgetOnce: true}
	url := owner.start(t)
	// The initialized notification is the first request with a session id, so it meets
	// the 404; the bridge renews the session and the tool call still succeeds.
	got := runBridge(t, url, "", initializeLine, initializedLine, echoCallLine)
	if !strings.Contains(got["2"], "echoed") {
		t.Errorf("tools/call reply after renewal = %q, want the echo result", got["2"])
	}
	if len(got) != 2 {
		t.Errorf("stdout has %d messages, want 2 (the replayed initialize reply dropped): %v",
			len(got), got)
	}
}

func TestBridgeReportsUnreachableOwner(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL + "/mcp"
	ts.Close()
	got := runBridge(t, url, "", initializeLine, initializedLine, `not json`)
	if !strings.Contains(got["1"], "check that the server is running") {
		t.Errorf("initialize reply = %q, want a JSON-RPC error naming the owner", got["1"])
	}
	if !strings.Contains(got["null"], `"code":-32700`) {
		t.Errorf("reply to a line that is not JSON = %q, want a parse error", got["null"])
	}
	if len(got) != 2 {
		t.Errorf("stdout has %d messages, want 2 because a notification gets no reply: %v",
			len(got), got)
	}
}

func TestBridgeReportsRejectedRequest(t *testing.T) {
	ts := httptest.NewServer(limitBody(16, http.NotFoundHandler()))
	defer ts.Close()
	got := runBridge(t, ts.URL+"/mcp", "", initializeLine)
	for _, want := range []string{"rejected the request: HTTP 413", "--max-body-bytes"} {
		if !strings.Contains(got["1"], want) {
			t.Errorf("initialize reply = %q, want it to contain %q", got["1"], want)
		}
	}
	if strings.Contains(got["1"], "check that the server is running") {
		t.Errorf("initialize reply = %q, want no hint about a stopped server", got["1"])
	}
}

func TestCheckBridgeable(t *testing.T) {
	url := "http://127.0.0.1:8931/mcp"
	tests := []struct {
		name      string
		simulator bool
		owner     store.Owner
		wantErr   string
	}{
		{name: "HTTP owner, same mode", owner: store.Owner{PID: 7, URL: url}},
		{name: "simulator on both sides", simulator: true,
			owner: store.Owner{PID: 7, URL: url, Simulator: true}},
		{name: "stdio owner", owner: store.Owner{PID: 7, Command: "docusign-mcp serve"},
			wantErr: "process 7 (docusign-mcp serve), and it serves stdio only"},
		{name: "simulator owner, real client",
			owner:   store.Owner{PID: 7, URL: url, Simulator: true},
			wantErr: "serves the simulator while this process is configured for a real"},
		{name: "real owner, simulator client", simulator: true,
			owner:   store.Owner{PID: 7, URL: url},
			wantErr: "serves a real Docusign account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkBridgeable(serveConfig{Simulator: tt.simulator}, "/data", tt.owner)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("checkBridgeable failed: %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("checkBridgeable error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
