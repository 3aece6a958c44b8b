package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowDelay is how long a simulator fault holds a Docusign response in these tests.
const slowDelay = 3 * time.Second

// simControl drives the control API of the simulator embedded in a serve process.
type simControl struct {
	t   *testing.T
	url string
}

func newSimControl(t *testing.T, p *process) simControl {
	t.Helper()
	return simControl{t: t, url: p.waitForLogField(t, "simulator started", "url")}
}

// delay queues a fault that holds the next times responses of op for slowDelay.
func (s simControl) delay(op string, times int) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"op": op, "delayMs": slowDelay.Milliseconds(),
		"times": times})
	resp, err := http.Post(s.url+"/sim/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatalf("POST /sim/faults: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("POST /sim/faults = %d, want 200", resp.StatusCode)
	}
}

// faultsUsed waits up to limit until every queued fault was drawn by a request, which
// means those requests reached the simulator, and reports whether they were.
func (s simControl) faultsUsed(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var body struct {
			Faults []any `json:"faults"`
		}
		resp, err := http.Get(s.url + "/sim/faults")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
		}
		if err == nil && len(body.Faults) == 0 {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// calls returns the simulator's count of served calls by operation.
func (s simControl) calls() map[string]int {
	s.t.Helper()
	resp, err := http.Get(s.url + "/sim/calls")
	if err != nil {
		s.t.Fatalf("GET /sim/calls: %v", err)
	}
	defer resp.Body.Close()
	out := map[string]int{}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		s.t.Fatalf("decode /sim/calls: %v", err)
	}
	return out
}

// postQuietly posts msg and returns the HTTP status, for goroutines that must not call
// t.Fatal.
func postQuietly(ctx context.Context, url string, header http.Header, msg any) (int, error) {
	data, err := json.Marshal(msg)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	req.Header = header.Clone()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestCancelFromOtherClientIgnored runs a slow 2026-07-28 call with request id 7 from one
// client while another client cancels request id 7. Without sessions the two ids are the
// same to mcp-go, so the cancel must not reach the first client's call.
func TestCancelFromOtherClientIgnored(t *testing.T) {
	p, endpoint := startHTTPServe(t)
	sim := newSimControl(t, p)
	otherSession := legacyInitialize(t, endpoint)
	cancelMsg := map[string]any{"jsonrpc": "2.0", "method": "notifications/cancelled",
		"params": map[string]any{"requestId": 7, "reason": "sent by another client"}}
	modernCancel := map[string]any{"jsonrpc": "2.0", "method": "notifications/cancelled",
		"params": map[string]any{"requestId": 7, "_meta": modernMeta()}}
	tests := []struct {
		name   string
		msg    map[string]any
		header http.Header
		want   int
	}{
		{name: "2026-07-28 cancel", msg: modernCancel,
			header: modernHeader(t, modernCancel), want: http.StatusAccepted},
		{name: "cancel without session id", msg: cancelMsg, header: http.Header{},
			want: http.StatusAccepted},
		{name: "cancel from another session", msg: cancelMsg, want: http.StatusAccepted,
			header: http.Header{"Mcp-Session-Id": {otherSession},
				"Mcp-Protocol-Version": {legacyVersion}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim.delay("Templates:list", 1)
			var wg sync.WaitGroup
			var status int
			var cancelErr error
			wg.Go(func() {
				if !sim.faultsUsed(10 * time.Second) {
					cancelErr = fmt.Errorf("the slow call never reached the simulator")
					return
				}
				status, cancelErr = postQuietly(t.Context(), endpoint, tt.header, tt.msg)
			})
			call := postModern(t, t.Context(), endpoint, modernRequest(7, "tools/call",
				map[string]any{"name": "list_templates", "arguments": map[string]any{}}))
			wg.Wait()
			if cancelErr != nil {
				t.Fatalf("sending the cancel failed: %v", cancelErr)
			}
			if status != tt.want {
				t.Errorf("cancel answered %d, want %d", status, tt.want)
			}
			var res toolResult
			if err := json.Unmarshal(call.msg.Result, &res); err != nil || res.IsError {
				t.Errorf("the first client's call returned %s, want a success result "+
					"that the other client's cancel did not stop", call.body)
			}
		})
	}
}

// stdioReply is one response read from a stdio server, with its arrival time.
type stdioReply struct {
	msg rpcMessage
	at  time.Time
}

// awaitReplies reads stdout until every id in want has a response. It drops the responses
// to other requests.
func awaitReplies(c *stdioClient, want []int, limit time.Duration) map[string]stdioReply {
	c.t.Helper()
	missing := map[string]bool{}
	for _, id := range want {
		missing[fmt.Sprint(id)] = true
	}
	got := map[string]stdioReply{}
	timeout := time.After(limit)
	for len(missing) > 0 {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("server exited while waiting for replies; stderr:\n%s",
					c.proc.stderr)
			}
			msg := c.parseLine(line)
			id := string(msg.ID)
			if missing[id] {
				delete(missing, id)
				got[id] = stdioReply{msg: msg, at: time.Now()}
			}
		case <-timeout:
			c.t.Fatalf("no replies to requests %v within %s", missing, limit)
		}
	}
	return got
}

