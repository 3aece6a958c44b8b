package docusign_test

import (
	"context"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

// newTLSTokenServer starts an HTTPS server under httptest's own CA that responds to every
// request with a token, and returns it with a pool that trusts that CA.
func newTLSTokenServer(t *testing.T) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter,
		_ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "t", "expires_in": 3600})
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, pool
}

func TestRootCAsTrustPrivateCA(t *testing.T) {
	srv, pool := newTLSTokenServer(t)
	tests := []struct {
		name     string
		roots    *x509.CertPool
		wantCert bool
	}{
		{name: "system roots reject the private CA", roots: nil, wantCert: true},
		{name: "RootCAs with the private CA", roots: pool, wantCert: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sleeps atomic.Int32
			cfg := validConfig(t)
			cfg.AuthServer = srv.URL
			cfg.RootCAs = tt.roots
			cfg.Retry = docusign.RetryPolicy{Sleep: func(context.Context, time.Duration) error {
				sleeps.Add(1)
				return nil
			}}
			client, err := docusign.NewClient(cfg)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			_, err = client.UserInfo(context.Background())
			if got := docusign.IsCertificateError(err); got != tt.wantCert {
				t.Fatalf("IsCertificateError(%v) = %v, want %v", err, got, tt.wantCert)
			}
			if !tt.wantCert {
				return
			}
			if docusign.IsRetryable(err) {
				t.Errorf("IsRetryable(%v) = true, want false: a retry cannot fix trust", err)
			}
			if n := sleeps.Load(); n != 0 {
				t.Errorf("client slept %d times before retries, want 0: certificate errors "+
					"must not be retried", n)
			}
		})
	}
}
