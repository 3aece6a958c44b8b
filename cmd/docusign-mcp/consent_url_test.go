package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
)

func TestConsentURLMatchesClient(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Bytes: x509.MarshalPKCS1PrivateKey(key)})
	tests := []struct {
		name     string
		redirect string
		server   string
	}{
		{name: "developer with redirect", redirect: "http://localhost:8080/callback?x=1&y=2",
			server: "https://account-d.docusign.com"},
		{name: "production without redirect", server: "https://account.docusign.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := docusign.NewClient(docusign.Config{IntegrationKey: testIK,
				UserID: testUser, PrivateKeyPEM: keyPEM, AuthServer: tt.server,
				RedirectURI: tt.redirect})
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			got := consentURL(docusignConfig{IntegrationKey: testIK, AuthServer: tt.server,
				RedirectURI: tt.redirect})
			if want := c.ConsentURL(); got != want {
				t.Errorf("consentURL = %s, want the client's %s", got, want)
			}
		})
	}
}

func TestConsentURLCommand(t *testing.T) {
	vars := map[string]string{"HOME": "/home/test", "DOCUSIGN_INTEGRATION_KEY": testIK,
		"DOCUSIGN_USER_ID": testUser, "DOCUSIGN_AUTH_SERVER": "https://account.docusign.com",
		"DOCUSIGN_REDIRECT_URI": "https://ops.example.com/callback"}
	env, stdout, stderr := testEnv(vars)
	if code := runMain(t.Context(), []string{"consent-url"}, env); code != exitOK {
		t.Fatalf("consent-url exited with %d; stderr %s", code, stderr)
	}
	out := stdout.String()
	for _, want := range []string{
		"Environment:     production",
		"Integration key: " + testIK,
		"Scopes:          signature impersonation",
		"Redirect URI:    https://ops.example.com/callback",
		"https://account.docusign.com/oauth/auth?response_type=code&scope=signature%20" +
			"impersonation&client_id=" + testIK +
			"&redirect_uri=https%3A%2F%2Fops.example.com%2Fcallback",
		"organisation administrator",
		"DOCUSIGN_USER_ID " + testUser,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestConsentURLCommandProblems(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		args    []string
		want    string
		notWant string
	}{
		{name: "missing integration key", vars: map[string]string{"HOME": "/h"},
			want:    "DOCUSIGN_INTEGRATION_KEY (--integration-key) is missing",
			notWant: "PRIVATE_KEY"},
		{name: "simulator", vars: map[string]string{"HOME": "/h"}, args: []string{"--simulator"},
			want: "needs no consent"},
		{name: "http auth server", vars: map[string]string{"HOME": "/h",
			"DOCUSIGN_INTEGRATION_KEY": testIK, "DOCUSIGN_AUTH_SERVER": "http://example.com"},
			want: "must use https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, stderr := testEnv(tt.vars)
			code := runMain(t.Context(), append([]string{"consent-url"}, tt.args...), env)
			if code != exitUsage {
				t.Errorf("exit status = %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want %q", stderr, tt.want)
			}
			if tt.notWant != "" && strings.Contains(stderr.String(), tt.notWant) {
				t.Errorf("stderr = %q names %s, which consent-url does not need", stderr,
					tt.notWant)
			}
		})
	}
}

func TestEnvironmentName(t *testing.T) {
	tests := []struct{ name, server, want string }{
		{name: "developer", server: "https://account-d.docusign.com", want: "developer"},
		{name: "production", server: "https://account.docusign.com", want: "production"},
		{name: "simulator", server: "http://127.0.0.1:8900", want: "local simulator"},
		{name: "other", server: "https://auth.example.com", want: "custom OAuth server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := environmentName(tt.server); !strings.HasPrefix(got, tt.want) {
				t.Errorf("environmentName(%s) = %q, want it to start with %q", tt.server,
					got, tt.want)
			}
		})
	}
}
