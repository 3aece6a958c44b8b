package test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// notificationLog collects the notifications an MCP client receives.
type notificationLog struct {
	mu   sync.Mutex
	list []mcp.JSONRPCNotification
}

func (n *notificationLog) add(msg mcp.JSONRPCNotification) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, msg)
}

// matching returns the notifications of method whose params field key equals value.
func (n *notificationLog) matching(method, key string, value any) []mcp.JSONRPCNotification {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []mcp.JSONRPCNotification
	for _, msg := range n.list {
		if msg.Method == method && msg.Params.AdditionalFields[key] == value {
			out = append(out, msg)
		}
	}
	return out
}

// await waits up to 30 s for a notification of method whose params field key equals value.
func (n *notificationLog) await(method, key string, value any) bool {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if len(n.matching(method, key, value)) > 0 {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// connectListening returns an initialized streamable HTTP client of url that keeps a GET
// stream open for notifications, and the notifications it receives.
func connectListening(t *testing.T, url string) (*client.Client, *notificationLog) {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, transport.WithContinuousListening())
	if err != nil {
		t.Fatalf("new HTTP transport: %v", err)
	}
	c := client.NewClient(tr)
	got := &notificationLog{}
	c.OnNotification(got.add)
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("start HTTP client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	_, err = c.Initialize(t.Context(), mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcp.Implementation{Name: "connect-wait-test", Version: "1"},
	}})
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c, got
}

// callToolOK calls a tool and returns its structured output, failing on any error.
func callToolOK(t *testing.T, c *client.Client, name string, args map[string]any) (
	map[string]any, *mcp.CallToolResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, toolRequest(name, args))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return toolOutput(t, res), res
}

// readEnvelopeState reads the envelope resource and returns its JSON.
func readEnvelopeState(t *testing.T, c *client.Client, uri string) map[string]any {
	t.Helper()
	res, err := c.ReadResource(t.Context(), mcp.ReadResourceRequest{
		Params: mcp.ReadResourceParams{URI: uri}})
	if err != nil {
		t.Fatalf("resources/read %s: %v", uri, err)
	}
	if len(res.Contents) != 1 {
		t.Fatalf("resources/read %s returned %d contents, want 1", uri, len(res.Contents))
	}
	text, ok := res.Contents[0].(mcp.TextResourceContents)
	if !ok {
		t.Fatalf("resources/read %s returned %T, want text", uri, res.Contents[0])
	}
	var state map[string]any
	if err := json.Unmarshal([]byte(text.Text), &state); err != nil {
		t.Fatalf("decode %s: %v; text: %s", uri, err, text.Text)
	}
	return state
}

// TestConnectCompletesWait runs the real binary with its simulator publishing Connect
// messages to /connect. An agent creates an envelope, subscribes to it and waits for it
// with a progress token while the simulator's signers sign. The wait must end with the
// completion that Connect delivered, with progress notifications and a resource update on
// the way, and without reading the envelope's status from Docusign.
func TestConnectCompletesWait(t *testing.T) {
	p, url := startHTTPServe(t, "--stuck-check-every", "0")
	simURL := p.waitForLogField(t, "simulator started", "url")
	p.waitForLogMessage(t, "the simulator publishes Connect messages to this server")
	c, got := connectListening(t, url)

	created, _ := callToolOK(t, c, "create_envelope", createEnvelopeArgs(t))
	envelopeID, _ := created["envelope_id"].(string)
	if envelopeID == "" {
		t.Fatalf("create_envelope returned no envelope_id: %v", created)
	}
	uri := "docusign://envelopes/" + envelopeID
	var sub mcp.SubscribeRequest
	sub.Params.URI = uri
	if err := c.Subscribe(t.Context(), sub); err != nil {
		t.Fatalf("resources/subscribe %s: %v", uri, err)
	}
	// One status read leaves a state that wait_for_envelope starts from without reading.
	callToolOK(t, c, "get_envelope_status", map[string]any{"envelope_id": envelopeID})
	before := simCalls(t, simURL)

	type waitResult struct {
		out map[string]any
		err error
	}
	done := make(chan waitResult, 1)
	go func() {
		req := toolRequest("wait_for_envelope", map[string]any{"envelope_id": envelopeID,
			"until": []string{"completed"}, "timeout_seconds": 120})
		req.Params.Meta = &mcp.Meta{ProgressToken: "e2e-wait"}
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
		defer cancel()
		res, err := c.CallTool(ctx, req)
		var out map[string]any
		if err == nil && !res.IsError {
			raw, _ := json.Marshal(res.StructuredContent)
			err = json.Unmarshal(raw, &out)
		} else if err == nil {
			t.Errorf("wait_for_envelope failed: %v", res.Content)
		}
		done <- waitResult{out: out, err: err}
	}()
	progress := string(mcp.MethodNotificationProgress)
	if !got.await(progress, "progressToken", "e2e-wait") {
		t.Fatalf("no progress notification within 30 s of the wait's start")
	}
	postJSON(t, simURL+"/sim/envelopes/"+envelopeID+"/sign-all", map[string]any{})

	var r waitResult
	select {
	case r = <-done:
	case <-time.After(150 * time.Second):
		t.Fatalf("wait_for_envelope did not return within 150 s of the signatures")
	}
	if r.err != nil {
		t.Fatalf("wait_for_envelope: %v", r.err)
	}
	checkWaitCompleted(t, r.out)
	checkNoStatusReads(t, before, simCalls(t, simURL))
	if n := len(got.matching(progress, "progressToken", "e2e-wait")); n < 2 {
		t.Errorf("progress notifications = %d, want the start's and at least one more", n)
	}
	if !got.await(string(mcp.MethodNotificationResourceUpdated), "uri", uri) {
		t.Errorf("no resources/updated for %s within 30 s of the completion", uri)
	}
	checkArchived(t, c, uri)
}

