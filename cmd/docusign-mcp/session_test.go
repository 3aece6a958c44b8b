package main

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKey(b byte) []byte {
	return bytes.Repeat([]byte{b}, sessionKeySize)
}

func TestSessionIDsValidate(t *testing.T) {
	ids := newSessionIDs(testKey(1))
	local := principalSessions{ids: ids, principal: "local"}
	issued := local.Generate()
	claims, sig, _ := strings.Cut(strings.TrimPrefix(issued, sessionIDVersion+"."), ".")
	forgedClaims := base64.RawURLEncoding.EncodeToString(
		[]byte(`{"p":"local","n":"00","t":1}`))
	tests := []struct {
		name    string
		manager principalSessions
		id      string
		wantErr bool
	}{
		{name: "issued id", manager: local, id: issued},
		{name: "issued id after restart with the same key",
			manager: principalSessions{ids: newSessionIDs(testKey(1)), principal: "local"},
			id:      issued},
		{name: "issued id checked by upkeep without principal",
			manager: principalSessions{ids: ids}, id: issued},
		{name: "other key", manager: principalSessions{ids: newSessionIDs(testKey(2)),
			principal: "local"}, id: issued, wantErr: true},
		{name: "other principal", manager: principalSessions{ids: ids, principal: "alice"},
			id: issued, wantErr: true},
		{name: "claims replaced", manager: local,
			id: sessionIDVersion + "." + forgedClaims + "." + sig, wantErr: true},
		{name: "signature cut", manager: local,
			id: sessionIDVersion + "." + claims + "." + sig[:10], wantErr: true},
		{name: "mcp-go default format", manager: local,
			id: "mcp-session-2b7e1516-28ae-4d2a-8f6c-0123456789ab", wantErr: true},
		{name: "empty", manager: local, id: "", wantErr: true},
		{name: "other version", manager: local,
			id: "s2." + claims + "." + sig, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terminated, err := tt.manager.Validate(tt.id)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate(%q) error = %v, want error %v", tt.id, err, tt.wantErr)
			}
			if terminated {
				t.Errorf("Validate(%q) reported a terminated session, want a live one", tt.id)
			}
		})
	}
}

func TestSessionIDsTerminate(t *testing.T) {
	ids := newSessionIDs(testKey(1))
	m := principalSessions{ids: ids, principal: "local"}
	id := m.Generate()
	if _, err := m.Terminate(id); err != nil {
		t.Fatalf("Terminate of an issued id failed: %v", err)
	}
	terminated, err := m.Validate(id)
	if err != nil || !terminated {
		t.Errorf("Validate after Terminate = %v, %v, want terminated and no error",
			terminated, err)
	}
	if _, err := m.Terminate("mcp-session-forged"); err == nil {
		t.Errorf("Terminate of a forged id succeeded, want an error")
	}
}

func TestSessionIDsForgetOldestTerminated(t *testing.T) {
	ids := newSessionIDs(testKey(1))
	m := principalSessions{ids: ids, principal: "local"}
	for range maxTerminated + 1 {
		if _, err := m.Terminate(m.Generate()); err != nil {
			t.Fatalf("Terminate failed: %v", err)
		}
	}
	if n := len(ids.terminated); n > maxTerminated {
		t.Errorf("%d terminated ids remembered, want at most %d", n, maxTerminated)
	}
}

func TestEnsureSessionKey(t *testing.T) {
	dir := t.TempDir()
	first, err := ensureSessionKey(dir)
	if err != nil {
		t.Fatalf("first ensureSessionKey: %v", err)
	}
	info, err := os.Stat(filepath.Join(dir, sessionKeyFileName))
	if err != nil {
		t.Fatalf("stat key file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", perm)
	}
	second, err := ensureSessionKey(dir)
	if err != nil {
		t.Fatalf("second ensureSessionKey: %v", err)
	}
	if !bytes.Equal(first, second) || len(first) != sessionKeySize {
		t.Errorf("second start read another key or a short one, want the same %d bytes",
			sessionKeySize)
	}
}

