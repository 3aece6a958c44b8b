// Package docusign is a client for the Docusign eSignature REST API v2.1. It authenticates with
// the JWT Grant (impersonating a user), finds the account's REST base through /oauth/userinfo,
// and calls the eleven operations the MCP server needs. It returns typed errors, parses the
// rate-limit headers, retries only where repeating a request is safe, and reports every HTTP
// call to an Observer.
package docusign

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Config configures a Client. IntegrationKey, UserID, PrivateKeyPEM and AuthServer are required.
type Config struct {
	// IntegrationKey is the app's client id, the JWT iss claim.
	IntegrationKey string
	// UserID is the GUID of the user impersonated by default, the JWT sub claim. WithUser
	// overrides it per call.
	UserID string
	// PrivateKeyPEM is the integration key's RSA private key, PKCS#1 or PKCS#8, PEM-encoded.
	PrivateKeyPEM []byte
	// NextPrivateKeyPEM is an optional second RSA key of the integration key, for rotation
	// without downtime. When the token endpoint rejects the signing key, the client tries
	// the other key once and, when it is accepted, signs with it from then on.
	NextPrivateKeyPEM []byte
	// AuthServer is the OAuth origin: https://account-d.docusign.com (developer),
	// https://account.docusign.com (production), or http on a loopback address for a simulator.
	AuthServer string
	// AccountID selects the account by its API Account ID GUID. NewClient rejects an account
	// number. When empty, the user's default account is used.
	AccountID string
	// RedirectURI is a redirect URI registered for the integration key, used in consent URLs.
	RedirectURI string
	// HTTPClient sends every request. Nil means a client that requires TLS 1.2 or later and
	// sets connect, handshake and header timeouts.
	HTTPClient *http.Client
	// RootCAs is the pool of certificate authorities that the default HTTP client trusts, in
	// place of the system roots. Build it from x509.SystemCertPool to trust a private CA, such
	// as a local simulator's, in addition to them. It is ignored when HTTPClient is set.
	RootCAs *x509.CertPool
	// Observer receives a CallRecord for every HTTP request, tokens and userinfo included.
	Observer Observer
	// Logger receives a debug record per HTTP request, an info record per retry, and warnings
	// for rejected or failed tokens. Nil discards them.
	Logger *slog.Logger
	// Retry bounds retries and timeouts. Zero fields take the defaults of RetryPolicy.
	Retry RetryPolicy
	// Clock returns the current time. Nil means time.Now. Tests replace it.
	Clock func() time.Time
	// UserAgent is sent as User-Agent. Empty means "docusign-mcp".
	UserAgent string
	// Halt sets how the client probes for restored consent while halted (see HaltedError).
	Halt HaltPolicy
	// OnHalt is called once each time the integration halts, on the goroutine that saw the
	// token endpoint's error, while callers wait for that token request. It must not block.
	OnHalt func(HaltEvent)
	// OnResume is called once each time a probe ends a halt, on the probing goroutine. It
	// must not block.
	OnResume func(ResumeEvent)
}

// Client calls the Docusign eSignature REST API. It is safe for concurrent use.
type Client struct {
	cfg        Config
	keys       *keyRing
	halt       *haltState
	authURL    *url.URL
	httpClient *http.Client
	logger     *slog.Logger
	retry      RetryPolicy
	tokens     *tokenCache
	sessions   *sessionCache

	// Accounts calls the Accounts resource.
	Accounts *AccountsService
	// Envelopes calls the Envelopes and EnvelopeRecipients resources.
	Envelopes *EnvelopesService
	// Documents calls the EnvelopeDocuments resource.
	Documents *DocumentsService
	// Templates calls the Templates resource.
	Templates *TemplatesService
}

// AccountsService calls the Accounts resource.
type AccountsService struct{ client *Client }

// EnvelopesService calls the Envelopes and EnvelopeRecipients resources.
type EnvelopesService struct{ client *Client }

// DocumentsService calls the EnvelopeDocuments resource.
type DocumentsService struct{ client *Client }

// TemplatesService calls the Templates resource.
type TemplatesService struct{ client *Client }

