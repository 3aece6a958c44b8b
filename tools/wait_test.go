package tools

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/mcptest"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// callWait calls wait_for_envelope with args and, when token is not empty, a progress token.
func callWait(t *testing.T, c *client.Client, args map[string]any, token string) (
	*mcp.CallToolResult, error) {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name = "wait_for_envelope"
	req.Params.Arguments = args
	if token != "" {
		req.Params.Meta = &mcp.Meta{ProgressToken: token}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return c.CallTool(ctx, req)
}

func mustWait(t *testing.T, c *client.Client, args map[string]any, token string) waitOutput {
	t.Helper()
	res, err := callWait(t, c, args, token)
	if err != nil {
		t.Fatalf("wait_for_envelope returned a protocol error: %v", err)
	}
	var out waitOutput
	mustSucceed(t, res, &out)
	return out
}

func TestWaitReturnsAtOnce(t *testing.T) {
	tests := []struct {
		name        string
		status      string
		until       []string
		wantReached bool
		wantFinal   bool
	}{
		{name: "completed by default", status: "completed", wantReached: true, wantFinal: true},
		{name: "target status", status: "delivered", until: []string{"delivered"},
			wantReached: true},
		{name: "past a signing target", status: "signed", until: []string{"delivered"},
			wantReached: true},
		{name: "final but not a target", status: "declined", until: []string{"completed"},
			wantFinal: true},
		{name: "voided by default", status: "voided", wantReached: true, wantFinal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newWatchHarness(t)
			putState(t, h, knownEnvelopeID, tt.status, store.SourceWebhook, viewSnapshot(tt.status))
			c, _ := registeredHTTPClient(t, h, policy.DefaultPrincipal)
			args := map[string]any{"envelope_id": knownEnvelopeID, "timeout_seconds": 60}
			if tt.until != nil {
				args["until"] = tt.until
			}
			start := time.Now()
			out := mustWait(t, c, args, "")
			if out.Reached != tt.wantReached {
				t.Errorf("reached = %v, want %v", out.Reached, tt.wantReached)
			}
			if out.Final != tt.wantFinal {
				t.Errorf("final = %v, want %v", out.Final, tt.wantFinal)
			}
			if out.WaitedMillis != 0 {
				t.Errorf("waited_ms = %d, want 0 for a state that already decides", out.WaitedMillis)
			}
			if elapsed := time.Since(start); elapsed > 50*time.Second {
				t.Errorf("the call took %s, want it to return without waiting", elapsed)
			}
			if out.Envelope.Status != tt.status {
				t.Errorf("envelope status = %q, want %q", out.Envelope.Status, tt.status)
			}
		})
	}
}

func TestWaitWokenByChange(t *testing.T) {
	for _, tr := range []string{"http", "stdio"} {
		t.Run(tr, func(t *testing.T) {
			h := newWatchHarness(t)
			putState(t, h, knownEnvelopeID, "sent", store.SourceDocusign, viewSnapshot("sent"))
			c, got := watchClient(t, h, tr)
			type result struct {
				out waitOutput
				res *mcp.CallToolResult
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := callWait(t, c, map[string]any{"envelope_id": knownEnvelopeID,
					"until": []string{"completed"}, "timeout_seconds": 120}, "wait-1")
				done <- result{res: res, err: err}
			}()
			// The wait announces itself with a first progress notification.
			if !waitForProgress(got, 1) {
				t.Fatalf("no progress notification within 20 s")
			}
			putState(t, h, knownEnvelopeID, "delivered", store.SourceWebhook, nil)
			putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, nil)
			var r result
			select {
			case r = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("wait_for_envelope did not return within 30 s of the completion")
			}
			if r.err != nil {
				t.Fatalf("wait_for_envelope returned a protocol error: %v", r.err)
			}
			mustSucceed(t, r.res, &r.out)
			if !r.out.Reached || r.out.Envelope.Status != "completed" {
				t.Errorf("reached = %v with status %q, want true with completed", r.out.Reached,
					r.out.Envelope.Status)
			}
			if r.out.Envelope.Source != store.SourceWebhook {
				t.Errorf("source = %q, want webhook", r.out.Envelope.Source)
			}
			checkProgressIncreases(t, got, tr == "stdio")
			for _, op := range []string{"Envelopes:get", "Envelopes:listStatusChanges"} {
				if n := h.sim.Calls()[op]; n != 0 {
					t.Errorf("%s calls = %d, want 0 while waiting", op, n)
				}
			}
		})
	}
}

