package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
)

const (
	benchToken    = "bench-endpoint-token"
	legacyVersion = "2025-06-18"
	benchEnvelope = "0b9c4e2a-3f1d-4c55-9a8e-6d2f7b1c0e34"
)

// endpointBench is one /mcp request that a benchmark sends through the middleware chain.
type endpointBench struct {
	name    string
	body    string
	headers map[string]string
}

// endpointBenches returns a modern tools/call, which carries no session id, and a legacy
// one, which carries a signed session id that mcp-go validates.
func endpointBenches(session string) []endpointBench {
	params := `{"name":"get_envelope_status","arguments":{"envelope_id":"` + benchEnvelope +
		`"}`
	modernParams := params + `,"_meta":{"` + mcp.MetaKeyProtocolVersion + `":"` +
		mcp.LATEST_PROTOCOL_VERSION + `","` + mcp.MetaKeyClientCapabilities + `":{},"` +
		mcp.MetaKeyClientInfo + `":{"name":"bench","version":"1"}}}`
	modern := map[string]string{mcp.HeaderProtocolVersion: mcp.LATEST_PROTOCOL_VERSION}
	for k, v := range mcp.StandardHeaders(mcp.LATEST_PROTOCOL_VERSION, mcp.MethodToolsCall,
		json.RawMessage(modernParams)) {
		modern[k] = v
	}
	// A create_envelope with a 4 MiB document, whose base64 text JSON does not escape.
	document := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("%PDF-1.7 "), 466034))
	createParams := `{"name":"create_envelope","arguments":{"documents":[{"name":"a.pdf",` +
		`"content_base64":"` + document + `"}]}}`
	return []endpointBench{
		{name: "modern_call", headers: modern,
			body: `{"jsonrpc":"2.0","id":42,"method":"tools/call","params":` + modernParams + `}`},
		{name: "legacy_create_4MiB", headers: map[string]string{
			mcp.HeaderProtocolVersion: legacyVersion, server.HeaderKeySessionID: session},
			body: `{"jsonrpc":"2.0","id":42,"method":"tools/call","params":` + createParams + `}`},
		{name: "legacy_call", headers: map[string]string{
			mcp.HeaderProtocolVersion: legacyVersion, server.HeaderKeySessionID: session},
			body: `{"jsonrpc":"2.0","id":42,"method":"tools/call","params":` + params + `}}`},
	}
}

// newBenchRequest returns a POST of body to /mcp with the headers of an authenticated
// client.
func newBenchRequest(body string, headers map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8931/mcp",
		strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json, text/event-stream")
	r.Header.Set("Authorization", "Bearer "+benchToken)
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// newBenchPolicy returns the policy state of a file with one static token, as serve
// --policy loads it.
func newBenchPolicy(b *testing.B) *policyState {
	b.Helper()
	file := policy.File{
		Principals: map[string]policy.Scope{"bench": {Tools: []string{policy.Wildcard}}},
		Tokens: []policy.Token{{Principal: "bench",
			SHA256: policy.HashToken(benchToken)}},
	}
	raw, err := json.Marshal(file)
	if err != nil {
		b.Fatalf("encode policy: %v", err)
	}
	path := filepath.Join(b.TempDir(), "policy.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		b.Fatalf("write policy: %v", err)
	}
	st, err := newPolicyState(serveConfig{PolicyFile: path}, "")
	if err != nil {
		b.Fatalf("load policy: %v", err)
	}
	return st
}

// validatingHandler replaces mcp-go in the benchmark. It reads the body and validates the
// session id as mcp-go's POST handler does, then responds 200.
func validatingHandler(ids *sessionIDs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		if id := r.Header.Get(server.HeaderKeySessionID); id != "" &&
			!mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion)) {
			if _, err := ids.ResolveSessionIdManager(r).Validate(id); err != nil {
				w.WriteHeader(http.StatusNotFound)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}

// BenchmarkMCPEndpoint measures the middleware chain of /mcp alone: one tools/call through
// the Origin check, bearer authentication, the body limit, the cancel filter and the
// session checks into a handler that reads the body and validates the session id. The
// direct case sends the request to that handler without the chain.
func BenchmarkMCPEndpoint(b *testing.B) {
	cfg := httpConfig{MaxBodyBytes: defaultMaxBodyBytes, Policy: newBenchPolicy(b)}
	ids := newSessionIDs(testKey(7))
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{name: "direct", h: withBenchPrincipal(validatingHandler(ids))},
		{name: "chain", h: mcpEndpoint(cfg, ids, slog.New(slog.DiscardHandler),
			validatingHandler(ids))},
	}
	session := principalSessions{ids: ids, principal: "bench"}.Generate()
	for _, handler := range handlers {
		for _, bench := range endpointBenches(session) {
			b.Run(handler.name+"/"+bench.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					handler.h.ServeHTTP(w, newBenchRequest(bench.body, bench.headers))
					if w.Code != http.StatusOK {
						b.Fatalf("status = %d, want 200; body %s", w.Code, w.Body)
					}
				}
			})
		}
	}
}

// BenchmarkMCPEndpointServer measures a tools/call served by mcp-go's streamable HTTP
// server with one trivial tool, bare and behind the middleware chain, so that the
// difference is the chain's cost in place, session id validation included.
func BenchmarkMCPEndpointServer(b *testing.B) {
	cfg := httpConfig{MaxBodyBytes: defaultMaxBodyBytes, Policy: newBenchPolicy(b),
		SessionIdleTTL: time.Minute}
	ids := newSessionIDs(testKey(7))
	s := server.NewMCPServer("bench", "1", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("get_envelope_status",
		mcp.WithString("envelope_id", mcp.Required())),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("sent"), nil
		})
	logger := slog.New(slog.DiscardHandler)
	ours := server.NewStreamableHTTPServer(s, server.WithSessionIdManagerResolver(ids),
		server.WithSessionIdleTTL(cfg.SessionIdleTTL), server.WithStreamableHTTPLogger(logger))
	bare := server.NewStreamableHTTPServer(s, server.WithSessionIdManagerResolver(ids),
		server.WithSessionIdleTTL(cfg.SessionIdleTTL), server.WithStreamableHTTPLogger(logger))
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{name: "bare", h: withBenchPrincipal(bare)},
		{name: "chain", h: mcpEndpoint(cfg, ids, logger, ours)},
	}
	session := principalSessions{ids: ids, principal: "bench"}.Generate()
	for _, handler := range handlers {
		for _, bench := range endpointBenches(session) {
			if strings.Contains(bench.name, "create") {
				continue // the trivial server has no create_envelope
			}
			b.Run(handler.name+"/"+bench.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					handler.h.ServeHTTP(w, newBenchRequest(bench.body, bench.headers))
					if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "error") {
						b.Fatalf("status = %d, want 200 and a result; body %s", w.Code, w.Body)
					}
				}
			})
		}
	}
}

// withBenchPrincipal puts the bench principal in the request context without checking the
// token, so that the bare server resolves the same session manager as the chain.
func withBenchPrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(policy.WithPrincipal(r.Context(), "bench")))
	})
}
