package tools

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/mark3labs/mcp-go/server/servertest"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// modernListen posts a subscriptions/listen request of the 2026-07-28 revision for uris and
// returns the open response, whose SSE stream carries the notifications.
func modernListen(t *testing.T, ctx context.Context, url string, uris []string) *http.Response {
	t.Helper()
	version := mcp.ProtocolVersion20260728
	params := map[string]any{
		"notifications": map[string]any{"resourceSubscriptions": uris},
		"_meta": map[string]any{
			mcp.MetaKeyProtocolVersion:    version,
			mcp.MetaKeyClientInfo:         map[string]any{"name": "era-test", "version": "1"},
			mcp.MetaKeyClientCapabilities: map[string]any{},
		},
	}
	rawParams, err := json.Marshal(params)
	if err != nil {
		t.Fatalf("encoding params failed: %v", err)
	}

	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1,
		"method": mcp.MethodSubscriptionsListen, "params": params})
	if err != nil {
		t.Fatalf("encoding the request failed: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("creating the request failed: %v", err)
	}

	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set(mcp.HeaderProtocolVersion, version)
	for k, v := range mcp.StandardHeaders(version, mcp.MethodSubscriptionsListen, rawParams) {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST subscriptions/listen failed: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// sseMessages sends each JSON message of an SSE stream's data lines to the returned channel.
func sseMessages(resp *http.Response) <-chan map[string]any {
	out := make(chan map[string]any, 64)
	go func() {
		defer close(out)
		scanner := bufio.NewScanner(resp.Body)
		for scanner.Scan() {
			data, ok := strings.CutPrefix(scanner.Text(), "data:")
			var msg map[string]any
			if ok && json.Unmarshal([]byte(strings.TrimSpace(data)), &msg) == nil {
				out <- msg
			}
		}
	}()
	return out
}

// nextWithMethod returns the next message of method from messages, or nil after 20 s.
func nextWithMethod(messages <-chan map[string]any, method string) map[string]any {
	timeout := time.After(20 * time.Second)
	for {
		select {
		case msg, ok := <-messages:
			if !ok {
				return nil
			}
			if msg["method"] == method {
				return msg
			}
		case <-timeout:
			return nil
		}
	}
}

func modernServerURL(t *testing.T, h *harness, principal string) string {
	t.Helper()
	s := server.NewMCPServer("docusign-mcp-test", "0.0.0")
	if err := Register(s, h.deps); err != nil {
		t.Fatalf("Register failed: %v", err)
	}
	ts := servertest.NewTestStreamableHTTPServer(s, server.WithHTTPContextFunc(
		func(ctx context.Context, _ *http.Request) context.Context {
			return policy.WithPrincipal(ctx, principal)
		}))
	t.Cleanup(ts.Close)
	return ts.URL + "/mcp"
}

func TestEnvelopeListenStreamNotifies(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "sent", store.SourceCreate, nil)
	url := modernServerURL(t, h, policy.DefaultPrincipal)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	uri := envelopeURI(knownEnvelopeID)
	resp := modernListen(t, ctx, url, []string{uri})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("subscriptions/listen status = %d, want 200", resp.StatusCode)
	}
	messages := sseMessages(resp)
	ack := nextWithMethod(messages, string(mcp.MethodNotificationSubscriptionsAcknowledged))
	if ack == nil {
		t.Fatalf("no subscriptions/acknowledged within 20 s")
	}
	putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, nil)
	update := nextWithMethod(messages, string(mcp.MethodNotificationResourceUpdated))
	if update == nil {
		t.Fatalf("no resources/updated on the listen stream within 20 s")
	}
	params, _ := update["params"].(map[string]any)
	if params["uri"] != uri {
		t.Errorf("resources/updated uri = %v, want %s", params["uri"], uri)
	}
}

