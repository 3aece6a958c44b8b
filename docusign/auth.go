package docusign

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// jwtGrantType is the OAuth grant type of the JWT bearer flow (RFC 7523).
	jwtGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	// jwtScope is the scope a JWT Grant for eSignature needs.
	jwtScope = "signature impersonation"
	// assertionBackdate moves iat into the past to absorb clock skew with Docusign.
	assertionBackdate = 30 * time.Second
	// assertionLifetime is exp - iat. Docusign accepts at most one hour.
	assertionLifetime = time.Hour
	// renewBefore is how long before expiry a token is renewed in the background.
	renewBefore = 5 * time.Minute
	// maxTokenBody limits the token and userinfo responses read into memory.
	maxTokenBody = 1 << 20
)

// parsePrivateKey decodes an RSA private key in PEM, PKCS#1 or PKCS#8. field names the
// configuration field in errors.
func parsePrivateKey(field string, pemBytes []byte) (*rsa.PrivateKey, error) {
	if len(pemBytes) == 0 {
		return nil, errors.New(field + " is missing: set it to the integration key's RSA " +
			"private key in PEM form")
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New(field + " is not PEM: pass the file that starts with " +
			"-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s block %q is neither a PKCS#1 nor a PKCS#8 RSA "+
			"key: pass the RSA key generated for the integration key: %w", field, block.Type,
			err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s contains a %T, not an RSA key: Docusign's JWT "+
			"Grant needs the integration key's RSA key", field, parsed)
	}
	return key, nil
}

// assertion builds the signed RS256 JWT that the token endpoint exchanges for an access
// token, signed with key.
func (c *Client) assertion(user string, key *rsa.PrivateKey) (string, error) {
	issued := c.now().Add(-assertionBackdate)
	claims := jwt.MapClaims{
		"iss":   c.cfg.IntegrationKey,
		"sub":   user,
		"aud":   c.authURL.Host,
		"iat":   issued.Unix(),
		"exp":   issued.Add(assertionLifetime).Unix(),
		"scope": jwtScope,
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign JWT assertion: %w", err)
	}
	return signed, nil
}

// accessToken is a cached access token. A background renewal starts at renewAt, and the token
// stays in use until expiry.
type accessToken struct {
	value   string
	renewAt time.Time
	expiry  time.Time
}

// tokenFlight is one token request that every caller waiting for the same user shares.
type tokenFlight struct {
	done  chan struct{}
	token accessToken
	err   error
}

// tokenCache keeps one access token per impersonated user and makes sure that at most one
// token request per user is in flight, however many goroutines need a token.
type tokenCache struct {
	client  *Client
	mu      sync.Mutex
	tokens  map[string]accessToken
	flights map[string]*tokenFlight
}

func newTokenCache(c *Client) *tokenCache {
	return &tokenCache{
		client:  c,
		tokens:  make(map[string]accessToken),
		flights: make(map[string]*tokenFlight),
	}
}

// get returns a valid token for user. A token past its renewal time but not yet expired is
// returned at once while one background request renews it.
// While the integration is halted it returns a *HaltedError without a request, unless a
// probe is due and succeeds.
func (tc *tokenCache) get(ctx context.Context, user string) (string, error) {
	if err := tc.client.halt.admit(ctx); err != nil {
		return "", err
	}
	now := tc.client.now()
	tc.mu.Lock()
	tok, cached := tc.tokens[user]
	if cached && now.Before(tok.renewAt) {
		tc.mu.Unlock()
		return tok.value, nil
	}
	flight := tc.startLocked(ctx, user)
	tc.mu.Unlock()
	if cached && now.Before(tok.expiry) {
		return tok.value, nil
	}
	select {
	case <-flight.done:
		return flight.token.value, flight.err
	case <-ctx.Done():
		return "", fmt.Errorf("docusign: waiting for an access token: %w", ctx.Err())
	}
}

// startLocked returns the user's token request in flight, starting one if there is none. The
// request runs without the caller's cancellation, so that one caller giving up does not fail
// the others. The retry budget bounds it. tc.mu must be held.
func (tc *tokenCache) startLocked(ctx context.Context, user string) *tokenFlight {
	if flight, ok := tc.flights[user]; ok {
		return flight
	}
	flight := &tokenFlight{done: make(chan struct{})}
	tc.flights[user] = flight
	go tc.fetch(context.WithoutCancel(ctx), user, flight)
	return flight
}

