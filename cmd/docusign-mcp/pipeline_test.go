package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/pipeline"
	"github.com/ys88io/docusign-mcp/store"
)

func TestPipelineConfigFromFlagsAndEnv(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		vars        map[string]string
		wantURLs    []string
		wantEvery   time.Duration
		wantProblem string
	}{
		{name: "defaults", wantEvery: pipeline.DefaultStuckCheckEvery},
		{name: "repeated flag", args: []string{"--downstream-url", "https://127.0.0.1:1/a",
			"--downstream-url", "https://127.0.0.1:1/b"},
			vars:      map[string]string{downstreamKeyEnv: "k"},
			wantURLs:  []string{"https://127.0.0.1:1/a", "https://127.0.0.1:1/b"},
			wantEvery: pipeline.DefaultStuckCheckEvery},
		{name: "environment list", vars: map[string]string{downstreamKeyEnv: "k",
			downstreamURLsEnv: "https://127.0.0.1:1/a, https://127.0.0.1:1/b"},
			wantURLs:  []string{"https://127.0.0.1:1/a", "https://127.0.0.1:1/b"},
			wantEvery: pipeline.DefaultStuckCheckEvery},
		{name: "check off", args: []string{"--stuck-check-every", "0"}, wantEvery: 0},
		{name: "missing key", args: []string{"--downstream-url", "https://127.0.0.1:1/a"},
			wantProblem: downstreamKeyEnv},
		{name: "bad downstream URL", args: []string{"--downstream-url", "ftp://x/y?token=s"},
			vars: map[string]string{downstreamKeyEnv: "k"}, wantProblem: "ftp://x/...\""},
		{name: "bad alert URL", vars: map[string]string{alertURLEnv: "hooks.internal"},
			wantProblem: alertURLEnv},
		{name: "check too often", args: []string{"--stuck-check-every", "5m"},
			wantProblem: "--stuck-check-every 5m0s is invalid"},
		{name: "zero stuck-after", args: []string{"--stuck-after", "0"},
			wantProblem: "--stuck-after 0s is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			cfg, problems, err := parseServeConfig(append([]string{"--simulator"},
				tt.args...), env)
			if err != nil {
				t.Fatalf("parseServeConfig: %v", err)
			}
			joined := strings.Join(problems, "\n")
			if tt.wantProblem != "" {
				if !strings.Contains(joined, tt.wantProblem) {
					t.Errorf("problems = %q, want one containing %q", joined, tt.wantProblem)
				}
				if strings.Contains(joined, "token=s") {
					t.Errorf("problems show a URL's query: %q", joined)
				}
				return
			}
			if len(problems) != 0 {
				t.Fatalf("problems = %q, want none", joined)
			}
			if !slices.Equal(cfg.Pipeline.DownstreamURLs, tt.wantURLs) {
				t.Errorf("DownstreamURLs = %v, want %v", cfg.Pipeline.DownstreamURLs,
					tt.wantURLs)
			}
			if cfg.Pipeline.StuckCheckEvery != tt.wantEvery {
				t.Errorf("StuckCheckEvery = %s, want %s", cfg.Pipeline.StuckCheckEvery,
					tt.wantEvery)
			}
		})
	}
}

// signedPosts collects the completion events whose signature matches key.
type signedPosts struct {
	key    []byte
	mu     sync.Mutex
	events []pipeline.CompletionEvent
	bad    int
}

func (p *signedPosts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Header.Get(pipeline.HeaderSignature) != pipeline.Sign(p.key, body) {
		p.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev pipeline.CompletionEvent
	if err := json.Unmarshal(body, &ev); err == nil {
		p.events = append(p.events, ev)
	}
}

func (p *signedPosts) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.events)
}

func TestServeArchivesAndPostsCompletion(t *testing.T) {
	posts := &signedPosts{key: []byte("serve-test-key")}
	srv := httptest.NewServer(posts)
	defer srv.Close()
	cfg := serveConfig{Simulator: true, DataDir: t.TempDir(), Pipeline: pipelineConfig{
		DownstreamURLs: []string{srv.URL}, DownstreamKey: string(posts.key)}}
	a, err := startApp(t.Context(), cfg, secrets{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("startApp: %v", err)
	}
	defer a.close()
	if a.alerts == nil {
		t.Fatal("startApp left the alert sink nil")
	}
	ctx := context.Background()
	summary, _, err := a.client.Envelopes.Create(ctx, &docusign.EnvelopeDefinition{
		Status: "sent", EmailSubject: "Serve pipeline",
		Documents: []docusign.Document{{DocumentID: "1", Name: "a.txt", FileExtension: "txt",
			DocumentBase64: "aGVsbG8="}},
		Recipients: &docusign.Recipients{Signers: []docusign.Signer{{RecipientID: "1",
			RoutingOrder: "1", Name: "Signer", Email: "signer@example.test"}}},
	})
	if err != nil {
		t.Fatalf("create envelope: %v", err)
	}
	if err := a.sim.SignAll(summary.EnvelopeID); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	_, _, err = a.store.PutEnvelope(ctx, store.EnvelopeState{EnvelopeID: summary.EnvelopeID,
		Status: "completed", Source: store.SourceWebhook})
	if err != nil {
		t.Fatalf("PutEnvelope: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for posts.count() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if posts.count() != 1 {
		t.Fatalf("downstream received %d signed events, want 1 (%d bad signatures)",
			posts.count(), posts.bad)
	}
	if _, err := a.store.GetArchive(ctx, summary.EnvelopeID); err != nil {
		t.Errorf("GetArchive after the event was posted: %v", err)
	}
}
