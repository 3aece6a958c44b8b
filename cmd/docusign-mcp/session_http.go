package main

import (
	"log/slog"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// guardSessions checks the session id of GET and DELETE requests of the 2025 protocol
// revisions, because mcp-go v1.2.1 does not. Without the check, a GET without an id opens an
// event stream that never ends, and a GET with any id attaches to that session. A missing id
// gets 400, and an id this server did not issue gets 404, so that the client initializes a
// new session. mcp-go checks the ids of POST requests through the same manager, and rejects
// GET and DELETE of the 2026-07-28 revision with 405.
func guardSessions(ids *sessionIDs, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodDelete ||
			mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion)) {
			next.ServeHTTP(w, r)
			return
		}
		id := r.Header.Get(server.HeaderKeySessionID)
		if id == "" {
			writeJSONRPCError(w, http.StatusBadRequest, r.Method+" "+r.URL.Path+
				" needs the Mcp-Session-Id header that initialize returned")
			return
		}
		terminated, err := ids.ResolveSessionIdManager(r).Validate(id)
		if err != nil || terminated {
			logger.Info("rejected a request with an unknown or ended session id",
				"method", r.Method)
			writeJSONRPCError(w, http.StatusNotFound,
				"session not found: send initialize to start a new session")
			return
		}
		next.ServeHTTP(w, r)
	})
}
