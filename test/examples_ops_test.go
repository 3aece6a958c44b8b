package test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// tokenPlaceholder is the text in examples/mcp-http-bearer.json that the reader replaces
// with a token.
const tokenPlaceholder = "PASTE_YOUR_TOKEN_HERE"

// bearerServer is a serve --simulator --http with a policy file of one token.
type bearerServer struct {
	url   string
	token string
}

// startBearerServer writes a policy file with a new token and serves HTTP with it.
func startBearerServer(t *testing.T) bearerServer {
	t.Helper()
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	token := hex.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	policy := filepath.Join(t.TempDir(), "policy.json")
	content := `{"principals": {"agent": {"tools": ["*"]}}, "tokens": [{"principal": "agent", ` +
		`"sha256": "` + hex.EncodeToString(sum[:]) + `"}]}`
	if err := os.WriteFile(policy, []byte(content), 0o600); err != nil {
		t.Fatalf("write policy: %v", err)
	}
	server := startBinary(t, nil, "serve", "--simulator", "--http", "127.0.0.1:0", "--policy",
		policy, "--log-format", "json")
	url := server.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	return bearerServer{url: url, token: token}
}

// TestExampleHTTPBearerConfig fills examples/mcp-http-bearer.json with a test server's URL
// and token, then connects with the headers it names.
func TestExampleHTTPBearerConfig(t *testing.T) {
	entry := loadExample(t, "mcp-http-bearer.json")
	var withHeaders struct {
		MCPServers map[string]struct {
			Headers map[string]string `json:"headers"`
		} `json:"mcpServers"`
	}
	data, err := os.ReadFile(filepath.Join(repoRoot(), "examples", "mcp-http-bearer.json"))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	if err := json.Unmarshal(data, &withHeaders); err != nil {
		t.Fatalf("decode example: %v", err)
	}
	headers := withHeaders.MCPServers["docusign"].Headers
	if entry.Type != "streamable-http" || !strings.Contains(headers["Authorization"],
		"Bearer "+tokenPlaceholder) {
		t.Fatalf("example = %+v with headers %v, want streamable-http and a bearer "+
			"placeholder", entry, headers)
	}
	srv := startBearerServer(t)
	filled := map[string]string{}
	for k, v := range headers {
		filled[k] = strings.ReplaceAll(v, tokenPlaceholder, srv.token)
	}

	c, err := client.NewStreamableHttpClient(srv.url, transport.WithHTTPHeaders(filled))
	if err != nil {
		t.Fatalf("create client: %v", err)
	}
	defer c.Close()
	if _, err := c.Initialize(t.Context(), mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.ProtocolVersion20251125,
		ClientInfo:      mcp.Implementation{Name: "examples-test", Version: "1"},
	}}); err != nil {
		t.Fatalf("initialize with the example's headers: %v", err)
	}
	res, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	if len(res.Tools) < 9 {
		t.Errorf("example served %d tools, want at least the nine tools", len(res.Tools))
	}

	// The same request without the header must fail, or the example proves nothing.
	bare, err := client.NewStreamableHttpClient(srv.url)
	if err != nil {
		t.Fatalf("create client: %v", err)
	}
	defer bare.Close()
	if _, err := bare.Initialize(t.Context(), mcp.InitializeRequest{}); err == nil {
		t.Error("initialize without the bearer header succeeded, want 401")
	}
}

// TestExampleInspectorScript runs examples/inspector.sh as written against a server with
// a bearer token.
func TestExampleInspectorScript(t *testing.T) {
	tools := requireNodeTools(t)
	srv := startBearerServer(t)
	env := tools.env(t, "DOCUSIGN_MCP_TOKEN="+srv.token, "MCP_INSPECTOR_SECRET_STORE=memory")
	env[0] = "PATH=" + filepath.Dir(tools.inspector) + string(os.PathListSeparator) +
		strings.TrimPrefix(env[0], "PATH=")
	script := filepath.Join(repoRoot(), "examples", "inspector.sh")
	stdout, stderr, code := runCommand(t, 3*inspectorTimeout, env, script, srv.url)
	if code != 0 {
		t.Fatalf("examples/inspector.sh exited with %d\nstdout:\n%s\nstderr:\n%s", code,
			stdout, stderr)
	}
	for _, want := range []string{"== tools/list", `"create_envelope"`, "Mutual NDA",
		"== list_envelopes"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("script output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, `"isError": true`) {
		t.Errorf("a tool call in the script failed:\n%s", stdout)
	}
}

// systemdExecStart returns the arguments of the unit's ExecStart line.
func systemdExecStart(t *testing.T, unit string) []string {
	t.Helper()
	for _, line := range strings.Split(unit, "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatal("the unit has no ExecStart line")
	return nil
}

// TestExampleSystemdUnit checks the unit with systemd-analyze verify when it is installed,
// and runs its command line with 'check' in place of 'serve', which parses the same flags
// and the example config file without starting a server.
func TestExampleSystemdUnit(t *testing.T) {
	trackSources(t)
	data, err := os.ReadFile(filepath.Join(repoRoot(), "examples", "systemd",
		"docusign-mcp.service"))
	if err != nil {
		t.Fatalf("read unit: %v", err)
	}
	unit := string(data)
	args := systemdExecStart(t, unit)
	if len(args) < 2 || filepath.Base(args[0]) != "docusign-mcp" || args[1] != "serve" {
		t.Fatalf("ExecStart runs %v, want docusign-mcp serve", args)
	}
	verifySystemdUnit(t, strings.ReplaceAll(unit, args[0], binaryPath))

	checkArgs := []string{"check"}
	for i := 2; i < len(args); i++ {
		if args[i] == "--config" && i+1 < len(args) {
			checkArgs = append(checkArgs, "--config",
				filepath.Join(repoRoot(), "examples", "config.json"))
			i++
			continue
		}
		checkArgs = append(checkArgs, args[i])
	}
	env := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	stdout, stderr, code := runCommand(t, time.Minute, env, binaryPath, checkArgs...)
	if code != 1 {
		t.Errorf("check with the unit's arguments exited with %d, want 1 for the missing "+
			"key files\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "ok    configuration") {
		t.Errorf("the unit's command line does not configure serve cleanly:\n%s", stdout)
	}
}

// verifySystemdUnit runs systemd-analyze verify on unit, which must print nothing.
func verifySystemdUnit(t *testing.T, unit string) {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed, so the unit file is checked by parsing only")
		return
	}
	path := filepath.Join(t.TempDir(), "docusign-mcp.service")
	if err := os.WriteFile(path, []byte(unit), 0o600); err != nil {
		t.Fatalf("write unit: %v", err)
	}
	stdout, stderr, code := runCommand(t, time.Minute, os.Environ(), analyze, "verify",
		"--man=no", path)
	if code != 0 || strings.TrimSpace(stdout+stderr) != "" {
		t.Errorf("systemd-analyze verify exited with %d:\n%s%s", code, stdout, stderr)
	}
}
