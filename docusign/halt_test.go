package docusign_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// haltEvents collects the client's OnHalt and OnResume callbacks.
type haltEvents struct {
	mu      sync.Mutex
	halts   []docusign.HaltEvent
	resumes []docusign.ResumeEvent
}

func (e *haltEvents) configure(c *docusign.Config) {
	c.OnHalt = func(ev docusign.HaltEvent) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.halts = append(e.halts, ev)
	}
	c.OnResume = func(ev docusign.ResumeEvent) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.resumes = append(e.resumes, ev)
	}
}

func (e *haltEvents) counts() (halts, resumes int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.halts), len(e.resumes)
}

// lockedBuffer is a bytes.Buffer safe for the client's concurrent log writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// haltEnv is a simulator and a client that share a fake clock, with the halt callbacks
// recorded.
type haltEnv struct {
	*simEnv
	clock  *fakeClock
	events *haltEvents
	logs   *lockedBuffer
}

func newHaltEnv(t *testing.T, configure ...func(*docusign.Config)) *haltEnv {
	t.Helper()
	clock := newFakeClock()
	events := &haltEvents{}
	logs := &lockedBuffer{}
	configure = append([]func(*docusign.Config){func(c *docusign.Config) {
		c.Clock = clock.Now
		c.Logger = slogJSON(logs)
		events.configure(c)
	}}, configure...)
	env := newSimEnv(t, docusigntest.Options{Clock: clock.Now}, configure...)
	return &haltEnv{simEnv: env, clock: clock, events: events, logs: logs}
}

// tokenCalls returns the token requests that the simulator served.
func (e *haltEnv) tokenCalls() int { return e.sim.Calls()[docusigntest.OpToken] }

// otherCalls returns the requests to operations other than the token endpoint.
func (e *haltEnv) otherCalls() int {
	total := 0
	for op, n := range e.sim.Calls() {
		if op != docusigntest.OpToken {
			total += n
		}
	}
	return total
}

// revokeMidRun serves one call, revokes the default user's consent and lets the issued
// token expire, so that the next call's token request meets consent_required.
func (e *haltEnv) revokeMidRun(t *testing.T) {
	t.Helper()
	if _, _, err := e.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get before the revocation: %v", err)
	}
	e.sim.RevokeConsent(e.sim.Credentials().UserID)
	e.clock.Advance(61 * time.Minute)
}

// callAll runs one call of each kind and returns their errors.
func (e *haltEnv) callAll() []error {
	ctx := context.Background()
	_, _, err1 := e.client.Accounts.Get(ctx)
	_, _, err2 := e.client.Templates.List(ctx, nil)
	_, _, err3 := e.client.Envelopes.Get(ctx, "e5f60718-4c5d-4e6f-9a81-0000000000e1", nil)
	_, err4 := e.client.UserInfo(ctx)
	return []error{err1, err2, err3, err4}
}

func assertHalted(t *testing.T, err error, reason string) *docusign.HaltedError {
	t.Helper()
	var halted *docusign.HaltedError
	if !errors.As(err, &halted) {
		t.Fatalf("error %v is not a *HaltedError", err)
	}
	if halted.Reason != reason {
		t.Errorf("Reason = %q, want %q", halted.Reason, reason)
	}
	return halted
}

