package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// serverEntry is one server of an MCP client configuration file, the mcpServers format
// that Claude Desktop and MCP Inspector read.
type serverEntry struct {
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env"`
	Type    string            `json:"type"`
	URL     string            `json:"url"`
}

// loadExample reads the "docusign" server of an example configuration.
func loadExample(t *testing.T, name string) serverEntry {
	t.Helper()
	trackSources(t)
	data, err := os.ReadFile(filepath.Join(repoRoot(), "examples", name))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	var cfg struct {
		MCPServers map[string]serverEntry `json:"mcpServers"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("examples/%s is not valid JSON: %v", name, err)
	}
	entry, ok := cfg.MCPServers["docusign"]
	if !ok {
		t.Fatalf("examples/%s has no mcpServers.docusign entry", name)
	}
	if entry.Command != "" && entry.Command != "docusign-mcp" {
		t.Fatalf("examples/%s runs %q, want docusign-mcp", name, entry.Command)
	}
	return entry
}

// envList turns an env map into KEY=VALUE entries in a stable order.
func envList(env map[string]string) []string {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

// listToolsOverStdio starts the binary the way an MCP client would for entry and
// returns the names of its tools.
func listToolsOverStdio(t *testing.T, entry serverEntry, env map[string]string) []string {
	t.Helper()
	c, err := client.NewStdioMCPClient(binaryPath, envList(env), entry.Args...)
	if err != nil {
		t.Fatalf("start %v: %v", entry.Args, err)
	}
	defer c.Close()
	ctx := t.Context()
	_, err = c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.ProtocolVersion20251125,
		ClientInfo:      mcp.Implementation{Name: "examples-test", Version: "1"},
	}})
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	res, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	call, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{
		Name: "list_templates", Arguments: map[string]any{}}})
	if err != nil {
		t.Fatalf("call list_templates: %v", err)
	}
	if call.IsError {
		t.Errorf("list_templates returned isError: %+v", call.Content)
	}
	return names
}

func TestExampleSimulatorConfig(t *testing.T) {
	entry := loadExample(t, "mcp-simulator.json")
	names := listToolsOverStdio(t, entry, map[string]string{"HOME": t.TempDir()})
	if missing := missingBaseTools(names); len(missing) > 0 {
		t.Errorf("examples/mcp-simulator.json served %v, which lacks %v", names, missing)
	}
}

// TestExampleClaudeDesktopConfig runs the real-account example twice: as written, where
// the placeholder key files do not exist and serve must report them, and with its values
// replaced by those of a standalone simulator, where it must serve the tools.
func TestExampleClaudeDesktopConfig(t *testing.T) {
	entry := loadExample(t, "claude_desktop_config.json")
	env := append(os.Environ(), "HOME="+t.TempDir())
	_, stderr, code := runCommand(t, time.Minute, append(env, envList(entry.Env)...),
		binaryPath, entry.Args...)
	if code != 2 {
		t.Errorf("example as written exited with %d, want 2 for missing key files", code)
	}
	want := `(--private-key-file) "` + entry.Env["DOCUSIGN_PRIVATE_KEY_FILE"] + `" does not exist`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want it to name the missing private key file", stderr)
	}

	dir := t.TempDir()
	sim := startBinary(t, nil, "sim", "--dir", dir, "--log-format", "json")
	sim.waitForLogField(t, "simulator started", "url")
	simEnv := map[string]string{}
	flags := readEnvFile(t, filepath.Join(dir, "docusign-mcp.env"))
	for i := 1; i < len(flags); i += 2 {
		key, value, _ := strings.Cut(flags[i], "=")
		simEnv[key] = value
	}
	pointed := map[string]string{"HOME": t.TempDir()}
	for key, exampleValue := range entry.Env {
		value, ok := simEnv[key]
		switch {
		case ok:
			pointed[key] = value
		case key == "DOCUSIGN_REDIRECT_URI":
			// The simulator grants consent itself and needs no redirect URI.
			pointed[key] = exampleValue
		default:
			t.Fatalf("example sets %s, which the simulator's env file lacks", key)
		}
	}
	names := listToolsOverStdio(t, entry, pointed)
	if missing := missingBaseTools(names); len(missing) > 0 {
		t.Errorf("example pointed at the simulator served %v, which lacks %v", names, missing)
	}
}

func TestExampleConfigsWithInspector(t *testing.T) {
	tools := requireNodeTools(t)
	env := append(tools.env(t), "PATH="+filepath.Dir(binaryPath)+string(os.PathListSeparator)+
		filepath.Dir(tools.node)+string(os.PathListSeparator)+os.Getenv("PATH"))

	stdioConfig := filepath.Join(repoRoot(), "examples", "mcp-simulator.json")
	stdout, stderr, code := runCommand(t, inspectorTimeout, env, tools.inspector, "--cli",
		"--config", stdioConfig, "--server", "docusign", "--method", "tools/list",
		"--format", "json", "-q")
	checkBaseTools(t, "mcp-simulator.json", stdout, stderr, code)

	entry := loadExample(t, "mcp-http.json")
	server := startBinary(t, nil, "serve", "--simulator", "--http", "127.0.0.1:0", "--no-auth",
		"--log-format", "json")
	url := server.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	if entry.Type != "streamable-http" || !strings.HasSuffix(entry.URL, "/mcp") {
		t.Fatalf("examples/mcp-http.json = %+v, want type streamable-http and a /mcp URL", entry)
	}
	httpConfig := filepath.Join(t.TempDir(), "mcp-http.json")
	data, err := os.ReadFile(filepath.Join(repoRoot(), "examples", "mcp-http.json"))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	// The example names the port the README uses; the test's server has a free port.
	data = []byte(strings.Replace(string(data), entry.URL, url, 1))
	if err := os.WriteFile(httpConfig, data, 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	stdout, stderr, code = runCommand(t, inspectorTimeout, env, tools.inspector, "--cli",
		"--config", httpConfig, "--server", "docusign", "--method", "tools/list",
		"--format", "json", "-q")
	checkBaseTools(t, "mcp-http.json", stdout, stderr, code)
}

func checkBaseTools(t *testing.T, example, stdout, stderr string, code int) {
	t.Helper()
	var list struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	inspectorResult(t, stdout, stderr, code, &list)
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	if missing := missingBaseTools(names); len(missing) > 0 {
		t.Errorf("Inspector with examples/%s listed %v, which lacks %v", example, names, missing)
	}
}

// baseTools are the nine tools that every configuration without --read-only serves. Other
// tools may come on top, so the example tests check these rather than a count.
var baseTools = []string{"create_envelope", "download_document", "get_envelope_status",
	"get_template", "list_envelope_documents", "list_envelopes", "list_templates",
	"resend_envelope", "void_envelope"}

// missingBaseTools returns the base tools that names lacks.
func missingBaseTools(names []string) []string {
	var missing []string
	for _, want := range baseTools {
		if !slices.Contains(names, want) {
			missing = append(missing, want)
		}
	}
	return missing
}

// TestExampleGoClient runs examples/go-client as written against the built binary: it
// creates an envelope, has the simulator sign it, waits for completion and downloads it.
func TestExampleGoClient(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	stdout, stderr, code := runCommandIn(t, repoRoot(), 3*time.Minute, os.Environ(), goTool,
		"run", "./examples/go-client", "-server", binaryPath)
	if code != 0 {
		t.Fatalf("go run ./examples/go-client exited with %d\nstdout:\n%s\nstderr:\n%s",
			code, stdout, stderr)
	}
	if n := strings.Count(stdout, "tool: "); n < 9 {
		t.Errorf("example printed %d tools, want at least the nine tools:\n%s", n, stdout)
	}
	// The server lists wait_for_envelope, so the program must wait with it rather than read
	// the status.
	for _, step := range []string{"template: ", "created: ", "signed: ", "waited: reached true",
		"status: completed", "downloaded: docusign://envelopes/"} {
		if !strings.Contains(stdout, step) {
			t.Errorf("example output lacks the step %q:\n%s", step, stdout)
		}
	}
}
