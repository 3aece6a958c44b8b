package test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// Protocol revisions: the last one with initialize and sessions, and the sessionless one.
const (
	legacyVersion = "2025-11-25"
	modernVersion = "2026-07-28"
)

// startHTTPServe starts serve --simulator on a free loopback port and returns the process
// and its MCP endpoint URL.
func startHTTPServe(t *testing.T, extra ...string) (*process, string) {
	t.Helper()
	args := append([]string{"serve", "--simulator", "--http", "127.0.0.1:0", "--no-auth",
		"--log-format", "json"}, extra...)
	p := startBinary(t, nil, args...)
	return p, p.waitForLogField(t, "serving MCP over streamable HTTP", "url")
}

// newGoClient connects mcp-go's client to tr and initializes it. A version of the 2025
// revisions makes it send initialize; an empty one lets it discover the sessionless
// revision with server/discover.
func newGoClient(t *testing.T, tr transport.Interface, version string) *client.Client {
	t.Helper()
	var opts []client.ClientOption
	if version != "" {
		opts = append(opts, client.WithProtocolVersion(version))
	}
	c := client.NewClient(tr, opts...)
	// The stdio transport ties the server process to Start's context, so it must last as
	// long as the test.
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("start client: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ClientInfo = mcp.Implementation{Name: "eras-test", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		t.Fatalf("initialize (version %q): %v", version, err)
	}
	return c
}

// checkToolsWork lists the tools and calls list_templates through c.
func checkToolsWork(t *testing.T, c *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	if len(list.Tools) != toolCount {
		t.Errorf("tools/list returned %d tools, want %d", len(list.Tools), toolCount)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "list_templates"
	req.Params.Arguments = map[string]any{}
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("tools/call list_templates: %v", err)
	}
	if res.IsError || res.StructuredContent == nil {
		t.Errorf("list_templates returned isError=%v with structured content %v, want "+
			"a success result", res.IsError, res.StructuredContent)
	}
}

// eraCase is one protocol era: the version the client asks for, the version it must end
// up speaking, and whether it has a session id.
type eraCase struct {
	name        string
	ask         string
	wantVersion string
	wantSession bool
}

var eraCases = []eraCase{
	{name: "2025 revision with initialize", ask: legacyVersion, wantVersion: legacyVersion,
		wantSession: true},
	{name: "2026-07-28 without initialize", ask: "", wantVersion: modernVersion},
}

func TestErasOverHTTP(t *testing.T) {
	_, url := startHTTPServe(t)
	for _, tt := range eraCases {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transport.NewStreamableHTTP(url)
			if err != nil {
				t.Fatalf("create HTTP transport: %v", err)
			}
			c := newGoClient(t, tr, tt.ask)
			if got := c.ProtocolVersion(); got != tt.wantVersion {
				t.Errorf("negotiated protocol version %q, want %q", got, tt.wantVersion)
			}
			session := c.GetSessionId()
			if tt.wantSession != (session != "") {
				t.Errorf("session id %q, want one: %v", session, tt.wantSession)
			}
			if tt.wantSession && !strings.HasPrefix(session, "s1.") {
				t.Errorf("session id %q, want one signed by this server (prefix s1.)", session)
			}
			checkToolsWork(t, c)
		})
	}
}

func TestErasOverStdio(t *testing.T) {
	for _, tt := range eraCases {
		t.Run(tt.name, func(t *testing.T) {
			trackSources(t)
			env := append(os.Environ(), "HOME="+t.TempDir())
			tr := transport.NewStdio(binaryPath, env, "serve", "--simulator",
				"--log-level", "debug")
			c := newGoClient(t, tr, tt.ask)
			if got := c.ProtocolVersion(); got != tt.wantVersion {
				t.Errorf("negotiated protocol version %q, want %q", got, tt.wantVersion)
			}
			checkToolsWork(t, c)
		})
	}
}

// modernMeta returns the _meta that every request of the 2026-07-28 revision carries in
// place of initialize.
func modernMeta() map[string]any {
	return map[string]any{
		mcp.MetaKeyProtocolVersion:    modernVersion,
		mcp.MetaKeyClientInfo:         map[string]any{"name": "raw-test", "version": "1"},
		mcp.MetaKeyClientCapabilities: map[string]any{},
	}
}

// modernRequest returns a JSON-RPC request of the 2026-07-28 revision.
func modernRequest(id int, method string, params map[string]any) map[string]any {
	if params == nil {
		params = map[string]any{}
	}
	params["_meta"] = modernMeta()
	return map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}
}

// httpReply is an HTTP response to one JSON-RPC POST.
type httpReply struct {
	status int
	header http.Header
	body   string
	msg    rpcMessage // the JSON-RPC response, from a JSON body or the SSE stream
}

