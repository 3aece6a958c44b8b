package tools

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/store"
)

// testClock is a settable clock that handlers on other goroutines may read.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// directTools builds the tools of deps, by name, for calling handlers without a transport.
func directTools(t *testing.T, deps Deps) map[string]server.ServerTool {
	t.Helper()
	list, err := Tools(deps)
	if err != nil {
		t.Fatalf("Tools failed: %v", err)
	}
	byName := map[string]server.ServerTool{}
	for _, tool := range list {
		byName[tool.Tool.Name] = tool
	}
	return byName
}

func callDirect(t *testing.T, ctx context.Context, tools map[string]server.ServerTool,
	name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := tools[name].Handler(ctx, req)
	if err != nil {
		t.Fatalf("%s handler returned an error: %v", name, err)
	}
	return res
}

func decodeStatus(t *testing.T, res *mcp.CallToolResult) envelopeStatusOutput {
	t.Helper()
	if res.IsError {
		t.Fatalf("get_envelope_status failed: %s", resultText(res))
	}
	var out envelopeStatusOutput
	if err := json.Unmarshal(res.StructuredContent.(json.RawMessage), &out); err != nil {
		t.Fatalf("decoding the status failed: %v", err)
	}
	return out
}

// createSent creates a sent envelope through the tool and returns its id.
func createSent(t *testing.T, tools map[string]server.ServerTool) string {
	t.Helper()
	res := callDirect(t, context.Background(), tools, "create_envelope",
		documentsEnvelope(t, "sent"))
	if res.IsError {
		t.Fatalf("create_envelope failed: %s", resultText(res))
	}
	var out createEnvelopeOutput
	if err := json.Unmarshal(res.StructuredContent.(json.RawMessage), &out); err != nil {
		t.Fatalf("decoding the create result failed: %v", err)
	}
	return out.EnvelopeID
}

// statusReads counts the Docusign reads that get_envelope_status makes.
func statusReads(h *harness) int {
	calls := h.sim.Calls()
	return calls["Envelopes:get"] + calls["EnvelopeRecipients:list"]
}

func TestStatusOfCompletedEnvelopeReadOnce(t *testing.T) {
	h := newHarness(t)
	h.deps.Envelopes = h.store
	tools := directTools(t, h.deps)
	id := createSent(t, tools)
	if err := h.sim.SignAll(id); err != nil {
		t.Fatalf("SignAll failed: %v", err)
	}
	h.sim.ResetCalls()
	args := map[string]any{"envelope_id": id}
	for i := range 100 {
		out := decodeStatus(t, callDirect(t, context.Background(), tools,
			"get_envelope_status", args))
		if out.Status != "completed" {
			t.Fatalf("call %d: status = %s, want completed", i, out.Status)
		}
		wantSource := statusSourceCache
		if i == 0 {
			wantSource = statusSourceDocusign
		}
		if out.Source != wantSource {
			t.Errorf("call %d: source = %s, want %s", i, out.Source, wantSource)
		}
		if len(out.Recipients) != 2 {
			t.Errorf("call %d: %d recipients, want 2", i, len(out.Recipients))
		}
	}
	if got := statusReads(h); got != 1 {
		t.Errorf("100 status calls made %d Docusign reads, want 1", got)
	}
}

func TestStatusFreshness(t *testing.T) {
	tests := []struct {
		name       string
		wait       time.Duration
		refresh    bool
		maxAge     time.Duration
		wantSource string
	}{
		{name: "negative max age", wait: time.Second, maxAge: -1,
			wantSource: statusSourceDocusign},
		{name: "fresh", wait: 14*time.Minute + 59*time.Second,
			wantSource: statusSourceCache},
		{name: "stale", wait: 15*time.Minute + time.Second, wantSource: statusSourceDocusign},
		{name: "refresh too soon", wait: 10 * time.Minute, refresh: true,
			wantSource: statusSourceCache},
		{name: "refresh allowed", wait: 15*time.Minute + time.Second, refresh: true,
			wantSource: statusSourceDocusign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &testClock{now: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
			h := newHarness(t)
			h.deps.Envelopes, h.deps.Now = h.store, clock.Now
			h.deps.Options.StatusMaxAge = tt.maxAge
			tools := directTools(t, h.deps)
			id := createSent(t, tools)
			args := map[string]any{"envelope_id": id}
			first := decodeStatus(t, callDirect(t, context.Background(), tools,
				"get_envelope_status", args))
			if first.Source != statusSourceDocusign {
				t.Errorf("first source = %s, want docusign", first.Source)
			}
			clock.Advance(tt.wait)
			h.sim.ResetCalls()
			if tt.refresh {
				args["refresh"] = true
			}
			out := decodeStatus(t, callDirect(t, context.Background(), tools,
				"get_envelope_status", args))
			if out.Source != tt.wantSource {
				t.Errorf("source = %s, want %s", out.Source, tt.wantSource)
			}
			wantReads, wantAge := 0, int(tt.wait/time.Second)
			if tt.wantSource == statusSourceDocusign {
				wantReads, wantAge = 1, 0
			}
			if got := statusReads(h); got != wantReads {
				t.Errorf("Docusign reads = %d, want %d", got, wantReads)
			}
			if out.AgeSeconds != wantAge {
				t.Errorf("age_seconds = %d, want %d", out.AgeSeconds, wantAge)
			}
			wantNext := clock.Now().Add(-time.Duration(wantAge) * time.Second)
			if tt.maxAge >= 0 {
				wantNext = wantNext.Add(15 * time.Minute)
			}
			if want := wantNext.UTC().Format(time.RFC3339); out.NextLiveReadAt != want {
				t.Errorf("next_live_read_at = %q, want %q", out.NextLiveReadAt, want)
			}
		})
	}
}

