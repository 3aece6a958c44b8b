package docusign_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// createSent creates a sent envelope on the simulator and returns its id.
func createSent(t *testing.T, env *simEnv) string {
	t.Helper()
	summary, _, err := env.client.Envelopes.Create(context.Background(), sentEnvelope("Fault"))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return summary.EnvelopeID
}

func TestSimulatorFaultsOnReads(t *testing.T) {
	tests := []struct {
		name  string
		fault docusigntest.Fault
		op    string
		calls int
	}{
		{"html 503 on get", docusigntest.Fault{Op: docusigntest.OpGetEnvelope, Status: 503,
			RawBody: "<html><body>Service Unavailable</body></html>"},
			docusigntest.OpGetEnvelope, 2},
		{"two 500s on get", docusigntest.Fault{Op: docusigntest.OpGetEnvelope, Status: 500,
			Times: 2}, docusigntest.OpGetEnvelope, 3},
		{"503 with retry-after", docusigntest.Fault{Op: docusigntest.OpGetEnvelope,
			Status: 503, RetryAfter: "2"}, docusigntest.OpGetEnvelope, 2},
		{"token 503", docusigntest.Fault{Op: docusigntest.OpToken, Status: 503},
			docusigntest.OpToken, 2},
		{"userinfo 500", docusigntest.Fault{Op: docusigntest.OpUserInfo, Status: 500},
			docusigntest.OpUserInfo, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newSimEnv(t, docusigntest.Options{})
			id := createSent(t, env)
			env.client = newSimClient(t, env)
			env.sim.ResetCalls()
			env.sim.InjectFault(tt.fault)
			got, _, err := env.client.Envelopes.Get(context.Background(), id, nil)
			if err != nil {
				t.Fatalf("Get with fault: %v", err)
			}
			if got.Status != "sent" {
				t.Errorf("status = %q, want sent", got.Status)
			}
			if calls := env.sim.Calls()[tt.op]; calls != tt.calls {
				t.Errorf("%s calls = %d, want %d", tt.op, calls, tt.calls)
			}
			if tt.fault.RetryAfter != "" {
				if waits := *env.waits; len(waits) != 1 || waits[0] != 2*time.Second {
					t.Errorf("waits = %v, want [2s] from Retry-After", waits)
				}
			}
		})
	}
}

// newSimClient returns a second client for env's simulator with empty token and account
// caches, so that faults on the token and userinfo endpoints are reached.
func newSimClient(t *testing.T, env *simEnv) *docusign.Client {
	t.Helper()
	creds := env.sim.Credentials()
	client, err := docusign.NewClient(docusign.Config{
		IntegrationKey: creds.IntegrationKey, UserID: creds.UserID,
		PrivateKeyPEM: creds.PrivateKeyPEM, AuthServer: creds.AuthServer,
		Retry: docusign.RetryPolicy{Sleep: func(ctx context.Context, d time.Duration) error {
			*env.waits = append(*env.waits, d)
			return ctx.Err()
		}},
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return client
}

func TestSimulatorCreateFaultAmbiguous(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{})
	env.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope, Status: 500})
	_, _, err := env.client.Envelopes.Create(context.Background(), sentEnvelope("Once"))
	if !errors.Is(err, docusign.ErrAmbiguous) {
		t.Fatalf("error = %v, want ErrAmbiguous", err)
	}
	if calls := env.sim.Calls()[docusigntest.OpCreateEnvelope]; calls != 1 {
		t.Errorf("create calls = %d, want 1: a create is never repeated", calls)
	}
}

func TestSimulatorVoidFaultRereads(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{})
	id := createSent(t, env)
	env.sim.ResetCalls()
	env.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpUpdateEnvelope, Status: 503})
	if _, _, err := env.client.Envelopes.Void(context.Background(), id, "Duplicate"); err != nil {
		t.Fatalf("Void after a 503: %v", err)
	}
	calls := env.sim.Calls()
	if calls[docusigntest.OpUpdateEnvelope] != 2 || calls[docusigntest.OpGetEnvelope] != 1 {
		t.Errorf("update/get calls = %d/%d, want 2/1: re-read, then void again",
			calls[docusigntest.OpUpdateEnvelope], calls[docusigntest.OpGetEnvelope])
	}
	if status, _ := env.sim.Status(id); status != "voided" {
		t.Errorf("simulator status = %q, want voided", status)
	}
}

func TestSimulatorEnvelopePollingLimit(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{
		EnvelopeLimits: docusigntest.EnvelopeLimits{BurstGets: 2}})
	id := createSent(t, env)
	ctx := context.Background()
	for i := range 3 {
		if _, _, err := env.client.Envelopes.Get(ctx, id, nil); err != nil {
			t.Fatalf("Get #%d: %v", i+1, err)
		}
	}
	waits := *env.waits
	if len(waits) != 1 || waits[0] != 30*time.Second {
		t.Errorf("waits = %v, want [30s] for the per-envelope burst limit", waits)
	}
	records := env.recorder.Records()
	var limited int
	for _, rec := range records {
		if rec.ErrorCode == "Burst_Envelope_Polling_Limit_Exceeded" &&
			rec.StatusCode == http.StatusBadRequest {
			limited++
		}
	}
	if limited != 1 {
		t.Errorf("observer recorded %d polling-limit responses, want 1", limited)
	}
}

func TestSimulatorRetryAfterHonoured(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{BurstLimit: 3, SendRetryAfter: true})
	ctx := context.Background()
	for i := range 5 {
		if _, _, err := env.client.Templates.List(ctx, nil); err != nil {
			t.Fatalf("Templates.List #%d: %v", i+1, err)
		}
	}
	waits := *env.waits
	if len(waits) == 0 {
		t.Fatalf("no waits recorded, want the burst limit waited out")
	}
	for _, w := range waits {
		if w <= 0 || w > 30*time.Second || w%time.Second != 0 {
			t.Errorf("wait %v, want whole seconds from Retry-After, at most 30s", w)
		}
	}
}

func TestSimulatorUnknownTemplate(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{})
	_, _, err := env.client.Templates.Get(context.Background(),
		"00000000-0000-4000-8000-000000000000")
	if !docusign.IsNotFound(err) {
		t.Errorf("Templates.Get of an unknown id: error %v, want IsNotFound", err)
	}
}