func TestHaltConsentRevokedMidRun(t *testing.T) {
	env := newHaltEnv(t)
	env.revokeMidRun(t)

	_, _, err := env.client.Accounts.Get(context.Background())
	halted := assertHalted(t, err, docusign.HaltConsentRevoked)
	if !strings.HasPrefix(halted.ConsentURL, env.sim.URL+"/oauth/auth?") {
		t.Errorf("ConsentURL = %q, want the simulator's /oauth/auth", halted.ConsentURL)
	}
	if !halted.Since.Equal(env.clock.Now()) {
		t.Errorf("Since = %v, want the fake clock's %v", halted.Since, env.clock.Now())
	}
	var consent *docusign.ConsentRequiredError
	if !errors.As(err, &consent) {
		t.Errorf("error %v does not unwrap to the *ConsentRequiredError", err)
	}
	if _, ok := env.client.Halted(); !ok {
		t.Errorf("Halted() = false after the halt")
	}

	tokensAtHalt, othersAtHalt := env.tokenCalls(), env.otherCalls()
	recordsAtHalt := len(env.recorder.Records())
	// Five minutes of fake time in 10-second steps, four calls per step.
	for step := 1; step <= 30; step++ {
		env.clock.Advance(10 * time.Second)
		for i, err := range env.callAll() {
			assertHalted(t, err, docusign.HaltConsentRevoked)
			if t.Failed() {
				t.Fatalf("step %d, call %d", step, i)
			}
		}
		elapsed := time.Duration(step) * 10 * time.Second
		probes := env.tokenCalls() - tokensAtHalt
		if max := int(elapsed / time.Minute); probes > max {
			t.Fatalf("%d token requests in the first %v of the halt, want at most %d (one "+
				"per minute)", probes, elapsed, max)
		}
	}
	if probes := env.tokenCalls() - tokensAtHalt; probes != 5 {
		t.Errorf("token requests in 5 minutes of halt = %d, want 5 (one probe per minute)",
			probes)
	}
	if others := env.otherCalls() - othersAtHalt; others != 0 {
		t.Errorf("%d REST or userinfo requests while halted, want 0", others)
	}
	if records := len(env.recorder.Records()) - recordsAtHalt; records != 5 {
		t.Errorf("observer saw %d calls while halted, want the 5 probes only", records)
	}

	env.sim.GrantConsent(env.sim.Credentials().UserID)
	env.clock.Advance(30 * time.Second)
	_, _, err = env.client.Accounts.Get(context.Background())
	assertHalted(t, err, docusign.HaltConsentRevoked)
	env.clock.Advance(30 * time.Second)
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get a minute after consent was granted again: %v", err)
	}
	if _, ok := env.client.Halted(); ok {
		t.Errorf("Halted() = true after the successful probe")
	}
	for i, err := range env.callAll()[:3] {
		if err != nil && !docusign.IsNotFound(err) {
			t.Errorf("call %d after resuming: %v", i, err)
		}
	}
	halts, resumes := env.events.counts()
	if halts != 1 || resumes != 1 {
		t.Errorf("OnHalt, OnResume calls = %d, %d; want 1, 1", halts, resumes)
	}
	if n := strings.Count(env.logs.String(), "docusign integration resumed"); n != 1 {
		t.Errorf("resume log lines = %d, want 1", n)
	}
}

