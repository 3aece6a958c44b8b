package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/store"
)

// helperArgsEnv carries the docusign-mcp arguments of a child process as JSON.
const helperArgsEnv = "DOCUSIGN_MCP_TEST_HELPER_ARGS"

// TestBridgeHelperProcess runs docusign-mcp when a bridge test starts this test binary as a
// separate process. Each process opens the data directory itself, so Badger's lock applies
// as it does between real servers.
func TestBridgeHelperProcess(t *testing.T) {
	raw := os.Getenv(helperArgsEnv)
	if raw == "" {
		t.Skip("runs only as a child process of the bridge tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatalf("decode %s: %v", helperArgsEnv, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := runMain(ctx, args, env)
	stop()
	os.Exit(code)
}

// helperCommand returns the test binary set up to run docusign-mcp with args.
func helperCommand(t *testing.T, args ...string) (string, []string, []string) {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatalf("encode helper arguments: %v", err)
	}
	return os.Args[0], []string{helperArgsEnv + "=" + string(raw)},
		[]string{"-test.run=^TestBridgeHelperProcess$"}
}

// startOwner starts `serve --http` on dir in a child process and returns it with the
// owner record once the server listens. Cleanup stops it with SIGTERM.
func startOwner(t *testing.T, dir string) (*exec.Cmd, store.Owner, *bytes.Buffer) {
	t.Helper()
	name, env, args := helperCommand(t, "serve", "--simulator", "--data-dir", dir,
		"--http", "127.0.0.1:0", "--no-auth", "--log-format", "json")
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start owner: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		owner, err := store.ReadOwner(dir)
		if err == nil && owner.PID == cmd.Process.Pid && owner.URL != "" {
			return cmd, owner, &stderr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("owner recorded no URL in 30s; its log:\n%s", stderr.String())
	return nil, store.Owner{}, nil
}

// startBridge starts `serve` over stdio on dir in a child process and returns an
// initialized MCP client of it.
func startBridge(t *testing.T, ctx context.Context, dir string) *client.Client {
	t.Helper()
	name, env, args := helperCommand(t, "serve", "--simulator", "--data-dir", dir,
		"--log-format", "json")
	c, err := client.NewStdioMCPClient(name, env, args...)
	if err != nil {
		t.Fatalf("start stdio bridge: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	_, err = c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcp.Implementation{Name: "bridge-test", Version: "1"},
	}})
	if err != nil {
		t.Fatalf("initialize through the bridge: %v", err)
	}
	return c
}

func TestBridgeSharesOwnerStore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	owner, _, ownerLog := startOwner(t, dir)
	first := &demo{mcp: startBridge(t, ctx, dir), out: io.Discard}
	second := &demo{mcp: startBridge(t, ctx, dir), out: io.Discard}

	envelopeID, err := first.createEnvelope(ctx)
	if err != nil {
		t.Fatalf("create_envelope through the first bridge: %v", err)
	}
	st, err := second.status(ctx, envelopeID)
	if err != nil {
		t.Fatalf("get_envelope_status through the second bridge: %v", err)
	}
	if st.Status != "sent" {
		t.Errorf("status through the second bridge = %q, want sent", st.Status)
	}
	var downloaded downloadResult
	err = second.callTool(ctx, "download_document", map[string]any{
		"envelope_id": envelopeID, "document_id": "combined"}, &downloaded)
	if err != nil {
		t.Fatalf("download_document through the second bridge: %v", err)
	}
	// The first bridge reads what the second stored: both use the owner's one store.
	data, err := first.readResource(ctx, downloaded.URI)
	if err != nil {
		t.Fatalf("resources/read through the first bridge: %v", err)
	}
	if int64(len(data)) != downloaded.Size {
		t.Errorf("read %d bytes through the first bridge, want the %d stored",
			len(data), downloaded.Size)
	}

	stopOwner(t, owner, ownerLog)
	if _, err := store.ReadOwner(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("owner file after SIGTERM: err = %v, want it removed", err)
	}
}

// stopOwner sends SIGTERM and checks that the owner exits cleanly and closes its store.
func stopOwner(t *testing.T, owner *exec.Cmd, log *bytes.Buffer) {
	t.Helper()
	if err := owner.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal owner: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- owner.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("owner exited with %v after SIGTERM, want status 0; log:\n%s", err, log)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("owner still running 20s after SIGTERM")
	}
	if !strings.Contains(log.String(), `"msg":"store closed"`) {
		t.Errorf("owner log has no store closed line after SIGTERM:\n%s", log)
	}
}

func TestSecondOwnerRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	dir := t.TempDir()
	owner, record, _ := startOwner(t, dir)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "second HTTP server", args: []string{"--http", "127.0.0.1:0", "--no-auth"},
			wantErr: "only one process can own it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, env, args := helperCommand(t, append([]string{"serve", "--simulator",
				"--data-dir", dir}, tt.args...)...)
			cmd := exec.Command(name, args...)
			cmd.Env = append(os.Environ(), env...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("second server started, want it rejected; output:\n%s", out)
			}
			for _, want := range []string{tt.wantErr, record.URL,
				"process " + strconv.Itoa(owner.Process.Pid)} {
				if !strings.Contains(string(out), want) {
					t.Errorf("output does not contain %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestStdioOwnerRejectsBridge(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	dir := t.TempDir()
	name, env, args := helperCommand(t, "serve", "--simulator", "--data-dir", dir)
	owner := exec.Command(name, args...)
	owner.Env = append(os.Environ(), env...)
	stdin, err := owner.StdinPipe()
	if err != nil {
		t.Fatalf("stdin pipe: %v", err)
	}
	if err := owner.Start(); err != nil {
		t.Fatalf("start stdio owner: %v", err)
	}
	defer func() {
		stdin.Close() // end of stdin stops a stdio server
		_ = owner.Wait()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if rec, err := store.ReadOwner(dir); err == nil && rec.PID == owner.Process.Pid {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	second := exec.Command(name, args...)
	second.Env = owner.Env
	out, err := second.CombinedOutput()
	if err == nil {
		t.Fatalf("second stdio server started, want it rejected; output:\n%s", out)
	}
	for _, want := range []string{"process " + strconv.Itoa(owner.Process.Pid),
		"serves stdio only", "serve --http"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
}
