package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// decodedSessionlessCancel is isSessionlessCancel without the shortcut: it always decodes
// the whole body, as the filter did before the shortcut.
func decodedSessionlessCancel(header http.Header, body []byte) bool {
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

// cancelBodies are the seed bodies of the cancel filter's tests: cancels spelt with and
// without escapes, and other requests that contain the word or a backslash.
var cancelBodies = []struct {
	name   string
	body   string
	cancel bool // a notifications/cancelled without a session
}{
	{name: "plain cancel", cancel: true,
		body: `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`},
	{name: "cancel with escaped slash", cancel: true,
		body: `{"jsonrpc":"2.0","method":"notifications\/cancelled","params":{"requestId":7}}`},
	{name: "cancel with unicode escape", cancel: true,
		body: `{"jsonrpc":"2.0","method":"notifications/\u0063ancelled","params":{}}`},
	{name: "cancel with upper-case key", cancel: true,
		body: `{"jsonrpc":"2.0","METHOD":"notifications/cancelled","params":{}}`},
	{name: "cancel whose params are not an object",
		body: `{"jsonrpc":"2.0","method":"notifications/cancelled","params":7}`},
	{name: "later method wins",
		body: `{"method":"notifications/cancelled","method":"tools/call","params":{}}`},
	{name: "tool call that mentions the word",
		body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"void_envelope",` +
			`"arguments":{"reason":"cancelled by the sender"}}}`},
	{name: "tool call with an escape",
		body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"void_envelope",` +
			`"arguments":{"reason":"line one\nline two"}}}`},
	{name: "tool call", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}`},
	{name: "batch of one cancel",
		body: `[{"jsonrpc":"2.0","method":"notifications/cancelled","params":{}}]`},
	{name: "not JSON", body: `{"method":"notifications/cancelled"`},
	{name: "empty", body: ``},
}

func TestIsSessionlessCancelEscapes(t *testing.T) {
	for _, tt := range cancelBodies {
		t.Run(tt.name, func(t *testing.T) {
			got := isSessionlessCancel(http.Header{}, []byte(tt.body))
			if got != tt.cancel {
				t.Errorf("isSessionlessCancel(%s) = %v, want %v", tt.body, got, tt.cancel)
			}
			if want := decodedSessionlessCancel(http.Header{}, []byte(tt.body)); got != want {
				t.Errorf("isSessionlessCancel(%s) = %v, but decoding the whole body gives %v",
					tt.body, got, want)
			}
		})
	}
}

// FuzzIsSessionlessCancel checks that the shortcut never changes the filter's decision.
func FuzzIsSessionlessCancel(f *testing.F) {
	for _, tt := range cancelBodies {
		f.Add([]byte(tt.body), "", "")
		f.Add([]byte(tt.body), "s1.x.y", "")
		f.Add([]byte(tt.body), "s1.x.y", mcp.ProtocolVersion20260728)
	}
	f.Fuzz(func(t *testing.T, body []byte, session, version string) {
		header := http.Header{}
		if session != "" {
			header.Set(server.HeaderKeySessionID, session)
		}
		if version != "" {
			header.Set(mcp.HeaderProtocolVersion, version)
		}
		got := isSessionlessCancel(header, body)
		if want := decodedSessionlessCancel(header, body); got != want {
			t.Errorf("isSessionlessCancel(%q) = %v, but decoding the whole body gives %v",
				body, got, want)
		}
	})
}

func TestReadBody(t *testing.T) {
	large := strings.Repeat("x", maxPresizedBody+1)
	tests := []struct {
		name    string
		body    string
		length  int64 // the declared Content-Length; -1 for none
		want    string
		wantErr error
	}{
		{name: "declared length", body: `{"id":1}`, length: 8, want: `{"id":1}`},
		{name: "no declared length", body: `{"id":1}`, length: -1, want: `{"id":1}`},
		{name: "large body", body: large, length: int64(len(large)), want: large},
		{name: "shorter than declared", body: `{"id"`, length: 8,
			wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tt.body))
			r.ContentLength = tt.length
			got, err := readBody(r)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("readBody error = %v, want %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("readBody = %d bytes, want the %d bytes sent", len(got), len(tt.want))
			}
		})
	}
}
