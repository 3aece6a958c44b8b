package docusign_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

func TestDownloadConnectionCutNotRetried(t *testing.T) {
	env := newTestEnv(t)
	var requests atomic.Int32
	env.fake.setREST(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(bytes.Repeat([]byte("x"), 100))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	var buf bytes.Buffer
	_, _, err := env.client.Documents.Download(context.Background(), testEnvelopeID, "1", &buf,
		1<<20)
	var netErr *docusign.NetworkError
	if !errors.As(err, &netErr) {
		t.Fatalf("error %v (%T) is not a *NetworkError", err, err)
	}
	if got := requests.Load(); got != 1 {
		t.Errorf("requests = %d, want 1: a half-written download is not repeated", got)
	}
	if buf.Len() != 100 {
		t.Errorf("writer got %d bytes, want the 100 sent before the cut", buf.Len())
	}
}

// failingWriter rejects every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestDownloadWriterFailure(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write([]byte("%PDF-1.7"))
	})
	_, _, err := env.client.Documents.Download(context.Background(), testEnvelopeID, "1",
		failingWriter{}, 1<<20)
	if err == nil || !strings.Contains(err.Error(), "write document: disk full") {
		t.Fatalf("error = %v, want the writer's error", err)
	}
	var netErr *docusign.NetworkError
	if errors.As(err, &netErr) {
		t.Errorf("a writer failure is reported as a *NetworkError")
	}
}

func TestDefaultSleepHonoursContext(t *testing.T) {
	fake := newFakeDocusign(t)
	client, err := docusign.NewClient(docusign.Config{
		IntegrationKey: testIntegrationKey, UserID: testUserID,
		PrivateKeyPEM: pkcs1PEM(rsaKey(t)), AuthServer: fake.srv.URL,
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	fake.setREST(status(503, "", "Retry-After", "20"))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(5*time.Millisecond, cancel)
	started := time.Now()
	_, _, err = client.Envelopes.Get(ctx, testEnvelopeID, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(started); elapsed > 2*time.Second {
		t.Errorf("Get returned after %v, want soon after the cancel", elapsed)
	}
}

func TestVoidRereadFailureIsAmbiguous(t *testing.T) {
	env, seq := newRetryEnv(t, status(500, "UNSPECIFIED_ERROR"),
		status(400, "ENVELOPE_DOES_NOT_EXIST"))
	_, _, err := env.client.Envelopes.Void(context.Background(), testEnvelopeID, "Wrong file")
	if err == nil || !strings.Contains(err.Error(), "re-reading the envelope failed") {
		t.Fatalf("error = %v, want one saying the re-read failed", err)
	}
	if !errors.Is(err, docusign.ErrAmbiguous) {
		t.Errorf("errors.Is(ErrAmbiguous) = false: the void may have taken effect")
	}
	if seq.count(http.MethodPut) != 1 {
		t.Errorf("PUT requests = %d, want 1", seq.count(http.MethodPut))
	}
}

func TestFullJitterBackoffBounds(t *testing.T) {
	const minWait, maxWait = 100 * time.Millisecond, time.Second
	tests := []struct {
		name    string
		attempt int
		ceiling time.Duration
	}{
		{"second attempt", 2, minWait},
		{"third attempt doubles", 3, 2 * minWait},
		{"fifth attempt", 5, 8 * minWait},
		{"capped at max", 12, maxWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 200 {
				got := docusign.FullJitterBackoff(tt.attempt, minWait, maxWait)
				if got < 0 || got > tt.ceiling {
					t.Fatalf("FullJitterBackoff(%d) = %v, want 0 to %v", tt.attempt, got,
						tt.ceiling)
				}
			}
		})
	}
}

func TestObserverFuncReceivesRecords(t *testing.T) {
	var operations []string
	env := newTestEnv(t, func(c *docusign.Config) {
		c.Observer = docusign.ObserverFunc(func(rec docusign.CallRecord) {
			operations = append(operations, rec.Operation)
		})
	})
	env.fake.setREST(accountOK)
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get: %v", err)
	}
	if got := strings.Join(operations, ","); got != "OAuth:token,OAuth:userinfo,Accounts:get" {
		t.Errorf("operations = %s, want OAuth:token,OAuth:userinfo,Accounts:get", got)
	}
}