// checkWaitCompleted checks a wait_for_envelope output that Connect's completion ended.
func checkWaitCompleted(t *testing.T, out map[string]any) {
	t.Helper()
	if out["reached"] != true {
		t.Errorf("reached = %v, want true", out["reached"])
	}
	envelope, _ := out["envelope"].(map[string]any)
	if envelope["status"] != "completed" {
		t.Errorf("envelope status = %v, want completed", envelope["status"])
	}
	if envelope["source"] != "webhook" {
		t.Errorf("envelope source = %v, want webhook: the completion came by Connect",
			envelope["source"])
	}
}

// checkNoStatusReads checks that no envelope status was read from the simulator between two
// snapshots of its call counts.
func checkNoStatusReads(t *testing.T, before, after map[string]int) {
	t.Helper()
	for _, op := range []string{"Envelopes:get", "Envelopes:listStatusChanges"} {
		if after[op] != before[op] {
			t.Errorf("%s calls went from %d to %d during the wait, want no status reads",
				op, before[op], after[op])
		}
	}
}

// checkArchived waits up to 60 s for the completion pipeline to archive the envelope, as
// the resource shows it.
func checkArchived(t *testing.T, c *client.Client, uri string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		state := readEnvelopeState(t, c, uri)
		if state["archived"] == true {
			if state["status"] != "completed" {
				t.Errorf("archived envelope status = %v, want completed", state["status"])
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("%s did not show archived within 60 s of the completion", uri)
}

// TestWaitEndsAtShutdown stops the server while a wait runs. The wait must return a
// retryable unavailable error rather than hold the shutdown until its timeout, so the HTTP
// transport stops gracefully.
func TestWaitEndsAtShutdown(t *testing.T) {
	p, url := startHTTPServe(t, "--stuck-check-every", "0")
	c, got := connectListening(t, url)
	created, _ := callToolOK(t, c, "create_envelope", createEnvelopeArgs(t))
	envelopeID, _ := created["envelope_id"].(string)
	callToolOK(t, c, "get_envelope_status", map[string]any{"envelope_id": envelopeID})

	done := make(chan *mcp.CallToolResult, 1)
	go func() {
		req := toolRequest("wait_for_envelope", map[string]any{"envelope_id": envelopeID,
			"until": []string{"completed"}, "timeout_seconds": 300})
		req.Params.Meta = &mcp.Meta{ProgressToken: "shutdown-wait"}
		res, err := c.CallTool(context.Background(), req)
		if err != nil {
			t.Errorf("wait_for_envelope during shutdown: %v", err)
		}
		done <- res
	}()
	if !got.await(string(mcp.MethodNotificationProgress), "progressToken", "shutdown-wait") {
		t.Fatalf("no progress notification within 30 s of the wait's start")
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("signal the server: %v", err)
	}
	select {
	case res := <-done:
		checkShutdownError(t, res)
	case <-time.After(60 * time.Second):
		t.Fatalf("wait_for_envelope did not return within 60 s of the shutdown signal")
	}
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not exit within 60 s of the shutdown signal")
	}
	if !strings.Contains(p.stderr.String(), `"msg":"HTTP transport stopped"`) {
		t.Errorf("the HTTP transport did not stop gracefully; stderr:\n%s", p.stderr)
	}
}

// checkShutdownError checks that a wait ended by shutdown returned a retryable unavailable
// error.
func checkShutdownError(t *testing.T, res *mcp.CallToolResult) {
	t.Helper()
	if res == nil {
		return
	}
	if !res.IsError || len(res.Content) == 0 {
		t.Fatalf("wait_for_envelope result = %v, want an error result", res.Content)
	}
	text, _ := res.Content[0].(mcp.TextContent)
	var body struct {
		Code      string `json:"code"`
		Retryable bool   `json:"retryable"`
	}
	if err := json.Unmarshal([]byte(text.Text), &body); err != nil {
		t.Fatalf("decode the error %q: %v", text.Text, err)
	}
	if body.Code != "unavailable" {
		t.Errorf("error code = %q, want unavailable", body.Code)
	}
	if !body.Retryable {
		t.Errorf("retryable = false, want true")
	}
}
