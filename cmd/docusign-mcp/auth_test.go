package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/policy"
)

const (
	partnerToken = "partner-static-token"
	paraToken    = "para-static-token"
	testIssuer   = "https://idp.test"
	testAudience = "http://mcp.test/mcp"
)

// authFixture is a policy file with two static tokens and a JWT issuer, and the issuer's key.
type authFixture struct {
	dir, path string
	key       *ecdsa.PrivateKey
}

func newAuthFixture(t *testing.T) *authFixture {
	t.Helper()
	f := &authFixture{dir: t.TempDir()}
	f.path = filepath.Join(f.dir, "policy.json")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	f.key = key
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if err := os.WriteFile(filepath.Join(f.dir, "idp.pem"), pemBytes, 0o600); err != nil {
		t.Fatalf("write key: %v", err)
	}
	f.write(t, testPolicy(nil))
	return f
}

// testPolicy returns a policy with partner (every tool, evil.test denied) and para (no
// void_envelope), plus extra principals with every tool.
func testPolicy(extra []string) policy.File {
	file := policy.File{
		Principals: map[string]policy.Scope{
			"partner": {Tools: []string{policy.Wildcard},
				DeniedDomains: []string{"evil.test"}},
			"para": {Tools: []string{"list_envelopes", "get_envelope_status",
				"create_envelope"}},
		},
		Tokens: []policy.Token{
			{Principal: "partner", SHA256: policy.HashToken(partnerToken)},
			{Principal: "para", SHA256: policy.HashToken(paraToken)},
		},
		JWT: &policy.JWTConfig{Issuer: testIssuer, Audience: testAudience,
			PublicKeyFile: "idp.pem"},
	}
	for _, name := range extra {
		file.Principals[name] = policy.Scope{Tools: []string{policy.Wildcard}}
		file.Tokens = append(file.Tokens, policy.Token{Principal: name,
			SHA256: policy.HashToken(name + "-token")})
	}
	return file
}

func (f *authFixture) write(t *testing.T, file policy.File) {
	t.Helper()
	raw, err := json.Marshal(file)
	if err != nil {
		t.Fatalf("encode policy: %v", err)
	}
	f.writeRaw(t, raw)
}

func (f *authFixture) writeRaw(t *testing.T, raw []byte) {
	t.Helper()
	if err := os.WriteFile(f.path, raw, 0o600); err != nil {
		t.Fatalf("write policy: %v", err)
	}
}

// jwt returns a token signed by the fixture's key with the given audience and expiry.
func (f *authFixture) jwt(t *testing.T, audience string, expires time.Time) string {
	t.Helper()
	token := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": testIssuer, "aud": audience, "sub": "partner", "exp": expires.Unix(),
	})
	signed, err := token.SignedString(f.key)
	if err != nil {
		t.Fatalf("sign JWT: %v", err)
	}
	return signed
}

// authServer is serve --simulator --http --policy running in this process.
type authServer struct {
	url string
	app *app
}

func startAuthServe(t *testing.T, policyPath string) *authServer {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	cfg := serveConfig{Simulator: true, DataDir: t.TempDir(), PolicyFile: policyPath,
		HTTP: httpConfig{Addr: "127.0.0.1:0", MaxBodyBytes: defaultMaxBodyBytes,
			SessionIdleTTL: time.Minute}}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := startApp(ctx, cfg, secrets{}, logger)
	if err != nil {
		cancel()
		t.Fatalf("startApp: %v", err)
	}
	cfg.HTTP.Policy = a.policy
	h, err := listenHTTP(a.mcp, cfg.HTTP, logger)
	if err != nil {
		cancel()
		a.close()
		t.Fatalf("listenHTTP: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- h.serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.close()
	})
	return &authServer{url: h.URL(), app: a}
}

// post sends an initialize request with the Authorization header auth, if any.
func post(t *testing.T, url, method, auth string) *http.Response {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(initializeBody)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set(server.HeaderKeySessionID, "s1.x.y")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp
}

