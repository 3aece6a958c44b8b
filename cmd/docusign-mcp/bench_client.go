package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// Clients that bench can load a server with.
const (
	// clientLean writes each JSON-RPC request by hand over one kept-alive HTTP connection
	// and reads the response without decoding it, so that the load costs the machine as
	// little CPU as possible and leaves the cores to the server.
	clientLean = "lean"
	// clientMCPGo is mcp-go's own client.
	clientMCPGo = "mcp-go"
)

// leanProtocolVersion is the protocol version the lean client asks for: the newest one
// with the initialize handshake and session ids.
const leanProtocolVersion = mcp.ProtocolVersion20251125

// benchCaller is one initialized MCP session of the load.
type benchCaller interface {
	// callTool calls a tool and returns an error for a failed request or an isError
	// result.
	callTool(ctx context.Context, tool string, args map[string]any) error
	close()
}

// connectCaller initializes one session of the client kind against url. token, when set,
// is sent as a bearer token.
func connectCaller(ctx context.Context, kind, url, token string) (benchCaller, error) {
	if kind == clientMCPGo {
		return connectMCPGo(ctx, url, token)
	}
	return connectLean(ctx, url, token)
}

// mcpGoCaller is a session of mcp-go's client.
type mcpGoCaller struct{ c *client.Client }

func connectMCPGo(ctx context.Context, url, token string) (benchCaller, error) {
	var opts []transport.StreamableHTTPCOption
	if token != "" {
		opts = append(opts, transport.WithHTTPHeaders(map[string]string{
			"Authorization": "Bearer " + token}))
	}
	c, err := client.NewStreamableHttpClient(url, opts...)
	if err == nil {
		err = c.Start(ctx)
	}
	if err == nil {
		_, err = c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
			ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
			ClientInfo: mcp.Implementation{Name: "docusign-mcp-bench",
				Version: buildVersion()}}})
	}
	if err != nil {
		if c != nil {
			_ = c.Close()
		}
		return nil, err
	}
	return mcpGoCaller{c: c}, nil
}

func (m mcpGoCaller) callTool(ctx context.Context, tool string, args map[string]any) error {
	res, err := m.c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: tool,
		Arguments: args}})
	if err != nil {
		return err
	}
	if res.IsError {
		return fmt.Errorf("%s returned an error result: %s", tool, resultText(res))
	}
	return nil
}

func (m mcpGoCaller) close() { _ = m.c.Close() }

// leanCaller is a session of the lean client. It is used by one goroutine at a time.
type leanCaller struct {
	http      *http.Client
	url       string
	token     string
	sessionID string
	nextID    int
	body      []byte
}

func connectLean(ctx context.Context, url, token string) (benchCaller, error) {
	c := &leanCaller{url: url, token: token, http: &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 1, DisableCompression: true}}}
	init := `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"` +
		leanProtocolVersion + `","capabilities":{},"clientInfo":{"name":` +
		`"docusign-mcp-bench","version":"1"}}}`
	resp, body, err := c.post(ctx, "initialize", []byte(init))
	if err != nil {
		return nil, fmt.Errorf("initialize: %w", err)
	}
	var result struct {
		Result struct {
			ProtocolVersion string `json:"protocolVersion"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &result); err != nil ||
		result.Result.ProtocolVersion != leanProtocolVersion {
		return nil, fmt.Errorf("initialize: the server returned %.200q, expected protocol "+
			"version %s", body, leanProtocolVersion)
	}
	c.sessionID = resp.Header.Get("Mcp-Session-Id")
	initialized := `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	if _, _, err := c.post(ctx, "notifications/initialized", []byte(initialized)); err != nil {
		return nil, fmt.Errorf("send initialized: %w", err)
	}
	return c, nil
}

// callTool sends one tools/call request and checks the response without decoding it.
func (c *leanCaller) callTool(ctx context.Context, tool string, args map[string]any) error {
	c.nextID++
	arguments, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("encode the arguments of %s: %w", tool, err)
	}
	c.body = append(c.body[:0], `{"jsonrpc":"2.0","id":`...)
	c.body = strconv.AppendInt(c.body, int64(c.nextID), 10)
	c.body = append(c.body, `,"method":"tools/call","params":{"name":"`...)
	c.body = append(c.body, tool...)
	c.body = append(c.body, `","arguments":`...)
	c.body = append(c.body, arguments...)
	c.body = append(c.body, "}}"...)
	_, body, err := c.post(ctx, "tools/call", c.body)
	if err != nil {
		return fmt.Errorf("call %s: %w", tool, err)
	}
	failed := bytes.Contains(body, []byte(`"isError":true`))
	if failed || !bytes.Contains(body, []byte(`"result":`)) {
		return fmt.Errorf("%s returned an error: %.300s", tool, body)
	}
	return nil
}

// post sends one JSON-RPC message and returns the response and its JSON body. When the
// server responds with an event stream, the body is the data of its last event.
func (c *leanCaller) post(ctx context.Context, method string, message []byte) (
	*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url,
		bytes.NewReader(message))
	if err != nil {
		return nil, nil, err
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["Accept"] = []string{"application/json, text/event-stream"}
	if c.token != "" {
		req.Header["Authorization"] = []string{"Bearer " + c.token}
	}
	if c.sessionID != "" {
		req.Header["Mcp-Session-Id"] = []string{c.sessionID}
		req.Header["Mcp-Protocol-Version"] = []string{leanProtocolVersion}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read the %s response: %w", method, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, nil, fmt.Errorf("%s failed with HTTP %d: %.200s", method, resp.StatusCode,
			body)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, err = lastEventData(body)
	}
	return resp, body, err
}

// lastEventData returns the data of the last event of an event stream, which carries the
// response after any notifications.
func lastEventData(stream []byte) ([]byte, error) {
	var data []byte
	scanner := bufio.NewScanner(bytes.NewReader(stream))
	scanner.Buffer(make([]byte, 0, 64*1024), 64<<20)
	for scanner.Scan() {
		if rest, ok := bytes.CutPrefix(scanner.Bytes(), []byte("data:")); ok {
			data = append(data[:0], bytes.TrimSpace(rest)...)
		}
	}
	if data == nil {
		return nil, errors.New("the event stream carried no data")
	}
	return data, scanner.Err()
}

func (c *leanCaller) close() {
	if c.sessionID != "" {
		req, err := http.NewRequest(http.MethodDelete, c.url, nil)
		if err == nil {
			req.Header.Set("Mcp-Session-Id", c.sessionID)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			if resp, err := c.http.Do(req); err == nil {
				_ = resp.Body.Close()
			}
		}
	}
	c.http.CloseIdleConnections()
}
