package tools

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/mark3labs/mcp-go/server/servertest"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// principalHeader names the principal of a request to sharedServer's clients.
const principalHeader = "X-Test-Principal"

// sharedServer serves Register's tools over one streamable HTTP server, as serve does, and
// takes each request's principal from principalHeader.
func sharedServer(t *testing.T, h *harness) string {
	t.Helper()
	s := server.NewMCPServer("docusign-mcp-test", "0.0.0", server.WithOutputSchemaValidation())
	if err := Register(s, h.deps); err != nil {
		t.Fatalf("Register failed: %v", err)
	}
	ts := servertest.NewTestStreamableHTTPServer(s, server.WithHTTPContextFunc(
		func(ctx context.Context, r *http.Request) context.Context {
			return policy.WithPrincipal(ctx, r.Header.Get(principalHeader))
		}))
	t.Cleanup(ts.Close)
	return ts.URL + "/mcp"
}

// principalClient connects to url as principal and collects its notifications.
func principalClient(t *testing.T, url, principal string) (*client.Client, *notifications) {
	t.Helper()
	c, err := client.NewStreamableHttpClient(url, transport.WithContinuousListening(),
		transport.WithHTTPHeaders(map[string]string{principalHeader: principal}))
	if err != nil {
		t.Fatalf("NewStreamableHttpClient failed: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	got := &notifications{}
	c.OnNotification(got.add)
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("starting the HTTP client failed: %v", err)
	}
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "tools-break-test", Version: "0"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("Initialize over HTTP failed: %v", err)
	}
	return c, got
}

// TestWaitSlotsSharedAcrossPrincipals checks that one principal cannot take every wait
// slot of the server. With only the server-wide bound of 16 waits, an agent that started
// 16 waits of up to 5 minutes each left every other principal with CodeUnavailable for
// that time, although the other principal had started no wait at all.
func TestWaitSlotsSharedAcrossPrincipals(t *testing.T) {
	decider, err := policy.NewStatic(policy.Config{Principals: map[string][]string{
		"busy-agent": {policy.Wildcard}, "other-agent": {policy.Wildcard}}})
	if err != nil {
		t.Fatalf("NewStatic failed: %v", err)
	}
	h := newWatchHarness(t, func(d *Deps) { d.Policy = decider })
	putState(t, h, knownEnvelopeID, "sent", store.SourceDocusign, viewSnapshot("sent"))
	url := sharedServer(t, h)
	busy, got := principalClient(t, url, "busy-agent")
	other, _ := principalClient(t, url, "other-agent")
	var wg sync.WaitGroup
	defer wg.Wait()
	defer putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, nil)
	var returned atomic.Int64
	for i := range maxConcurrentWaits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := "busy-" + string(rune('a'+i))
			_, _ = callWait(t, busy, map[string]any{"envelope_id": knownEnvelopeID,
				"timeout_seconds": 120}, token)
			returned.Add(1)
		}()
	}
	// Each wait either runs, and then sends a progress notification with its own token, or
	// is rejected and returns at once.
	deadline := time.Now().Add(30 * time.Second)
	for startedOrReturned(got, &returned) < maxConcurrentWaits {
		if time.Now().After(deadline) {
			t.Fatalf("the %d waits of busy-agent did not all start or return within 30 s",
				maxConcurrentWaits)
		}
		time.Sleep(10 * time.Millisecond)
	}

	res, err := callWait(t, other, map[string]any{"envelope_id": knownEnvelopeID,
		"until": []string{"sent"}}, "")
	if err != nil {
		t.Fatalf("the wait of other-agent returned a protocol error: %v", err)
	}
	if res.IsError {
		body := mustFail(t, res)
		t.Errorf("the first wait of other-agent failed with %s (%s): busy-agent's %d "+
			"waits hold every slot", body.Code, body.Message, maxConcurrentWaits)
	}
}

// TestWaitUpperCaseGUID checks that a wait on an envelope id in upper case finds the
// envelope's state. A GUID is case-insensitive and Docusign accepts either case, but the
// store keeps states under the lower-case id that Connect and status reads write, and the
// wait looks the id up and compares it byte for byte. Before validateWait lower-cased the
// id, this wait failed with not found although the store knew the envelope as completed.
func TestWaitUpperCaseGUID(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook,
		viewSnapshot("completed"))
	c, _ := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	res, err := callWait(t, c, map[string]any{
		"envelope_id": strings.ToUpper(knownEnvelopeID), "timeout_seconds": 5}, "")
	if err != nil {
		t.Fatalf("wait_for_envelope returned a protocol error: %v", err)
	}
	if res.IsError {
		t.Fatalf("wait_for_envelope on the upper-case id of a stored completed envelope "+
			"failed: %s", resultText(res))
	}
	var out waitOutput
	mustSucceed(t, res, &out)
	if !out.Reached {
		t.Errorf("reached = false with status %q, want true for a completed envelope",
			out.Envelope.Status)
	}
}

// startedOrReturned counts the waits that sent a progress notification, by distinct
// progress token, plus those that returned.
func startedOrReturned(got *notifications, returned *atomic.Int64) int {
	tokens := map[any]bool{}
	for _, n := range got.withMethod(string(mcp.MethodNotificationProgress)) {
		tokens[fmt.Sprint(n.Params.AdditionalFields["progressToken"])] = true
	}
	return len(tokens) + int(returned.Load())
}
