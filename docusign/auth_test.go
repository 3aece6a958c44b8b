package docusign_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

// accountOK serves Accounts:get for the test account.
func accountOK(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != restPath("") {
		writeError(w, http.StatusNotFound, "NOT_FOUND", r.URL.Path)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"accountIdGuid": testAccountID,
		"accountName": "Test Account"})
}

func TestAssertionClaims(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(accountOK)
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get: %v", err)
	}
	if len(env.fake.assertions) != 1 {
		t.Fatalf("token endpoint verified %d assertions, want 1", len(env.fake.assertions))
	}
	claims := env.fake.assertions[0]
	host := strings.TrimPrefix(env.fake.srv.URL, "http://")
	now := env.clock.Now().Unix()
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"iss is the integration key", claims["iss"], testIntegrationKey},
		{"sub is the user GUID", claims["sub"], testUserID},
		{"aud is the bare auth host", claims["aud"], host},
		{"scope", claims["scope"], "signature impersonation"},
		{"iat is back-dated 30s", int64(claims["iat"].(float64)), now - 30},
		{"exp is iat plus one hour", int64(claims["exp"].(float64)), now - 30 + 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("claim = %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestTokenCachedAcrossCalls(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(accountOK)
	for i := range 3 {
		if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
			t.Fatalf("Accounts.Get #%d: %v", i+1, err)
		}
	}
	tokens, userinfos, rests := env.fake.counts()
	if tokens != 1 {
		t.Errorf("token requests = %d, want 1: the token must be cached", tokens)
	}
	if userinfos != 1 {
		t.Errorf("userinfo requests = %d, want 1: the account must be cached", userinfos)
	}
	if rests != 3 {
		t.Errorf("REST requests = %d, want 3", rests)
	}
}

func TestTokenOneRequestForConcurrentCallers(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(accountOK)
	gate := make(chan struct{})
	env.fake.mu.Lock()
	env.fake.tokenGate = gate
	env.fake.mu.Unlock()

	const callers = 50
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, _, err := env.client.Accounts.Get(context.Background())
			errs <- err
		})
	}
	// Let the callers pile up behind the held token request before releasing it.
	time.Sleep(5 * time.Millisecond)
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Accounts.Get: %v", err)
		}
	}
	tokens, userinfos, _ := env.fake.counts()
	if tokens != 1 {
		t.Errorf("token requests = %d for %d concurrent callers, want 1", tokens, callers)
	}
	if userinfos != 1 {
		t.Errorf("userinfo requests = %d for %d concurrent callers, want 1", userinfos, callers)
	}
}

func TestTokenRenewedFromExpiresIn(t *testing.T) {
	tests := []struct {
		name       string
		expiresIn  int
		advance    time.Duration
		wantTokens int
	}{
		{"fresh token reused", 3600, 30 * time.Minute, 1},
		{"inside renewal window renews", 3600, 56 * time.Minute, 2},
		{"short token reused early", 600, 7 * time.Minute, 1},
		{"short token renewed late", 600, 8 * time.Minute, 2},
		{"expired token replaced", 3600, 2 * time.Hour, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.fake.expiresIn = tt.expiresIn
			env.fake.setREST(accountOK)
			if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
				t.Fatalf("first Accounts.Get: %v", err)
			}
			env.clock.Advance(tt.advance)
			if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
				t.Fatalf("second Accounts.Get: %v", err)
			}
			waitFor(t, func() bool {
				tokens, _, _ := env.fake.counts()
				return tokens >= tt.wantTokens
			})
			tokens, _, _ := env.fake.counts()
			if tokens != tt.wantTokens {
				t.Errorf("token requests = %d after %v with expires_in %d, want %d",
					tokens, tt.advance, tt.expiresIn, tt.wantTokens)
			}
		})
	}
}

