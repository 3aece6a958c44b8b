package test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// inspectorTimeout bounds one MCP Inspector CLI run, which starts Node and, over stdio,
// the server.
const inspectorTimeout = 90 * time.Second

// inspector runs the MCP Inspector CLI with --format json -q and returns its stdout,
// stderr and exit status.
func inspector(t *testing.T, tools nodeTools, args ...string) (string, string, int) {
	t.Helper()
	args = append([]string{"--cli"}, args...)
	return runCommand(t, inspectorTimeout, tools.env(t), tools.inspector, args...)
}

// inspectorResult decodes Inspector's {"result": ...} output into out.
func inspectorResult(t *testing.T, stdout, stderr string, code int, out any) {
	t.Helper()
	if code != 0 {
		t.Fatalf("mcp-inspector exited with %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var wrapper struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal([]byte(stdout), &wrapper); err != nil {
		t.Fatalf("mcp-inspector printed %q, want one JSON object: %v", stdout, err)
	}
	if err := json.Unmarshal(wrapper.Result, out); err != nil {
		t.Fatalf("decode mcp-inspector result %s: %v", wrapper.Result, err)
	}
}

func TestInspectorListsToolsOverStdio(t *testing.T) {
	tools := requireNodeTools(t)
	stdout, stderr, code := inspector(t, tools, "--method", "tools/list", "--format", "json",
		"-q", "--", binaryPath, "serve", "--simulator")
	checkToolList(t, stdout, stderr, code)
}

func TestInspectorListsToolsOverHTTP(t *testing.T) {
	tools := requireNodeTools(t)
	server := startBinary(t, nil, "serve", "--simulator", "--http", "127.0.0.1:0", "--no-auth",
		"--log-format", "json")
	url := server.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	stdout, stderr, code := inspector(t, tools, "--method", "tools/list", "--format", "json",
		"-q", url)
	checkToolList(t, stdout, stderr, code)
}

// checkToolList checks Inspector's tools/list output: every tool has a description and
// object schemas, and the nine tools of the first release are there. The tools package's
// golden file fixes the whole list.
func checkToolList(t *testing.T, stdout, stderr string, code int) {
	t.Helper()
	var list struct {
		Tools []struct {
			Name         string         `json:"name"`
			Description  string         `json:"description"`
			InputSchema  map[string]any `json:"inputSchema"`
			OutputSchema map[string]any `json:"outputSchema"`
		} `json:"tools"`
	}
	inspectorResult(t, stdout, stderr, code, &list)
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
		if tool.InputSchema["type"] != "object" {
			t.Errorf("tool %s inputSchema type = %v, want object", tool.Name,
				tool.InputSchema["type"])
		}
		if tool.OutputSchema["type"] != "object" {
			t.Errorf("tool %s outputSchema type = %v, want object", tool.Name,
				tool.OutputSchema["type"])
		}
		if tool.Description == "" {
			t.Errorf("tool %s has no description", tool.Name)
		}
	}
	for _, want := range []string{"create_envelope", "download_document",
		"get_envelope_status", "get_template", "list_envelope_documents", "list_envelopes",
		"list_templates", "resend_envelope", "void_envelope"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools/list lacks %s; it listed %v", want, names)
		}
	}
}

// TestInspectorStrictSchemaCheck runs Inspector's schema portability check, which exits
// with 6 when a tool schema would break some MCP clients.
func TestInspectorStrictSchemaCheck(t *testing.T) {
	tools := requireNodeTools(t)
	stdout, stderr, code := inspector(t, tools, "--method", "tools/list", "--strict", "-q",
		"--", binaryPath, "serve", "--simulator", "--log-level", "error")
	if code != 0 {
		t.Fatalf("mcp-inspector --strict exited with %d, want 0\nstdout:\n%.500s\nstderr:\n%s",
			code, stdout, stderr)
	}
	if strings.TrimSpace(stderr) != "" {
		t.Errorf("mcp-inspector --strict reported schema problems:\n%s", stderr)
	}
}

// TestInspectorCallsToolsOverStdio points serve at a standalone simulator, because each
// Inspector run starts a new server process and the envelope must outlive the first.
func TestInspectorCallsToolsOverStdio(t *testing.T) {
	tools := requireNodeTools(t)
	dir := t.TempDir()
	sim := startBinary(t, nil, "sim", "--dir", dir, "--log-format", "json")
	sim.waitForLogField(t, "simulator started", "url")
	envArgs := readEnvFile(t, filepath.Join(dir, "docusign-mcp.env"))
	callTools(t, tools, envArgs, []string{"--", binaryPath, "serve"})
}

func TestInspectorCallsToolsOverHTTP(t *testing.T) {
	tools := requireNodeTools(t)
	server := startBinary(t, nil, "serve", "--simulator", "--http", "127.0.0.1:0", "--no-auth",
		"--log-format", "json")
	url := server.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	callTools(t, tools, nil, []string{url})
}

// callTools calls create_envelope, then get_envelope_status on the new envelope, through
// Inspector. envArgs are -e flags for a stdio server; target ends the command line.
func callTools(t *testing.T, tools nodeTools, envArgs, target []string) {
	t.Helper()
	argsJSON, err := json.Marshal(createEnvelopeArgs(t))
	if err != nil {
		t.Fatalf("encode arguments: %v", err)
	}
	args := append([]string{"--method", "tools/call", "--tool-name", "create_envelope",
		"--tool-args-json", string(argsJSON), "--format", "json", "-q"}, envArgs...)
	stdout, stderr, code := inspector(t, tools, append(args, target...)...)
	var created struct {
		IsError           bool `json:"isError"`
		StructuredContent struct {
			EnvelopeID string `json:"envelope_id"`
			Status     string `json:"status"`
		} `json:"structuredContent"`
	}
	inspectorResult(t, stdout, stderr, code, &created)
	if created.StructuredContent.Status != "sent" || created.StructuredContent.EnvelopeID == "" {
		t.Fatalf("create_envelope returned %+v, want a sent envelope with an id", created)
	}

	args = append([]string{"--method", "tools/call", "--tool-name", "get_envelope_status",
		"--tool-arg", "envelope_id=" + created.StructuredContent.EnvelopeID,
		"--format", "json", "-q"}, envArgs...)
	stdout, stderr, code = inspector(t, tools, append(args, target...)...)
	var status struct {
		StructuredContent struct {
			EnvelopeID string `json:"envelope_id"`
			Status     string `json:"status"`
			Recipients []any  `json:"recipients"`
		} `json:"structuredContent"`
	}
	inspectorResult(t, stdout, stderr, code, &status)
	got := status.StructuredContent
	if got.EnvelopeID != created.StructuredContent.EnvelopeID || got.Status != "sent" {
		t.Errorf("get_envelope_status returned %+v, want envelope %s with status sent",
			got, created.StructuredContent.EnvelopeID)
	}
	if len(got.Recipients) != 3 {
		t.Errorf("get_envelope_status listed %d recipients, want 2 signers and 1 copy",
			len(got.Recipients))
	}
}

// readEnvFile turns the KEY=VALUE lines of an environment file written by 'sim' into
// Inspector -e flags.
func readEnvFile(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var args []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, _ := strings.Cut(line, "=")
		args = append(args, "-e", key+"="+strings.Trim(value, "'"))
	}
	return args
}