func TestHTTPAuthStatus(t *testing.T) {
	fx := newAuthFixture(t)
	srv := startAuthServe(t, fx.path)
	now := time.Now()
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged := &authFixture{key: otherKey}
	tests := []struct {
		name      string
		method    string
		auth      string
		want      int
		wantError bool // WWW-Authenticate names error="invalid_token"
	}{
		{name: "POST without token", method: http.MethodPost, want: 401},
		{name: "GET without token", method: http.MethodGet, want: 401},
		{name: "DELETE without token", method: http.MethodDelete, want: 401},
		{name: "basic scheme", method: http.MethodPost, auth: "Basic cGFydG5lcg==",
			want: 401},
		{name: "wrong static token", method: http.MethodPost, auth: "Bearer nope",
			want: 401, wantError: true},
		{name: "static token", method: http.MethodPost, auth: "Bearer " + partnerToken,
			want: 200},
		{name: "valid JWT", method: http.MethodPost,
			auth: "Bearer " + fx.jwt(t, testAudience, now.Add(time.Hour)), want: 200},
		{name: "expired JWT", method: http.MethodPost,
			auth: "Bearer " + fx.jwt(t, testAudience, now.Add(-time.Hour)), want: 401,
			wantError: true},
		{name: "JWT for another audience", method: http.MethodPost,
			auth: "Bearer " + fx.jwt(t, "http://other.test/mcp", now.Add(time.Hour)),
			want: 401, wantError: true},
		{name: "JWT signed by another key", method: http.MethodPost,
			auth: "Bearer " + forged.jwt(t, testAudience, now.Add(time.Hour)), want: 401,
			wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, srv.url, tt.method, tt.auth)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != 401 {
				return
			}
			header := resp.Header.Get("WWW-Authenticate")
			wantMeta := `Bearer resource_metadata="` + strings.TrimSuffix(srv.url, "/mcp") +
				metadataPath + `"`
			if !strings.HasPrefix(header, wantMeta) {
				t.Errorf("WWW-Authenticate = %q, want it to start with %q", header, wantMeta)
			}
			if got := strings.Contains(header, `error="invalid_token"`); got != tt.wantError {
				t.Errorf("WWW-Authenticate = %q: has invalid_token = %v, want %v", header,
					got, tt.wantError)
			}
		})
	}
}

func TestHTTPResourceMetadata(t *testing.T) {
	fx := newAuthFixture(t)
	srv := startAuthServe(t, fx.path)
	url := strings.TrimSuffix(srv.url, "/mcp") + metadataPath
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var doc server.ProtectedResourceMetadataConfig
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("decode metadata: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Errorf("status = %d, want 200 without a token", resp.StatusCode)
	}
	if doc.Resource != testAudience {
		t.Errorf("resource = %q, want the JWT audience %q", doc.Resource, testAudience)
	}
}

// connectAs opens an MCP session with a bearer token.
func connectAs(t *testing.T, url, token string) (*client.Client, *transport.StreamableHTTP) {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPHeaders(
		map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		t.Fatalf("create transport: %v", err)
	}
	c := client.NewClient(tr)
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("start client: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_, err = c.Initialize(t.Context(), mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.ProtocolVersion20251125,
		ClientInfo:      mcp.Implementation{Name: "auth-test", Version: "1"}}})
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c, tr
}

func callTool(t *testing.T, c *client.Client, name string, args map[string]any) (
	*mcp.CallToolResult, error) {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return c.CallTool(t.Context(), req)
}

func TestHTTPPrincipalWithoutVoidIsDenied(t *testing.T) {
	fx := newAuthFixture(t)
	srv := startAuthServe(t, fx.path)
	c, _ := connectAs(t, srv.url, paraToken)
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	for _, tool := range list.Tools {
		if tool.Name == "void_envelope" {
			t.Errorf("tools/list of para shows void_envelope, which its scope lacks")
		}
	}
	res, err := callTool(t, c, "void_envelope", map[string]any{
		"envelope_id": "7d2f3a9c-1b4e-4f6a-8c2d-9e0f1a2b3c4d", "reason": "test"})
	if err == nil && !res.IsError {
		t.Errorf("void_envelope by para succeeded, want a denial")
	}
	if n := srv.app.sim.Calls()[docusigntest.OpUpdateEnvelope]; n != 0 {
		t.Errorf("simulator saw %d envelope updates, want 0", n)
	}
}

