package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequireAllowedOrigin(t *testing.T) {
	tests := []struct {
		name   string
		method string
		origin string
		want   int
	}{
		{name: "no origin passes", method: http.MethodPost, want: http.StatusOK},
		{name: "listed origin passes", method: http.MethodPost,
			origin: "http://localhost:6274", want: http.StatusOK},
		{name: "listed origin in other case passes", method: http.MethodGet,
			origin: "HTTP://LOCALHOST:6274", want: http.StatusOK},
		{name: "foreign origin on POST", method: http.MethodPost,
			origin: "http://evil.example.com", want: http.StatusForbidden},
		{name: "foreign origin on GET", method: http.MethodGet,
			origin: "http://evil.example.com", want: http.StatusForbidden},
		{name: "foreign origin on DELETE", method: http.MethodDelete,
			origin: "https://localhost:6274", want: http.StatusForbidden},
		{name: "null origin", method: http.MethodPost, origin: "null", want: http.StatusForbidden},
		{name: "same host other port", method: http.MethodPost,
			origin: "http://localhost:6275", want: http.StatusForbidden},
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	logger := slog.New(slog.DiscardHandler)
	h := requireAllowedOrigin([]string{"http://localhost:6274"}, logger, next)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://127.0.0.1:8931/mcp", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status = %d, want %d", w.Code, tt.want)
			}
			if w.Code == http.StatusForbidden {
				checkJSONRPCError(t, w.Body.String(), "is not allowed")
			}
		})
	}
}

func TestLimitBody(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		chunked  bool
		want     int
		wantRead string
	}{
		{name: "within limit", body: "0123456789", want: http.StatusOK, wantRead: "0123456789"},
		{name: "declared length over limit", body: "0123456789X",
			want: http.StatusRequestEntityTooLarge},
		{name: "chunked body over limit", body: "0123456789X", chunked: true,
			want: http.StatusBadRequest},
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write(data)
	})
	h := limitBody(10, next)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tt.body))
			if tt.chunked {
				r.ContentLength = -1
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status = %d, want %d; body %q", w.Code, tt.want, w.Body)
			}
			if tt.wantRead != "" && w.Body.String() != tt.wantRead {
				t.Errorf("handler read %q, want %q", w.Body, tt.wantRead)
			}
			if tt.want == http.StatusRequestEntityTooLarge {
				checkJSONRPCError(t, w.Body.String(), "--max-body-bytes")
			}
		})
	}
}

// checkJSONRPCError checks that body is a JSON-RPC error whose message contains want.
func checkJSONRPCError(t *testing.T, body, want string) {
	t.Helper()
	var msg struct {
		JSONRPC string `json:"jsonrpc"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if msg.JSONRPC != "2.0" || msg.Error.Code != -32600 {
		t.Errorf("body %q, want a JSON-RPC 2.0 error with code -32600", body)
	}
	if !strings.Contains(msg.Error.Message, want) {
		t.Errorf("error message %q, want it to contain %q", msg.Error.Message, want)
	}
}
