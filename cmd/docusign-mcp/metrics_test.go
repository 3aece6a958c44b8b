package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
)

// opsServe is a serve --simulator --http --no-auth run in this process.
type opsServe struct {
	base   string // the listener's origin, e.g. http://127.0.0.1:41234
	simURL string
	logs   *syncBuffer
	stop   func() error
}

// startOpsServe runs serve with the simulator over HTTP and waits until it serves.
func startOpsServe(t *testing.T, vars map[string]string) *opsServe {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	cfg := serveConfig{Simulator: true, DataDir: t.TempDir(), HTTP: httpConfig{
		Addr: "127.0.0.1:0", MaxBodyBytes: defaultMaxBodyBytes, SessionIdleTTL: time.Minute,
		NoAuth: true}}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	env, _, _ := testEnv(vars)
	go func() { done <- runServe(ctx, cfg, secrets{}, env, logger) }()
	mcpURL := regexp.MustCompile(`"msg":"serving MCP over streamable HTTP","url":"([^"]+)"`)
	simURL := regexp.MustCompile(`"msg":"simulator started","url":"([^"]+)"`)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		m, s := mcpURL.FindStringSubmatch(logs.String()), simURL.FindStringSubmatch(logs.String())
		if m != nil && s != nil {
			o := &opsServe{base: strings.TrimSuffix(m[1], "/mcp"), simURL: s[1], logs: logs,
				stop: func() error { cancel(); return <-done }}
			t.Cleanup(func() { _ = o.stop() })
			return o
		}
		select {
		case err := <-done:
			t.Fatalf("runServe returned %v before serving; logs:\n%s", err, logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start within a minute; logs:\n%s", logs)
	return nil
}

// get sends a GET with an optional bearer token and returns the status and body.
func (o *opsServe) get(t *testing.T, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, o.base+path, nil)
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

// metricValue returns the value of the sample line that starts with series, or -1.
func metricValue(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, series+" ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(rest, 64)
		if err != nil {
			return -1
		}
		return v
	}
	return -1
}

// TestMetricsAfterDemo runs the demo's envelope through a serve over HTTP, then scrapes
// /metrics and checks that each family the demo exercises counted it.
func TestMetricsAfterDemo(t *testing.T) {
	o := startOpsServe(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	c, err := connectHTTPClient(ctx, o.base+"/mcp")
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	d := &demo{mcp: c, control: newSimControl(o.simURL), out: io.Discard}
	if err := d.run(ctx); err != nil {
		t.Fatalf("demo run: %v\nlogs:\n%s", err, o.logs)
	}

	status, text := o.get(t, "/metrics", "")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics status = %d, body %q", status, text)
	}
	positive := []string{
		`docusign_mcp_tool_calls_total{tool="create_envelope",outcome="ok"}`,
		`docusign_mcp_tool_calls_total{tool="get_envelope_status",outcome="ok"}`,
		`docusign_mcp_tool_calls_total{tool="download_document",outcome="ok"}`,
		`docusign_mcp_tool_call_duration_seconds_count{tool="create_envelope",outcome="ok"}`,
		`docusign_mcp_docusign_calls_total{operation="OAuth:token",status="200"}`,
		`docusign_mcp_docusign_calls_total{operation="Envelopes:create",status="201"}`,
		`docusign_mcp_docusign_calls_total{operation="EnvelopeDocuments:get",status="200"}`,
		`docusign_mcp_docusign_call_duration_seconds_count{operation="Envelopes:create"}`,
		`docusign_mcp_docusign_calls_by_principal_total{principal="local"}`,
		`docusign_mcp_docusign_rate_limit_remaining{window="hourly"}`,
		`docusign_mcp_docusign_rate_limit_limit{window="hourly"}`,
	}
	if v := metricValue(text, "docusign_mcp_docusign_halted"); v != 0 {
		t.Errorf("docusign_mcp_docusign_halted = %v after the demo, want 0", v)
	}
	for _, series := range positive {
		if v := metricValue(text, series); v <= 0 {
			t.Errorf("%s = %v after the demo, want a positive value", series, v)
		}
	}
	if !strings.Contains(text, "# TYPE docusign_mcp_tool_calls_total counter\n") {
		t.Errorf("/metrics lacks the TYPE line of docusign_mcp_tool_calls_total")
	}
	// The embedded simulator posts Connect messages to /connect after each change, off the
	// request goroutine, so the count may lag behind the demo.
	accepted := `docusign_mcp_webhook_deliveries_total{result="accepted"}`
	deadline := time.Now().Add(time.Minute)
	for metricValue(text, accepted) <= 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, text = o.get(t, "/metrics", "")
	}
	if v := metricValue(text, accepted); v <= 0 {
		t.Errorf("%s = %v after the demo, want the simulator's Connect deliveries", accepted, v)
	}
}

