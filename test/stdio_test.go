package test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// rpcMessage is any JSON-RPC 2.0 message: a response (id with result or error), a
// request or a notification (method).
type rpcMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// stdioClient speaks JSON-RPC to a server over its stdin and stdout, and checks that
// every line the server prints is a JSON-RPC message.
type stdioClient struct {
	t      *testing.T
	proc   *process
	lines  chan string
	nextID int
	seen   int // stdout lines read so far
}

func newStdioClient(t *testing.T, args ...string) *stdioClient {
	lines := make(chan string, 64)
	return &stdioClient{t: t, proc: startBinary(t, lines, args...), lines: lines}
}

// parseLine fails the test unless line is one JSON-RPC 2.0 message.
func (c *stdioClient) parseLine(line string) rpcMessage {
	c.t.Helper()
	c.seen++
	var msg rpcMessage
	if err := json.Unmarshal([]byte(line), &msg); err != nil {
		c.t.Fatalf("stdout line %d is not JSON: %v\n%.300s", c.seen, err, line)
	}
	isResponse := len(msg.ID) > 0 && (msg.Result != nil || msg.Error != nil)
	if msg.JSONRPC != "2.0" || (!isResponse && msg.Method == "") {
		c.t.Fatalf("stdout line %d is not a JSON-RPC 2.0 message: %.300s", c.seen, line)
	}
	return msg
}

func (c *stdioClient) send(v any) {
	c.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		c.t.Fatalf("encode request: %v", err)
	}
	if _, err := c.proc.stdin.Write(append(data, '\n')); err != nil {
		c.t.Fatalf("write request: %v; stderr:\n%s", err, c.proc.stderr)
	}
}

// call sends a request and returns its result, failing on a JSON-RPC error.
func (c *stdioClient) call(method string, params any) json.RawMessage {
	c.t.Helper()
	c.nextID++
	id := fmt.Sprint(c.nextID)
	c.send(map[string]any{"jsonrpc": "2.0", "id": c.nextID, "method": method, "params": params})
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("server exited while waiting for %s; stderr:\n%s", method, c.proc.stderr)
			}
			msg := c.parseLine(line)
			if string(msg.ID) != id {
				continue
			}
			if msg.Error != nil {
				c.t.Fatalf("%s failed: %d %s", method, msg.Error.Code, msg.Error.Message)
			}
			return msg.Result
		case <-timeout:
			c.t.Fatalf("no response to %s within 60 s; stderr:\n%s", method, c.proc.stderr)
		}
	}
}

// toolResult is the part of a tools/call result the tests read.
type toolResult struct {
	IsError           bool            `json:"isError"`
	StructuredContent json.RawMessage `json:"structuredContent"`
	Content           []struct {
		Type string `json:"type"`
		Text string `json:"text"`
		URI  string `json:"uri"`
	} `json:"content"`
}

// callTool calls a tool, fails on an isError result and decodes the structured
// content into out when out is not nil.
func (c *stdioClient) callTool(name string, args map[string]any, out any) toolResult {
	c.t.Helper()
	var res toolResult
	raw := c.call("tools/call", map[string]any{"name": name, "arguments": args})
	if err := json.Unmarshal(raw, &res); err != nil {
		c.t.Fatalf("decode %s result: %v", name, err)
	}
	if res.IsError {
		c.t.Fatalf("%s returned isError: %+v", name, res.Content)
	}
	if out != nil {
		if err := json.Unmarshal(res.StructuredContent, out); err != nil {
			c.t.Fatalf("decode %s structured content %s: %v", name, res.StructuredContent, err)
		}
	}
	return res
}

