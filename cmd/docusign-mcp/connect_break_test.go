package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestConnectSlowBodyIsDropped shows that an unauthenticated client can hold a /connect
// request open for as long as it likes by sending the body slowly. The receiver reads the
// whole body before it checks the HMAC signature, and the HTTP server sets only
// ReadHeaderTimeout and IdleTimeout, so nothing bounds the body read. /connect must be
// reachable from Docusign, so a few thousand such connections exhaust goroutines and file
// descriptors. Docusign sends the whole message at once and waits at most 100 seconds for a
// response. Expected: the server gives up on a body that has not arrived within about 30
// seconds. Fix: set http.Server.ReadTimeout, or a read deadline through
// http.ResponseController in the /connect route.
func TestConnectSlowBodyIsDropped(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	httpCfg := httpConfig{Addr: "127.0.0.1:0", MaxBodyBytes: 1 << 20,
		SessionIdleTTL: time.Minute, Routes: map[string]http.Handler{}}
	a, err := startApp(t.Context(), serveConfig{Simulator: true, DataDir: t.TempDir(),
		HTTP: httpCfg, ConnectHMACKeys: "slow-body-test-key"}, secrets{}, logger)
	if err != nil {
		t.Fatalf("startApp failed: %v", err)
	}
	defer a.close()
	a.mountConnect(httpCfg.Routes, httpCfg.MaxBodyBytes)
	h, err := listenHTTP(a.mcp, httpCfg, logger)
	if err != nil {
		t.Fatalf("listenHTTP failed: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- h.serve(ctx) }()
	defer func() { cancel(); <-served }()

	conn, err := net.Dial("tcp", h.listener.Addr().String())
	if err != nil {
		t.Fatalf("dial the listener: %v", err)
	}
	defer conn.Close()
	// The headers promise 100 bytes of body, and one byte follows.
	_, err = conn.Write([]byte("POST /connect HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
		"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"))
	if err != nil {
		t.Fatalf("write the request: %v", err)
	}
	// Wait generously past the 30 seconds a fix would allow for the body.
	if err := conn.SetReadDeadline(time.Now().Add(50 * time.Second)); err != nil {
		t.Fatalf("set read deadline: %v", err)
	}
	buf := make([]byte, 512)
	_, err = conn.Read(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the server still waits for the body of an unsigned /connect request " +
			"after 50 seconds: a slow client holds the connection for as long as it likes")
	}
}