// watchClient returns a client of Register's server over transport tr, http or stdio, and
// the notifications it receives.
func watchClient(t *testing.T, h *harness, tr string) (*client.Client, *notifications) {
	t.Helper()
	if tr == "http" {
		return registeredHTTPClient(t, h, policy.DefaultPrincipal)
	}
	return registeredStdioClient(t, h)
}

func waitForProgress(got *notifications, n int) bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if len(got.withMethod(string(mcp.MethodNotificationProgress))) >= n {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// checkProgressIncreases checks that the progress values received increase. Over HTTP with a
// GET stream open, mcp-go v1.2.1 sends each notification on that stream or on the call's own,
// so only their values, not their order of arrival, are checked there.
func checkProgressIncreases(t *testing.T, got *notifications, inOrder bool) {
	t.Helper()
	var values []float64
	for i, msg := range got.withMethod(string(mcp.MethodNotificationProgress)) {
		fields := msg.Params.AdditionalFields
		if fields["progressToken"] != "wait-1" {
			t.Errorf("progress %d token = %v, want wait-1", i, fields["progressToken"])
		}
		value, ok := fields["progress"].(float64)
		if !ok {
			t.Errorf("progress %d = %v, want a number", i, fields["progress"])
		}
		values = append(values, value)
	}
	if !inOrder {
		slices.Sort(values)
	}
	for i := 1; i < len(values); i++ {
		if values[i] <= values[i-1] {
			t.Errorf("progress values %v do not increase at %d", values, i)
		}
	}
}

func TestWaitTimesOutWithoutChange(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "sent", store.SourceDocusign, viewSnapshot("sent"))
	c, got := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	out := mustWait(t, c, map[string]any{"envelope_id": knownEnvelopeID, "timeout_seconds": 1},
		"wait-1")
	if out.Reached {
		t.Errorf("reached = true, want false after the timeout")
	}
	if out.Final {
		t.Errorf("final = true, want false for a sent envelope")
	}
	if out.WaitedMillis < 1000 {
		t.Errorf("waited_ms = %d, want at least the 1000 ms timeout", out.WaitedMillis)
	}
	want := []string{"completed", "declined", "timedout", "voided"}
	if !jsonEqual(out.Until, want) {
		t.Errorf("until = %v, want the final statuses %v", out.Until, want)
	}
	if n := len(got.withMethod(string(mcp.MethodNotificationProgress))); n < 2 {
		t.Errorf("progress notifications = %d, want the first and the timeout's", n)
	}
}

func TestWaitReadsDocusignOnceWhenUnknown(t *testing.T) {
	h := newWatchHarness(t)
	c, _ := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	id := createSentEnvelope(t, h)
	out := mustWait(t, c, map[string]any{"envelope_id": id, "timeout_seconds": 1}, "")
	if out.Envelope.Status != "sent" || out.Envelope.Source != store.SourceDocusign {
		t.Errorf("envelope = %s from %s, want sent from docusign", out.Envelope.Status,
			out.Envelope.Source)
	}
	if n := h.sim.Calls()["Envelopes:get"]; n != 1 {
		t.Errorf("Envelopes:get calls = %d, want the one read at the start", n)
	}
	mustWait(t, c, map[string]any{"envelope_id": id, "timeout_seconds": 1}, "")
	if n := h.sim.Calls()["Envelopes:get"]; n != 1 {
		t.Errorf("Envelopes:get calls after a second wait = %d, want still 1", n)
	}
}

func TestWaitReadsBareStateOnce(t *testing.T) {
	h := newWatchHarness(t)
	c, _ := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	id := createSentEnvelope(t, h)
	// create_envelope stores the status alone, which get_envelope_status does not serve.
	putState(t, h, id, "sent", store.SourceCreate, nil)
	if err := h.sim.Sign(id, "1"); err != nil {
		t.Fatalf("signing in the simulator failed: %v", err)
	}
	out := mustWait(t, c, map[string]any{"envelope_id": id, "until": []string{"completed"},
		"timeout_seconds": 60}, "")
	if !out.Reached {
		t.Errorf("reached = false with status %q, want the completion read at the start",
			out.Envelope.Status)
	}
	if out.WaitedMillis != 0 {
		t.Errorf("waited_ms = %d, want 0", out.WaitedMillis)
	}
	if n := h.sim.Calls()["Envelopes:get"]; n != 1 {
		t.Errorf("Envelopes:get calls = %d, want the one read at the start", n)
	}
}

