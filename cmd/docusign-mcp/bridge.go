package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxBridgeMessage bounds one JSON-RPC message read from stdin or from the owner, so a
// runaway peer cannot exhaust memory. Documents travel as resource links, not inline.
const maxBridgeMessage = 64 << 20

// endSessionTimeout bounds the DELETE that ends the session, so a hung owner cannot keep
// the bridge from exiting.
const endSessionTimeout = 2 * time.Second

// bridge forwards JSON-RPC messages between a stdio client and the streamable HTTP endpoint
// of the process that owns the data directory. Each message from stdin becomes one POST,
// and every message in the reply (plain JSON or an SSE stream) becomes one line on stdout.
type bridge struct {
	url           string
	authorization string // Authorization header value; empty sends none
	client        *http.Client
	logger        *slog.Logger

	outMu sync.Mutex
	out   io.Writer

	renewMu sync.Mutex // one session renewal at a time

	mu              sync.Mutex
	sessionID       string
	protocolVersion string
	initialize      []byte // the client's initialize request, replayed for a new session
}

// rpcEnvelope is the part of a JSON-RPC message that the bridge reads.
type rpcEnvelope struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Result *struct {
		ProtocolVersion string `json:"protocolVersion"`
	} `json:"result,omitempty"`
}

// run forwards messages from in until it ends or ctx is done, then ends the HTTP session.
// initialize is forwarded before any later message, so they all carry its session id.
func (b *bridge) run(ctx context.Context, in io.Reader) error {
	lines, readErr := readLines(ctx, in)
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		endCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endSessionTimeout)
		defer cancel()
		b.endSession(endCtx)
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("bridge: read stdin: %w", err)
		case msg := <-lines:
			var env rpcEnvelope
			switch {
			case json.Unmarshal(msg, &env) != nil:
				b.writeError(nil, -32700, "parse error: the line is not a JSON-RPC message")
			case env.Method == "initialize":
				b.forward(ctx, msg, env)
			default:
				wg.Go(func() { b.forward(ctx, msg, env) })
			}
		}
	}
}

// readLines sends each non-empty line of in, then the error that ended reading. A blocked
// read of stdin cannot be cancelled, so it runs on its own goroutine.
func readLines(ctx context.Context, in io.Reader) (<-chan []byte, <-chan error) {
	lines := make(chan []byte)
	errc := make(chan error, 1)
	go func() {
		reader := bufio.NewReaderSize(in, 64<<10)
		for {
			line, err := readLine(reader)
			if msg := bytes.TrimSpace(line); len(msg) > 0 {
				select {
				case lines <- bytes.Clone(msg):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	return lines, errc
}

// readLine reads one line of at most maxBridgeMessage bytes.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		line = append(line, chunk...)
		if len(line) > maxBridgeMessage {
			return nil, fmt.Errorf("message longer than %d bytes", maxBridgeMessage)
		}
		if err != nil || !isPrefix {
			return line, err
		}
	}
}

// forward posts one message and writes the reply. A request whose forwarding fails gets a
// JSON-RPC error, so the client does not wait for a response that will not come.
func (b *bridge) forward(ctx context.Context, msg []byte, env rpcEnvelope) {
	if env.Method == "initialize" {
		b.mu.Lock()
		b.initialize = msg
		b.mu.Unlock()
	}
	sent := b.session()
	err := b.post(ctx, msg, env.Method == "initialize")
	if errors.Is(err, errSessionExpired) && env.Method != "initialize" {
		b.logger.Warn("owner forgot the bridged session, starting a new one")
		err = b.renewSession(ctx, sent)
		if err == nil {
			err = b.post(ctx, msg, false)
		}
	}
	if err == nil {
		return
	}
	b.logger.Error("forwarding to the data directory's owner failed", "url", b.url,
		"method", env.Method, "err", err)
	if len(env.ID) == 0 || env.Method == "" {
		return
	}
	var status *ownerStatusError
	if errors.As(err, &status) {
		b.writeError(env.ID, -32603, fmt.Sprintf("the docusign-mcp server at %s rejected "+
			"the request: %v%s", b.url, err, b.statusHint(status)))
		return
	}
	b.writeError(env.ID, -32603, fmt.Sprintf("bridge to the docusign-mcp server at %s "+
		"failed: %v: check that the server is running", b.url, err))
}

// statusHint returns the fix for an owner's status that the bridge's configuration causes,
// starting with ": ", or "" for other statuses.
func (b *bridge) statusHint(status *ownerStatusError) string {
	if status.StatusCode != http.StatusUnauthorized {
		return ""
	}
	if b.authorization == "" {
		return ": " + bridgeAuthorizationEnv + " is not set: set " + bridgeAuthorizationEnv +
			" to 'Bearer TOKEN' with a token of the owner's policy file"
	}
	return ": set " + bridgeAuthorizationEnv + " to 'Bearer TOKEN' with a token that the " +
		"owner's policy file lists, or a JWT that the owner accepts"
}

// ownerStatusError is an HTTP status other than 200 and 202 from the owner, with the start
// of its body, which for the owner's own rejections is a JSON-RPC error that gives the reason.
type ownerStatusError struct {
	StatusCode int
	Body       string
}

func (e *ownerStatusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.StatusCode, e.Body)
}

// errSessionExpired reports that the owner returned 404 for a session id, as after a restart.
var errSessionExpired = errors.New("session not found on the owner")

// post sends one message and copies every message of the reply to stdout.
func (b *bridge) post(ctx context.Context, msg []byte, initialize bool) error {
	resp, err := b.do(ctx, http.MethodPost, msg)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound && b.session() != "" && !initialize {
		return errSessionExpired
	}
	if resp.StatusCode == http.StatusAccepted {
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &ownerStatusError{StatusCode: resp.StatusCode,
			Body: strings.TrimSpace(string(body))}
	}
	if initialize {
		b.mu.Lock()
		b.sessionID = resp.Header.Get("Mcp-Session-Id")
		b.mu.Unlock()
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return b.copyEvents(resp.Body, initialize)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBridgeMessage))
	if err != nil {
		return fmt.Errorf("read reply: %w", err)
	}
	b.deliver(body, initialize)
	return nil
}