func TestHealthAndReadyOverHTTP(t *testing.T) {
	o := startOpsServe(t, nil)
	if status, body := o.get(t, "/healthz", ""); status != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", status, body)
	}
	status, body := o.get(t, "/readyz", "")
	if status != http.StatusOK {
		t.Errorf("GET /readyz status = %d, want 200; body %s", status, body)
	}
	for _, want := range []string{`"ready":true`, `"name":"store","ok":true`,
		`"name":"docusign","ok":true`} {
		if !strings.Contains(body, want) {
			t.Errorf("/readyz body %s lacks %s", body, want)
		}
	}
}

func TestMetricsTokenOverHTTP(t *testing.T) {
	o := startOpsServe(t, map[string]string{metricsTokenEnv: "scrape-secret"})
	if status, _ := o.get(t, "/metrics", ""); status != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token = %d, want 401", status)
	}
	if status, _ := o.get(t, "/metrics", "wrong"); status != http.StatusUnauthorized {
		t.Errorf("GET /metrics with a wrong token = %d, want 401", status)
	}
	if status, _ := o.get(t, "/metrics", "scrape-secret"); status != http.StatusOK {
		t.Errorf("GET /metrics with the token = %d, want 200", status)
	}
	if strings.Contains(o.logs.String(), "scrape-secret") {
		t.Errorf("logs contain the metrics token")
	}
}

func TestMetricsHandlerAccess(t *testing.T) {
	ops := newOpsState(slog.New(slog.DiscardHandler))
	tests := []struct {
		name   string
		addr   string
		token  string
		header string
		want   int
	}{
		{name: "loopback without token", addr: "127.0.0.1:8931", want: http.StatusOK},
		{name: "public without token", addr: "0.0.0.0:8931", want: http.StatusForbidden},
		{name: "public with token", addr: "0.0.0.0:8931", token: "t1", header: "Bearer t1",
			want: http.StatusOK},
		{name: "public wrong token", addr: "0.0.0.0:8931", token: "t1", header: "Bearer t2",
			want: http.StatusUnauthorized},
		{name: "loopback token required", addr: "127.0.0.1:8931", token: "t1",
			want: http.StatusUnauthorized},
		{name: "basic scheme", addr: "127.0.0.1:8931", token: "t1", header: "Basic t1",
			want: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			ops.metricsHandler(tt.addr, tt.token).ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("status = %d, want %d; body %q", rec.Code, tt.want, rec.Body.String())
			}
		})
	}
}

func TestAlertSinkMetrics(t *testing.T) {
	ops := newOpsState(slog.New(slog.DiscardHandler))
	sink, err := alert.New(alert.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("alert.New: %v", err)
	}
	defer sink.Close()
	ops.registerAlertSink(sink)
	sink.Raise(t.Context(), alert.Alert{Kind: "stuck_envelope", Key: "e1", Message: "stuck"})
	sink.Raise(t.Context(), alert.Alert{Kind: "stuck_envelope", Key: "e2", Message: "stuck"})
	var b strings.Builder
	if err := ops.metrics.Registry.WriteText(&b); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	series := `docusign_mcp_alerts_raised_total{kind="stuck_envelope"}`
	if v := metricValue(b.String(), series); v != 2 {
		t.Errorf("%s = %v, want 2", series, v)
	}
}
