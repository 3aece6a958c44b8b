package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/connect"
	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

func TestLoopbackConnectURL(t *testing.T) {
	tests := []struct {
		name    string
		mcpURL  string
		want    string
		wantErr bool
	}{
		{name: "loopback v4", mcpURL: "http://127.0.0.1:8931/mcp",
			want: "http://127.0.0.1:8931/connect"},
		{name: "all interfaces", mcpURL: "http://0.0.0.0:8931/mcp",
			want: "http://127.0.0.1:8931/connect"},
		{name: "all interfaces v6", mcpURL: "http://[::]:8931/mcp",
			want: "http://127.0.0.1:8931/connect"},
		{name: "loopback v6", mcpURL: "http://[::1]:8931/mcp",
			want: "http://[::1]:8931/connect"},
		{name: "other host", mcpURL: "http://192.0.2.7:8931/mcp", wantErr: true},
		{name: "no port", mcpURL: "http://127.0.0.1/mcp", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loopbackConnectURL(tt.mcpURL)
			if (err != nil) != tt.wantErr {
				t.Fatalf("loopbackConnectURL(%q) error = %v, want error %v", tt.mcpURL, err,
					tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("loopbackConnectURL(%q) = %q, want %q", tt.mcpURL, got, tt.want)
			}
		})
	}
}

func TestConnectKeysSources(t *testing.T) {
	dir := t.TempDir()
	secretsKey := strings.Repeat("ab", 32)
	secretsPath := filepath.Join(dir, "secrets.enc")
	f, err := store.OpenSecrets(secretsPath, mustHex(t, secretsKey))
	if err != nil {
		t.Fatalf("create secret file: %v", err)
	}
	if err := f.Set(store.SecretConnectHMACKey, []byte("file-key-1\nfile-key-2")); err != nil {
		t.Fatalf("set secret: %v", err)
	}
	if err := f.Save(); err != nil {
		t.Fatalf("save secret file: %v", err)
	}
	withFile := serveConfig{SecretsFile: secretsPath, SecretsKeyHex: secretsKey}
	tests := []struct {
		name     string
		cfg      serveConfig
		wantKeys int
		wantFrom string
		wantErr  string
	}{
		{name: "none"},
		{name: "environment", cfg: serveConfig{ConnectHMACKeys: "a, b"}, wantKeys: 2,
			wantFrom: connectHMACKeysEnv},
		{name: "secret file", cfg: withFile, wantKeys: 2,
			wantFrom: "secret " + store.SecretConnectHMACKey},
		{name: "both", cfg: serveConfig{ConnectHMACKeys: "a", SecretsFile: secretsPath,
			SecretsKeyHex: secretsKey}, wantErr: "keep one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, from, err := connectKeys(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("connectKeys error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("connectKeys failed: %v", err)
			}
			if len(keys) != tt.wantKeys {
				t.Errorf("connectKeys returned %d keys, want %d", len(keys), tt.wantKeys)
			}
			if from != tt.wantFrom {
				t.Errorf("connectKeys source = %q, want %q", from, tt.wantFrom)
			}
		})
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	key, problem := parseStoreKey(s, "test key")
	if problem != "" {
		t.Fatalf("test key: %s", problem)
	}
	return key
}

// TestConnectSimulatorDeliversToServer starts the server in simulator mode with HTTP, as
// serve --simulator --http does, and follows an envelope to completed through the
// simulator's Connect messages alone.
func TestConnectSimulatorDeliversToServer(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	httpCfg := httpConfig{Addr: "127.0.0.1:0", MaxBodyBytes: defaultMaxBodyBytes,
		SessionIdleTTL: time.Minute, Routes: map[string]http.Handler{}}
	a, err := startApp(t.Context(), serveConfig{Simulator: true, DataDir: t.TempDir(),
		HTTP: httpCfg}, secrets{}, logger)
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
	a.publishConnect(h.URL())

	envelopeID := createTestEnvelope(t, a.client)
	waitForWebhookStatus(t, a.store, envelopeID, "sent")
	if err := a.sim.SignAll(envelopeID); err != nil {
		t.Fatalf("SignAll failed: %v", err)
	}
	waitForWebhookStatus(t, a.store, envelopeID, "completed")

	recs, err := store.QueryAudit(t.Context(), a.store, store.AuditQuery{
		Kind: store.AuditWebhook, EnvelopeID: envelopeID})
	if err != nil {
		t.Fatalf("QueryAudit failed: %v", err)
	}
	wantKey := connect.KeyID([]byte(a.connect.simulatorKey))
	if len(recs) == 0 || recs[0].KeyID != wantKey {
		t.Errorf("webhook audit records = %+v, want them to name key %s", recs, wantKey)
	}
	if got := a.connect.receiver.Stats(); got.Rejected != 0 {
		t.Errorf("receiver rejected %d of the simulator's deliveries, want 0", got.Rejected)
	}
}

