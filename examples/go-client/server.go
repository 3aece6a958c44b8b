package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// server is a running 'docusign-mcp serve --http' with its embedded simulator.
type server struct {
	cmd    *exec.Cmd
	mcpURL string // streamable HTTP endpoint, such as http://127.0.0.1:41234/mcp
	simURL string // the simulator's origin, whose /sim/ control API signs for recipients
}

// startServer starts serve with the simulator over HTTP on a free loopback port and reads
// both URLs from its JSON log lines on stderr. Over HTTP, the simulator posts Connect
// messages to the server's /connect, which is what wakes wait_for_envelope.
func startServer(ctx context.Context, path string) (*server, error) {
	cmd := exec.CommandContext(ctx, path, "serve", "--simulator", "--http", "127.0.0.1:0",
		"--no-auth", "--log-format", "json", "--log-level", "info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	s := &server{cmd: cmd}
	found := make(chan struct{})
	go s.readLog(stderr, found)
	select {
	case <-found:
		return s, nil
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, fmt.Errorf("%s logged no MCP and simulator URLs within 30 seconds", path)
	}
}

// readLog scans the log lines for the two URLs, closes found when it has both, and keeps
// draining stderr so that the server never blocks on a full pipe.
func (s *server) readLog(stderr io.Reader, found chan<- struct{}) {
	scanner := bufio.NewScanner(stderr)
	for scanner.Scan() {
		var line struct {
			Msg string `json:"msg"`
			URL string `json:"url"`
		}
		if json.Unmarshal(scanner.Bytes(), &line) != nil {
			continue
		}
		switch line.Msg {
		case "simulator started":
			s.simURL = line.URL
		case "serving MCP over streamable HTTP":
			s.mcpURL = line.URL
		}
		if s.simURL != "" && s.mcpURL != "" {
			close(found)
			break
		}
	}
	_, _ = io.Copy(io.Discard, stderr)
}

// stop interrupts the server, which shuts down gracefully, and waits for it.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}
