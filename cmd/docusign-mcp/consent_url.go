package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// consentScopes are the scopes that JWT Grant for eSignature needs.
const consentScopes = "signature impersonation"

const consentURLSummary = `Print the consent URL of the configured integration key, with its scopes
(signature impersonation), redirect URI and environment, and how an organisation
administrator grants consent for all users instead. consent-url takes the flags,
variables and --config file of serve, and needs only the integration key; the
redirect URI must be one registered for the key.`

// runConsentURLCommand prints the consent URL and the two ways to grant consent.
func runConsentURLCommand(_ context.Context, args []string, env environment) error {
	f := newServeFlags()
	renameFlagSet(f.fs, "consent-url", consentURLSummary)
	cfg, problems, err := f.parse(args, env)
	if err != nil {
		return err
	}
	if cfg.Simulator {
		return &usageError{msg: "docusign-mcp consent-url: --simulator needs no consent, " +
			"because the simulator grants it itself: drop --simulator"}
	}
	if err := problemsError("consent-url", consentProblems(problems)); err != nil {
		return err
	}
	printConsent(env.stdout, cfg.Docusign)
	return nil
}

// consentProblems keeps the problems of the settings that the consent URL uses.
func consentProblems(problems []string) []string {
	var out []string
	for _, p := range problems {
		for _, prefix := range []string{"DOCUSIGN_INTEGRATION_KEY", "DOCUSIGN_REDIRECT_URI",
			"DOCUSIGN_AUTH_SERVER", "config file"} {
			if strings.HasPrefix(p, prefix) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// consentURL returns the individual consent page of the integration key: the URL that
// docusign.Client.ConsentURL builds, which a test keeps equal.
func consentURL(cfg docusignConfig) string {
	query := "response_type=code&scope=" + url.PathEscape(consentScopes) + "&client_id=" +
		url.QueryEscape(cfg.IntegrationKey)
	if cfg.RedirectURI != "" {
		query += "&redirect_uri=" + url.QueryEscape(cfg.RedirectURI)
	}
	return cfg.AuthServer + "/oauth/auth?" + query
}

// environmentName names the Docusign environment of an OAuth server.
func environmentName(authServer string) string {
	u, err := url.Parse(authServer)
	if err != nil {
		return "unknown"
	}
	switch host := strings.ToLower(u.Hostname()); {
	case host == "account-d.docusign.com":
		return "developer (demo): OAuth at account-d.docusign.com, REST at demo.docusign.net"
	case host == "account.docusign.com":
		return "production: OAuth at account.docusign.com, REST at the account's base URI"
	case isLoopbackHost(host):
		return "local simulator at " + authServer
	}
	return "custom OAuth server " + authServer
}

// printConsent writes the consent URL and both ways to grant consent.
func printConsent(w io.Writer, cfg docusignConfig) {
	redirect := cfg.RedirectURI
	if redirect == "" {
		redirect = "not set: Docusign requires a redirect_uri registered for the key, so " +
			"set DOCUSIGN_REDIRECT_URI (--redirect-uri) before opening the URL"
	}
	user := "DOCUSIGN_USER_ID"
	if cfg.UserID != "" {
		user += " " + cfg.UserID
	}
	fmt.Fprintf(w, `Environment:     %s
Integration key: %s
Scopes:          %s
Redirect URI:    %s

Individual consent: open this URL in a browser, logged in as the Docusign user
that serve impersonates (%s), and allow access:

  %s

Docusign then sends the browser to the redirect URI. Nothing needs to serve that
page: 'docusign-mcp check' shows whether consent now exists.

Consent for all users of an organisation: an organisation administrator can
grant it once, instead of each user, in Docusign Admin: open the organisation's
connected apps, authorize this integration key for the scopes signature and
impersonation, and limit it to the organisation's claimed email domains. That
needs an organisation with a claimed domain, and covers only users of it.

Run 'docusign-mcp check' afterwards: its token line passes once consent exists.
`, environmentName(cfg.AuthServer), cfg.IntegrationKey, consentScopes, redirect, user,
		consentURL(cfg))
}