// TestStdioEveryToolKeepsStdoutClean runs every tool over stdio with debug logging
// and checks that stdout carries only JSON-RPC messages while the logs go to stderr.
func TestStdioEveryToolKeepsStdoutClean(t *testing.T) {
	c := newStdioClient(t, "serve", "--simulator", "--log-level", "debug")
	c.call("initialize", map[string]any{
		"protocolVersion": "2025-11-25",
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "stdio-test", "version": "1"},
	})
	c.send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})

	var list struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(c.call("tools/list", map[string]any{}), &list); err != nil {
		t.Fatalf("decode tools/list: %v", err)
	}
	called := map[string]bool{}
	var created struct {
		EnvelopeID string `json:"envelope_id"`
	}
	c.callTool("create_envelope", createEnvelopeArgs(t), &created)
	called["create_envelope"] = true
	envelope := map[string]any{"envelope_id": created.EnvelopeID}
	byEnvelope := []string{"get_envelope_status", "list_envelope_documents", "resend_envelope"}
	for _, name := range byEnvelope {
		c.callTool(name, envelope, nil)
		called[name] = true
	}
	c.callTool("list_envelopes", map[string]any{}, nil)
	called["list_envelopes"] = true
	download := c.callTool("download_document",
		map[string]any{"envelope_id": created.EnvelopeID, "document_id": "combined"}, nil)
	called["download_document"] = true
	readDownloadedResource(t, c, download)
	var templates struct {
		Templates []struct {
			TemplateID string `json:"template_id"`
		} `json:"templates"`
	}
	c.callTool("list_templates", map[string]any{}, &templates)
	called["list_templates"] = true
	if len(templates.Templates) == 0 {
		t.Fatalf("list_templates returned no templates, want the simulator's seed templates")
	}
	c.callTool("get_template",
		map[string]any{"template_id": templates.Templates[0].TemplateID}, nil)
	called["get_template"] = true
	c.callTool("list_routing_profiles", map[string]any{}, nil)
	called["list_routing_profiles"] = true
	c.callTool("preview_envelope", createEnvelopeArgs(t), nil)
	called["preview_envelope"] = true
	c.callTool("wait_for_envelope", map[string]any{"envelope_id": created.EnvelopeID,
		"timeout_seconds": 1}, nil)
	called["wait_for_envelope"] = true
	c.callTool("void_envelope", map[string]any{"envelope_id": created.EnvelopeID,
		"reason": "End-to-end test"}, nil)
	called["void_envelope"] = true

	for _, tool := range list.Tools {
		if !called[tool.Name] {
			t.Errorf("tool %s was listed but not called", tool.Name)
		}
	}
	if len(list.Tools) != toolCount {
		t.Errorf("tools/list returned %d tools, want %d", len(list.Tools), toolCount)
	}
	closeAndDrain(t, c)
}

// readDownloadedResource reads the resource link of a download_document result.
func readDownloadedResource(t *testing.T, c *stdioClient, download toolResult) {
	t.Helper()
	for _, item := range download.Content {
		if item.Type != "resource_link" {
			continue
		}
		var res struct {
			Contents []struct {
				Blob string `json:"blob"`
			} `json:"contents"`
		}
		raw := c.call("resources/read", map[string]any{"uri": item.URI})
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatalf("decode resources/read: %v", err)
		}
		if len(res.Contents) != 1 || !strings.HasPrefix(res.Contents[0].Blob, "JVBERi0") {
			t.Errorf("resources/read %s did not return one base64 PDF (JVBERi0 is %%PDF-)",
				item.URI)
		}
		return
	}
	t.Errorf("download_document returned no resource_link: %+v", download.Content)
}

// closeAndDrain closes stdin, checks the remaining stdout lines and the exit status, and
// checks that debug logs went to stderr.
func closeAndDrain(t *testing.T, c *stdioClient) {
	t.Helper()
	_ = c.proc.stdin.Close()
	for line := range c.lines {
		c.parseLine(line)
	}
	<-c.proc.done
	if c.proc.err != nil {
		t.Errorf("server exited with %v after stdin closed, want status 0; stderr:\n%s",
			c.proc.err, c.proc.stderr)
	}
	if !strings.Contains(c.proc.stderr.String(), `"level":"DEBUG"`) {
		t.Errorf("stderr has no debug log lines, want --log-level debug to log there:\n%.2000s",
			c.proc.stderr)
	}
	t.Logf("checked %d stdout lines, all JSON-RPC", c.seen)
}
