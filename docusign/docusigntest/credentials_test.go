package docusigntest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTLSServer(t *testing.T) {
	s, _ := newSim(t, Options{TLS: true})
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %s, want https on loopback", s.URL)
	}
	if cred := s.Credentials(); cred.AuthServer != s.URL || cred.BaseURI != s.URL {
		t.Errorf("AuthServer/BaseURI = %s/%s, want %s", cred.AuthServer, cred.BaseURI, s.URL)
	}
	token := accessToken(t, s, "")
	if resp := call(t, s, token, "GET", "", nil); resp.status != http.StatusOK {
		t.Errorf("account over TLS = %d, want 200", resp.status)
	}
	if _, err := http.Get(s.URL + "/oauth/userinfo"); err == nil {
		t.Errorf("a client without the certificate connected; want a TLS verification error")
	}
}

func TestWriteCredentials(t *testing.T) {
	tests := []struct {
		name     string
		tls      bool
		wantCert bool
	}{
		{name: "plain", tls: false},
		{name: "tls", tls: true, wantCert: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSim(t, Options{TLS: tt.tls})
			dir := filepath.Join(t.TempDir(), "creds")
			if err := s.WriteCredentials(dir); err != nil {
				t.Fatalf("WriteCredentials: %v", err)
			}
			cred := s.Credentials()
			key, err := os.ReadFile(filepath.Join(dir, PrivateKeyFile))
			if err != nil || string(key) != string(cred.PrivateKeyPEM) {
				t.Errorf("private key file = %v, want the server's key", err)
			}
			info, err := os.Stat(filepath.Join(dir, PrivateKeyFile))
			if err == nil && info.Mode().Perm() != 0o600 {
				t.Errorf("private key mode = %v, want 0600", info.Mode().Perm())
			}
			var doc map[string]string
			raw, _ := os.ReadFile(filepath.Join(dir, CredentialsJSONFile))
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("decode credentials.json: %v", err)
			}
			if doc["userId"] != cred.UserID || doc["accountId"] != cred.AccountID ||
				doc["authServer"] != s.URL {
				t.Errorf("credentials.json = %v, want the server's ids and URL", doc)
			}
			if strings.Contains(string(raw), "PRIVATE KEY") {
				t.Errorf("credentials.json contains the private key")
			}
			env, _ := os.ReadFile(filepath.Join(dir, CredentialsEnvFile))
			if !strings.Contains(string(env), "DOCUSIGN_USER_ID="+cred.UserID+"\n") {
				t.Errorf("credentials.env = %s, want DOCUSIGN_USER_ID", env)
			}
			_, err = os.Stat(filepath.Join(dir, CertificateFile))
			if hasCert := err == nil; hasCert != tt.wantCert {
				t.Errorf("ca.pem present = %v, want %v", hasCert, tt.wantCert)
			}
		})
	}
}

func TestParseRSAKeyForms(t *testing.T) {
	key, err := parseRSAKey(testKeyPEM())
	if err != nil {
		t.Fatalf("parse PKCS#1: %v", err)
	}
	pkcs8, err := x509MarshalPKCS8(key)
	if err != nil {
		t.Fatalf("marshal PKCS#8: %v", err)
	}
	tests := []struct {
		name    string
		pem     []byte
		wantErr bool
	}{
		{name: "pkcs1", pem: testKeyPEM()},
		{name: "pkcs8", pem: pkcs8},
		{name: "not pem", pem: []byte("hello"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseRSAKey(tt.pem)
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
		})
	}
	if _, err := Start(Options{Addr: "0.0.0.0:0"}); err == nil {
		t.Errorf("Start accepted a non-loopback address")
	}
}
