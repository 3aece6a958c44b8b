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
		body, err := readBody(r)
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
		buffered := &bufferedBody{}
		buffered.Reset(body)
		r.Body = buffered
		if isSessionlessCancel(r.Header, body) {
			logger.Debug("ignored a notifications/cancelled without a session")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxPresizedBody is the largest declared body length that readBody allocates before the
// bytes arrive. Larger bodies grow their buffer as they arrive, so that a client that
// declares a large body and sends little of it holds little memory.
const maxPresizedBody = 64 << 10

// readBody reads the whole body of r. A small body of declared length is read into one
// buffer of that length, where io.ReadAll would grow its buffer step by step.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 || r.ContentLength > maxPresizedBody {
		return io.ReadAll(r.Body)
	}
	body := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(r.Body, body); err != nil {
		return nil, err
	}
	return body, nil
}

// bufferedBody is a request body that was read into memory.
type bufferedBody struct {
	bytes.Reader
}

// Close does nothing, because the body is in memory.
func (*bufferedBody) Close() error { return nil }

// cancelledWord is part of the method name notifications/cancelled. A body of that method
// contains it unless the JSON escapes one of its characters.
var cancelledWord = []byte("cancelled")

// isSessionlessCancel reports whether body is a notifications/cancelled that mcp-go would
// look up under the empty session id.
func isSessionlessCancel(header http.Header, body []byte) bool {
	// A JSON string spells each character literally or as an escape that starts with a
	// backslash, so a body with neither the word nor a backslash cannot name the method.
	// This skips the decoding for nearly every request.
	if !bytes.Contains(body, cancelledWord) && bytes.IndexByte(body, '\\') < 0 {
		return false
	}
	// Decoding only the method first allocates nothing for the params of other requests.
	var head struct {
		Method string `json:"method"`
	}
	if json.Unmarshal(body, &head) != nil ||
		head.Method != string(mcp.MethodNotificationCancelled) {
		return false
	}
	var msg struct {
		Params struct {
			Meta map[string]any `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil {
		return false
	}
	if header.Get(server.HeaderKeySessionID) == "" ||
		mcp.IsModernProtocol(header.Get(mcp.HeaderProtocolVersion)) {
		return true
	}
	version, _ := msg.Params.Meta[mcp.MetaKeyProtocolVersion].(string)
	return mcp.IsModernProtocol(version)
}
