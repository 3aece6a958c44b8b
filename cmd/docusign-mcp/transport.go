package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// shutdownTimeout bounds how long an HTTP server waits for running requests to end.
const shutdownTimeout = 10 * time.Second

// httpServer is a streamable HTTP MCP endpoint at /mcp behind the Origin check and
// the body size limit.
type httpServer struct {
	mcp      *server.StreamableHTTPServer
	http     *http.Server
	listener net.Listener
	logger   *slog.Logger
}

// listenHTTP binds cfg.Addr and prepares the MCP endpoint without serving yet.
func listenHTTP(s *server.MCPServer, cfg httpConfig, logger *slog.Logger) (*httpServer, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w: choose a free port with --http", cfg.Addr, err)
	}
	key := cfg.SessionKey
	if key == nil {
		// Without a key from the data directory, sessions end when the process does.
		key = make([]byte, sessionKeySize)
		_, _ = rand.Read(key)
	}
	ids := newSessionIDs(key)
	streamable := server.NewStreamableHTTPServer(s,
		server.WithSessionIdManagerResolver(ids),
		server.WithSessionIdleTTL(cfg.SessionIdleTTL),
		server.WithStreamableHTTPLogger(logger))
	mux := http.NewServeMux()
	if cfg.Policy != nil {
		mux.Handle(metadataPath, serveResourceMetadata(cfg.Policy))
		mux.Handle(server.WellKnownProtectedResourcePath, serveResourceMetadata(cfg.Policy))
	}
	mux.Handle("/mcp", mcpEndpoint(cfg, ids, logger, streamable))
	for path, h := range cfg.Routes {
		mux.Handle(path, h)
	}
	return &httpServer{
		mcp: streamable,
		http: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
		listener: ln,
		logger:   logger,
	}, nil
}

// mcpEndpoint wraps the MCP handler in the checks of every /mcp request. They are the
// Origin check, bearer authentication when cfg.Policy is set, the body size limit, the
// drop of cancels without a session, and the session id check of GET and DELETE.
func mcpEndpoint(cfg httpConfig, ids *sessionIDs, logger *slog.Logger,
	mcp http.Handler) http.Handler {
	endpoint := limitBody(cfg.MaxBodyBytes, dropSessionlessCancels(logger,
		guardSessions(ids, logger, mcp)))
	if cfg.Policy != nil {
		// Authentication runs before the session checks, which bind ids to the principal.
		endpoint = requireBearer(cfg.Policy, cfg.NoAuth, logger, endpoint)
	}
	return requireAllowedOrigin(cfg.AllowedOrigins, logger, endpoint)
}

// URL returns the MCP endpoint's URL.
func (h *httpServer) URL() string {
	return "http://" + h.listener.Addr().String() + "/mcp"
}

// serve serves requests until ctx is done, then shuts down gracefully.
func (h *httpServer) serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- h.http.Serve(h.listener) }()
	h.logger.Info("serving MCP over streamable HTTP", "url", h.URL())
	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP on %s: %w", h.listener.Addr(), err)
	case <-ctx.Done():
	}
	h.logger.Info("shutting down HTTP transport")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	// Closing the MCP sessions first ends open SSE streams, which would otherwise
	// keep http.Server.Shutdown waiting until the timeout.
	if err := h.mcp.Shutdown(shutdownCtx); err != nil {
		h.logger.Warn("closing MCP sessions failed", "err", err)
	}
	if err := h.http.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down HTTP server: %w", err)
	}
	h.logger.Info("HTTP transport stopped")
	return nil
}

// requireAllowedOrigin rejects a request whose Origin header is present and not in
// allowed with 403, as the MCP streamable HTTP transport requires against DNS
// rebinding. A request without Origin comes from a non-browser client and passes.
func requireAllowedOrigin(allowed []string, logger *slog.Logger, next http.Handler) http.Handler {
	set := make(map[string]bool, len(allowed))
	for _, o := range allowed {
		set[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		if normalized, ok := normalizeOrigin(origin); ok && set[normalized] {
			next.ServeHTTP(w, r)
			return
		}
		logger.Warn("rejected request from an origin not in --allowed-origins",
			"origin", truncate(origin, 100), "method", r.Method)
		writeJSONRPCError(w, http.StatusForbidden,
			"origin "+truncate(origin, 100)+" is not allowed: add it to --allowed-origins")
	})
}

// limitBody rejects with 413 a request whose declared length exceeds limit, and caps
// the bytes read from any other body at limit.
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeJSONRPCError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"request body of %d bytes exceeds the limit of %d bytes set by --max-body-bytes",
				r.ContentLength, limit))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// writeJSONRPCError writes a JSON-RPC error without an id, the body the MCP
// transport allows on an HTTP-level rejection.
func writeJSONRPCError(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0",
		"error":   map[string]any{"code": -32600, "message": message},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