// NewClient validates cfg and returns a Client. It sends no request: the first call fetches the
// token and the account's REST base. The error lists every invalid field at once.
func NewClient(cfg Config) (*Client, error) {
	key, authURL, err := validateConfig(&cfg)
	if err != nil {
		return nil, err
	}
	keys, err := newKeyRing(key, cfg.NextPrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("invalid docusign config: %w", err)
	}
	c := &Client{
		cfg:        cfg,
		keys:       keys,
		authURL:    authURL,
		httpClient: cfg.HTTPClient,
		logger:     cfg.Logger,
		retry:      cfg.Retry.withDefaults(),
	}
	if c.httpClient == nil {
		c.httpClient = newHTTPClient(cfg.RootCAs)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.cfg.UserAgent == "" {
		c.cfg.UserAgent = "docusign-mcp"
	}
	c.halt = newHaltState(c)
	c.tokens = newTokenCache(c)
	c.sessions = newSessionCache(c)
	c.Accounts = &AccountsService{client: c}
	c.Envelopes = &EnvelopesService{client: c}
	c.Documents = &DocumentsService{client: c}
	c.Templates = &TemplatesService{client: c}
	return c, nil
}

// validateConfig checks every field and returns the parsed key and AuthServer URL, or one
// error that lists each problem with its field and fix.
func validateConfig(cfg *Config) (*rsa.PrivateKey, *url.URL, error) {
	key, keyErr := parsePrivateKey("PrivateKeyPEM", cfg.PrivateKeyPEM)
	authURL, authErr := parseAuthServer(cfg.AuthServer)

	problems := identityProblems(cfg)
	problems = append(problems, keyErr, authErr)
	problems = append(problems, optionalProblems(cfg)...)
	// errors.Join drops the nil entries and returns nil when all are nil.
	if err := errors.Join(problems...); err != nil {
		return nil, nil, fmt.Errorf("invalid docusign config: %w", err)
	}
	return key, authURL, nil
}

// identityProblems checks the integration key and the default user.
func identityProblems(cfg *Config) []error {
	var problems []error
	if strings.TrimSpace(cfg.IntegrationKey) == "" {
		problems = append(problems, errors.New(
			"IntegrationKey is missing: set it to the app's integration key (client id)"))
	}
	if !isGUID(cfg.UserID) {
		problems = append(problems, fmt.Errorf("UserID %q is not a GUID: set it to the "+
			"impersonated user's API user id, not an email address", truncate(cfg.UserID, 60)))
	}
	return problems
}

// optionalProblems checks the fields that may be left empty.
func optionalProblems(cfg *Config) []error {
	var problems []error
	// /oauth/userinfo lists accounts by GUID only, so an account number could never be matched.
	if cfg.AccountID != "" && !isGUID(cfg.AccountID) {
		problems = append(problems, fmt.Errorf("AccountID %q is not a GUID: set it to the API "+
			"Account ID GUID from the Apps and Keys page, not the account number, or leave it "+
			"empty for the user's default account", truncate(cfg.AccountID, 60)))
	}
	if cfg.RedirectURI != "" {
		if u, err := url.Parse(cfg.RedirectURI); err != nil || !u.IsAbs() {
			problems = append(problems, fmt.Errorf("RedirectURI %q is not an absolute URL: "+
				"set it to a redirect URI registered for the integration key",
				truncate(cfg.RedirectURI, 80)))
		}
	}
	return append(problems, cfg.Retry.validate(), cfg.Halt.validate())
}

// parseAuthServer accepts an origin such as https://account-d.docusign.com, with an optional
// trailing slash. Plain http is accepted only on a loopback host.
func parseAuthServer(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("AuthServer is missing: set it to https://account-d.docusign.com " +
			"(developer) or https://account.docusign.com (production)")
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("AuthServer %q is not a bare origin: set it to a scheme and "+
			"host only, such as https://account-d.docusign.com", truncate(raw, 80))
	}
	if err := checkScheme("AuthServer", u); err != nil {
		return nil, err
	}
	// The JWT aud claim is the authority, and Docusign accepts only the bare host there, so
	// the scheme's default port is dropped.
	if port := u.Port(); u.Scheme == "https" && port == "443" || u.Scheme == "http" &&
		port == "80" {
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	return u, nil
}

// checkScheme accepts https anywhere and http only on loopback hosts.
func checkScheme(field string, u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s %q uses plain http on a non-loopback host: use https "+
			"(http is accepted only on 127.0.0.0/8, ::1 and localhost)", field, u.Redacted())
	}
	return fmt.Errorf("%s %q has scheme %q: use https", field, u.Redacted(), u.Scheme)
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var guidPattern = regexp.MustCompile(
	`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isGUID reports whether s has the 8-4-4-4-12 hex form of Docusign's ids.
func isGUID(s string) bool { return guidPattern.MatchString(s) }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// NewHTTPClient returns the client that NewClient uses when Config.HTTPClient is nil: it
// requires TLS 1.2 or later, bounds connecting, the TLS handshake and the wait for response
// headers, and does not follow redirects. It sets no overall timeout, because each attempt gets
// its own deadline that also covers streaming a download.
func NewHTTPClient() *http.Client {
	return newHTTPClient(nil)
}

// newHTTPClient returns NewHTTPClient's client verifying servers against roots, or against
// the system roots when roots is nil.
func newHTTPClient(roots *x509.CertPool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   10,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: transport,
		// Docusign does not redirect API calls, and following one could leak the token.
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// now returns the configured clock's time.
func (c *Client) now() time.Time {
	if c.cfg.Clock != nil {
		return c.cfg.Clock()
	}
	return time.Now()
}

type userKey struct{}

// WithUser returns a context whose calls impersonate userID (a user GUID) instead of
// Config.UserID. The user must have consented to the integration key, and Config.AccountID,
// when set, must be one of the user's accounts.
func WithUser(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, userKey{}, userID)
}

// userFrom returns the user that ctx impersonates, defaulting to Config.UserID.
func (c *Client) userFrom(ctx context.Context) (string, error) {
	user, ok := ctx.Value(userKey{}).(string)
	if !ok {
		return c.cfg.UserID, nil
	}
	if !isGUID(user) {
		return "", fmt.Errorf("docusign: user id %q from WithUser is not a GUID: pass the "+
			"user's API user id, not an email address", truncate(user, 60))
	}
	return user, nil
}
