package test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// idempotencyField is the envelope custom field that carries create_envelope's key.
const idempotencyField = "mcp_idempotency_key"

// TestCreateSurvivesCrash kills the server with SIGKILL after the simulator stored a create
// but before the server recorded the envelope. The restarted server adopts the envelope at
// start-up, and the repeated call returns it as a replay: one envelope in the simulator.
func TestCreateSurvivesCrash(t *testing.T) {
	simDir := t.TempDir()
	sim := startBinary(t, nil, "sim", "--dir", simDir, "--log-format", "json")
	simURL := sim.waitForLogField(t, "simulator started", "url")
	env := readSimEnv(t, filepath.Join(simDir, "docusign-mcp.env"))
	ds := simClient(t, simDir)

	// The simulator stores the create, then holds the response for a minute.
	postJSON(t, simURL+"/sim/faults", map[string]any{"op": "Envelopes:create",
		"afterCommit": true, "delayMs": 60000})

	first := startServe(t, env)
	c := connectHTTP(t, first.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	args := createEnvelopeArgs(t)
	args["idempotency_key"] = "crash-key-1"
	go func() {
		// The call cannot finish: the server dies while the response is held.
		_, _ = c.CallTool(context.Background(), toolRequest("create_envelope", args))
	}()
	envelopeID := waitForEnvelopeWithKey(t, ds, "crash-key-1")
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatalf("SIGKILL the server: %v", err)
	}
	<-first.done
	postJSON(t, simURL+"/sim/faults", nil, http.MethodDelete)

	second := startServe(t, env)
	done := second.waitForLogMessage(t, "idempotency reconciliation at start-up finished")
	if adopted, _ := done["adopted"].(float64); adopted != 1 {
		t.Errorf("start-up reconciliation adopted %v envelopes, want 1; stderr:\n%s",
			done["adopted"], second.stderr)
	}
	c2 := connectHTTP(t, second.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	res, err := c2.CallTool(t.Context(), toolRequest("create_envelope", args))
	if err != nil {
		t.Fatalf("create_envelope after the restart: %v", err)
	}
	out := toolOutput(t, res)
	if out["envelope_id"] != envelopeID {
		t.Errorf("envelope_id = %v, want the adopted %s", out["envelope_id"], envelopeID)
	}
	if out["replayed"] != true {
		t.Errorf("replayed = %v, want true: the envelope came from the killed call",
			out["replayed"])
	}
	if got := envelopesWithKey(t, ds, "crash-key-1"); len(got) != 1 {
		t.Errorf("simulator has %d envelopes with the key (%v), want exactly 1", len(got), got)
	}
	if got := simCalls(t, simURL)["Envelopes:create"]; got != 1 {
		t.Errorf("simulator served %d creates, want 1", got)
	}
	auditVerify(t, second, env)
}

// TestCreateAdoptsAfterDroppedConnection has the simulator drop the connection after it
// stored the create: the tool finds the envelope and returns it, and there is one envelope.
func TestCreateAdoptsAfterDroppedConnection(t *testing.T) {
	simDir := t.TempDir()
	sim := startBinary(t, nil, "sim", "--dir", simDir, "--log-format", "json")
	simURL := sim.waitForLogField(t, "simulator started", "url")
	env := readSimEnv(t, filepath.Join(simDir, "docusign-mcp.env"))
	ds := simClient(t, simDir)
	postJSON(t, simURL+"/sim/faults", map[string]any{"op": "Envelopes:create",
		"afterCommit": true, "drop": true})

	serve := startServe(t, env)
	c := connectHTTP(t, serve.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	args := createEnvelopeArgs(t)
	args["idempotency_key"] = "dropped-key-1"
	res, err := c.CallTool(t.Context(), toolRequest("create_envelope", args))
	if err != nil {
		t.Fatalf("create_envelope: %v", err)
	}
	out := toolOutput(t, res)
	got := envelopesWithKey(t, ds, "dropped-key-1")
	if len(got) != 1 {
		t.Fatalf("simulator has %d envelopes with the key, want exactly 1", len(got))
	}
	if out["envelope_id"] != got[0] {
		t.Errorf("envelope_id = %v, want the stored envelope %s", out["envelope_id"], got[0])
	}
	if got := simCalls(t, simURL)["Envelopes:create"]; got != 1 {
		t.Errorf("simulator served %d creates, want 1", got)
	}
}

// readSimEnv reads the KEY=VALUE lines that 'sim' writes, removing shell quotes.
func readSimEnv(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var env []string
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		key, value, ok := strings.Cut(scanner.Text(), "=")
		if !ok {
			continue
		}
		env = append(env, key+"="+strings.Trim(value, "'"))
	}
	return env
}

// startServe starts 'serve --http' on a free loopback port with env added to the
// environment, stopping it when the test ends.
func startServe(t *testing.T, env []string) *process {
	t.Helper()
	trackSources(t)
	cmd := exec.Command(binaryPath, "serve", "--http", "127.0.0.1:0", "--no-auth",
		"--log-format", "json")
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

// connectHTTP returns an initialized streamable HTTP client of url.
func connectHTTP(t *testing.T, url string) *client.Client {
	t.Helper()
	c, err := client.NewStreamableHttpClient(url)
	if err != nil {
		t.Fatalf("new HTTP client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("start HTTP client: %v", err)
	}
	_, err = c.Initialize(t.Context(), mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcp.Implementation{Name: "crash-test", Version: "1"},
	}})
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c
}

func toolRequest(name string, args map[string]any) mcp.CallToolRequest {
	return mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}}
}