func TestEnsureSessionKeyRejects(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
	}{
		{name: "readable by others", content: strings.Repeat("ab", sessionKeySize),
			mode: 0o644, want: "chmod 600"},
		{name: "not hex", content: strings.Repeat("zz", sessionKeySize), mode: 0o600,
			want: "is invalid"},
		{name: "short", content: "abcd", mode: 0o600, want: "is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, sessionKeyFileName)
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatalf("write key file: %v", err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatalf("chmod key file: %v", err)
			}
			_, err := ensureSessionKey(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ensureSessionKey error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestGuardSessions(t *testing.T) {
	ids := newSessionIDs(testKey(1))
	valid := principalSessions{ids: ids, principal: "local"}.Generate()
	ended := principalSessions{ids: ids, principal: "local"}.Generate()
	ids.terminate(ended)
	tests := []struct {
		name    string
		method  string
		session string
		version string
		want    int
	}{
		{name: "GET without session", method: http.MethodGet, want: http.StatusBadRequest},
		{name: "DELETE without session", method: http.MethodDelete,
			want: http.StatusBadRequest},
		{name: "GET forged session", method: http.MethodGet, session: "mcp-session-x",
			want: http.StatusNotFound},
		{name: "DELETE forged session", method: http.MethodDelete, session: "s1.e30.AAAA",
			want: http.StatusNotFound},
		{name: "GET ended session", method: http.MethodGet, session: ended,
			want: http.StatusNotFound},
		{name: "GET issued session", method: http.MethodGet, session: valid,
			want: http.StatusOK},
		{name: "GET of the sessionless revision", method: http.MethodGet,
			version: "2026-07-28", want: http.StatusOK},
		{name: "POST passes", method: http.MethodPost, want: http.StatusOK},
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := guardSessions(ids, slog.New(slog.DiscardHandler), next)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://127.0.0.1:8931/mcp", nil)
			if tt.session != "" {
				r.Header.Set("Mcp-Session-Id", tt.session)
			}
			if tt.version != "" {
				r.Header.Set("Mcp-Protocol-Version", tt.version)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.want, w.Body)
			}
		})
	}
}

func TestDropSessionlessCancels(t *testing.T) {
	const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`
	tests := []struct {
		name     string
		body     string
		session  string
		version  string
		wantDrop bool
	}{
		{name: "cancel without session", wantDrop: true,
			body: `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`},
		{name: "cancel with session", session: "s1.x.y",
			body: `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`},
		{name: "cancel of the sessionless revision by header", session: "s1.x.y",
			version: "2026-07-28", wantDrop: true,
			body: `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`},
		{name: "cancel of the sessionless revision by _meta", session: "s1.x.y",
			wantDrop: true, body: `{"jsonrpc":"2.0","method":"notifications/cancelled",` +
				`"params":{"requestId":7,` + modernMeta + `}}`},
		{name: "tool call without session",
			body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}}`},
		{name: "not JSON", body: `{`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var passed string
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				buf := new(bytes.Buffer)
				_, _ = buf.ReadFrom(r.Body)
				passed = buf.String()
			})
			h := dropSessionlessCancels(slog.New(slog.DiscardHandler), next)
			r := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tt.body))
			if tt.session != "" {
				r.Header.Set("Mcp-Session-Id", tt.session)
			}
			if tt.version != "" {
				r.Header.Set("Mcp-Protocol-Version", tt.version)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if tt.wantDrop {
				if w.Code != http.StatusAccepted || passed != "" {
					t.Errorf("status %d and passed body %q, want 202 and nothing passed on",
						w.Code, passed)
				}
				return
			}
			if passed != tt.body {
				t.Errorf("passed body %q, want the whole body %q", passed, tt.body)
			}
		})
	}
}
