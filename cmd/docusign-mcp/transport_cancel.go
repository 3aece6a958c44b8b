package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// dropSessionlessCancels responds 202 to a notifications/cancelled that carries no session
// and does not pass it on. mcp-go v1.2.1 finds the call to cancel by session id and request
// id, and a request of the 2026-07-28 revision, or one without Mcp-Session-Id, has the
// empty session id. Request ids of different clients collide there, so such a cancel could
// stop another client's call. A client of that revision cancels a call by closing its
// connection instead, which cancels only that request.
func dropSessionlessCancels(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeJSONRPCError(w, http.StatusRequestEntityTooLarge, "request body exceeds "+
					"the limit set by --max-body-bytes")
				return
			}
			writeJSONRPCError(w, http.StatusBadRequest, "failed to read the request body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if isSessionlessCancel(r.Header, body) {
			logger.Debug("ignored a notifications/cancelled without a session")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isSessionlessCancel reports whether body is a notifications/cancelled that mcp-go would
// look up under the empty session id.
func isSessionlessCancel(header http.Header, body []byte) bool {
	var msg struct {
		Method string `json:"method"`
		Params struct {
			Meta map[string]any `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil ||
		msg.Method != string(mcp.MethodNotificationCancelled) {
		return false
	}
	if header.Get(server.HeaderKeySessionID) == "" ||
		mcp.IsModernProtocol(header.Get(mcp.HeaderProtocolVersion)) {
		return true
	}
	version, _ := msg.Params.Meta[mcp.MetaKeyProtocolVersion].(string)
	return mcp.IsModernProtocol(version)
}