func TestEnvelopeListenPolicyDenied(t *testing.T) {
	denyStatus, err := policy.NewStatic(policy.Config{Principals: map[string][]string{
		"reader": {"list_templates"}}})
	if err != nil {
		t.Fatalf("NewStatic failed: %v", err)
	}
	h := newWatchHarness(t, func(d *Deps) { d.Policy = denyStatus })
	url := modernServerURL(t, h, "reader")
	resp := modernListen(t, context.Background(), url, []string{envelopeURI(knownEnvelopeID)})
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatalf("reading the response failed: %v", err)
	}
	if !strings.Contains(body.String(), CodePolicyDenied) {
		t.Errorf("subscriptions/listen response = %s, want a %s rejection", body.String(),
			CodePolicyDenied)
	}
}

// stdioLines serves Register's tools over stdio on pipes and returns a function that writes
// one JSON-RPC message and a channel of the messages the server writes.
func stdioLines(t *testing.T, h *harness) (func(map[string]any), <-chan map[string]any) {
	t.Helper()
	s := server.NewMCPServer("docusign-mcp-test", "0.0.0")
	if err := Register(s, h.deps); err != nil {
		t.Fatalf("Register failed: %v", err)
	}

	inReader, inWriter := io.Pipe()
	outReader, outWriter := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		stdio := server.NewStdioServer(s)
		// The listen request's result is written after the pipes close, which it reports.
		stdio.SetErrorLogger(log.New(io.Discard, "", 0))
		_ = stdio.Listen(ctx, inReader, outWriter)
	}()
	t.Cleanup(func() {
		cancel()
		inWriter.Close()
		outReader.Close()
		<-done
	})

	messages := make(chan map[string]any, 64)
	go func() {
		scanner := bufio.NewScanner(outReader)
		for scanner.Scan() {
			var msg map[string]any
			if json.Unmarshal(scanner.Bytes(), &msg) == nil {
				messages <- msg
			}
		}
	}()
	write := func(msg map[string]any) {
		raw, _ := json.Marshal(msg)
		if _, err := inWriter.Write(append(raw, '\n')); err != nil {
			t.Errorf("writing to the stdio server failed: %v", err)
		}
	}
	return write, messages
}

// nextWithID returns the next message with JSON-RPC id from messages, or nil after 20 s.
func nextWithID(messages <-chan map[string]any, id float64) map[string]any {
	timeout := time.After(20 * time.Second)
	for {
		select {
		case msg := <-messages:
			if msg["id"] == id {
				return msg
			}
		case <-timeout:
			return nil
		}
	}
}

func TestEnvelopeListenOverStdio(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "sent", store.SourceCreate, nil)
	write, messages := stdioLines(t, h)
	meta := map[string]any{
		mcp.MetaKeyProtocolVersion:    mcp.ProtocolVersion20260728,
		mcp.MetaKeyClientInfo:         map[string]any{"name": "era-test", "version": "1"},
		mcp.MetaKeyClientCapabilities: map[string]any{},
	}
	uri := envelopeURI(knownEnvelopeID)

	write(map[string]any{"jsonrpc": "2.0", "id": 1, "method": mcp.MethodSubscriptionsListen,
		"params": map[string]any{"_meta": meta,
			"notifications": map[string]any{"resourceSubscriptions": []string{uri}}}})
	if nextWithMethod(messages, string(mcp.MethodNotificationSubscriptionsAcknowledged)) == nil {
		t.Fatalf("no subscriptions/acknowledged within 20 s")
	}
	// A request after the open listen stream must still be served.
	write(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "resources/read",
		"params": map[string]any{"_meta": meta, "uri": uri}})
	if reply := nextWithID(messages, 2); reply == nil || reply["result"] == nil {
		t.Fatalf("resources/read after subscriptions/listen = %v, want a result within 20 s",
			reply)
	}

	putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, nil)
	update := nextWithMethod(messages, string(mcp.MethodNotificationResourceUpdated))
	if update == nil {
		t.Fatalf("no resources/updated over stdio within 20 s")
	}
	params, _ := update["params"].(map[string]any)
	if params["uri"] != uri {
		t.Errorf("resources/updated uri = %v, want %s", params["uri"], uri)
	}
}
