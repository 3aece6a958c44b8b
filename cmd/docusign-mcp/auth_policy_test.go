package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ys88io/docusign-mcp/policy"
)

func TestStdioPrincipalChoice(t *testing.T) {
	fx := newAuthFixture(t)
	withStdio := testPolicy(nil)
	withStdio.StdioPrincipal = "para"
	tests := []struct {
		name string
		file *policy.File // nil runs without a policy file
		flag string
		want string
	}{
		{name: "no file no flag", want: policy.DefaultPrincipal},
		{name: "no file with flag", flag: "bob", want: "bob"},
		{name: "file stdio principal", file: &withStdio, want: "para"},
		{name: "flag wins over file", file: &withStdio, flag: "partner", want: "partner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := serveConfig{Principal: tt.flag}
			if tt.file != nil {
				fx.write(t, *tt.file)
				cfg.PolicyFile = fx.path
			}
			st, err := newPolicyState(cfg, "")
			if err != nil {
				t.Fatalf("newPolicyState: %v", err)
			}
			if st.principal != tt.want {
				t.Errorf("principal = %q, want %q", st.principal, tt.want)
			}
		})
	}
}

func TestPolicyStartupProblems(t *testing.T) {
	fx := newAuthFixture(t)
	noKey := testPolicy(nil)
	noKey.JWT.PublicKeyFile = "missing.pem"
	tests := []struct {
		name  string
		write func()
		want  string
	}{
		{name: "invalid scope", want: "principals.x.tools is empty", write: func() {
			fx.writeRaw(t, []byte(`{"principals": {"x": {"tools": []}}}`))
		}},
		{name: "missing JWT key", want: "jwt.public_key_file", write: func() {
			fx.write(t, noKey)
		}},
		{name: "misspelt tool", want: `"void_envelop" is not a tool of this server`,
			write: func() {
				fx.writeRaw(t, []byte(`{"principals": {"x": {"tools": ["void_envelop"]}}}`))
			}},
		{name: "not JSON", want: "policy.schema.json", write: func() {
			fx.writeRaw(t, []byte(`principals: x`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.write()
			_, err := newPolicyState(serveConfig{PolicyFile: fx.path}, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("newPolicyState error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestJWTVerifierKeyTypes(t *testing.T) {
	dir := t.TempDir()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatalf("marshal RSA key: %v", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "rsa.pem"), pemBytes, 0o600); err != nil {
		t.Fatalf("write key: %v", err)
	}
	v, err := newJWTVerifier(policy.JWTConfig{Issuer: testIssuer, Audience: testAudience,
		PublicKeyFile: "rsa.pem", PrincipalClaim: "email"}, dir)
	if err != nil {
		t.Fatalf("newJWTVerifier: %v", err)
	}
	claims := jwt.MapClaims{"iss": testIssuer, "aud": testAudience, "email": "agent-7",
		"exp": time.Now().Add(time.Hour).Unix()}
	tests := []struct {
		name   string
		method jwt.SigningMethod
		key    any
		want   string // principal, empty for a rejection
	}{
		{name: "RS256 signed by the key", method: jwt.SigningMethodRS256, key: rsaKey,
			want: "agent-7"},
		{name: "HS256 keyed with the public key", method: jwt.SigningMethodHS256, key: pemBytes},
		{name: "unsigned", method: jwt.SigningMethodNone, key: jwt.UnsafeAllowNoneSignatureType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signed, err := jwt.NewWithClaims(tt.method, claims).SignedString(tt.key)
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			got, err := v.principal(signed)
			if got != tt.want {
				t.Errorf("principal = %q (err %v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestLegalTeamExampleLoads(t *testing.T) {
	path := filepath.Join("..", "..", "examples", "policy-legal-team.json")
	st, err := newPolicyState(serveConfig{PolicyFile: path}, "")
	if err != nil {
		t.Fatalf("serve would reject %s: %v", path, err)
	}
	if st.principal != "partner" {
		t.Errorf("stdio principal = %q, want the example's stdio_principal partner",
			st.principal)
	}
}
