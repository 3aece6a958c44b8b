package docusign_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

func validConfig(t *testing.T) docusign.Config {
	return docusign.Config{
		IntegrationKey: testIntegrationKey,
		UserID:         testUserID,
		PrivateKeyPEM:  pkcs1PEM(rsaKey(t)),
		AuthServer:     "https://account-d.docusign.com",
	}
}

func TestNewClientValidation(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate EC key: %v", err)
	}
	tests := []struct {
		name      string
		change    func(*docusign.Config)
		wantParts []string
	}{
		{"valid PKCS#1", func(*docusign.Config) {}, nil},
		{"valid PKCS#8", func(c *docusign.Config) {
			c.PrivateKeyPEM = pkcs8PEM(t, rsaKey(t))
		}, nil},
		{"loopback http", func(c *docusign.Config) {
			c.AuthServer = "http://127.0.0.1:8080"
		}, nil},
		{"localhost http", func(c *docusign.Config) { c.AuthServer = "http://localhost:1/" }, nil},
		{"ipv6 loopback", func(c *docusign.Config) { c.AuthServer = "http://[::1]:9" }, nil},
		{"missing integration key", func(c *docusign.Config) { c.IntegrationKey = "" },
			[]string{"IntegrationKey is missing"}},
		{"user id is an email", func(c *docusign.Config) { c.UserID = "a@example.com" },
			[]string{"UserID", "not a GUID"}},
		{"key not PEM", func(c *docusign.Config) { c.PrivateKeyPEM = []byte("nope") },
			[]string{"PrivateKeyPEM is not PEM"}},
		{"key missing", func(c *docusign.Config) { c.PrivateKeyPEM = nil },
			[]string{"PrivateKeyPEM is missing"}},
		{"key not RSA", func(c *docusign.Config) { c.PrivateKeyPEM = pkcs8PEM(t, ecKey) },
			[]string{"not an RSA key"}},
		{"auth server missing", func(c *docusign.Config) { c.AuthServer = "" },
			[]string{"AuthServer is missing"}},
		{"auth server with path", func(c *docusign.Config) {
			c.AuthServer = "https://account-d.docusign.com/oauth"
		}, []string{"not a bare origin"}},
		{"plain http public host", func(c *docusign.Config) {
			c.AuthServer = "http://account-d.docusign.com"
		}, []string{"plain http", "use https"}},
		{"bad account id", func(c *docusign.Config) { c.AccountID = "acct 1" },
			[]string{"AccountID"}},
		{"relative redirect", func(c *docusign.Config) { c.RedirectURI = "/cb" },
			[]string{"RedirectURI"}},
		{"negative retry", func(c *docusign.Config) { c.Retry.MaxAttempts = -1 },
			[]string{"Retry.MaxAttempts"}},
		{"every problem at once", func(c *docusign.Config) {
			*c = docusign.Config{UserID: "x", AuthServer: "ftp://h"}
		}, []string{"IntegrationKey", "UserID", "PrivateKeyPEM", "AuthServer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig(t)
			tt.change(&cfg)
			_, err := docusign.NewClient(cfg)
			if len(tt.wantParts) == 0 {
				if err != nil {
					t.Fatalf("NewClient: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewClient accepted the config, want an error naming %v", tt.wantParts)
			}
			for _, part := range tt.wantParts {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not mention %q", err, part)
				}
			}
		})
	}
}

func TestNewHTTPClientTLSFloor(t *testing.T) {
	transport, ok := docusign.NewHTTPClient().Transport.(*http.Transport)
	if !ok {
		t.Fatalf("NewHTTPClient transport is %T, want *http.Transport",
			docusign.NewHTTPClient().Transport)
	}
	if got := transport.TLSClientConfig.MinVersion; got != tls.VersionTLS12 {
		t.Errorf("MinVersion = %#x, want TLS 1.2 (%#x)", got, tls.VersionTLS12)
	}
	if transport.TLSHandshakeTimeout == 0 || transport.ResponseHeaderTimeout == 0 {
		t.Errorf("handshake/header timeouts = %v/%v, want both set",
			transport.TLSHandshakeTimeout, transport.ResponseHeaderTimeout)
	}
}

func TestTLSOldServerRejected(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter,
		_ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "t", "expires_in": 3600})
	}))
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS11}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	httpClient := docusign.NewHTTPClient()
	transport := httpClient.Transport.(*http.Transport)
	transport.TLSClientConfig.RootCAs = srv.Client().Transport.(*http.Transport).
		TLSClientConfig.RootCAs
	cfg := validConfig(t)
	cfg.AuthServer = srv.URL
	cfg.HTTPClient = httpClient
	cfg.Retry = docusign.RetryPolicy{MaxAttempts: 1}
	client, err := docusign.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	_, err = client.UserInfo(context.Background())
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("UserInfo against a TLS 1.1 server: error = %v, want a protocol version "+
			"failure", err)
	}
}

func TestFlexBoolDecoding(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    bool
		wantErr bool
	}{
		{"json true", `true`, true, false},
		{"json false", `false`, false, false},
		{"string true", `"true"`, true, false},
		{"string True", `"True"`, true, false},
		{"string false", `"false"`, false, false},
		{"empty string", `""`, false, false},
		{"null", `null`, false, false},
		{"number", `1`, false, true},
		{"other string", `"yes"`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got docusign.FlexBool
			err := json.Unmarshal([]byte(tt.input), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, want error %v", tt.input, err, tt.wantErr)
			}
			if bool(got) != tt.want {
				t.Errorf("Unmarshal(%s) = %v, want %v", tt.input, got, tt.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    time.Time
		wantErr bool
	}{
		{"no fraction", "2022-09-22T15:19:24Z", time.Date(2022, 9, 22, 15, 19, 24, 0, time.UTC),
			false},
		{"one digit", "2022-09-22T15:19:24.5Z",
			time.Date(2022, 9, 22, 15, 19, 24, 500_000_000, time.UTC), false},
		{"seven digits", "2022-09-22T15:22:53.4580747Z",
			time.Date(2022, 9, 22, 15, 22, 53, 458_074_700, time.UTC), false},
		{"offset", "2022-09-22T17:19:24+02:00",
			time.Date(2022, 9, 22, 15, 19, 24, 0, time.UTC), false},
		{"no zone read as UTC", "2015-08-13T22:03:03.45",
			time.Date(2015, 8, 13, 22, 3, 3, 450_000_000, time.UTC), false},
		{"empty", "", time.Time{}, true},
		{"localised date tab", "11/22/2025 | 10:02 AM PST", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := docusign.ParseTime(tt.input)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseTime(%q) error = %v, want error %v", tt.input, err, tt.wantErr)
			}
			if !got.Equal(tt.want) || (err == nil && got.Location() != time.UTC) {
				t.Errorf("ParseTime(%q) = %v, want %v in UTC", tt.input, got, tt.want)
			}
		})
	}
}