func TestWaitRejectsInvalidInput(t *testing.T) {
	tests := []struct {
		name      string
		args      map[string]any
		wantField string
	}{
		{name: "not a guid", args: map[string]any{"envelope_id": "nope"},
			wantField: "envelope_id"},
		{name: "unknown status", args: map[string]any{"envelope_id": knownEnvelopeID,
			"until": []string{"finished"}}, wantField: "until[0]"},
		{name: "timeout too long", args: map[string]any{"envelope_id": knownEnvelopeID,
			"timeout_seconds": 301}, wantField: "timeout_seconds"},
		{name: "negative timeout", args: map[string]any{"envelope_id": knownEnvelopeID,
			"timeout_seconds": -1}, wantField: "timeout_seconds"},
	}
	h := newWatchHarness(t)
	c, _ := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := callWait(t, c, tt.args, "")
			if err != nil {
				t.Fatalf("wait_for_envelope returned a protocol error: %v", err)
			}
			body := mustFail(t, res)
			if body.Code != CodeInvalidArgument || body.Field != tt.wantField {
				t.Errorf("error = %s on %q, want %s on %q", body.Code, body.Field,
					CodeInvalidArgument, tt.wantField)
			}
		})
	}
}

// viewSnapshot returns the snapshot that a status read stores, without recipients.
func viewSnapshot(status string) envelopeStatusOutput {
	return envelopeStatusOutput{EnvelopeID: knownEnvelopeID, Status: status,
		Recipients: []recipientStatus{}}
}

// fakeSession is a ClientSession with a fixed id, for the session tracking of waits.
type fakeSession struct {
	id string
	ch chan mcp.JSONRPCNotification
}

func (f *fakeSession) Initialize()                                         {}
func (f *fakeSession) Initialized() bool                                   { return true }
func (f *fakeSession) NotificationChannel() chan<- mcp.JSONRPCNotification { return f.ch }
func (f *fakeSession) SessionID() string                                   { return f.id }

func TestWaitEndsWithItsSession(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "sent", store.SourceDocusign, viewSnapshot("sent"))
	d, err := prepare(h.deps)
	if err != nil {
		t.Fatalf("prepare failed: %v", err)
	}
	s := server.NewMCPServer("test", "0")
	session := &fakeSession{id: "session-1", ch: make(chan mcp.JSONRPCNotification, 8)}
	ctx := s.WithContext(context.Background(), session)
	in := &waitInput{EnvelopeID: knownEnvelopeID, Until: []string{"completed"},
		TimeoutSeconds: 300}
	done := make(chan *ToolError, 1)
	go func() {
		_, _, terr := waitForEnvelope(ctx, d, in, &waitSlots{})
		done <- terr
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !d.waits.tracks("session-1") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	d.waits.endSession("other-session")
	d.waits.endSession("session-1")
	select {
	case terr := <-done:
		if terr == nil || terr.Code != CodeUnavailable || !terr.Retryable {
			t.Errorf("error = %v, want a retryable %s", terr, CodeUnavailable)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the wait did not end within 20 s of its session")
	}
}

func TestWaitEndsOnCancel(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "sent", store.SourceDocusign, viewSnapshot("sent"))
	d, err := prepare(h.deps)
	if err != nil {
		t.Fatalf("prepare failed: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &waitInput{EnvelopeID: knownEnvelopeID, Until: []string{"completed"},
		TimeoutSeconds: 300}
	done := make(chan *ToolError, 1)
	go func() {
		_, _, terr := waitForEnvelope(ctx, d, in, &waitSlots{})
		done <- terr
	}()
	cancel()
	select {
	case terr := <-done:
		if terr == nil || terr.Code != CodeUnavailable {
			t.Errorf("error = %v, want %s", terr, CodeUnavailable)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the wait did not end within 20 s of the cancel")
	}
}

func TestWaitLimitsWaitsPerPrincipal(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "sent", store.SourceDocusign, viewSnapshot("sent"))
	c, got := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	var wg sync.WaitGroup
	for i := range maxWaitsPerPrincipal {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := "wait-" + string(rune('a'+i))
			if _, err := callWait(t, c, map[string]any{"envelope_id": knownEnvelopeID,
				"timeout_seconds": 120}, token); err != nil {
				t.Errorf("wait %d returned a protocol error: %v", i, err)
			}
		}()
	}
	if !waitForProgress(got, maxWaitsPerPrincipal) {
		t.Fatalf("the %d waits did not all start within 20 s", maxWaitsPerPrincipal)
	}
	res, err := callWait(t, c, map[string]any{"envelope_id": knownEnvelopeID}, "")
	if err != nil {
		t.Fatalf("the extra wait returned a protocol error: %v", err)
	}
	body := mustFail(t, res)
	if body.Code != CodeUnavailable || !body.Retryable {
		t.Errorf("extra wait error = %s (retryable %v), want a retryable %s", body.Code,
			body.Retryable, CodeUnavailable)
	}
	// A call whose state already decides needs no slot.
	out := mustWait(t, c, map[string]any{"envelope_id": knownEnvelopeID,
		"until": []string{"sent"}}, "")
	if !out.Reached {
		t.Errorf("reached = false for a sent envelope and target sent, want true")
	}
	putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, nil)
	wg.Wait()
}

