package test

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// lifecycleHMACKey is the Connect key that the simulator signs with and serve checks.
const lifecycleHMACKey = "lifecycle-connect-key"

// TestLifecycleDocusignCalls follows one envelope from create_envelope to its archive with
// Connect on, and counts the Docusign calls the simulator served by operation. Status calls
// while Connect delivers must cost nothing, and the archive one download per artifact.
func TestLifecycleDocusignCalls(t *testing.T) {
	sim, env := startSimInProcess(t)
	env = append(env, "DOCUSIGN_CONNECT_HMAC_KEYS="+lifecycleHMACKey)
	p := startLifecycleServe(t, env)
	connectEndpoint := connectURL(t, p)
	err := sim.SetConnect(docusigntest.ConnectConfig{URL: connectEndpoint,
		HMACKeys: []string{lifecycleHMACKey}, IncludeData: []string{"recipients"}})
	if err != nil {
		t.Fatalf("configure the simulator's Connect: %v", err)
	}
	c := connectHTTP(t, strings.TrimSuffix(connectEndpoint, "/connect")+"/mcp")

	res, err := c.CallTool(t.Context(), toolRequest("create_envelope", createEnvelopeArgs(t)))
	if err != nil {
		t.Fatalf("create_envelope: %v", err)
	}
	envelopeID, _ := toolOutput(t, res)["envelope_id"].(string)
	// NOTE: the state that create_envelope stores has no recipients, so a status call
	// before the first Connect message would read the envelope once from Docusign.
	waitForCondition(t, "the envelope-sent Connect message is acknowledged", func() bool {
		return acknowledged(sim, envelopeID, "envelope-sent")
	})
	callStatus(t, c, envelopeID, 20)
	if err := sim.SignAll(envelopeID); err != nil {
		t.Fatalf("sign envelope %s in the simulator: %v", envelopeID, err)
	}
	p.waitForLogMessage(t, "envelope archived")
	waitForCondition(t, "the envelope's status is completed", func() bool {
		return statusOf(t, c, envelopeID) == "completed"
	})
	callStatus(t, c, envelopeID, 20)

	// The status calls were all served from the Connect messages' envelope summaries.
	want := map[string]int{
		"OAuth:token":                 1,
		"OAuth:userinfo":              1,
		"Envelopes:create":            1,
		"EnvelopeDocuments:list":      1,
		"EnvelopeDocuments:get":       2, // combined and certificate
		"Envelopes:get":               0,
		"EnvelopeRecipients:list":     0,
		"Envelopes:listStatusChanges": 0,
	}
	checkCalls(t, sim.Calls(), want)
	if got := len(sim.ConnectDeliveries()); got == 0 {
		t.Errorf("the simulator made no Connect deliveries, want at least the completion")
	}
}