// toolOutput returns the structured content of a successful result.
func toolOutput(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatalf("encode structuredContent: %v", err)
	}
	if res.IsError {
		t.Fatalf("tool failed: %v", res.Content)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode structuredContent %s: %v", raw, err)
	}
	return out
}

// simClient returns a Docusign client of the standalone simulator, from the files in dir.
func simClient(t *testing.T, dir string) *docusign.Client {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "credentials.json"))
	if err != nil {
		t.Fatalf("read credentials: %v", err)
	}
	var creds struct {
		IntegrationKey, UserID, AccountID, AuthServer, PrivateKeyFile string
	}
	if err := json.Unmarshal(raw, &creds); err != nil {
		t.Fatalf("decode credentials: %v", err)
	}
	key, err := os.ReadFile(creds.PrivateKeyFile)
	if err != nil {
		t.Fatalf("read private key: %v", err)
	}
	c, err := docusign.NewClient(docusign.Config{IntegrationKey: creds.IntegrationKey,
		UserID: creds.UserID, AccountID: creds.AccountID, AuthServer: creds.AuthServer,
		PrivateKeyPEM: key})
	if err != nil {
		t.Fatalf("new Docusign client: %v", err)
	}
	return c
}

// envelopesWithKey returns the ids of the envelopes whose idempotency field is key.
func envelopesWithKey(t *testing.T, c *docusign.Client, key string) []string {
	t.Helper()
	list, _, err := c.Envelopes.ListStatusChanges(t.Context(), &docusign.ListStatusChangesOptions{
		FromDate: time.Now().Add(-time.Hour), CustomField: idempotencyField + "=" + key})
	if err != nil {
		t.Fatalf("list envelopes with key %s: %v", key, err)
	}
	var ids []string
	for _, env := range list.Envelopes {
		ids = append(ids, env.EnvelopeID)
	}
	return ids
}

// waitForEnvelopeWithKey waits until the simulator stores an envelope with key.
func waitForEnvelopeWithKey(t *testing.T, c *docusign.Client, key string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ids := envelopesWithKey(t, c, key); len(ids) > 0 {
			return ids[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no envelope with key %s within 30 s", key)
	return ""
}

// postJSON sends body to a simulator control URL with POST, or with method when given.
func postJSON(t *testing.T, url string, body any, method ...string) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("encode body: %v", err)
	}
	verb := http.MethodPost
	if len(method) > 0 {
		verb = method[0]
	}
	req, err := http.NewRequestWithContext(t.Context(), verb, url, bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", verb, url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s = %d, want 200", verb, url, resp.StatusCode)
	}
}

// simCalls returns the simulator's call counts by operation.
func simCalls(t *testing.T, simURL string) map[string]int {
	t.Helper()
	resp, err := http.Get(simURL + "/sim/calls")
	if err != nil {
		t.Fatalf("GET /sim/calls: %v", err)
	}
	defer resp.Body.Close()
	calls := map[string]int{}
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		t.Fatalf("decode /sim/calls: %v", err)
	}
	return calls
}

// TestCreateCrashBeforeDocusign kills the server with SIGKILL while the simulator holds a
// create that it has not stored yet, so the kill closes the connection and nothing is
// created. The restarted server finds no envelope for the pending key at start-up, and the
// agent's repeated call creates exactly one.
func TestCreateCrashBeforeDocusign(t *testing.T) {
	sim, env := startSimInProcess(t)
	ds := newSimClient(t, sim, docusign.RetryPolicy{}, nil)
	sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope, Delay: heldResponse})

	first := startServe(t, env)
	c := connectHTTP(t, first.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	args := createEnvelopeArgs(t)
	args["idempotency_key"] = "crash-before-key-1"
	go func() {
		_, _ = c.CallTool(context.Background(), toolRequest("create_envelope", args))
	}()
	waitForCondition(t, "the simulator holds the create", func() bool {
		return sim.Calls()[docusigntest.OpCreateEnvelope] > 0
	})
	killProcess(t, first)
	sim.ClearFaults()

	second := startServe(t, env)
	done := second.waitForLogMessage(t, "idempotency reconciliation at start-up finished")
	if adopted, _ := done["adopted"].(float64); adopted != 0 {
		t.Errorf("start-up reconciliation adopted %v envelopes, want 0: nothing was created",
			done["adopted"])
	}
	c2 := connectHTTP(t, second.waitForLogField(t, "serving MCP over streamable HTTP", "url"))
	res, err := c2.CallTool(t.Context(), toolRequest("create_envelope", args))
	if err != nil {
		t.Fatalf("create_envelope after the restart: %v", err)
	}
	out := toolOutput(t, res)
	got := envelopesWithKey(t, ds, "crash-before-key-1")
	if len(got) != 1 {
		t.Fatalf("simulator has %d envelopes with the key, want exactly 1", len(got))
	}
	if out["envelope_id"] != got[0] {
		t.Errorf("envelope_id = %v, want the one envelope %s", out["envelope_id"], got[0])
	}
	auditVerify(t, second, env)
}