func TestHaltConcurrentCallersOneProbe(t *testing.T) {
	env := newHaltEnv(t)
	env.revokeMidRun(t)
	_, _, err := env.client.Accounts.Get(context.Background())
	assertHalted(t, err, docusign.HaltConsentRevoked)
	tokensAtHalt := env.tokenCalls()

	env.clock.Advance(time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 40 {
		wg.Go(func() {
			_, _, err := env.client.Templates.List(context.Background(), nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assertHalted(t, err, docusign.HaltConsentRevoked)
	}
	if probes := env.tokenCalls() - tokensAtHalt; probes != 1 {
		t.Errorf("token requests from 40 concurrent calls = %d, want 1 probe", probes)
	}
	if halts, _ := env.events.counts(); halts != 1 {
		t.Errorf("OnHalt calls = %d, want 1", halts)
	}
}

func TestHaltConcurrentCallersOneHalt(t *testing.T) {
	env := newHaltEnv(t)
	env.revokeMidRun(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, _, err := env.client.Templates.List(context.Background(), nil)
			assertHalted(t, err, docusign.HaltConsentRevoked)
		})
	}
	wg.Wait()
	if halts, _ := env.events.counts(); halts != 1 {
		t.Errorf("OnHalt calls = %d, want 1 for one halt", halts)
	}
	if n := strings.Count(env.logs.String(), "docusign integration halted"); n != 1 {
		t.Errorf("halt log lines = %d, want 1", n)
	}
}

func TestHaltManualResumesOnlyOnResume(t *testing.T) {
	env := newHaltEnv(t, func(c *docusign.Config) { c.Halt.Manual = true })
	env.revokeMidRun(t)
	_, _, err := env.client.Accounts.Get(context.Background())
	assertHalted(t, err, docusign.HaltConsentRevoked)
	tokensAtHalt := env.tokenCalls()

	env.sim.GrantConsent(env.sim.Credentials().UserID)
	for range 10 {
		env.clock.Advance(time.Minute)
		for _, err := range env.callAll() {
			assertHalted(t, err, docusign.HaltConsentRevoked)
		}
		if err := env.client.ProbeHalt(context.Background()); err == nil {
			t.Fatalf("ProbeHalt resumed a manual halt")
		}
	}
	if probes := env.tokenCalls() - tokensAtHalt; probes != 0 {
		t.Errorf("token requests in manual mode before Resume = %d, want 0", probes)
	}

	if err := env.client.Resume(context.Background()); err != nil {
		t.Fatalf("Resume after consent was granted: %v", err)
	}
	if probes := env.tokenCalls() - tokensAtHalt; probes != 1 {
		t.Errorf("token requests of Resume = %d, want 1", probes)
	}
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Errorf("Accounts.Get after Resume: %v", err)
	}
	if probes := env.tokenCalls() - tokensAtHalt; probes != 1 {
		t.Errorf("token requests after Resume and a call = %d, want 1: the probe's token "+
			"serves the call", probes)
	}
}

func TestHaltManualResumeStillRevoked(t *testing.T) {
	env := newHaltEnv(t, func(c *docusign.Config) { c.Halt.Manual = true })
	env.revokeMidRun(t)
	_, _, err := env.client.Accounts.Get(context.Background())
	assertHalted(t, err, docusign.HaltConsentRevoked)
	err = env.client.Resume(context.Background())
	assertHalted(t, err, docusign.HaltConsentRevoked)
	if _, resumes := env.events.counts(); resumes != 0 {
		t.Errorf("OnResume calls = %d after a failed Resume, want 0", resumes)
	}
}

func TestHaltProbeHaltResumesWithoutCalls(t *testing.T) {
	env := newHaltEnv(t)
	env.revokeMidRun(t)
	_, _, err := env.client.Accounts.Get(context.Background())
	assertHalted(t, err, docusign.HaltConsentRevoked)
	env.sim.GrantConsent(env.sim.Credentials().UserID)
	if err := env.client.ProbeHalt(context.Background()); err == nil {
		t.Errorf("ProbeHalt before the interval resumed the integration")
	}
	env.clock.Advance(time.Minute)
	if err := env.client.ProbeHalt(context.Background()); err != nil {
		t.Fatalf("ProbeHalt a minute later: %v", err)
	}
	if _, resumes := env.events.counts(); resumes != 1 {
		t.Errorf("OnResume calls = %d, want 1", resumes)
	}
}

func TestHaltOtherUserWithoutConsent(t *testing.T) {
	const noConsentUser = "4d1e2f30-6a7b-4c8d-9e0f-0000000000c2"
	events := &haltEvents{}
	env := newSimEnv(t, docusigntest.Options{Users: []docusigntest.User{{ID: noConsentUser,
		Name: "No Consent", Email: "nc2@example.test", NoConsent: true}}}, events.configure)
	ctx := docusign.WithUser(context.Background(), noConsentUser)
	_, _, err := env.client.Accounts.Get(ctx)
	var consent *docusign.ConsentRequiredError
	if !errors.As(err, &consent) {
		t.Fatalf("error %v is not a *ConsentRequiredError", err)
	}
	var halted *docusign.HaltedError
	if errors.As(err, &halted) {
		t.Errorf("a sender_user_id without consent halted the integration: %v", err)
	}
	if _, ok := env.client.Halted(); ok {
		t.Errorf("Halted() = true after another user's consent_required")
	}
	if halts, _ := events.counts(); halts != 0 {
		t.Errorf("OnHalt calls = %d, want 0", halts)
	}
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Errorf("the default user stopped working: %v", err)
	}
}

func TestHaltErrorMessage(t *testing.T) {
	since := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		err  *docusign.HaltedError
		want []string
	}{
		{
			name: "consent revoked",
			err: &docusign.HaltedError{Reason: docusign.HaltConsentRevoked,
				UserID: testUserID, ConsentURL: "http://127.0.0.1:9/oauth/auth?x", Since: since},
			want: []string{"revoked", "http://127.0.0.1:9/oauth/auth?x",
				"2026-12-04T20:00:00Z", testUserID},
		},
		{
			name: "key rejected",
			err: &docusign.HaltedError{Reason: docusign.HaltKeyRejected, UserID: testUserID,
				Since: since},
			want: []string{"rejected", "no_valid_keys_or_signatures", "public half"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tt.err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Error() = %q, want it to contain %q", msg, w)
				}
			}
		})
	}
}

func TestHaltNegativeProbeInterval(t *testing.T) {
	cfg := docusign.Config{IntegrationKey: testIntegrationKey, UserID: testUserID,
		PrivateKeyPEM: pkcs1PEM(rsaKey(t)), AuthServer: "http://127.0.0.1:9",
		Halt: docusign.HaltPolicy{ProbeInterval: -time.Second}}
	_, err := docusign.NewClient(cfg)
	if err == nil || !strings.Contains(err.Error(), "Halt.ProbeInterval") {
		t.Errorf("NewClient error = %v, want one naming Halt.ProbeInterval", err)
	}
}
