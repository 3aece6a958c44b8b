package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// checkRetry keeps a check run short: two attempts of at most 15 seconds per request.
var checkRetry = docusign.RetryPolicy{MaxAttempts: 2, AttemptTimeout: 15 * time.Second,
	Budget: 40 * time.Second}

// tokenRecorder is an Observer that remembers whether a token request succeeded, so that a
// userinfo failure is not blamed on the token.
type tokenRecorder struct {
	mu     sync.Mutex
	issued bool
}

func (t *tokenRecorder) ObserveCall(rec docusign.CallRecord) {
	if rec.Operation == "OAuth:token" && rec.Err == nil && rec.StatusCode/100 == 2 {
		t.mu.Lock()
		t.issued = true
		t.mu.Unlock()
	}
}

func (t *tokenRecorder) tokenIssued() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.issued
}

// checkDocusign requests a token, reads userinfo and calls Accounts:get, one line each.
func checkDocusign(ctx context.Context, r *checkReport, cfg serveConfig, keys secrets) {
	dsCfg, closeSim, err := checkClientConfig(cfg, keys)
	if err != nil {
		r.fail("token", err.Error())
		return
	}
	defer closeSim()

	dsCfg.Retry = checkRetry
	// The next key is checked on its own, after the lines of the current key, even when
	// the current key fails: during a rotation the current key may already be retired.
	defer checkNextKey(ctx, r, cfg, keys, dsCfg)
	tokens := &tokenRecorder{}
	dsCfg.Observer = tokens
	client, err := docusign.NewClient(dsCfg)
	if err != nil {
		r.fail("token", fmt.Sprintf("the Docusign client rejected the configuration: %v", err))
		return
	}
	info, err := client.UserInfo(ctx)
	if err != nil && !tokens.tokenIssued() {
		r.fail("token", tokenProblem(err, dsCfg))
		r.skip("userinfo", "no token, so userinfo was not read")
		r.skip("account", "no token, so Accounts:get was not called")
		return
	}

	r.ok("token", fmt.Sprintf("JWT Grant issued a token for user %s at %s", dsCfg.UserID,
		dsCfg.AuthServer))
	if err != nil {
		r.fail("userinfo", callProblem("/oauth/userinfo", err))
		r.skip("account", "userinfo failed, so Accounts:get was not called")
		return
	}
	checkAccount(ctx, r, client, info, dsCfg.AccountID)
}

// checkAccount prints the userinfo line and, when it found a usable account, the line of
// one Accounts:get call on it.
func checkAccount(ctx context.Context, r *checkReport, client *docusign.Client,
	info *docusign.UserInfo, accountID string) {
	if !checkUserInfo(r, info, accountID) {
		r.skip("account", "no usable account, so Accounts:get was not called")
		return
	}
	account, _, err := client.Accounts.Get(ctx)
	if err != nil {
		r.fail("account", callProblem("Accounts:get", err))
		return
	}
	r.ok("account", "Accounts:get returned account "+account.AccountIDGUID)
}

// checkClientConfig returns the client configuration of a real account, or starts an
// embedded simulator for --simulator and returns its credentials with a function that
// stops it.
func checkClientConfig(cfg serveConfig, keys secrets) (docusign.Config, func(), error) {
	if !cfg.Simulator {
		return docusign.Config{
			IntegrationKey: cfg.Docusign.IntegrationKey,
			UserID:         cfg.Docusign.UserID,
			PrivateKeyPEM:  keys.PrivateKeyPEM,
			AuthServer:     cfg.Docusign.AuthServer,
			AccountID:      cfg.Docusign.AccountID,
			RedirectURI:    cfg.Docusign.RedirectURI,
			RootCAs:        cfg.Docusign.RootCAs,
		}, func() {}, nil
	}
	sim, err := docusigntest.Start(docusigntest.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return docusign.Config{}, nil, fmt.Errorf("start the embedded simulator: %w", err)
	}
	c := sim.Credentials()
	return docusign.Config{IntegrationKey: c.IntegrationKey, UserID: c.UserID,
		PrivateKeyPEM: c.PrivateKeyPEM, AuthServer: c.AuthServer, AccountID: c.AccountID,
	}, sim.Close, nil
}