func (tc *tokenCache) fetch(ctx context.Context, user string, flight *tokenFlight) {
	tok, err := tc.client.requestToken(ctx, user)
	// A lost consent or a rejected key halts the whole integration, and every waiter then
	// gets the *HaltedError.
	err = tc.client.halt.observe(user, err)
	if err != nil {
		// A background renewal has no caller waiting for its error, so log it here.
		tc.client.logger.Warn("docusign token request failed", "user_id", user,
			"error", err.Error())
	}
	tc.mu.Lock()
	if err == nil {
		tc.tokens[user] = tok
	}
	delete(tc.flights, user)
	flight.token, flight.err = tok, err
	tc.mu.Unlock()
	close(flight.done)
}

// invalidate drops user's cached token if it is still value, so that a token that another
// goroutine has already renewed survives.
func (tc *tokenCache) invalidate(user, value string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tok, ok := tc.tokens[user]; ok && tok.value == value {
		delete(tc.tokens, user)
	}
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	// ExpiresIn is the token lifetime in seconds. json.Number also accepts it as a string.
	ExpiresIn json.Number `json:"expires_in"`
}

// tokenSender sends a token request: Client.send with retries, or one attempt for a probe.
type tokenSender func(ctx context.Context, user string, ep *endpoint,
	handle handler) (*Response, error)

// requestTokenWith exchanges a fresh assertion signed with key for an access token
// (POST /oauth/token).
func (c *Client) requestTokenWith(ctx context.Context, user string, key *signingKey,
	send tokenSender) (accessToken, error) {
	assertion, err := c.assertion(user, key.key)
	if err != nil {
		return accessToken{}, err
	}
	form := url.Values{"grant_type": {jwtGrantType}, "assertion": {assertion}}
	ep := &endpoint{
		operation:    "OAuth:token",
		method:       http.MethodPost,
		pathTemplate: "/oauth/token",
		url:          c.authURL.String() + "/oauth/token",
		body:         []byte(form.Encode()),
		contentType:  "application/x-www-form-urlencoded",
		mode:         modeIdempotent,
		parseError:   c.oauthErrorParser(user),
	}
	var body tokenResponse
	requested := c.now()
	if _, err := send(ctx, user, ep, decodeJSON(&body, maxTokenBody)); err != nil {
		return accessToken{}, err
	}
	return newAccessToken(body, requested)
}

// newAccessToken checks a token response and computes when to renew it: renewBefore ahead of
// expiry, or after three quarters of the lifetime for short-lived tokens.
func newAccessToken(body tokenResponse, requested time.Time) (accessToken, error) {
	seconds, err := body.ExpiresIn.Int64()
	if body.AccessToken == "" || err != nil || seconds <= 0 {
		return accessToken{}, fmt.Errorf("docusign token request: response without "+
			"access_token or with invalid expires_in %q: check that AuthServer is a Docusign "+
			"OAuth server", truncate(body.ExpiresIn.String(), 20))
	}
	if body.TokenType != "" && !strings.EqualFold(body.TokenType, "Bearer") {
		return accessToken{}, fmt.Errorf("docusign token request: token_type %q, want Bearer",
			truncate(body.TokenType, 20))
	}
	lifetime := time.Duration(seconds) * time.Second
	margin := min(renewBefore, lifetime/4)
	return accessToken{
		value:   body.AccessToken,
		expiry:  requested.Add(lifetime),
		renewAt: requested.Add(lifetime - margin),
	}, nil
}

// oauthErrorBody is the token endpoint's error body.
type oauthErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// oauthErrorParser returns the parser of token endpoint errors for user: consent_required
// becomes a ConsentRequiredError, anything else an OAuthError.
func (c *Client) oauthErrorParser(user string) func(*http.Response, time.Time) error {
	return func(resp *http.Response, _ time.Time) error {
		trace := resp.Header.Get("X-DocuSign-TraceToken")
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		var body oauthErrorBody
		_ = json.Unmarshal(data, &body)
		if body.Error == "consent_required" {
			return &ConsentRequiredError{
				UserID:     user,
				ConsentURL: c.ConsentURL(),
				TraceToken: trace,
			}
		}
		return &OAuthError{
			Code:        body.Error,
			Description: body.Description,
			StatusCode:  resp.StatusCode,
			TraceToken:  trace,
		}
	}
}

// ConsentURL returns the page where a user grants this integration key individual consent to
// the "signature impersonation" scopes. It carries redirect_uri, where Docusign sends the user
// after consenting, only when Config.RedirectURI is set.
func (c *Client) ConsentURL() string {
	query := "response_type=code&scope=signature%20impersonation&client_id=" +
		url.QueryEscape(c.cfg.IntegrationKey)
	if c.cfg.RedirectURI != "" {
		query += "&redirect_uri=" + url.QueryEscape(c.cfg.RedirectURI)
	}
	return c.authURL.String() + "/oauth/auth?" + query
}
