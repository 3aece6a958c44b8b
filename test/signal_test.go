package test

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeStopsOnSignal sends SIGINT or SIGTERM to a serving process and checks that
// it shuts down cleanly: exit status 0 and the transport's stop line in the log.
func TestServeStopsOnSignal(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		ready   string // log message once serving
		stopped string // log message once the transport stopped
		signal  os.Signal
	}{
		{name: "stdio on SIGTERM", args: []string{"serve", "--simulator"},
			ready: "serving MCP over stdio", stopped: "stdio transport stopped",
			signal: syscall.SIGTERM},
		{name: "HTTP on SIGINT", args: []string{"serve", "--simulator", "--http", "127.0.0.1:0",
			"--no-auth"},
			ready: "serving MCP over streamable HTTP", stopped: "HTTP transport stopped",
			signal: os.Interrupt},
		{name: "sim on SIGTERM", args: []string{"sim", "--dir", t.TempDir()},
			ready: "simulator started", stopped: "simulator stopped", signal: syscall.SIGTERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startBinary(t, nil, append(tt.args, "--log-format", "json")...)
			p.waitForLogMessage(t, tt.ready)
			if err := p.cmd.Process.Signal(tt.signal); err != nil {
				t.Fatalf("send %v: %v", tt.signal, err)
			}
			select {
			case <-p.done:
			case <-time.After(15 * time.Second):
				t.Fatalf("process did not exit within 15 s of %v; stderr:\n%s", tt.signal, p.stderr)
			}
			if p.err != nil {
				t.Errorf("process exited with %v after %v, want status 0; stderr:\n%s",
					p.err, tt.signal, p.stderr)
			}
			if !strings.Contains(p.stderr.String(), `"msg":"`+tt.stopped+`"`) {
				t.Errorf("stderr lacks %q:\n%s", tt.stopped, p.stderr)
			}
		})
	}
}
