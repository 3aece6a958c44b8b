package metrics

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/docusign"
)

// scrape returns the registry's text output.
func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	return b.String()
}

func TestCounterVecText(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounterVec("calls_total", "Calls by tool.\nSecond line.", "tool", "outcome")
	c.Inc("create", "ok")
	c.Add(2, "create", "ok")
	c.Inc(`we"ird\name`+"\n", "ok")
	got := scrape(t, r)
	want := "# HELP calls_total Calls by tool.\\nSecond line.\n" +
		"# TYPE calls_total counter\n" +
		`calls_total{tool="create",outcome="ok"} 3` + "\n" +
		`calls_total{tool="we\"ird\\name\n",outcome="ok"} 1` + "\n"
	if got != want {
		t.Errorf("text output:\n%s\nwant:\n%s", got, want)
	}
}

func TestHistogramCumulativeBuckets(t *testing.T) {
	r := NewRegistry()
	h := r.NewHistogramVec("latency_seconds", "Latency.", []float64{0.1, 1}, "op")
	for _, v := range []float64{0.05, 0.1, 0.5, 3} {
		h.Observe(v, "get")
	}
	got := scrape(t, r)
	for _, line := range []string{
		`latency_seconds_bucket{op="get",le="0.1"} 2`,
		`latency_seconds_bucket{op="get",le="1"} 3`,
		`latency_seconds_bucket{op="get",le="+Inf"} 4`,
		`latency_seconds_sum{op="get"} 3.65`,
		`latency_seconds_count{op="get"} 4`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("output lacks %q:\n%s", line, got)
		}
	}
	if n := h.Count("get"); n != 4 {
		t.Errorf("Count = %d, want 4", n)
	}
}

func TestCounterVecOverflow(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounterVec("by_principal_total", "Calls.", "principal")
	for i := range MaxSeries + 10 {
		c.Inc("p" + strconv.Itoa(i))
	}
	if got := c.Value(OverflowLabel); got != 10 {
		t.Errorf("overflow series = %v, want the 10 calls past MaxSeries", got)
	}
	if n := strings.Count(scrape(t, r), "by_principal_total{"); n != MaxSeries+1 {
		t.Errorf("%d series written, want MaxSeries plus the overflow series", n)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	r := NewRegistry()
	r.NewCounterVec("x_total", "X.")
	defer func() {
		if recover() == nil {
			t.Error("registering x_total twice did not panic")
		}
	}()
	r.NewCounterVec("x_total", "X.")
}

func TestHandlerContentType(t *testing.T) {
	s := NewServer("v1.2.3", time.Unix(1700000000, 0))
	rec := httptest.NewRecorder()
	s.Registry.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type = %q, want %q", ct, ContentType)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `docusign_mcp_build_info{version="v1.2.3"} 1`) {
		t.Errorf("body lacks build_info:\n%s", body)
	}
	if !strings.Contains(body, "docusign_mcp_start_time_seconds 1.7e+09") {
		t.Errorf("body lacks the start time:\n%s", body)
	}
	rec = httptest.NewRecorder()
	s.Registry.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d, want 405", rec.Code)
	}
}

func TestObserveCall(t *testing.T) {
	s := NewServer("v", time.Now())
	s.ObserveCall(docusign.CallRecord{Operation: "Envelopes:get", StatusCode: 200,
		Latency: 20 * time.Millisecond, Tag: docusign.CallTag{Caller: "partner"}})
	s.ObserveCall(docusign.CallRecord{Operation: "OAuth:token", StatusCode: 400,
		ErrorCode: "consent_required"})
	got := scrape(t, s.Registry)
	for _, line := range []string{
		`docusign_mcp_docusign_calls_total{operation="Envelopes:get",status="200"} 1`,
		`docusign_mcp_docusign_calls_total{operation="OAuth:token",status="400"} 1`,
		`docusign_mcp_docusign_errors_total{operation="OAuth:token",` +
			`error_code="consent_required"} 1`,
		`docusign_mcp_docusign_calls_by_principal_total{principal="partner"} 1`,
		`docusign_mcp_docusign_calls_by_principal_total{principal="none"} 1`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("output lacks %q", line)
		}
	}
}

func TestRateLimitGauges(t *testing.T) {
	s := NewServer("v", time.Now())
	if got := scrape(t, s.Registry); strings.Contains(got, "rate_limit_remaining{") {
		t.Errorf("rate-limit gauges written before any response:\n%s", got)
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "3000")
		w.Header().Set("X-RateLimit-Remaining", "2990")
		w.Header().Set("X-RateLimit-Reset", "1700003600")
		w.Header().Set("X-BurstLimit-Remaining", "199")
	}))
	defer backend.Close()
	client := &http.Client{Transport: s.Transport(http.DefaultTransport)}
	resp, err := client.Get(backend.URL)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	resp.Body.Close()
	got := scrape(t, s.Registry)
	for _, line := range []string{
		`docusign_mcp_docusign_rate_limit_remaining{window="hourly"} 2990`,
		`docusign_mcp_docusign_rate_limit_remaining{window="burst"} 199`,
		`docusign_mcp_docusign_rate_limit_limit{window="hourly"} 3000`,
		`docusign_mcp_docusign_rate_limit_reset_timestamp_seconds 1.7000036e+09`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("output lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, `rate_limit_limit{window="burst"}`) {
		t.Errorf("burst limit written although X-BurstLimit-Limit was absent")
	}
}

func TestToolOutcome(t *testing.T) {
	tests := []struct {
		name string
		res  *mcp.CallToolResult
		err  error
		want string
	}{
		{name: "success", res: mcp.NewToolResultText(`{"ok":true}`), want: OutcomeOK},
		{name: "error code", res: mcp.NewToolResultError(`{"code":"not_found","message":"x"}`),
			want: "not_found"},
		{name: "error without code", res: mcp.NewToolResultError("plain"), want: OutcomeError},
		{name: "go error", err: errors.New("boom"), want: OutcomeProtocolError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToolOutcome(tt.res, tt.err); got != tt.want {
				t.Errorf("ToolOutcome = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestComponentRegistration(t *testing.T) {
	s := NewServer("v", time.Now())
	stats := func() WebhookStats { return WebhookStats{Accepted: 2, Rejected: 1} }
	if !s.RegisterWebhookStats(stats) {
		t.Fatal("first RegisterWebhookStats returned false")
	}
	if s.RegisterWebhookStats(func() WebhookStats { return WebhookStats{} }) {
		t.Error("second RegisterWebhookStats returned true, want it ignored")
	}
	s.RegisterAlertStats(func() map[string]uint64 { return map[string]uint64{"stuck": 3} })
	got := scrape(t, s.Registry)
	for _, line := range []string{
		`docusign_mcp_webhook_deliveries_total{result="accepted"} 2`,
		`docusign_mcp_webhook_deliveries_total{result="duplicate"} 0`,
		`docusign_mcp_webhook_deliveries_total{result="rejected"} 1`,
		`docusign_mcp_alerts_raised_total{kind="stuck"} 3`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("output lacks %q:\n%s", line, got)
		}
	}
}