func TestTokenRenewalSharedByConcurrentCallers(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(accountOK)
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("first Accounts.Get: %v", err)
	}
	// 56 minutes into a one-hour token, the client renews in the background while callers
	// keep using the old token.
	env.clock.Advance(56 * time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
				t.Errorf("Accounts.Get during renewal: %v", err)
			}
		})
	}
	wg.Wait()
	waitFor(t, func() bool {
		tokens, _, _ := env.fake.counts()
		return tokens >= 2
	})
	if tokens, _, _ := env.fake.counts(); tokens != 2 {
		t.Errorf("token requests = %d, want 2: one renewal for 20 callers", tokens)
	}
}

// waitFor polls cond for up to a second, for work the client does in the background.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

func TestTokenPerImpersonatedUser(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(accountOK)
	ctx := context.Background()
	if _, _, err := env.client.Accounts.Get(ctx); err != nil {
		t.Fatalf("Accounts.Get as default user: %v", err)
	}
	if _, _, err := env.client.Accounts.Get(docusign.WithUser(ctx, testOtherUserID)); err != nil {
		t.Fatalf("Accounts.Get as other user: %v", err)
	}
	tokens, userinfos, _ := env.fake.counts()
	if tokens != 2 || userinfos != 2 {
		t.Errorf("token, userinfo requests = %d, %d; want 2, 2: one per user", tokens, userinfos)
	}
	if got := env.fake.assertions[1]["sub"]; got != testOtherUserID {
		t.Errorf("second assertion sub = %v, want %s", got, testOtherUserID)
	}
}

func TestWithUserRejectsEmail(t *testing.T) {
	env := newTestEnv(t)
	ctx := docusign.WithUser(context.Background(), "someone@example.com")
	_, _, err := env.client.Accounts.Get(ctx)
	if err == nil || !strings.Contains(err.Error(), "not a GUID") {
		t.Fatalf("Accounts.Get with an email as user: error = %v, want one saying not a GUID", err)
	}
	if tokens, _, _ := env.fake.counts(); tokens != 0 {
		t.Errorf("token requests = %d, want 0 for an invalid user", tokens)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		check    func(t *testing.T, err error)
		attempts int
	}{
		{
			name: "consent required", body: `{"error":"consent_required"}`, attempts: 1,
			check: func(t *testing.T, err error) {
				var consent *docusign.ConsentRequiredError
				if !errors.As(err, &consent) {
					t.Fatalf("error %v is not a *ConsentRequiredError", err)
				}
				assertConsentURL(t, consent.ConsentURL)
			},
		},
		{
			name: "invalid grant keeps description", attempts: 1,
			body: `{"error":"invalid_grant","error_description":"user_not_found"}`,
			check: func(t *testing.T, err error) {
				var oauthErr *docusign.OAuthError
				if !errors.As(err, &oauthErr) {
					t.Fatalf("error %v is not an *OAuthError", err)
				}
				if oauthErr.Code != "invalid_grant" || oauthErr.Description != "user_not_found" {
					t.Errorf("OAuthError = %q/%q, want invalid_grant/user_not_found",
						oauthErr.Code, oauthErr.Description)
				}
				if docusign.IsRetryable(err) {
					t.Errorf("IsRetryable(invalid_grant) = true, want false")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.fake.token = func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(tt.body))
			}
			_, _, err := env.client.Accounts.Get(context.Background())
			tt.check(t, err)
			if tokens, _, _ := env.fake.counts(); tokens != tt.attempts {
				t.Errorf("token requests = %d, want %d (never retried)", tokens, tt.attempts)
			}
		})
	}
}

func assertConsentURL(t *testing.T, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("consent URL %q: %v", raw, err)
	}
	if u.Path != "/oauth/auth" {
		t.Errorf("consent URL path = %q, want /oauth/auth", u.Path)
	}
	if !strings.Contains(u.RawQuery, "scope=signature%20impersonation") {
		t.Errorf("consent URL query %q lacks scope=signature%%20impersonation", u.RawQuery)
	}
	q := u.Query()
	want := map[string]string{"response_type": "code", "client_id": testIntegrationKey,
		"redirect_uri": "https://app.example.test/callback"}
	for key, value := range want {
		if got := q.Get(key); got != value {
			t.Errorf("consent URL %s = %q, want %q", key, got, value)
		}
	}
}