// do sends one HTTP request to the owner with the session headers.
func (b *bridge) do(ctx context.Context, method string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if b.authorization != "" {
		req.Header.Set("Authorization", b.authorization)
	}
	b.mu.Lock()
	if b.sessionID != "" {
		req.Header.Set("Mcp-Session-Id", b.sessionID)
	}
	if b.protocolVersion != "" {
		req.Header.Set("MCP-Protocol-Version", b.protocolVersion)
	}
	b.mu.Unlock()
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, b.url, err)
	}
	return resp, nil
}

// copyEvents writes the data of each server-sent event as one message.
func (b *bridge) copyEvents(body io.Reader, initialize bool) error {
	reader := bufio.NewReaderSize(body, 64<<10)
	var data []byte
	for {
		line, err := readLine(reader)
		switch {
		case len(line) == 0 && len(data) > 0:
			b.deliver(data, initialize)
			data = nil
		case bytes.HasPrefix(line, []byte("data:")):
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, bytes.TrimPrefix(line[len("data:"):], []byte(" "))...)
		}
		if errors.Is(err, io.EOF) {
			if len(data) > 0 {
				b.deliver(data, initialize)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read event stream: %w", err)
		}
	}
}

// deliver writes one message from the owner as a line, and records the protocol version
// from an initialize result.
func (b *bridge) deliver(msg []byte, initialize bool) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, msg); err != nil {
		b.logger.Warn("owner sent a message that is not JSON; dropped", "bytes", len(msg))
		return
	}
	if initialize {
		var env rpcEnvelope
		if json.Unmarshal(msg, &env) == nil && env.Result != nil {
			b.mu.Lock()
			b.protocolVersion = env.Result.ProtocolVersion
			b.mu.Unlock()
		}
	}
	compact.WriteByte('\n')
	b.outMu.Lock()
	defer b.outMu.Unlock()
	if _, err := b.out.Write(compact.Bytes()); err != nil {
		b.logger.Error("writing to stdout failed", "err", err)
	}
}

// writeError writes a JSON-RPC error response with the given id (null when nil).
func (b *bridge) writeError(id json.RawMessage, code int, message string) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id,
		"error": map[string]any{"code": code, "message": message}})
	b.deliver(msg, false)
}

func (b *bridge) session() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sessionID
}

// renewSession replays the client's initialize request and notification to get a new
// session, and drops the replayed reply because the client already has one.
func (b *bridge) renewSession(ctx context.Context, stale string) error {
	// Messages are forwarded concurrently, so several may meet the same 404. One renewal
	// serves them all, and the old id stays in place until the new one is ready, because a
	// message sent without an id would get a 404 that does not read as an expired session.
	b.renewMu.Lock()
	defer b.renewMu.Unlock()
	b.mu.Lock()
	init := b.initialize
	renewed := b.sessionID != stale
	b.mu.Unlock()
	if renewed {
		return nil
	}
	if init == nil {
		return errors.New("no initialize request to replay")
	}
	discard := &bridge{url: b.url, authorization: b.authorization, client: b.client,
		logger: b.logger, out: io.Discard}
	if err := discard.post(ctx, init, true); err != nil {
		return fmt.Errorf("renew session: %w", err)
	}
	b.mu.Lock()
	b.sessionID, b.protocolVersion = discard.sessionID, discard.protocolVersion
	b.mu.Unlock()
	note := []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if err := b.post(ctx, note, false); err != nil {
		return fmt.Errorf("renew session: %w", err)
	}
	return nil
}

// endSession deletes the HTTP session, so the owner frees it before its idle timeout.
func (b *bridge) endSession(ctx context.Context) {
	if b.session() == "" {
		return
	}
	resp, err := b.do(ctx, http.MethodDelete, nil)
	if err != nil {
		b.logger.Warn("ending the bridged session failed", "err", err)
		return
	}
	resp.Body.Close()
}