// tokenProblem explains a failed token request and how to fix it.
func tokenProblem(err error, cfg docusign.Config) string {
	var consent *docusign.ConsentRequiredError
	var oauth *docusign.OAuthError
	switch {
	case errors.As(err, &consent):
		return fmt.Sprintf("consent missing: user %s has not allowed integration key %s the "+
			"scopes signature impersonation. Open %s while logged in as that user, or have "+
			"an organisation administrator grant consent for all users; "+
			"'docusign-mcp consent-url' prints both ways", cfg.UserID, cfg.IntegrationKey,
			consent.ConsentURL)
	case errors.As(err, &oauth):
		return oauthProblem(oauth, cfg)
	case docusign.IsCertificateError(err):
		return fmt.Sprintf("the TLS certificate of %s failed verification: %v: set "+
			"DOCUSIGN_CA_FILE (--ca-file) to the certificate authority that signed it",
			cfg.AuthServer, err)
	}
	var netErr *docusign.NetworkError
	if errors.As(err, &netErr) {
		return fmt.Sprintf("%s cannot be reached: %v: check the address, a proxy in "+
			"HTTPS_PROXY and the firewall", cfg.AuthServer, netErr.Err)
	}
	return "token request failed: " + err.Error()
}

// oauthProblem explains an error response of the token endpoint by its reason.
func oauthProblem(e *docusign.OAuthError, cfg docusign.Config) string {
	reason := strings.TrimSpace(e.Code + " " + e.Description)
	switch e.Description {
	case "no_valid_keys_or_signatures":
		return fmt.Sprintf("wrong private key: %s rejected the JWT signature (%s): set "+
			"DOCUSIGN_PRIVATE_KEY_FILE to the RSA key generated for integration key %s in "+
			"this environment; a developer key does not work in production", cfg.AuthServer,
			reason, cfg.IntegrationKey)
	case "issuer_not_found":
		return fmt.Sprintf("integration key %s is unknown at %s (%s): check "+
			"DOCUSIGN_INTEGRATION_KEY, and DOCUSIGN_AUTH_SERVER for the key's environment "+
			"(account-d for developer, account for production)", cfg.IntegrationKey,
			cfg.AuthServer, reason)
	case "user_not_found", "invalid_subject":
		return fmt.Sprintf("user %s is unknown at %s (%s): set DOCUSIGN_USER_ID to the "+
			"user ID GUID shown in Apps and Keys for this environment", cfg.UserID,
			cfg.AuthServer, reason)
	case "expired_grant":
		return fmt.Sprintf("%s found the JWT expired (%s): set this machine's clock "+
			"right, e.g. with NTP", cfg.AuthServer, reason)
	}
	return fmt.Sprintf("%s rejected the token request with HTTP %d %s", cfg.AuthServer,
		e.StatusCode, reason)
}

// callProblem explains a failed userinfo or REST call.
func callProblem(operation string, err error) string {
	var apiErr *docusign.APIError
	if errors.As(err, &apiErr) {
		msg := fmt.Sprintf("%s failed with HTTP %d", operation, apiErr.StatusCode)
		if apiErr.ErrorCode != "" {
			msg += " " + apiErr.ErrorCode
		}
		if apiErr.TraceToken != "" {
			msg += " (trace token " + apiErr.TraceToken + ")"
		}
		return msg + ": check that the user may use the account's API, and quote the trace " +
			"token to Docusign support"
	}
	return fmt.Sprintf("%s failed: %v", operation, err)
}

// checkUserInfo picks the account the way the client does and checks its base URI. It
// prints ids and URLs only, because userinfo also carries the user's name and email.
func checkUserInfo(r *checkReport, info *docusign.UserInfo, accountID string) bool {
	ids := make([]string, 0, len(info.Accounts))
	var chosen *docusign.UserInfoAccount
	for i, a := range info.Accounts {
		ids = append(ids, a.AccountID)
		if (accountID != "" && strings.EqualFold(a.AccountID, accountID)) ||
			(accountID == "" && bool(a.IsDefault) && chosen == nil) {
			chosen = &info.Accounts[i]
		}
	}
	switch {
	case len(ids) == 0:
		r.fail("userinfo", "the user belongs to no eSignature account: add the user to one")
		return false
	case chosen == nil && accountID != "":
		r.fail("userinfo", fmt.Sprintf("DOCUSIGN_ACCOUNT_ID %s is not one of the user's "+
			"accounts (%s): set it to one of them", accountID, strings.Join(ids, ", ")))
		return false
	case chosen == nil:
		r.fail("userinfo", fmt.Sprintf("no account is marked is_default among %s: set "+
			"DOCUSIGN_ACCOUNT_ID to one of them", strings.Join(ids, ", ")))
		return false
	}
	u, err := url.Parse(chosen.BaseURI)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !isLoopbackHost(u.Hostname())) {
		r.fail("userinfo", fmt.Sprintf("account %s has base URI %q, which is not an https "+
			"URL: check DOCUSIGN_AUTH_SERVER", chosen.AccountID, truncate(chosen.BaseURI, 80)))
		return false
	}
	r.ok("userinfo", fmt.Sprintf("account %s of %d, REST base %s/restapi", chosen.AccountID,
		len(ids), strings.TrimRight(chosen.BaseURI, "/")))
	return true
}