// postJSONRPC posts msg to url with header and reads the JSON-RPC response, if any.
func postJSONRPC(t *testing.T, ctx context.Context, url string, header http.Header,
	msg any) httpReply {
	t.Helper()
	data, err := json.Marshal(msg)
	if err != nil {
		t.Fatalf("encode message: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("create request: %v", err)
	}
	req.Header = header.Clone()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	reply := httpReply{status: resp.StatusCode, header: resp.Header, body: string(body)}
	reply.msg = decodeReply(resp.Header.Get("Content-Type"), body)
	return reply
}

// decodeReply returns the JSON-RPC response in a JSON body or in an SSE stream's data
// lines; notifications in the stream are skipped.
func decodeReply(contentType string, body []byte) rpcMessage {
	var msg rpcMessage
	if !strings.HasPrefix(contentType, "text/event-stream") {
		_ = json.Unmarshal(body, &msg)
		return msg
	}
	scanner := bufio.NewScanner(bytes.NewReader(body))
	scanner.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for scanner.Scan() {
		data, ok := strings.CutPrefix(scanner.Text(), "data:")
		var m rpcMessage
		if ok && json.Unmarshal([]byte(strings.TrimSpace(data)), &m) == nil && m.ID != nil {
			return m
		}
	}
	return msg
}

// modernHeader returns the HTTP headers of a 2026-07-28 request: the protocol version and
// the Mcp-Method and Mcp-Name headers derived from the body.
func modernHeader(t *testing.T, msg map[string]any) http.Header {
	t.Helper()
	params, err := json.Marshal(msg["params"])
	if err != nil {
		t.Fatalf("encode params: %v", err)
	}
	h := http.Header{}
	h.Set(mcp.HeaderProtocolVersion, modernVersion)
	method, _ := msg["method"].(string)
	for k, v := range mcp.StandardHeaders(modernVersion, mcp.MCPMethod(method), params) {
		h.Set(k, v)
	}
	return h
}

// postModern posts a 2026-07-28 request with its headers.
func postModern(t *testing.T, ctx context.Context, url string, msg map[string]any) httpReply {
	t.Helper()
	return postJSONRPC(t, ctx, url, modernHeader(t, msg), msg)
}

// TestModernEraRawHTTP speaks the 2026-07-28 revision with net/http alone: server/discover,
// then a tool call with no initialize before it and no session id on either side.
func TestModernEraRawHTTP(t *testing.T) {
	_, url := startHTTPServe(t)
	ctx := t.Context()
	discover := postModern(t, ctx, url, modernRequest(1, "server/discover", nil))
	if discover.status != http.StatusOK || discover.msg.Error != nil {
		t.Fatalf("server/discover = %d %s, want 200 with a result", discover.status,
			discover.body)
	}
	var discovered struct {
		SupportedVersions []string `json:"supportedVersions"`
	}
	_ = json.Unmarshal(discover.msg.Result, &discovered)
	if !strings.Contains(strings.Join(discovered.SupportedVersions, " "), modernVersion) {
		t.Errorf("server/discover result %s does not list %s", discover.msg.Result,
			modernVersion)
	}
	call := postModern(t, ctx, url, modernRequest(2, "tools/call",
		map[string]any{"name": "list_templates", "arguments": map[string]any{}}))
	if call.status != http.StatusOK || call.msg.Error != nil {
		t.Fatalf("tools/call = %d %s, want 200 with a result", call.status, call.body)
	}
	var res toolResult
	if err := json.Unmarshal(call.msg.Result, &res); err != nil || res.IsError {
		t.Errorf("list_templates result %s, want a success result", call.msg.Result)
	}
	for _, r := range []httpReply{discover, call} {
		if id := r.header.Get("Mcp-Session-Id"); id != "" {
			t.Errorf("a 2026-07-28 response carries Mcp-Session-Id %q, want none", id)
		}
	}
}

// TestModernEraRawStdio speaks the 2026-07-28 revision over stdio pipes with debug logging,
// and checks every stdout line as JSON-RPC.
func TestModernEraRawStdio(t *testing.T) {
	c := newStdioClient(t, "serve", "--simulator", "--log-level", "debug")
	c.call("server/discover", map[string]any{"_meta": modernMeta()})
	var templates struct {
		Templates []struct {
			TemplateID string `json:"template_id"`
		} `json:"templates"`
	}
	list := callModernTool(c, "list_templates", map[string]any{})
	if err := json.Unmarshal(list.StructuredContent, &templates); err != nil ||
		len(templates.Templates) == 0 {
		t.Fatalf("list_templates returned %s, want the simulator's templates",
			list.StructuredContent)
	}
	callModernTool(c, "get_template",
		map[string]any{"template_id": templates.Templates[0].TemplateID})
	closeAndDrain(t, c)
}

// callModernTool calls a tool with the 2026-07-28 _meta and fails on an isError result.
func callModernTool(c *stdioClient, name string, args map[string]any) toolResult {
	c.t.Helper()
	raw := c.call("tools/call", map[string]any{"name": name, "arguments": args,
		"_meta": modernMeta()})
	var res toolResult
	if err := json.Unmarshal(raw, &res); err != nil || res.IsError {
		c.t.Fatalf("%s without initialize returned %s, want a success result", name, raw)
	}
	return res
}

func TestInspectorModernEra(t *testing.T) {
	tools := requireNodeTools(t)
	_, url := startHTTPServe(t)
	targets := []struct {
		name   string
		target []string
	}{
		{name: "stdio", target: []string{"--", binaryPath, "serve", "--simulator"}},
		{name: "HTTP", target: []string{url}},
	}
	for _, tt := range targets {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--protocol-era", "modern", "--method", "tools/call",
				"--tool-name", "list_templates", "--format", "json", "-q"}, tt.target...)
			stdout, stderr, code := inspector(t, tools, args...)
			var res struct {
				IsError           bool `json:"isError"`
				StructuredContent struct {
					Templates []any `json:"templates"`
				} `json:"structuredContent"`
			}
			inspectorResult(t, stdout, stderr, code, &res)
			if res.IsError || len(res.StructuredContent.Templates) == 0 {
				t.Errorf("list_templates over the 2026-07-28 revision returned %s, want "+
					"the simulator's templates", stdout)
			}
		})
	}
}