// startStdioServe starts serve --simulator over stdio, initialized with the 2025 revision.
func startStdioServe(t *testing.T) (*stdioClient, simControl) {
	t.Helper()
	c := newStdioClient(t, "serve", "--simulator", "--log-format", "json")
	sim := newSimControl(t, c.proc)
	c.call("initialize", map[string]any{"protocolVersion": legacyVersion,
		"capabilities": map[string]any{},
		"clientInfo":   map[string]any{"name": "cancel-test", "version": "1"}})
	c.send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	return c, sim
}

// sendToolCall sends a tools/call request without waiting for its response.
func sendToolCall(c *stdioClient, id int, name string, args map[string]any) {
	c.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call",
		"params": map[string]any{"name": name, "arguments": args}})
}

// TestStdioFastCallWhileSlowCallsRun holds eight list_templates calls in the simulator,
// more than mcp-go's default of five stdio workers, and checks that a fast call still
// returns before they end.
func TestStdioFastCallWhileSlowCallsRun(t *testing.T) {
	c, sim := startStdioServe(t)
	const slow = 8
	sim.delay("Templates:list", slow)
	var slowIDs []int
	for i := range slow {
		slowIDs = append(slowIDs, 100+i)
		sendToolCall(c, 100+i, "list_templates", map[string]any{})
	}
	if !sim.faultsUsed(slowDelay / 2) {
		t.Errorf("not all %d slow calls reached the simulator at once, want them to run "+
			"side by side", slow)
	}
	start := time.Now()
	sendToolCall(c, 200, "list_envelopes", map[string]any{})
	replies := awaitReplies(c, append(slowIDs, 200), 30*time.Second)
	if waited := replies["200"].at.Sub(start); waited > slowDelay/2 {
		t.Errorf("list_envelopes answered after %s, want it well before the slow calls "+
			"end after %s", waited.Round(time.Millisecond), slowDelay)
	}
	for id, r := range replies {
		var res toolResult
		if err := json.Unmarshal(r.msg.Result, &res); err != nil || res.IsError {
			t.Errorf("call %s returned %s, want a success result", id, r.msg.Result)
		}
	}
	closeAndDrainQuiet(t, c)
}

// TestStdioCancelStopsRead cancels a list_templates call held in the simulator and checks
// that the read stops. The call returns an error at once, or no response at all, which the
// protocol allows for a cancelled request. It never returns the templates after the delay.
func TestStdioCancelStopsRead(t *testing.T) {
	c, sim := startStdioServe(t)
	sim.delay("Templates:list", 1)
	sendToolCall(c, 50, "list_templates", map[string]any{})
	if !sim.faultsUsed(10 * time.Second) {
		t.Fatalf("list_templates never reached the simulator")
	}
	start := time.Now()
	c.send(map[string]any{"jsonrpc": "2.0", "method": "notifications/cancelled",
		"params": map[string]any{"requestId": 50, "reason": "test cancel"}})
	sendToolCall(c, 51, "list_envelopes", map[string]any{})

	replies := map[string]stdioReply{}
	timeout := time.After(slowDelay + 2*time.Second)
	for waiting := true; waiting; {
		select {
		case line := <-c.lines:
			msg := c.parseLine(line)
			replies[string(msg.ID)] = stdioReply{msg: msg, at: time.Now()}
		case <-timeout:
			waiting = false
		}
	}

	if _, ok := replies["51"]; !ok {
		t.Errorf("list_envelopes after the cancel got no response")
	}
	r, ok := replies["50"]
	if !ok {
		return
	}
	var res toolResult
	_ = json.Unmarshal(r.msg.Result, &res)
	if !res.IsError {
		t.Errorf("the cancelled list_templates returned %s, want an error or no response",
			r.msg.Result)
	}
	if waited := r.at.Sub(start); waited >= slowDelay/2 {
		t.Errorf("the cancelled list_templates responded after %s, want at once",
			waited.Round(time.Millisecond))
	}
}