func TestStatusNeverMovesBack(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
	h := newHarness(t)
	h.deps.Envelopes, h.deps.Now = h.store, clock.Now
	tools := directTools(t, h.deps)
	id := createSent(t, tools)
	snapshot, err := json.Marshal(envelopeStatusOutput{EnvelopeID: id, Status: "delivered",
		State: "in_progress", Recipients: []recipientStatus{}})
	if err != nil {
		t.Fatalf("encoding the snapshot failed: %v", err)
	}
	_, _, err = h.store.PutEnvelope(context.Background(), store.EnvelopeState{
		EnvelopeID: id, Status: "delivered", Source: store.SourceWebhook,
		ObservedAt: clock.Now(), Snapshot: snapshot})
	if err != nil {
		t.Fatalf("PutEnvelope failed: %v", err)
	}

	clock.Advance(16 * time.Minute)
	h.sim.ResetCalls()
	out := decodeStatus(t, callDirect(t, context.Background(), tools, "get_envelope_status",
		map[string]any{"envelope_id": id}))
	if got := statusReads(h); got == 0 {
		t.Errorf("a stale status made no Docusign read")
	}
	if out.Status != "delivered" {
		t.Errorf("status = %s after Docusign returned sent, want the stored delivered",
			out.Status)
	}
	if out.Source != statusSourceCache || out.AgeSeconds != 960 {
		t.Errorf("source = %s, age %d s, want cache at 960 s", out.Source, out.AgeSeconds)
	}
}

func TestVoidFeedsEnvelopeState(t *testing.T) {
	h := newHarness(t)
	h.deps.Envelopes = h.store
	tools := directTools(t, h.deps)
	id := createSent(t, tools)
	state, err := h.store.GetEnvelope(context.Background(), id)
	if err != nil {
		t.Fatalf("GetEnvelope after create failed: %v", err)
	}
	if state.Status != "sent" || state.Source != store.SourceCreate {
		t.Errorf("state after create = %s from %s, want sent from create", state.Status,
			state.Source)
	}
	res := callDirect(t, context.Background(), tools, "void_envelope",
		map[string]any{"envelope_id": id, "reason": "Wrong version"})
	if res.IsError {
		t.Fatalf("void_envelope failed: %s", resultText(res))
	}
	state, err = h.store.GetEnvelope(context.Background(), id)
	if err != nil {
		t.Fatalf("GetEnvelope after void failed: %v", err)
	}
	if state.Status != "voided" || state.Source != store.SourceVoid {
		t.Errorf("state after void = %s from %s, want voided from void", state.Status,
			state.Source)
	}
}

func TestVoidRepeatIsReplay(t *testing.T) {
	h := newHarness(t)
	tools := directTools(t, h.deps)
	id := createSent(t, tools)
	const reason = "Wrong version"
	if res := callDirect(t, context.Background(), tools, "void_envelope",
		map[string]any{"envelope_id": id, "reason": reason}); res.IsError {
		t.Fatalf("first void_envelope failed: %s", resultText(res))
	}
	tests := []struct {
		name         string
		reason       string
		wantError    bool
		wantReplayed bool
	}{
		{name: "same reason replays", reason: reason, wantReplayed: true},
		{name: "other reason is invalid state", reason: "Another reason", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.sim.ResetCalls()
			res := callDirect(t, context.Background(), tools, "void_envelope",
				map[string]any{"envelope_id": id, "reason": tt.reason})
			if res.IsError != tt.wantError {
				t.Fatalf("repeated void_envelope error = %v, want %v: %s", res.IsError,
					tt.wantError, resultText(res))
			}
			if tt.wantError {
				return
			}
			var out voidEnvelopeOutput
			if err := json.Unmarshal([]byte(resultText(res)), &out); err != nil {
				t.Fatalf("decode void_envelope result %q: %v", resultText(res), err)
			}
			if out.Action != "voided" || out.Replayed != tt.wantReplayed {
				t.Errorf("repeated void = action %q, replayed %v; want voided, %v",
					out.Action, out.Replayed, tt.wantReplayed)
			}
			if got := h.sim.Calls()[docusigntest.OpUpdateEnvelope]; got != 0 {
				t.Errorf("repeated void sent %d update calls, want 0", got)
			}
		})
	}
}

func TestVoidConfirmationKeepsEnvelopeState(t *testing.T) {
	h := newHarness(t, requireApproval(FallbackDraft, ApprovalVoid))
	h.deps.Envelopes = h.store
	tools := directTools(t, h.deps)
	id := createSent(t, tools)
	c := h.stdioClient(t)
	var out voidEnvelopeOutput
	mustSucceed(t, callTool(t, c, "void_envelope",
		map[string]any{"envelope_id": id, "reason": "Wrong recipient"}), &out)
	if out.Action != statusConfirmNeeded {
		t.Fatalf("void_envelope action = %q, want %s", out.Action, statusConfirmNeeded)
	}
	state, err := h.store.GetEnvelope(context.Background(), id)
	if err != nil {
		t.Fatalf("GetEnvelope after the unconfirmed void failed: %v", err)
	}
	if state.Status != "sent" {
		t.Errorf("state after a void that awaits confirmation = %s, want sent", state.Status)
	}
}