func createTestEnvelope(t *testing.T, client *docusign.Client) string {
	t.Helper()
	pdf := "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
	summary, _, err := client.Envelopes.Create(t.Context(), &docusign.EnvelopeDefinition{
		Status: "sent", EmailSubject: "Connect test",
		Documents: []docusign.Document{{DocumentID: "1", Name: "a.pdf", FileExtension: "pdf",
			DocumentBase64: base64.StdEncoding.EncodeToString([]byte(pdf))}},
		Recipients: &docusign.Recipients{Signers: []docusign.Signer{{RecipientID: "1",
			RoutingOrder: "1", Name: "Test Signer", Email: "signer@example.test"}}},
	})
	if err != nil {
		t.Fatalf("create envelope: %v", err)
	}
	return summary.EnvelopeID
}

// waitForWebhookStatus waits until a Connect message has set the envelope's status, with a
// generous deadline because delivery runs in the background on a shared machine.
func waitForWebhookStatus(t *testing.T, s *store.Store, envelopeID, status string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last store.EnvelopeState
	for time.Now().Before(deadline) {
		st, err := s.GetEnvelope(t.Context(), envelopeID)
		if err == nil && st.Source == store.SourceWebhook && st.Status == status {
			return
		}
		last = st
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("envelope %s did not reach %s by webhook within 30 s; last state %+v",
		envelopeID, status, last)
}

// TestConnectRouteThroughListener posts deliveries signed by the test to /connect on the
// real HTTP listener, with a key configured as DOCUSIGN_CONNECT_HMAC_KEYS would set it.
func TestConnectRouteThroughListener(t *testing.T) {
	const key = "listener-test-key"
	logger := slog.New(slog.DiscardHandler)
	httpCfg := httpConfig{Addr: "127.0.0.1:0", MaxBodyBytes: 4096,
		SessionIdleTTL: time.Minute, Routes: map[string]http.Handler{}}
	a, err := startApp(t.Context(), serveConfig{Simulator: true, DataDir: t.TempDir(),
		HTTP: httpCfg, ConnectHMACKeys: key}, secrets{}, logger)
	if err != nil {
		t.Fatalf("startApp failed: %v", err)
	}
	defer a.close()
	if a.connect.simulatorKey != "" {
		t.Errorf("a key was generated although %s was set", connectHMACKeysEnv)
	}
	a.mountConnect(httpCfg.Routes, httpCfg.MaxBodyBytes)
	h, err := listenHTTP(a.mcp, httpCfg, logger)
	if err != nil {
		t.Fatalf("listenHTTP failed: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- h.serve(ctx) }()
	defer func() { cancel(); <-served }()
	target, err := loopbackConnectURL(h.URL())
	if err != nil {
		t.Fatalf("loopbackConnectURL failed: %v", err)
	}

	body := []byte(`{"event":"envelope-sent","generatedDateTime":"2026-03-02T10:00:00Z",` +
		`"data":{"envelopeId":"7e4b9c2a-1f3d-4a6b-8c5e-0d2f1a3b4c5d"}}`)
	tests := []struct {
		name   string
		body   []byte
		secret string
		want   int
	}{
		{name: "signed", body: body, secret: key, want: http.StatusOK},
		{name: "unsigned", body: body, want: http.StatusUnauthorized},
		{name: "other key", body: body, secret: "other", want: http.StatusUnauthorized},
		{name: "over the listener's body limit", body: append(body, make([]byte, 4096)...),
			secret: key, want: http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target,
				bytes.NewReader(tt.body))
			if err != nil {
				t.Fatalf("build request: %v", err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tt.secret != "" {
				req.Header.Set("X-DocuSign-Signature-1", connect.Sign(tt.body,
					[]byte(tt.secret)))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST %s: %v", target, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestMountConnectWithoutReceiver(t *testing.T) {
	routes := map[string]http.Handler{}
	a := &app{connect: &connectState{}}
	a.mountConnect(routes, 1024)
	if _, ok := routes[connectPath]; ok {
		t.Errorf("%s is mounted without a receiver, want it absent so the mux answers 404",
			connectPath)
	}
}

func TestConnectOffInSimulatorOverStdio(t *testing.T) {
	a, err := startApp(t.Context(), serveConfig{Simulator: true, DataDir: t.TempDir()},
		secrets{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("startApp failed: %v", err)
	}
	defer a.close()
	if a.connect.receiver != nil || a.connect.simulatorKey != "" {
		t.Errorf("stdio simulator mode built a receiver or generated a key, want neither " +
			"because nothing can reach /connect")
	}
}