// TestStdioCancelledWriteFinishes cancels a create_envelope while it runs in Docusign and
// while it waits in the stdio queue, and checks that it still creates its one envelope,
// which a second call with the same idempotency key returns.
func TestStdioCancelledWriteFinishes(t *testing.T) {
	tests := []struct {
		name   string
		queued bool
	}{
		{name: "running"},
		{name: "queued", queued: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, sim := startStdioServe(t)
			var busy []int
			if tt.queued {
				// Hold every worker, so that the create waits in the queue.
				sim.delay("Templates:list", 32)
				for i := range 32 {
					busy = append(busy, 100+i)
					sendToolCall(c, 100+i, "list_templates", map[string]any{})
				}
				if !sim.faultsUsed(10 * time.Second) {
					t.Fatalf("the 32 slow calls did not all reach the simulator")
				}
			} else {
				sim.delay("Envelopes:create", 1)
			}
			key := "cancel-test-" + strings.ReplaceAll(tt.name, " ", "-")
			args := createEnvelopeArgs(t)
			args["idempotency_key"] = key
			sendToolCall(c, 300, "create_envelope", args)
			if !tt.queued && !sim.faultsUsed(10*time.Second) {
				t.Fatalf("create_envelope never reached the simulator")
			}
			c.send(map[string]any{"jsonrpc": "2.0", "method": "notifications/cancelled",
				"params": map[string]any{"requestId": 300, "reason": "test cancel"}})
			if tt.queued {
				awaitReplies(c, busy, 30*time.Second)
			}
			envelopeID := replayCreate(t, c, args)
			if n := sim.calls()["Envelopes:create"]; n != 1 {
				t.Errorf("the simulator served %d creates, want 1 for envelope %s", n,
					envelopeID)
			}
		})
	}
}

// replayCreate calls create_envelope with the same arguments until it returns the
// envelope of the first call, and returns its id.
func replayCreate(t *testing.T, c *stdioClient, args map[string]any) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		raw := c.call("tools/call", map[string]any{"name": "create_envelope",
			"arguments": args})
		var res toolResult
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatalf("decode create_envelope result: %v", err)
		}
		var out struct {
			EnvelopeID string `json:"envelope_id"`
			Status     string `json:"status"`
			Replayed   bool   `json:"replayed"`
		}
		_ = json.Unmarshal(res.StructuredContent, &out)
		if !res.IsError && out.Replayed && out.EnvelopeID != "" && out.Status != "pending" {
			return out.EnvelopeID
		}
		if !res.IsError && !out.Replayed && out.Status != "pending" {
			t.Fatalf("create_envelope with the same idempotency key created envelope %s, "+
				"want the envelope of the cancelled call", out.EnvelopeID)
		}
		if time.Now().After(deadline) {
			t.Fatalf("create_envelope with the same idempotency key did not replay an "+
				"envelope within 60 s; last result %s", raw)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// closeAndDrainQuiet closes stdin and checks the remaining stdout lines and the exit
// status, without closeAndDrain's check for debug logs.
func closeAndDrainQuiet(t *testing.T, c *stdioClient) {
	t.Helper()
	_ = c.proc.stdin.Close()
	for line := range c.lines {
		c.parseLine(line)
	}
	<-c.proc.done
	if c.proc.err != nil {
		t.Errorf("server exited with %v after stdin closed, want status 0", c.proc.err)
	}
}
