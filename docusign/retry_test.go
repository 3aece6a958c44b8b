package docusign_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

// fixedBackoff waits 100ms times the attempt number, so tests can check the waits exactly.
func fixedBackoff(attempt int, _, _ time.Duration) time.Duration {
	return time.Duration(attempt) * 100 * time.Millisecond
}

// sequence serves REST requests with the given handlers in turn, repeating the last one.
type sequence struct {
	mu       sync.Mutex
	handlers []http.HandlerFunc
	requests []*http.Request
	bodies   []string
}

func (s *sequence) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, r)
	s.bodies = append(s.bodies, string(body))
	h := s.handlers[min(n, len(s.handlers)-1)]
	s.mu.Unlock()
	h(w, r)
}

func (s *sequence) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == method {
			n++
		}
	}
	return n
}

func status(code int, errorCode string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if errorCode == "" {
			w.WriteHeader(code)
			return
		}
		writeError(w, code, errorCode, "failed")
	}
}

func envelopeJSON(state string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"envelopeId": testEnvelopeID,
			"status": state})
	}
}

// dropConnection closes the connection without a response.
func dropConnection(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func newRetryEnv(t *testing.T, handlers ...http.HandlerFunc) (*testEnv, *sequence) {
	t.Helper()
	env := newTestEnv(t, func(c *docusign.Config) { c.Retry.Backoff = fixedBackoff })
	seq := &sequence{handlers: handlers}
	env.fake.setREST(seq.serve)
	return env, seq
}

func TestRetryGetRecovers(t *testing.T) {
	tests := []struct {
		name      string
		first     http.HandlerFunc
		wantWait  time.Duration
		retryDate bool
		// hourlyReset makes the first response an hourly limit that resets in 20 seconds.
		hourlyReset bool
	}{
		{"503 html", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("<html>busy</html>"))
		}, 200 * time.Millisecond, false, false},
		{"500 json", status(500, "UNSPECIFIED_ERROR"), 200 * time.Millisecond, false, false},
		{"retry-after seconds", status(503, "", "Retry-After", "7"), 7 * time.Second, false,
			false},
		{"retry-after date", nil, 20 * time.Second, true, false},
		{"hourly limit resets soon", nil, 20 * time.Second, false, true},
		{"burst limit waits 30s", status(429, "BURST_APIINVOCATION_LIMIT_EXCEEDED"),
			30 * time.Second, false, false},
		{"envelope polling burst", status(400, "Burst_Envelope_Polling_Limit_Exceeded"),
			30 * time.Second, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := newRetryEnv(t)
			first := tt.first
			if tt.retryDate {
				at := env.clock.Now().Add(20 * time.Second).Format(http.TimeFormat)
				first = status(503, "", "Retry-After", at)
			}
			if tt.hourlyReset {
				reset := env.clock.Now().Add(20 * time.Second).Unix()
				first = status(400, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
					"X-RateLimit-Reset", strconv.FormatInt(reset, 10))
			}
			seq := &sequence{handlers: []http.HandlerFunc{first, envelopeJSON("sent")}}
			env.fake.setREST(seq.serve)
			env2, resp, err := env.client.Envelopes.Get(context.Background(), testEnvelopeID, nil)
			if err != nil {
				t.Fatalf("Envelopes.Get: %v", err)
			}
			if env2.Status != "sent" || resp.Attempts != 2 {
				t.Errorf("status/attempts = %q/%d, want sent/2", env2.Status, resp.Attempts)
			}
			waits := env.sleeper.Waits()
			if len(waits) != 1 || waits[0] != tt.wantWait {
				t.Errorf("waits = %v, want [%v]", waits, tt.wantWait)
			}
		})
	}
}

