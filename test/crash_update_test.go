package test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// heldResponse holds a response far longer than any test runs, so the server is still
// waiting for it when the test kills the server.
const heldResponse = 10 * time.Minute

// TestVoidSurvivesCrash kills the server with SIGKILL after the simulator voided an
// envelope but before the server received the response. The void the agent sends again to
// the restarted server succeeds as a replay and sends no second void: the envelope has one
// void event.
func TestVoidSurvivesCrash(t *testing.T) {
	sim, env := startSimInProcess(t)
	envelopeID := createSentEnvelope(t, sim)
	sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpUpdateEnvelope, AfterCommit: true,
		Delay: heldResponse})
	args := map[string]any{"envelope_id": envelopeID, "reason": "Crash test: sent by mistake"}

	first := startServe(t, env)
	c := connectHTTP(t, first.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	go func() {
		_, _ = c.CallTool(context.Background(), toolRequest("void_envelope", args))
	}()
	waitForCondition(t, "the simulator voids the envelope", func() bool {
		status, _ := sim.Status(envelopeID)
		return status == "voided"
	})
	killProcess(t, first)
	sim.ClearFaults()

	second := startServe(t, env)
	c2 := connectHTTP(t, second.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	res, err := c2.CallTool(t.Context(), toolRequest("void_envelope", args))
	if err != nil {
		t.Fatalf("void_envelope after the restart: %v", err)
	}
	text := toolText(res)
	t.Logf("void_envelope after the restart: isError=%v %s", res.IsError, text)
	if res.IsError {
		t.Errorf("void_envelope after the restart failed, want a replay: %s", text)
	}
	if !strings.Contains(text, `"replayed":true`) {
		t.Errorf("void_envelope after the restart = %s, want replayed true", text)
	}
	if got := countEvents(t, sim, envelopeID, "Envelope Voided"); got != 1 {
		t.Errorf("the envelope has %d void events, want 1", got)
	}
	auditVerify(t, second, env)
}

// TestVoidCrashBeforeDocusign kills the server while the simulator holds a void it has not
// applied yet. The kill closes the connection, so nothing is voided, and the agent's
// repeated call to the restarted server voids the envelope once.
func TestVoidCrashBeforeDocusign(t *testing.T) {
	sim, env := startSimInProcess(t)
	envelopeID := createSentEnvelope(t, sim)
	sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpUpdateEnvelope, Delay: heldResponse})
	args := map[string]any{"envelope_id": envelopeID, "reason": "Crash test: sent by mistake"}

	first := startServe(t, env)
	c := connectHTTP(t, first.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	go func() {
		_, _ = c.CallTool(context.Background(), toolRequest("void_envelope", args))
	}()
	waitForCondition(t, "the simulator holds the void", func() bool {
		return sim.Calls()[docusigntest.OpUpdateEnvelope] > 0
	})
	killProcess(t, first)
	sim.ClearFaults()
	if status, _ := sim.Status(envelopeID); status != "sent" {
		t.Fatalf("status after the kill = %s, want sent: the held void must not apply", status)
	}

	second := startServe(t, env)
	c2 := connectHTTP(t, second.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	res, err := c2.CallTool(t.Context(), toolRequest("void_envelope", args))
	if err != nil {
		t.Fatalf("void_envelope after the restart: %v", err)
	}
	if res.IsError {
		t.Errorf("void_envelope after the restart failed: %s", toolText(res))
	}
	if got := countEvents(t, sim, envelopeID, "Envelope Voided"); got != 1 {
		t.Errorf("the envelope has %d void events, want 1", got)
	}
	auditVerify(t, second, env)
}

// TestResendSurvivesCrash kills the server with SIGKILL after the simulator resent an
// envelope but before the server received the response. The restarted server still counts
// the resend, so the agent's repeated call is denied by the resend interval and the
// recipients get one reminder.
func TestResendSurvivesCrash(t *testing.T) {
	sim, env := startSimInProcess(t)
	envelopeID := createSentEnvelope(t, sim)
	sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpUpdateEnvelope, AfterCommit: true,
		Delay: heldResponse})
	args := map[string]any{"envelope_id": envelopeID}

	first := startServe(t, env)
	c := connectHTTP(t, first.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	go func() {
		_, _ = c.CallTool(context.Background(), toolRequest("resend_envelope", args))
	}()
	waitForCondition(t, "the simulator resends the envelope", func() bool {
		return countEvents(t, sim, envelopeID, "Resent Invitations") > 0
	})
	killProcess(t, first)
	sim.ClearFaults()
	updates := sim.Calls()[docusigntest.OpUpdateEnvelope]

	second := startServe(t, env)
	c2 := connectHTTP(t, second.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	res, err := c2.CallTool(t.Context(), toolRequest("resend_envelope", args))
	if err != nil {
		t.Fatalf("resend_envelope after the restart: %v", err)
	}
	text := toolText(res)
	if !res.IsError || !strings.Contains(text, "resend_min_interval") {
		t.Errorf("resend_envelope after the restart = %s, want a resend_min_interval "+
			"denial: the killed call's resend counts", text)
	}
	if got := countEvents(t, sim, envelopeID, "Resent Invitations"); got != 1 {
		t.Errorf("the envelope has %d resend events, want 1", got)
	}
	if got := sim.Calls()[docusigntest.OpUpdateEnvelope]; got != updates {
		t.Errorf("the restarted server sent %d envelope updates, want 0", got-updates)
	}
	auditVerify(t, second, env)
}

// TestResendCrashBeforeDocusign kills the server while the simulator holds a resend it has
// not performed yet. The killed call recorded the resend before sending it, so the count
// may be one too high, but the recipients must not get two reminders.
func TestResendCrashBeforeDocusign(t *testing.T) {
	sim, env := startSimInProcess(t)
	envelopeID := createSentEnvelope(t, sim)
	sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpUpdateEnvelope, Delay: heldResponse})
	args := map[string]any{"envelope_id": envelopeID}

	first := startServe(t, env)
	c := connectHTTP(t, first.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	go func() {
		_, _ = c.CallTool(context.Background(), toolRequest("resend_envelope", args))
	}()
	waitForCondition(t, "the simulator holds the resend", func() bool {
		return sim.Calls()[docusigntest.OpUpdateEnvelope] > 0
	})
	killProcess(t, first)
	sim.ClearFaults()

	second := startServe(t, env)
	c2 := connectHTTP(t, second.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	res, err := c2.CallTool(t.Context(), toolRequest("resend_envelope", args))
	if err != nil {
		t.Fatalf("resend_envelope after the restart: %v", err)
	}
	t.Logf("resend_envelope after the restart: isError=%v %s", res.IsError, toolText(res))
	if got := countEvents(t, sim, envelopeID, "Resent Invitations"); got > 1 {
		t.Errorf("the envelope has %d resend events, want at most 1", got)
	}
	auditVerify(t, second, env)
}

// startSimInProcess starts a simulator in the test process and returns the environment
// for serve: its credentials, a new data directory and a store key file. The test then
// injects faults and reads envelope events directly.
func startSimInProcess(t *testing.T) (*docusigntest.Server, []string) {
	t.Helper()
	sim := docusigntest.NewServer(docusigntest.Options{})
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	if err := sim.WriteCredentials(filepath.Join(dir, "credentials")); err != nil {
		t.Fatalf("write simulator credentials: %v", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keyFile := filepath.Join(dir, "store.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)), 0o600); err != nil {
		t.Fatalf("write store key: %v", err)
	}
	creds := sim.Credentials()
	return sim, []string{
		"DOCUSIGN_INTEGRATION_KEY=" + creds.IntegrationKey,
		"DOCUSIGN_USER_ID=" + creds.UserID,
		"DOCUSIGN_ACCOUNT_ID=" + creds.AccountID,
		"DOCUSIGN_AUTH_SERVER=" + creds.AuthServer,
		"DOCUSIGN_PRIVATE_KEY_FILE=" + filepath.Join(dir, "credentials",
			docusigntest.PrivateKeyFile),
		"DOCUSIGN_MCP_STORE_KEY_FILE=" + keyFile,
		"DOCUSIGN_MCP_DATA_DIR=" + filepath.Join(dir, "data"),
	}
}

// createSentEnvelope creates and sends an envelope through a client of the test's own.
func createSentEnvelope(t *testing.T, sim *docusigntest.Server) string {
	t.Helper()
	c := newSimClient(t, sim, docusign.RetryPolicy{}, nil)
	summary, _, err := c.Envelopes.Create(t.Context(), &docusign.EnvelopeDefinition{
		EmailSubject: "Please sign: crash test", Status: "sent",
		Documents: []docusign.Document{{DocumentID: "1", Name: "Terms.pdf",
			FileExtension: "pdf", DocumentBase64: shortPDF()}},
		Recipients: &docusign.Recipients{Signers: []docusign.Signer{{RecipientID: "1",
			Name: "Avery Client", Email: "avery@example.com", RoutingOrder: "1"}}},
	})
	if err != nil {
		t.Fatalf("create the envelope: %v", err)
	}
	return summary.EnvelopeID
}

// countEvents returns how many of the envelope's events have action.
func countEvents(t *testing.T, sim *docusigntest.Server, envelopeID, action string) int {
	t.Helper()
	events, err := sim.Events(envelopeID)
	if err != nil {
		t.Fatalf("events of %s: %v", envelopeID, err)
	}
	n := 0
	for _, e := range events {
		if e.Action == action {
			n++
		}
	}
	return n
}

// waitForCondition polls cond until it holds, failing the test after a minute.
func waitForCondition(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after a minute waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killProcess sends SIGKILL to p and waits for it to exit.
func killProcess(t *testing.T, p *process) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("SIGKILL the server: %v", err)
	}
	<-p.done
}

// auditVerify stops p and runs 'audit verify' on the data directory in env, which must
// pass.
func auditVerify(t *testing.T, p *process, env []string) {
	t.Helper()
	p.stop(t)
	out, errOut, code := runCommand(t, time.Minute,
		append(append(os.Environ(), "HOME="+t.TempDir()), env...), binaryPath, "audit", "verify")
	if code != 0 || !strings.HasPrefix(out, "OK: ") {
		t.Errorf("audit verify exited %d: %s%s", code, out, errOut)
	}
}
