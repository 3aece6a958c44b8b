package docusigntest

import (
	"bytes"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var guidPattern = regexp.MustCompile(
	`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestResponseHeaders(t *testing.T) {
	s, clock := newSim(t, Options{})
	token := accessToken(t, s, "")
	first := call(t, s, token, "GET", "", nil)
	second := call(t, s, token, "GET", "", nil)
	for _, name := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining",
		"X-RateLimit-Reset", "X-BurstLimit-Limit", "X-BurstLimit-Remaining",
		"X-DocuSign-TraceToken", "X-DocuSign-Node"} {
		if second.header.Get(name) == "" {
			t.Errorf("header %s missing", name)
		}
	}
	if got := second.header.Get("X-RateLimit-Limit"); got != "3000" {
		t.Errorf("X-RateLimit-Limit = %s, want the default 3000", got)
	}
	if got := second.header.Get("X-RateLimit-Remaining"); got != "2998" {
		t.Errorf("X-RateLimit-Remaining = %s after two calls, want 2998", got)
	}
	if got := second.header.Get("X-BurstLimit-Remaining"); got != "198" {
		t.Errorf("X-BurstLimit-Remaining = %s after two calls, want 198", got)
	}
	nextHour := clock.Now().Truncate(time.Hour).Add(time.Hour).Unix()
	if got := second.header.Get("X-RateLimit-Reset"); got != strconv.FormatInt(nextHour, 10) {
		t.Errorf("X-RateLimit-Reset = %s, want the next clock hour %d", got, nextHour)
	}
	a, b := first.header.Get("X-DocuSign-TraceToken"), second.header.Get("X-DocuSign-TraceToken")
	if !guidPattern.MatchString(a) || a == b {
		t.Errorf("trace tokens %s and %s, want a new GUID per request", a, b)
	}
}

func TestHourlyLimit(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter bool
	}{
		{name: "429 by default", status: 0},
		{name: "400 when configured", status: http.StatusBadRequest},
		{name: "with Retry-After", status: 0, retryAfter: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newSim(t, Options{HourlyLimit: 3, BurstLimit: 100,
				LimitStatus: tt.status, SendRetryAfter: tt.retryAfter})
			token := accessToken(t, s, "")
			for i := 0; i < 3; i++ {
				if resp := call(t, s, token, "GET", "", nil); resp.status != http.StatusOK {
					t.Fatalf("call %d = %d, want 200 under the limit", i+1, resp.status)
				}
			}
			resp := call(t, s, token, "GET", "", nil)
			wantStatus := tt.status
			if wantStatus == 0 {
				wantStatus = http.StatusTooManyRequests
			}
			if resp.status != wantStatus {
				t.Errorf("status = %d, want %d", resp.status, wantStatus)
			}
			got := resp.json(t)
			if got["errorCode"] != "HOURLY_APIINVOCATION_LIMIT_EXCEEDED" ||
				got["message"] != limitMessage {
				t.Errorf("error = %v, want HOURLY_APIINVOCATION_LIMIT_EXCEEDED", got)
			}
			if has := resp.header.Get("Retry-After") != ""; has != tt.retryAfter {
				t.Errorf("Retry-After present = %v, want %v", has, tt.retryAfter)
			}
			if got := resp.header.Get("X-RateLimit-Remaining"); got != "0" {
				t.Errorf("X-RateLimit-Remaining = %s, want 0", got)
			}
			clock.Add(time.Hour)
			if resp := call(t, s, token, "GET", "", nil); resp.status == wantStatus {
				t.Errorf("status = %d in the next hour, want the limit reset", resp.status)
			}
		})
	}
}

func TestBurstLimit(t *testing.T) {
	s, clock := newSim(t, Options{BurstLimit: 2})
	token := accessToken(t, s, "")
	call(t, s, token, "GET", "", nil)
	call(t, s, token, "GET", "", nil)
	resp := call(t, s, token, "GET", "", nil)
	if resp.errorCode(t) != "BURST_APIINVOCATION_LIMIT_EXCEEDED" {
		t.Errorf("errorCode = %s, want BURST_APIINVOCATION_LIMIT_EXCEEDED", resp.errorCode(t))
	}
	clock.Add(30 * time.Second)
	if resp := call(t, s, token, "GET", "", nil); resp.status != http.StatusOK {
		t.Errorf("status = %d after 30 s, want 200", resp.status)
	}
}

func TestEnvelopeLimits(t *testing.T) {
	tests := []struct {
		name     string
		limits   EnvelopeLimits
		method   string
		body     any
		wantCode string
	}{
		{name: "hourly gets", limits: EnvelopeLimits{HourlyGets: 2}, method: "GET",
			wantCode: "Hourly_Envelope_Polling_Limit_Exceeded"},
		{name: "burst gets", limits: EnvelopeLimits{BurstGets: 2}, method: "GET",
			wantCode: "Burst_Envelope_Polling_Limit_Exceeded"},
		{name: "hourly puts", limits: EnvelopeLimits{HourlyPuts: 2}, method: "PUT",
			body: map[string]any{}, wantCode: "Hourly_APIInvocation_Envelope_Limit_Exceeded"},
		{name: "burst puts", limits: EnvelopeLimits{BurstPuts: 2}, method: "PUT",
			body: map[string]any{}, wantCode: "Burst_APIInvocation_Envelope_Limit_Exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSim(t, Options{EnvelopeLimits: tt.limits})
			token := accessToken(t, s, "")
			id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
			path := "/envelopes/" + id + "?resend_envelope=true"
			for i := 0; i < 2; i++ {
				if resp := call(t, s, token, tt.method, path, tt.body); resp.status != 200 {
					t.Fatalf("call %d = %d %s, want 200", i+1, resp.status, resp.body)
				}
			}
			resp := call(t, s, token, tt.method, path, tt.body)
			if resp.status != http.StatusBadRequest || resp.errorCode(t) != tt.wantCode {
				t.Errorf("got %d %s, want 400 %s", resp.status, resp.body, tt.wantCode)
			}
			other := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
			if resp := call(t, s, token, "GET", "/envelopes/"+other, nil); resp.status != 200 {
				t.Errorf("another envelope = %d, want 200: limits are per envelope", resp.status)
			}
		})
	}
}

func TestFrequentPolls(t *testing.T) {
	s, clock := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	call(t, s, token, "GET", "/envelopes/"+id, nil)
	clock.Add(time.Minute)
	call(t, s, token, "GET", "/envelopes/"+id, nil)
	clock.Add(20 * time.Minute)
	call(t, s, token, "GET", "/envelopes/"+id, nil)
	if got := s.FrequentPolls()[id]; got != 1 {
		t.Errorf("FrequentPolls = %d, want 1 (only the GET one minute after the first)", got)
	}
}

func TestCallsCount(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	call(t, s, token, "GET", "/envelopes/"+id, nil)
	call(t, s, token, "GET", "/envelopes/"+newGUID(), nil)
	calls := s.Calls()
	want := map[string]int{OpToken: 1, OpCreateEnvelope: 1, OpGetEnvelope: 2}
	for op, n := range want {
		if calls[op] != n {
			t.Errorf("Calls()[%s] = %d, want %d", op, calls[op], n)
		}
	}
	s.ResetCalls()
	if n := len(s.Calls()); n != 0 {
		t.Errorf("Calls() has %d entries after ResetCalls, want 0", n)
	}
}

func TestConcurrentClients(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = createEnvelope(t, s, token, twoSignerEnvelope("sent"))
			_ = s.SignAll(ids[i])
			call(t, s, token, "GET", "/envelopes/"+ids[i]+"/documents/combined", nil)
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if got, _ := s.Status(id); got != "completed" {
			t.Errorf("envelope %s = %s, want completed", id, got)
		}
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	// Served requests are logged at debug level.
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, _ := newSim(t, Options{Logger: logger})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	call(t, s, token, "GET", "/envelopes/"+id, nil)
	call(t, s, token, "GET", "/envelopes/"+newGUID(), nil)
	logs := buf.String()
	for _, want := range []string{OpToken, OpCreateEnvelope, "ENVELOPE_DOES_NOT_EXIST"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if !strings.Contains(logs, `"envelope_id":"`+id+`"`) {
		t.Errorf("logs lack the envelope id of a GET")
	}
	for _, secret := range []string{token, "@example.com", "PRIVATE KEY"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

func TestInjectFault(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	s.InjectFault(Fault{Op: OpGetAccount, Status: 503, RetryAfter: "2", Times: 2})
	s.InjectFault(Fault{Op: OpListTemplates, Status: 502, RawBody: "<html>Bad gateway</html>"})
	for i := 0; i < 2; i++ {
		resp := call(t, s, token, "GET", "", nil)
		if resp.status != 503 || resp.header.Get("Retry-After") != "2" {
			t.Errorf("call %d = %d Retry-After %q, want 503 with Retry-After 2", i+1,
				resp.status, resp.header.Get("Retry-After"))
		}
		if code := resp.errorCode(t); code != "UNSPECIFIED_ERROR" {
			t.Errorf("errorCode = %s, want UNSPECIFIED_ERROR", code)
		}
	}
	if resp := call(t, s, token, "GET", "", nil); resp.status != http.StatusOK {
		t.Errorf("third call = %d, want 200 once the fault is used up", resp.status)
	}
	resp := call(t, s, token, "GET", "/templates", nil)
	if resp.status != 502 || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
		t.Errorf("templates = %d %s, want 502 text/html", resp.status,
			resp.header.Get("Content-Type"))
	}
	s.InjectFault(Fault{Op: OpToken, Status: 500})
	if status, _ := postToken(t, s, assertion(t, s, simKey(t, s), nil)); status != 500 {
		t.Errorf("token = %d, want the injected 500", status)
	}
}

func TestUnknownRouteIsJSON(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	tests := []struct {
		name   string
		method string
		path   string
	}{
		{name: "unknown path", method: "GET", path: "/restapi/v2.1/nothing"},
		{name: "wrong method", method: "DELETE", path: "/envelopes/" + newGUID()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, s, token, tt.method, tt.path, nil)
			if resp.status != http.StatusNotFound {
				t.Errorf("status = %d, want 404", resp.status)
			}
			if code := resp.errorCode(t); code == "" {
				t.Errorf("body %s has no errorCode", resp.body)
			}
		})
	}
}