func TestWaitSlotsBounds(t *testing.T) {
	slots := &waitSlots{}
	var releases []func()
	for i := range maxConcurrentWaits {
		principal := "agent-" + string(rune('a'+i/maxWaitsPerPrincipal))
		release, terr := slots.acquire(principal, knownEnvelopeID)
		if terr != nil {
			t.Fatalf("wait %d of %s failed: %s", i, principal, terr.Message)
		}
		releases = append(releases, release)
	}
	if _, terr := slots.acquire("agent-z", knownEnvelopeID); terr == nil ||
		!strings.Contains(terr.Message, "this server") {
		t.Errorf("a wait past the server's bound = %v, want the server's bound", terr)
	}
	releases[0]()
	if _, terr := slots.acquire("agent-a", knownEnvelopeID); terr != nil {
		t.Errorf("a wait after a release failed: %s", terr.Message)
	}
	if _, terr := slots.acquire("agent-b", knownEnvelopeID); terr == nil ||
		!strings.Contains(terr.Message, "this server") {
		t.Errorf("a wait past the server's bound after refilling = %v, want a denial", terr)
	}
	releases[5]()
	if _, terr := slots.acquire("agent-a", knownEnvelopeID); terr == nil ||
		!strings.Contains(terr.Message, "per principal") {
		t.Errorf("a fifth wait of agent-a = %v, want the per-principal bound", terr)
	}
}

func TestWaitOutputMatchesSchema(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, nil)
	// The stdio harness validates structuredContent against the output schema.
	c, _ := registeredStdioClient(t, h)
	res, err := callWait(t, c, map[string]any{"envelope_id": knownEnvelopeID}, "")
	if err != nil {
		t.Fatalf("wait_for_envelope returned a protocol error: %v", err)
	}
	var out map[string]any
	mustSucceed(t, res, &out)
	raw, _ := json.Marshal(out["envelope"])
	if len(raw) < 10 {
		t.Errorf("envelope = %s, want the envelope's state", raw)
	}
}

// registeredStdioClient serves Register's tools and resources over stdio JSON-RPC on pipes,
// with output schema validation, and returns an initialized client and the notifications it
// receives.
func registeredStdioClient(t *testing.T, h *harness) (*client.Client, *notifications) {
	t.Helper()
	srv := mcptest.NewUnstartedServer(t)
	srv.AddServerOptions(server.WithOutputSchemaValidation(), func(s *server.MCPServer) {
		if err := Register(s, h.deps); err != nil {
			t.Errorf("Register failed: %v", err)
		}
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("starting the stdio server failed: %v", err)
	}
	t.Cleanup(srv.Close)
	got := &notifications{}
	srv.Client().OnNotification(got.add)
	return srv.Client(), got
}

// tracks reports whether a wait of sessionID runs.
func (w *waitSessions) tracks(sessionID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.cancels[sessionID]) > 0
}
