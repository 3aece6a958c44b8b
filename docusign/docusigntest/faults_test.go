package docusigntest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// envelopeCount returns how many envelopes the simulator stores.
func envelopeCount(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.state.envelopes)
}

// postCreate posts a create and returns the response, or the transport error.
func postCreate(t *testing.T, s *Server, token string, timeout time.Duration) (*http.Response,
	error) {
	t.Helper()
	raw, err := json.Marshal(twoSignerEnvelope("sent"))
	if err != nil {
		t.Fatalf("marshal body: %v", err)
	}
	url := s.URL + "/restapi/v2.1/accounts/" + s.Credentials().AccountID + "/envelopes"
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: timeout}
	resp, err := client.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func TestCreateFaults(t *testing.T) {
	tests := []struct {
		name          string
		fault         Fault
		timeout       time.Duration
		wantErr       bool // a transport error instead of a response
		wantStatus    int
		wantEnvelopes int
	}{
		{name: "status before commit", fault: Fault{Status: 503},
			wantStatus: 503, wantEnvelopes: 0},
		{name: "status after commit", fault: Fault{Status: 500, AfterCommit: true},
			wantStatus: 500, wantEnvelopes: 1},
		{name: "drop before commit", fault: Fault{Drop: true},
			wantErr: true, wantEnvelopes: 0},
		{name: "drop after commit", fault: Fault{Drop: true, AfterCommit: true},
			wantErr: true, wantEnvelopes: 1},
		{name: "late success", fault: Fault{Delay: 50 * time.Millisecond},
			wantStatus: 201, wantEnvelopes: 1},
		{name: "delay past timeout after commit",
			fault:   Fault{Delay: 5 * time.Second, AfterCommit: true},
			timeout: 100 * time.Millisecond, wantErr: true, wantEnvelopes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSim(t, Options{})
			token := accessToken(t, s, "")
			tt.fault.Op = OpCreateEnvelope
			s.InjectFault(tt.fault)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			resp, err := postCreate(t, s, token, timeout)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("transport error = %v, want an error: %v", err, tt.wantErr)
			}
			if err == nil && resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := envelopeCount(s); got != tt.wantEnvelopes {
				t.Errorf("simulator stores %d envelopes, want %d", got, tt.wantEnvelopes)
			}
			if got := s.Calls()[OpCreateEnvelope]; got != 1 {
				t.Errorf("Calls()[%s] = %d, want 1", OpCreateEnvelope, got)
			}
		})
	}
}

func TestHeldResponseDoesNotBlockOthers(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	s.InjectFault(Fault{Op: OpCreateEnvelope, Delay: 5 * time.Second, AfterCommit: true})
	done := make(chan error, 1)
	go func() {
		_, err := postCreate(t, s, token, 300*time.Millisecond)
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for envelopeCount(s) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	resp := call(t, s, token, "GET", "/envelopes?from_date=2020-01-01", nil)
	if resp.status != http.StatusOK {
		t.Errorf("listing during a held create = %d, want 200", resp.status)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("listing waited %s for the held create, want it served at once", waited)
	}
	if err := <-done; err == nil {
		t.Errorf("held create returned before its delay, want a client timeout")
	}
}

func TestRateLimitFaultHeaders(t *testing.T) {
	s, clock := newSim(t, Options{})
	token := accessToken(t, s, "")
	s.InjectFault(Fault{Op: OpGetAccount, Status: 429, ResetIn: 90 * time.Second})
	resp := call(t, s, token, "GET", "", nil)
	if resp.status != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", resp.status)
	}
	if code := resp.errorCode(t); code != "HOURLY_APIINVOCATION_LIMIT_EXCEEDED" {
		t.Errorf("errorCode = %q, want HOURLY_APIINVOCATION_LIMIT_EXCEEDED", code)
	}
	if got := resp.header.Get("X-RateLimit-Remaining"); got != "0" {
		t.Errorf("X-RateLimit-Remaining = %q, want 0", got)
	}
	wantReset := strconv.FormatInt(clock.Now().Add(90*time.Second).Unix(), 10)
	if got := resp.header.Get("X-RateLimit-Reset"); got != wantReset {
		t.Errorf("X-RateLimit-Reset = %q, want %s (simulator time plus ResetIn)", got, wantReset)
	}
}

func TestOAuthSkipsRESTOnlyFaults(t *testing.T) {
	s, _ := newSim(t, Options{})
	s.InjectFault(Fault{Drop: true})
	token := accessToken(t, s, "")
	if token == "" {
		t.Fatal("token endpoint returned no token while a drop fault was queued")
	}
	if got := len(s.Faults()); got != 1 {
		t.Errorf("%d faults queued after the token call, want the drop fault left for REST", got)
	}
}

func TestFaultControlAPI(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := map[string]any{"op": OpCreateEnvelope, "status": 502, "afterCommit": true,
		"delayMs": 20, "times": 2}
	resp := call(t, s, "", "POST", "/sim/faults", body)
	if resp.status != http.StatusOK {
		t.Fatalf("POST /sim/faults = %d %s, want 200", resp.status, resp.body)
	}
	faults := s.Faults()
	if len(faults) != 1 {
		t.Fatalf("%d faults queued, want 1", len(faults))
	}
	want := Fault{Op: OpCreateEnvelope, Status: 502, AfterCommit: true,
		Delay: 20 * time.Millisecond, Times: 2}
	if faults[0] != want {
		t.Errorf("queued fault = %+v, want %+v", faults[0], want)
	}
	created := call(t, s, token, "POST", "/envelopes", twoSignerEnvelope("sent"))
	if created.status != 502 {
		t.Errorf("create = %d, want the injected 502", created.status)
	}
	listed := call(t, s, "", "GET", "/sim/faults", nil)
	if !strings.Contains(string(listed.body), `"times":1`) {
		t.Errorf("GET /sim/faults = %s, want the fault with one repetition left", listed.body)
	}
	if resp := call(t, s, "", "DELETE", "/sim/faults", nil); resp.status != http.StatusOK {
		t.Errorf("DELETE /sim/faults = %d, want 200", resp.status)
	}
	if got := len(s.Faults()); got != 0 {
		t.Errorf("%d faults queued after DELETE, want 0", got)
	}
	bad := call(t, s, "", "POST", "/sim/faults", map[string]any{"status": 200})
	if bad.status != http.StatusBadRequest {
		t.Errorf("POST status 200 = %d, want 400", bad.status)
	}
}