func TestHTTPDeniedDomainNeverReachesDocusign(t *testing.T) {
	fx := newAuthFixture(t)
	srv := startAuthServe(t, fx.path)
	c, _ := connectAs(t, srv.url, partnerToken)
	pdf := "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
		"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
	res, err := callTool(t, c, "create_envelope", map[string]any{
		"source": "documents", "status": "sent", "email_subject": "Sign please",
		"documents": []any{map[string]any{"name": "A", "file_extension": "pdf",
			"content_base64": base64.StdEncoding.EncodeToString([]byte(pdf))}},
		"signers": []any{map[string]any{"name": "Ann", "email": "ann@firm.test",
			"tabs": []any{map[string]any{"type": "sign_here", "anchor_string": "/s/"}}}},
		"carbon_copies": []any{map[string]any{"name": "Eve", "email": "eve@evil.test"}},
	})
	if err != nil {
		t.Fatalf("create_envelope: %v", err)
	}
	text := resultText(res)
	if !res.IsError || !strings.Contains(text, policy.CodeDomainDenied) {
		t.Errorf("create_envelope = %s, want an isError naming %s", text,
			policy.CodeDomainDenied)
	}
	if strings.Contains(text, "eve@evil.test") {
		t.Errorf("the denial shows the recipient's address: %s", text)
	}
	if n := srv.app.sim.Calls()[docusigntest.OpCreateEnvelope]; n != 0 {
		t.Errorf("simulator saw %d envelope creates, want 0", n)
	}
}

func TestHTTPSessionOfAnotherPrincipal(t *testing.T) {
	fx := newAuthFixture(t)
	srv := startAuthServe(t, fx.path)
	_, tr := connectAs(t, srv.url, partnerToken)
	id := tr.GetSessionId()
	if id == "" {
		t.Fatalf("initialize returned no session id")
	}
	for _, tt := range []struct {
		name  string
		token string
		want  int
	}{
		{name: "same principal", token: partnerToken, want: 200},
		{name: "other principal", token: paraToken, want: 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.url,
				strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set(server.HeaderKeySessionID, id)
			req.Header.Set(mcp.HeaderProtocolVersion, mcp.ProtocolVersion20251125)
			req.Header.Set("Authorization", "Bearer "+tt.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestPolicyReloadOnSIGHUP(t *testing.T) {
	fx := newAuthFixture(t)
	srv := startAuthServe(t, fx.path)
	logs := &syncBuffer{}
	srv.app.policy.reloadOnSIGHUP(t.Context(), slog.New(slog.NewJSONHandler(logs, nil)))
	c, _ := connectAs(t, srv.url, partnerToken)

	steps := []struct {
		name       string
		write      func()
		wantLog    string
		wantNewbie int // status of a request with the token of principal newbie
	}{
		{name: "good file adds a principal", write: func() {
			fx.write(t, testPolicy([]string{"newbie"}))
		}, wantLog: "policy reloaded", wantNewbie: 200},
		{name: "bad file keeps the old policy", write: func() {
			fx.writeRaw(t, []byte(`{"principals": {"x": {"tools": []}}}`))
		}, wantLog: "policy reload failed", wantNewbie: 200},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.write()
			before := strings.Count(logs.String(), step.wantLog)
			if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
				t.Fatalf("send SIGHUP: %v", err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for strings.Count(logs.String(), step.wantLog) == before {
				if time.Now().After(deadline) {
					t.Fatalf("no %q log within 5 s; logs:\n%s", step.wantLog, logs)
				}
				time.Sleep(10 * time.Millisecond)
			}
			resp := post(t, srv.url, http.MethodPost, "Bearer newbie-token")
			if resp.StatusCode != step.wantNewbie {
				t.Errorf("newbie status = %d, want %d", resp.StatusCode, step.wantNewbie)
			}
			if _, err := c.ListTools(t.Context(), mcp.ListToolsRequest{}); err != nil {
				t.Errorf("the session opened before the reload failed: %v", err)
			}
		})
	}
	if !strings.Contains(logs.String(), "principals.x.tools is empty") {
		t.Errorf("the failed reload's log does not name the field; logs:\n%s", logs)
	}
}
