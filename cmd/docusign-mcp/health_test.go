package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

// fakeReadiness returns a readiness with a settable clock and a probe that counts its
// calls and returns probeErr.
func fakeReadiness(probeErr *error) (*readiness, *time.Time, *int) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	probes := 0
	r := newReadiness(slog.New(slog.DiscardHandler))
	r.now = func() time.Time { return now }
	r.setProbe(func(context.Context) error {
		probes++
		return *probeErr
	})
	return r, &now, &probes
}

func TestReadinessTokenStates(t *testing.T) {
	tests := []struct {
		name    string
		rec     docusign.CallRecord
		wantErr string
	}{
		{name: "token issued", rec: docusign.CallRecord{Operation: "OAuth:token", StatusCode: 200}},
		{name: "consent missing", rec: docusign.CallRecord{Operation: "OAuth:token",
			StatusCode: 400, ErrorCode: "consent_required"}, wantErr: "consent missing"},
		{name: "key rejected", rec: docusign.CallRecord{Operation: "OAuth:token",
			StatusCode: 400, ErrorCode: "invalid_grant"}, wantErr: "HTTP 400 invalid_grant"},
		{name: "network error", rec: docusign.CallRecord{Operation: "OAuth:token",
			Err: errors.New("connection refused")}, wantErr: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var probeErr error
			r, _, probes := fakeReadiness(&probeErr)
			r.ObserveCall(tt.rec)
			err := r.docusignReady(t.Context())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("docusignReady = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("docusignReady = %v, want an error containing %q", err, tt.wantErr)
			}
			if tt.wantErr == "" && *probes != 0 {
				t.Errorf("probed %d times after a fresh token, want 0", *probes)
			}
		})
	}
}

func TestReadinessProbeInterval(t *testing.T) {
	var probeErr error
	r, now, probes := fakeReadiness(&probeErr)
	for range 3 {
		if err := r.docusignReady(t.Context()); err != nil {
			t.Fatalf("docusignReady = %v, want nil", err)
		}
	}
	if *probes != 1 {
		t.Errorf("probed %d times within the interval, want 1", *probes)
	}
	*now = now.Add(probeInterval + time.Second)
	_ = r.docusignReady(t.Context())
	if *probes != 2 {
		t.Errorf("probed %d times after the interval, want 2", *probes)
	}
}

func TestReadinessRecoversAfterConsent(t *testing.T) {
	var probeErr error
	r, now, probes := fakeReadiness(&probeErr)
	r.ObserveCall(docusign.CallRecord{Operation: "OAuth:token", StatusCode: 400,
		ErrorCode: "consent_required"})
	probeErr = errors.New("consent required")
	if err := r.docusignReady(t.Context()); err == nil {
		t.Fatal("docusignReady = nil without consent, want an error")
	}
	// Consent is granted: the next probe's token request succeeds.
	probeErr = nil
	r.setProbe(func(context.Context) error {
		*probes++
		r.ObserveCall(docusign.CallRecord{Operation: "OAuth:token", StatusCode: 200})
		return nil
	})
	if err := r.docusignReady(t.Context()); err == nil {
		t.Error("docusignReady = nil before the failed-probe interval passed, want the error")
	}
	*now = now.Add(failedProbeInterval + time.Second)
	if err := r.docusignReady(t.Context()); err != nil {
		t.Errorf("docusignReady = %v after consent was granted, want nil", err)
	}
}

func TestReadyzRegisteredCheck(t *testing.T) {
	var probeErr error
	r, _, _ := fakeReadiness(&probeErr)
	r.register("halt", func(context.Context) error {
		return errors.New("halted: consent revoked")
	})
	rec := httptest.NewRecorder()
	r.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `{"name":"halt","ok":false,"error":"halted: consent revoked"}`) {
		t.Errorf("body %s does not name the failed check and its error", body)
	}
	if !strings.Contains(body, `"ready":false`) {
		t.Errorf("body %s lacks ready false", body)
	}
}

func TestReadyzLogsChangesOnly(t *testing.T) {
	logs := &syncBuffer{}
	r := newReadiness(slog.New(slog.NewJSONHandler(logs, nil)))
	failing := true
	r.register("halt", func(context.Context) error {
		if failing {
			return errors.New("halted")
		}
		return nil
	})
	r.ObserveCall(docusign.CallRecord{Operation: "OAuth:token", StatusCode: 200})
	get := func() {
		r.handler().ServeHTTP(httptest.NewRecorder(),
			httptest.NewRequest(http.MethodGet, "/readyz", nil))
	}
	get()
	get()
	if n := strings.Count(logs.String(), `"msg":"not ready"`); n != 1 {
		t.Errorf("logged %d not ready lines for two failed probes, want 1:\n%s", n, logs)
	}
	failing = false
	get()
	get()
	if n := strings.Count(logs.String(), `"msg":"ready"`); n != 1 {
		t.Errorf("logged %d ready lines after recovery, want 1:\n%s", n, logs)
	}
}

func TestHaltedGaugeAfterLostConsent(t *testing.T) {
	a, err := startApp(t.Context(), serveConfig{Simulator: true, DataDir: t.TempDir()},
		secrets{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("startApp: %v", err)
	}
	defer a.close()
	halted := func() string {
		var b strings.Builder
		if err := a.ops.metrics.Registry.WriteText(&b); err != nil {
			t.Fatalf("WriteText: %v", err)
		}
		for _, line := range strings.Split(b.String(), "\n") {
			if v, ok := strings.CutPrefix(line, "docusign_mcp_docusign_halted "); ok {
				return v
			}
		}
		return "missing"
	}
	if got := halted(); got != "0" {
		t.Errorf("halted gauge = %s before any failure, want 0", got)
	}
	userID := a.sim.Credentials().UserID
	a.sim.RevokeConsent(userID)
	a.sim.RevokeTokens(userID)
	if err := a.ops.ready.docusignReady(t.Context()); err == nil {
		t.Fatal("docusignReady = nil after consent was revoked, want an error")
	}
	if got := halted(); got != "1" {
		t.Errorf("halted gauge = %s after the probe met consent_required, want 1", got)
	}
}
