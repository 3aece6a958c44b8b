package main

import (
	"strings"
	"testing"

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
