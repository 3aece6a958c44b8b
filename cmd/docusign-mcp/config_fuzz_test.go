package main

import (
	"net"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseServeConfig feeds arbitrary flags and variables to the serve parser. It
// checks that the parser never panics, that every problem is one line, and that a
// configuration without problems keeps the safety rules: loopback-only HTTP, GUID
// ids and an https (or loopback http) OAuth server.
func FuzzParseServeConfig(f *testing.F) {
	f.Add("--simulator\x00--http\x00:8931", "", "", "")
	f.Add("--http\x00[::1]:0\x00--allowed-origins\x00http://localhost:6274", testIK, testUser,
		"https://account.docusign.com")
	f.Add("--auth-server\x00http://127.0.0.1:1/", testIK, testUser, "")
	f.Add("--user-id\x00\n\x00--log-level\x00\x7f", "a\nb", "", "javascript:alert(1)")
	f.Add("--allowed-origins\x00https://ok.example,\x00", testIK, testUser, "https://[::1]")
	f.Fuzz(func(t *testing.T, args, integrationKey, userID, authServer string) {
		vars := realAccountVars()
		vars["DOCUSIGN_INTEGRATION_KEY"] = integrationKey
		vars["DOCUSIGN_USER_ID"] = userID
		vars["DOCUSIGN_AUTH_SERVER"] = authServer
		env, _, _ := testEnv(vars)
		var argv []string
		if args != "" {
			argv = strings.Split(args, "\x00")
		}
		cfg, problems, err := parseServeConfig(argv, env)
		if err != nil {
			return
		}
		for _, p := range problems {
			if strings.ContainsAny(p, "\r\n") {
				t.Errorf("problem %q spans several lines", p)
			}
		}
		if len(problems) == 0 {
			checkSafeServeConfig(t, cfg)
		}
	})
}

// checkSafeServeConfig reports a configuration that passed the parser but breaks a
// rule the parser exists to enforce.
func checkSafeServeConfig(t *testing.T, cfg serveConfig) {
	t.Helper()
	if cfg.HTTP.Addr != "" {
		host, _, err := net.SplitHostPort(cfg.HTTP.Addr)
		if err != nil || !isLoopbackHost(host) {
			t.Errorf("HTTP.Addr = %q passed, want only loopback HOST:PORT", cfg.HTTP.Addr)
		}
	}
	if cfg.HTTP.MaxBodyBytes <= 0 || cfg.HTTP.SessionIdleTTL <= 0 {
		t.Errorf("HTTP limits %d bytes, %s passed, want both positive",
			cfg.HTTP.MaxBodyBytes, cfg.HTTP.SessionIdleTTL)
	}
	for _, o := range cfg.HTTP.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			t.Errorf("allowed origin %q passed, want SCHEME://HOST[:PORT]", o)
		}
	}
	if cfg.Simulator {
		return
	}
	if !guidPattern.MatchString(cfg.Docusign.IntegrationKey) ||
		!guidPattern.MatchString(cfg.Docusign.UserID) {
		t.Errorf("ids %q and %q passed, want GUIDs",
			cfg.Docusign.IntegrationKey, cfg.Docusign.UserID)
	}
	u, err := url.Parse(cfg.Docusign.AuthServer)
	loopbackHTTP := err == nil && u.Scheme == "http" && isLoopbackHost(u.Hostname())
	if err != nil || !(u.Scheme == "https" || loopbackHTTP) {
		t.Errorf("AuthServer %q passed, want https or loopback http", cfg.Docusign.AuthServer)
	}
}