func TestTokenEndpoint5xxRetried(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(accountOK)
	failures := 1
	var mu sync.Mutex
	env.fake.token = func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := failures > 0
		failures--
		mu.Unlock()
		if fail {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("<html>down</html>"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "token-x",
			"token_type": "Bearer", "expires_in": 3600})
	}
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get after one token 503: %v", err)
	}
	if tokens, _, _ := env.fake.counts(); tokens != 2 {
		t.Errorf("token requests = %d, want 2 (one 503, one success)", tokens)
	}
}

func TestInvalidTokenRefreshedOnce(t *testing.T) {
	env := newTestEnv(t)
	var mu sync.Mutex
	seen := map[string]int{}
	env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		seen[auth]++
		mu.Unlock()
		if strings.HasPrefix(auth, "Bearer token-1-") {
			writeError(w, http.StatusUnauthorized, "AUTHORIZATION_INVALID_TOKEN",
				"The access token provided is expired, revoked or malformed.")
			return
		}
		accountOK(w, r)
	})
	_, resp, err := env.client.Accounts.Get(context.Background())
	if err != nil {
		t.Fatalf("Accounts.Get after a 401: %v", err)
	}
	if resp.Attempts != 2 {
		t.Errorf("Attempts = %d, want 2", resp.Attempts)
	}
	if tokens, _, _ := env.fake.counts(); tokens != 2 {
		t.Errorf("token requests = %d, want 2 (the first token dropped)", tokens)
	}
}

func TestInvalidTokenNotRefreshedTwice(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusUnauthorized, "AUTHORIZATION_INVALID_TOKEN", "expired")
	})
	_, _, err := env.client.Accounts.Get(context.Background())
	var apiErr *docusign.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("error = %v, want an *APIError with status 401", err)
	}
	_, _, rests := env.fake.counts()
	if rests != 2 {
		t.Errorf("REST requests = %d, want 2: one refresh, then give up", rests)
	}
}

func TestInvalidTokenCreateNotRepeated(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusUnauthorized, "AUTHORIZATION_INVALID_TOKEN", "expired")
	})
	_, _, err := env.client.Envelopes.Create(context.Background(),
		&docusign.EnvelopeDefinition{Status: "created"})
	var apiErr *docusign.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != "AUTHORIZATION_INVALID_TOKEN" {
		t.Fatalf("error = %v, want AUTHORIZATION_INVALID_TOKEN", err)
	}
	if errors.Is(err, docusign.ErrAmbiguous) {
		t.Errorf("a 401 on create is reported as ambiguous; Docusign rejected it before acting")
	}
	if !docusign.IsRetryable(err) {
		t.Errorf("IsRetryable(401 on create) = false, want true: the next call gets a new token")
	}
	_, _, rests := env.fake.counts()
	if rests != 1 {
		t.Errorf("REST requests = %d, want 1: a create is never repeated", rests)
	}
	if _, _, err := env.client.Accounts.Get(context.Background()); err == nil {
		t.Fatalf("Accounts.Get: want the handler's 401")
	}
	if tokens, _, _ := env.fake.counts(); tokens < 2 {
		t.Errorf("token requests = %d, want a new token after the 401", tokens)
	}
}

func TestTokenResponseShapes(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"expires_in as number", `{"access_token":"token-a","token_type":"Bearer",` +
			`"expires_in":3600}`, ""},
		{"expires_in as string", `{"access_token":"token-a","token_type":"Bearer",` +
			`"expires_in":"28800"}`, ""},
		{"missing access_token", `{"token_type":"Bearer","expires_in":3600}`,
			"without access_token"},
		{"zero expires_in", `{"access_token":"token-a","expires_in":0}`, "invalid expires_in"},
		{"mac token type", `{"access_token":"token-a","token_type":"mac","expires_in":60}`,
			"want Bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, func(c *docusign.Config) { c.Retry.MaxAttempts = 1 })
			env.fake.setREST(accountOK)
			env.fake.token = func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.body))
			}
			_, _, err := env.client.Accounts.Get(context.Background())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Accounts.Get: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