// TestStatusCallsOnFreshEnvelope calls get_envelope_status 1,000 times on an envelope
// created outside serve, so nothing is stored about it: at most one Docusign read.
func TestStatusCallsOnFreshEnvelope(t *testing.T) {
	sim, env := startSimInProcess(t)
	envelopeID := createSentEnvelope(t, sim)
	p := startLifecycleServe(t, env)
	c := connectHTTP(t, p.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	before := sim.Calls()["Envelopes:get"]
	callStatus(t, c, envelopeID, 1000)
	if got := sim.Calls()["Envelopes:get"] - before; got > 1 {
		t.Errorf("1,000 status calls made %d Envelopes:get calls, want at most 1", got)
	}
}

// startLifecycleServe starts 'serve --http' like startServe, with the stuck check off so
// that its listStatusChanges call does not count.
func startLifecycleServe(t *testing.T, env []string) *process {
	t.Helper()
	trackSources(t)
	cmd := exec.Command(binaryPath, "serve", "--http", "127.0.0.1:0", "--no-auth",
		"--log-format", "json", "--stuck-check-every", "0")
	cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir()), env...)
	p := &process{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start serve: %v", err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// callStatus calls get_envelope_status n times, failing on the first failed call.
func callStatus(t *testing.T, c *client.Client, envelopeID string, n int) {
	t.Helper()
	for i := range n {
		res, err := c.CallTool(t.Context(), toolRequest("get_envelope_status",
			map[string]any{"envelope_id": envelopeID}))
		if err != nil {
			t.Fatalf("get_envelope_status call %d: %v", i+1, err)
		}
		if res.IsError {
			t.Fatalf("get_envelope_status call %d failed: %v", i+1, res.Content)
		}
	}
}

// statusOf returns the envelope status that get_envelope_status reports.
func statusOf(t *testing.T, c *client.Client, envelopeID string) string {
	t.Helper()
	res, err := c.CallTool(t.Context(), toolRequest("get_envelope_status",
		map[string]any{"envelope_id": envelopeID}))
	if err != nil {
		t.Fatalf("get_envelope_status: %v", err)
	}
	status, _ := toolOutput(t, res)["status"].(string)
	return status
}

// acknowledged reports whether serve acknowledged the Connect message of event about
// envelopeID.
func acknowledged(sim *docusigntest.Server, envelopeID, event string) bool {
	for _, d := range sim.ConnectDeliveries() {
		if d.EnvelopeID == envelopeID && d.Event == event && d.OK() {
			return true
		}
	}
	return false
}

// checkCalls compares the simulator's call counts with want, one error per operation.
func checkCalls(t *testing.T, got, want map[string]int) {
	t.Helper()
	for op, n := range want {
		if got[op] != n {
			t.Errorf("simulator served %d %s calls, want %d; all calls: %v", got[op], op, n, got)
		}
	}
	for op, n := range got {
		if _, listed := want[op]; !listed && n > 0 {
			t.Errorf("simulator served %d %s calls, want none; all calls: %v", n, op, got)
		}
	}
}

// TestTokenRequestsAtExpiry sends 200 concurrent calls once the access token has passed its
// renewal time or its expiry: each case costs exactly one token request.
func TestTokenRequestsAtExpiry(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
	}{
		{name: "past renewal", advance: 56 * time.Minute},
		{name: "past expiry", advance: time.Hour + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
			sim := docusigntest.NewServer(docusigntest.Options{Clock: clock.Now,
				BurstLimit: 10_000, HourlyLimit: 100_000})
			t.Cleanup(sim.Close)
			c := newClockedSimClient(t, sim, clock.Now)
			if _, _, err := c.Accounts.Get(t.Context()); err != nil {
				t.Fatalf("first call: %v", err)
			}
			clock.Add(tt.advance)
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			for range 200 {
				wg.Go(func() {
					if _, _, err := c.Accounts.Get(t.Context()); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("call after %s: %v", tt.advance, err)
			}
			waitForCondition(t, "the token renewal finished", func() bool {
				return sim.Calls()["OAuth:token"] >= 2
			})
			if got := sim.Calls()["OAuth:token"]; got != 2 {
				t.Errorf("OAuth:token calls = %d, want 2: the first token and one renewal "+
					"for 200 calls", got)
			}
		})
	}
}

// fakeClock is a clock that tests move forward, shared by a simulator and a client.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock forward by d.
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClockedSimClient returns a client of sim whose clock is now.
func newClockedSimClient(t *testing.T, sim *docusigntest.Server,
	now func() time.Time) *docusign.Client {
	t.Helper()
	creds := sim.Credentials()
	c, err := docusign.NewClient(docusign.Config{IntegrationKey: creds.IntegrationKey,
		UserID: creds.UserID, PrivateKeyPEM: creds.PrivateKeyPEM, AuthServer: creds.AuthServer,
		AccountID: creds.AccountID, Clock: now})
	if err != nil {
		t.Fatalf("new Docusign client: %v", err)
	}
	return c
}