func TestRetryGetAfterDroppedConnection(t *testing.T) {
	env, seq := newRetryEnv(t, dropConnection, dropConnection, envelopeJSON("sent"))
	got, _, err := env.client.Envelopes.Get(context.Background(), testEnvelopeID, nil)
	if err != nil {
		t.Fatalf("Envelopes.Get after dropped connections: %v", err)
	}
	if got.Status != "sent" {
		t.Errorf("status = %q, want sent", got.Status)
	}
	// net/http repeats a GET once by itself when a reused connection drops. Either way the
	// server receives three requests: two dropped and one served.
	if n := seq.count(http.MethodGet); n != 3 {
		t.Errorf("GET requests = %d, want 3", n)
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	env, seq := newRetryEnv(t, status(502, ""))
	_, resp, err := env.client.Envelopes.Get(context.Background(), testEnvelopeID, nil)
	assertAPIError(t, err, http.StatusBadGateway, "")

	if !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Errorf("error %q does not say it gave up after 4 attempts", err)
	}
	if got := seq.count(http.MethodGet); got != 4 {
		t.Errorf("GET requests = %d, want 4 (the default MaxAttempts)", got)
	}
	if resp == nil || resp.Attempts != 4 {
		t.Errorf("Response = %+v, want Attempts 4", resp)
	}

	want := []time.Duration{200 * time.Millisecond, 300 * time.Millisecond,
		400 * time.Millisecond}
	if got := env.sleeper.Waits(); !equalDurations(got, want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
	if !docusign.IsRetryable(err) {
		t.Errorf("IsRetryable = false, want true for a 502 on a GET")
	}

	var attempts []int
	for _, rec := range env.recorder.Records() {
		if rec.Operation == "Envelopes:get" {
			attempts = append(attempts, rec.Attempt)
			if rec.StatusCode != http.StatusBadGateway || rec.Err == nil {
				t.Errorf("record attempt %d: status %d err %v, want 502 and an error",
					rec.Attempt, rec.StatusCode, rec.Err)
			}
		}
	}
	if fmt.Sprint(attempts) != "[1 2 3 4]" {
		t.Errorf("observed attempts = %v, want [1 2 3 4]", attempts)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRateLimitWaitBeyondBudget(t *testing.T) {
	env, seq := newRetryEnv(t)
	reset := env.clock.Now().Add(40 * time.Minute)
	seq.handlers = []http.HandlerFunc{status(400, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
		"X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10), "X-RateLimit-Remaining", "0")}
	_, resp, err := env.client.Envelopes.Get(context.Background(), testEnvelopeID, nil)
	var rateErr *docusign.RateLimitError
	if !errors.As(err, &rateErr) {
		t.Fatalf("error %v is not a *RateLimitError", err)
	}
	if !rateErr.Reset.Equal(reset) {
		t.Errorf("Reset = %v, want %v from X-RateLimit-Reset", rateErr.Reset, reset)
	}
	if got := env.sleeper.Waits(); len(got) != 0 {
		t.Errorf("waits = %v, want none: a 40-minute wait does not fit the budget", got)
	}
	if got := seq.count(http.MethodGet); got != 1 {
		t.Errorf("GET requests = %d, want 1", got)
	}
	if resp.RateLimit.Remaining != 0 {
		t.Errorf("RateLimit.Remaining = %d, want 0", resp.RateLimit.Remaining)
	}
}

func TestRateLimitWaitBeyondContextDeadline(t *testing.T) {
	env, _ := newRetryEnv(t, status(429, "BURST_APIINVOCATION_LIMIT_EXCEEDED"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := env.client.Envelopes.Get(ctx, testEnvelopeID, nil)
	var rateErr *docusign.RateLimitError
	if !errors.As(err, &rateErr) {
		t.Fatalf("error %v is not a *RateLimitError", err)
	}
	if got := env.sleeper.Waits(); len(got) != 0 {
		t.Errorf("waits = %v, want none: 30s does not fit a 10s deadline", got)
	}
}

func TestRetryStopsWhenContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	env := newTestEnv(t, func(c *docusign.Config) {
		c.Retry.Sleep = func(ctx context.Context, _ time.Duration) error {
			cancel()
			return ctx.Err()
		}
	})
	env.fake.setREST(status(503, ""))
	_, _, err := env.client.Envelopes.Get(ctx, testEnvelopeID, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	assertAPIError(t, err, http.StatusServiceUnavailable, "")
}

func TestAttemptTimeoutRetried(t *testing.T) {
	env := newTestEnv(t, func(c *docusign.Config) {
		c.Retry.AttemptTimeout = 20 * time.Millisecond
		c.Retry.Backoff = fixedBackoff
	})
	seq := &sequence{handlers: []http.HandlerFunc{
		func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		},
		envelopeJSON("sent"),
	}}
	env.fake.setREST(seq.serve)
	_, resp, err := env.client.Envelopes.Get(context.Background(), testEnvelopeID, nil)
	if err != nil {
		t.Fatalf("Envelopes.Get after one slow attempt: %v", err)
	}
	if resp.Attempts != 2 {
		t.Errorf("Attempts = %d, want 2", resp.Attempts)
	}
}

func TestCreateNeverRetried(t *testing.T) {
	tests := []struct {
		name          string
		handler       http.HandlerFunc
		wantAmbiguous bool
		wantRateLimit bool
	}{
		{"500 is ambiguous", status(500, "UNSPECIFIED_ERROR"), true, false},
		{"html 503 is ambiguous", status(503, ""), true, false},
		{"dropped connection is ambiguous", dropConnection, true, false},
		{"rate limit is not ambiguous", status(429, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED"),
			false, true},
		{"400 is not ambiguous", status(400, "INVALID_REQUEST_BODY"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, seq := newRetryEnv(t, tt.handler)
			def := &docusign.EnvelopeDefinition{Status: "sent", EmailSubject: "Please sign"}
			_, _, err := env.client.Envelopes.Create(context.Background(), def)
			if err == nil {
				t.Fatalf("Envelopes.Create succeeded, want an error")
			}
			if got := errors.Is(err, docusign.ErrAmbiguous); got != tt.wantAmbiguous {
				t.Errorf("errors.Is(ErrAmbiguous) = %v, want %v (error %v)", got,
					tt.wantAmbiguous, err)
			}
			var rateErr *docusign.RateLimitError
			if got := errors.As(err, &rateErr); got != tt.wantRateLimit {
				t.Errorf("RateLimitError = %v, want %v", got, tt.wantRateLimit)
			}
			if tt.wantAmbiguous && docusign.IsRetryable(err) {
				t.Errorf("IsRetryable(ambiguous create) = true, want false")
			}
			if got := seq.count(http.MethodPost); got != 1 {
				t.Errorf("POST requests = %d, want exactly 1", got)
			}
			if got := env.sleeper.Waits(); len(got) != 0 {
				t.Errorf("waits = %v, want none", got)
			}
		})
	}
}

func TestCreateRefusedConnectionNotAmbiguous(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	closedURL := "http://" + listener.Addr().String()
	_ = listener.Close()
	env := newTestEnv(t)
	env.fake.userinfo = userinfoWith(env.fake, `[{"account_id":"`+testAccountID+
		`","is_default":true,"base_uri":"`+closedURL+`"}]`)
	_, _, err = env.client.Envelopes.Create(context.Background(),
		&docusign.EnvelopeDefinition{Status: "created"})
	var netErr *docusign.NetworkError
	if !errors.As(err, &netErr) {
		t.Fatalf("error %v is not a *NetworkError", err)
	}
	if errors.Is(err, docusign.ErrAmbiguous) {
		t.Errorf("a refused connection is ambiguous; the request never left")
	}
}

func TestVoidRetryRereadsEnvelope(t *testing.T) {
	tests := []struct {
		name      string
		reread    string
		second    http.HandlerFunc
		wantPUTs  int
		wantErr   string
		wantEnvID string
	}{
		{"already voided stops", "voided", nil, 1, "", testEnvelopeID},
		{"still sent repeats", "sent", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"envelopeId": testEnvelopeID})
		}, 2, "", testEnvelopeID},
		{"completed meanwhile gives up", "completed", nil, 1, `now "completed"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := newRetryEnv(t)
			var mu sync.Mutex
			puts := 0
			env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				if r.Method == http.MethodGet {
					envelopeJSON(tt.reread)(w, r)
					return
				}
				puts++
				if puts == 1 {
					status(500, "UNSPECIFIED_ERROR")(w, r)
					return
				}
				tt.second(w, r)
			})
			summary, _, err := env.client.Envelopes.Void(context.Background(), testEnvelopeID,
				"Wrong recipient")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Void error = %v, want one containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Void: %v", err)
			} else if summary.EnvelopeID != tt.wantEnvID {
				t.Errorf("EnvelopeID = %q, want %q", summary.EnvelopeID, tt.wantEnvID)
			}
			if puts != tt.wantPUTs {
				t.Errorf("PUT requests = %d, want %d", puts, tt.wantPUTs)
			}
			assertAction(t, env.recorder.Records(), "reread")
		})
	}
}

func assertAction(t *testing.T, records []docusign.CallRecord, action string) {
	t.Helper()
	for _, rec := range records {
		if rec.Action == action && rec.Operation == "Envelopes:get" {
			return
		}
	}
	t.Errorf("no Envelopes:get record with action %q among %d records", action, len(records))
}

func TestVoidWrongStateNotRetried(t *testing.T) {
	env, seq := newRetryEnv(t, status(400, "ENVELOPE_CANNOT_VOID_INVALID_STATE"))
	_, _, err := env.client.Envelopes.Void(context.Background(), testEnvelopeID, "Done")
	assertAPIError(t, err, http.StatusBadRequest, "ENVELOPE_CANNOT_VOID_INVALID_STATE")
	if got := seq.count(http.MethodPut); got != 1 {
		t.Errorf("PUT requests = %d, want 1", got)
	}
	if got := seq.count(http.MethodGet); got != 0 {
		t.Errorf("GET requests = %d, want 0: nothing to re-read", got)
	}
}

func TestVoidAfterInvalidTokenRereads(t *testing.T) {
	env, seq := newRetryEnv(t, status(401, "AUTHORIZATION_INVALID_TOKEN"),
		envelopeJSON("sent"),
		func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"envelopeId": testEnvelopeID})
		})
	if _, _, err := env.client.Envelopes.Void(context.Background(), testEnvelopeID,
		"Wrong recipient"); err != nil {
		t.Fatalf("Void after a 401: %v", err)
	}
	if seq.count(http.MethodPut) != 2 || seq.count(http.MethodGet) != 1 {
		t.Errorf("PUT/GET requests = %d/%d, want 2/1 (re-read before repeating)",
			seq.count(http.MethodPut), seq.count(http.MethodGet))
	}
	if tokens, _, _ := env.fake.counts(); tokens != 2 {
		t.Errorf("token requests = %d, want 2", tokens)
	}
}

func TestResendRetryRereadsEnvelope(t *testing.T) {
	env, seq := newRetryEnv(t, status(503, ""), envelopeJSON("declined"))
	_, _, err := env.client.Envelopes.Resend(context.Background(), testEnvelopeID)
	if err == nil || !strings.Contains(err.Error(), `now "declined"`) {
		t.Fatalf("Resend error = %v, want one saying the envelope is now declined", err)
	}
	if got := seq.count(http.MethodPut); got != 1 {
		t.Errorf("PUT requests = %d, want 1", got)
	}
}
