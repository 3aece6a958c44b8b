package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// syncBuffer is a bytes.Buffer that a logger writes while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startHTTPServe runs serve --simulator over HTTP in this process and returns the MCP
// URL and a function that stops the server and returns runServe's error.
func startHTTPServe(t *testing.T, origins []string, maxBody int64) (string, func() error) {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	cfg := serveConfig{Simulator: true, DataDir: t.TempDir(), HTTP: httpConfig{
		Addr: "127.0.0.1:0", AllowedOrigins: origins, MaxBodyBytes: maxBody,
		SessionIdleTTL: time.Minute,
	}}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	env, _, _ := testEnv(nil)
	go func() { done <- runServe(ctx, cfg, secrets{}, env, logger) }()
	urlPattern := regexp.MustCompile(`"msg":"serving MCP over streamable HTTP","url":"([^"]+)"`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlPattern.FindStringSubmatch(logs.String()); m != nil {
			return m[1], func() error { cancel(); return <-done }
		}
		select {
		case err := <-done:
			t.Fatalf("runServe returned %v before serving; logs:\n%s", err, logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not log its URL within 20 s; logs:\n%s", logs)
	return "", nil
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{` +
	`"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

func TestServeHTTPGuards(t *testing.T) {
	url, stop := startHTTPServe(t, []string{"http://localhost:6274"}, 4096)
	tests := []struct {
		name   string
		origin string
		body   string
		want   int
	}{
		{name: "no origin", body: initializeBody, want: http.StatusOK},
		{name: "allowed origin", origin: "http://localhost:6274", body: initializeBody,
			want: http.StatusOK},
		{name: "foreign origin", origin: "http://evil.example.com", body: initializeBody,
			want: http.StatusForbidden},
		{name: "body over limit", body: initializeBody + strings.Repeat(" ", 5000),
			want: http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url,
				strings.NewReader(tt.body))
			if err != nil {
				t.Fatalf("build request: %v", err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST %s: %v", url, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	if err := stop(); err != nil {
		t.Errorf("runServe returned %v after cancellation, want nil for a graceful stop", err)
	}
}

func TestServeHTTPListsTools(t *testing.T) {
	url, stop := startHTTPServe(t, nil, defaultMaxBodyBytes)
	defer stop()
	c, err := connectHTTPClient(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	res, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	want := []string{"create_envelope", "download_document", "get_envelope_status",
		"get_template", "list_envelope_documents", "list_envelopes", "list_routing_profiles",
		"list_templates", "preview_envelope", "resend_envelope", "void_envelope",
		"wait_for_envelope"}
	var got []string
	for _, tool := range res.Tools {
		got = append(got, tool.Name)
		if len(tool.RawOutputSchema) == 0 && tool.OutputSchema.Type == "" {
			t.Errorf("tool %s has no output schema", tool.Name)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tools = %v, want %v", got, want)
	}
}

func TestRunDemoTranscript(t *testing.T) {
	var out bytes.Buffer
	logs := &syncBuffer{}
	err := runDemo(t.Context(), demoConfig{DataDir: t.TempDir()}, &out,
		slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("runDemo: %v\ntranscript:\n%s\nlogs:\n%s", err, &out, logs)
	}
	transcript := out.String()
	for _, want := range []string{
		"get_envelope_status: sent",
		"get_envelope_status: completed",
		"download_document combined:",
		"download_document certificate:",
		"is completed and both files are PDFs",
	} {
		if !strings.Contains(transcript, want) {
			t.Errorf("transcript lacks %q:\n%s", want, transcript)
		}
	}
	hashes := regexp.MustCompile(`SHA-256 [0-9a-f]{64}`).FindAllString(transcript, -1)
	if len(hashes) != 2 {
		t.Errorf("transcript has %d SHA-256 hashes, want 2:\n%s", len(hashes), transcript)
	}
	if strings.Contains(transcript, "@example.com") {
		t.Errorf("transcript shows signer email addresses, want none:\n%s", transcript)
	}
	var entry map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line != "" && json.Unmarshal([]byte(line), &entry) == nil && entry["level"] == "ERROR" {
			t.Errorf("demo logged an error: %s", line)
		}
	}
}

func TestReadOnlyListsOnlyReadTools(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	cfg := serveConfig{Simulator: true, DataDir: t.TempDir(), ReadOnly: true}
	a, err := startApp(t.Context(), cfg, secrets{}, logger)
	if err != nil {
		t.Fatalf("startApp: %v", err)
	}
	defer a.close()
	c, err := client.NewInProcessClient(a.mcp)
	if err != nil {
		t.Fatalf("in-process client: %v", err)
	}
	defer c.Close()
	if _, err := c.Initialize(t.Context(), mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.ProtocolVersion20251125}}); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
		if hint := tool.Annotations.ReadOnlyHint; hint == nil || !*hint {
			t.Errorf("tools/list of a read-only server shows %s, which is not read-only",
				tool.Name)
		}
	}
	if len(names) != 8 {
		t.Errorf("tools/list shows %d tools %v, want the 8 read-only ones", len(names), names)
	}
	tests := []struct {
		name       string
		tool       string
		args       map[string]any
		wantHidden bool
	}{
		{name: "list templates reads", tool: "list_templates", args: map[string]any{}},
		{name: "void envelope writes", tool: "void_envelope", wantHidden: true,
			args: map[string]any{"envelope_id": "00000000-0000-0000-0000-000000000000",
				"reason": "test"}},
		{name: "download with bad arguments", tool: "download_document", wantHidden: true,
			args: map[string]any{"bogus": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.CallTool(t.Context(), mcp.CallToolRequest{Params: mcp.CallToolParams{
				Name: tt.tool, Arguments: tt.args}})
			if tt.wantHidden {
				if err == nil || !strings.Contains(err.Error(), "not found") {
					t.Errorf("call %s = %v, %v, want a tool not found error before any "+
						"argument check", tt.tool, res, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("call %s: %v", tt.tool, err)
			}
			if res.IsError {
				t.Errorf("call %s isError, want success: %s", tt.tool, resultText(res))
			}
		})
	}
}
