package docusigntest

import (
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenHappyPath(t *testing.T) {
	s, _ := newSim(t, Options{})
	status, body := postToken(t, s, assertion(t, s, simKey(t, s), nil))
	if status != http.StatusOK {
		t.Fatalf("status = %d, body %v; want 200", status, body)
	}
	if body["token_type"] != "Bearer" {
		t.Errorf("token_type = %v, want Bearer", body["token_type"])
	}
	if body["expires_in"] != float64(3600) {
		t.Errorf("expires_in = %v, want the default lifetime 3600", body["expires_in"])
	}
	if tok, _ := body["access_token"].(string); len(tok) < 20 {
		t.Errorf("access_token = %q, want an opaque token of 20+ characters", tok)
	}
	if _, ok := body["refresh_token"]; ok {
		t.Errorf("response has refresh_token; JWT Grant issues none")
	}
}

func TestTokenErrors(t *testing.T) {
	noConsent := User{ID: "0d7a3e1c-1111-4c2d-9a0b-5f6e7d8c9b0a", NoConsent: true}
	s, _ := newSim(t, Options{Users: []User{noConsent}})
	key := simKey(t, s)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	now := s.clockNow()
	host := hostOf(t, s.URL)
	tests := []struct {
		name     string
		jwt      string
		wantErr  string
		wantDesc string
	}{
		{name: "wrong key", jwt: assertion(t, s, otherKey, nil),
			wantErr: "invalid_grant", wantDesc: "no_valid_keys_or_signatures"},
		{name: "missing exp", jwt: assertion(t, s, key, map[string]any{"exp": nil}),
			wantErr: "invalid_grant", wantDesc: "no_valid_keys_or_signatures"},
		{name: "aud with scheme", jwt: assertion(t, s, key, map[string]any{"aud": s.URL}),
			wantErr: "invalid_grant", wantDesc: "no_valid_keys_or_signatures"},
		{name: "aud with slash", jwt: assertion(t, s, key, map[string]any{"aud": host + "/"}),
			wantErr: "invalid_grant", wantDesc: "no_valid_keys_or_signatures"},
		{name: "future nbf", jwt: assertion(t, s, key,
			map[string]any{"nbf": now.Add(time.Hour).Unix()}),
			wantErr: "invalid_grant", wantDesc: "no_valid_keys_or_signatures"},
		{name: "garbage", jwt: "not.a.jwt",
			wantErr: "invalid_grant", wantDesc: "no_valid_keys_or_signatures"},
		{name: "unknown issuer", jwt: assertion(t, s, key, map[string]any{"iss": newGUID()}),
			wantErr: "invalid_grant", wantDesc: "issuer_not_found"},
		{name: "other environment aud", jwt: assertion(t, s, key,
			map[string]any{"aud": "account-d.docusign.com"}),
			wantErr: "invalid_grant", wantDesc: "issuer_not_found"},
		{name: "unknown user", jwt: assertion(t, s, key, map[string]any{"sub": newGUID()}),
			wantErr: "invalid_grant", wantDesc: "user_not_found"},
		{name: "expired", jwt: assertion(t, s, key,
			map[string]any{"exp": now.Add(-time.Minute).Unix()}),
			wantErr: "invalid_grant", wantDesc: "expired_grant"},
		{name: "no consent", jwt: assertion(t, s, key, map[string]any{"sub": noConsent.ID}),
			wantErr: "consent_required"},
		{name: "scope without impersonation", jwt: assertion(t, s, key,
			map[string]any{"scope": "signature"}), wantErr: "consent_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postToken(t, s, tt.jwt)
			if status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", status)
			}
			if body["error"] != tt.wantErr {
				t.Errorf("error = %v, want %s", body["error"], tt.wantErr)
			}
			desc, _ := body["error_description"].(string)
			if desc != tt.wantDesc {
				t.Errorf("error_description = %q, want %q", desc, tt.wantDesc)
			}
		})
	}
}

func TestTokenConsentBodyIsExact(t *testing.T) {
	s, _ := newSim(t, Options{})
	s.RevokeConsent(s.Credentials().UserID)
	form := url.Values{"grant_type": {jwtBearerGrant},
		"assertion": {assertion(t, s, simKey(t, s), nil)}}
	resp, err := http.PostForm(s.URL+"/oauth/token", form)
	if err != nil {
		t.Fatalf("post token: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if got := strings.TrimSpace(string(raw)); got != `{"error":"consent_required"}` {
		t.Errorf("body = %s, want exactly {\"error\":\"consent_required\"}", got)
	}
	if resp.Header.Get("X-DocuSign-TraceToken") == "" {
		t.Errorf("consent error has no X-DocuSign-TraceToken header")
	}
}

func TestTokenRequestShape(t *testing.T) {
	s, _ := newSim(t, Options{})
	jwt := assertion(t, s, simKey(t, s), nil)
	tests := []struct {
		name        string
		contentType string
		body        string
		wantErr     string
	}{
		{name: "json body", contentType: "application/json",
			body: `{"grant_type":"x"}`, wantErr: "invalid_request"},
		{name: "wrong grant", contentType: "application/x-www-form-urlencoded",
			body:    "grant_type=client_credentials&assertion=" + jwt,
			wantErr: "unsupported_grant_type"},
		{name: "missing assertion", contentType: "application/x-www-form-urlencoded",
			body: "grant_type=" + url.QueryEscape(jwtBearerGrant), wantErr: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(s.URL+"/oauth/token", tt.contentType,
				strings.NewReader(tt.body))
			if err != nil {
				t.Fatalf("post: %v", err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			got := apiResponse{status: resp.StatusCode, body: raw}.json(t)["error"]
			if resp.StatusCode != http.StatusBadRequest || got != tt.wantErr {
				t.Errorf("got %d %v, want 400 %s", resp.StatusCode, got, tt.wantErr)
			}
		})
	}
}

func TestTokenExpiresBySimulatorClock(t *testing.T) {
	s, clock := newSim(t, Options{})
	token := accessToken(t, s, "")
	if resp := call(t, s, token, "GET", "", nil); resp.status != http.StatusOK {
		t.Fatalf("account status = %d before expiry, want 200", resp.status)
	}
	clock.Add(time.Hour)
	resp := call(t, s, token, "GET", "", nil)
	if resp.status != http.StatusUnauthorized {
		t.Errorf("status = %d after one hour, want 401", resp.status)
	}
	if code := resp.errorCode(t); code != "AUTHORIZATION_INVALID_TOKEN" {
		t.Errorf("errorCode = %s, want AUTHORIZATION_INVALID_TOKEN", code)
	}
	want := "The access token provided is expired, revoked or malformed."
	if msg := resp.json(t)["message"]; msg != want {
		t.Errorf("message = %v, want %q", msg, want)
	}
}

func TestRevokeTokens(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	s.RevokeTokens(s.Credentials().UserID)
	if resp := call(t, s, token, "GET", "", nil); resp.status != http.StatusUnauthorized {
		t.Errorf("status = %d after revoke, want 401", resp.status)
	}
	if resp := call(t, s, "", "GET", "", nil); resp.status != http.StatusUnauthorized {
		t.Errorf("status = %d without a token, want 401", resp.status)
	}
}

func TestUserInfo(t *testing.T) {
	extra := Account{ID: "5a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b", Name: "Europe", Default: true}
	s, _ := newSim(t, Options{Accounts: []Account{extra}})
	token := accessToken(t, s, "")
	resp := call(t, s, token, "GET", "/oauth/userinfo", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("userinfo status = %d, want 200", resp.status)
	}
	info := resp.json(t)
	if info["sub"] != s.Credentials().UserID {
		t.Errorf("sub = %v, want the primary user id", info["sub"])
	}
	accounts, _ := info["accounts"].([]any)
	if len(accounts) != 2 {
		t.Fatalf("accounts = %d, want 2", len(accounts))
	}
	first := accounts[0].(map[string]any)
	if first["account_id"] != extra.ID || first["is_default"] != true {
		t.Errorf("first account = %v, want %s as the default", first, extra.ID)
	}
	if first["base_uri"] != s.URL {
		t.Errorf("base_uri = %v, want the simulator URL %s", first["base_uri"], s.URL)
	}
	if second := accounts[1].(map[string]any); second["is_default"] != false {
		t.Errorf("second is_default = %v, want false", second["is_default"])
	}
	if s.Credentials().AccountID != extra.ID {
		t.Errorf("Credentials().AccountID = %s, want the default account", s.Credentials().AccountID)
	}
}

func TestUserInfoStringDefaults(t *testing.T) {
	s, _ := newSim(t, Options{UserInfoStringDefaults: true})
	resp := call(t, s, accessToken(t, s, ""), "GET", "/oauth/userinfo", nil)
	acct := resp.json(t)["accounts"].([]any)[0].(map[string]any)
	if acct["is_default"] != "true" {
		t.Errorf("is_default = %#v, want the string \"true\"", acct["is_default"])
	}
}

func TestUserInfoRejectsBadToken(t *testing.T) {
	s, _ := newSim(t, Options{})
	if resp := call(t, s, "bogus", "GET", "/oauth/userinfo", nil); resp.status != 401 {
		t.Errorf("status = %d, want 401", resp.status)
	}
}

func TestAccountMembership(t *testing.T) {
	other := User{ID: "7c8d9e0f-2222-4a1b-8c2d-3e4f5a6b7c8d", AccountIDs: []string{}}
	s, _ := newSim(t, Options{Users: []User{other},
		Accounts: []Account{{ID: "9e8d7c6b-3333-4a5b-9c8d-7e6f5a4b3c2d"}}})
	token := accessToken(t, s, other.ID)
	resp := call(t, s, token, "GET", "/restapi/v2.1/accounts/9e8d7c6b-3333-4a5b-9c8d-7e6f5a4b3c2d",
		nil)
	if resp.status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", resp.status)
	}
	if code := resp.errorCode(t); code != "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT" {
		t.Errorf("errorCode = %s, want USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT", code)
	}
	if resp := call(t, s, token, "GET", "", nil); resp.status != http.StatusOK {
		t.Errorf("own account status = %d, want 200", resp.status)
	}
}

func TestDefaultKeyIsFresh(t *testing.T) {
	first := NewServer(Options{})
	defer first.Close()
	second := NewServer(Options{})
	defer second.Close()
	a, b := first.Credentials().PrivateKeyPEM, second.Credentials().PrivateKeyPEM
	if string(a) == string(b) {
		t.Errorf("two servers share a private key, want a fresh key per server")
	}
	if _, err := parseRSAKey(a); err != nil {
		t.Errorf("default key does not parse: %v", err)
	}
	if string(a) == string(testKeyPEM()) {
		t.Errorf("default key equals the shared test key")
	}
}

func TestGivenPrivateKey(t *testing.T) {
	first, _ := newSim(t, Options{})
	cred := first.Credentials()
	s, _ := newSim(t, Options{PrivateKeyPEM: cred.PrivateKeyPEM, IntegrationKey: "ik-fixed"})
	if got := s.Credentials().IntegrationKey; got != "ik-fixed" {
		t.Errorf("IntegrationKey = %s, want ik-fixed", got)
	}
	if string(s.Credentials().PrivateKeyPEM) != string(cred.PrivateKeyPEM) {
		t.Errorf("PrivateKeyPEM differs from the key given in Options")
	}
	accessToken(t, s, "")
}

func TestUserAndAccountIDs(t *testing.T) {
	extra := User{ID: "1f2e3d4c-5555-4b6a-8c7d-9e0f1a2b3c4d"}
	s, _ := newSim(t, Options{Users: []User{extra}, Accounts: []Account{{Name: "Europe"}}})
	users := s.UserIDs()
	if len(users) != 2 || users[0] != s.Credentials().UserID || users[1] != extra.ID {
		t.Errorf("UserIDs = %v, want the primary user then %s", users, extra.ID)
	}
	accounts := s.AccountIDs()
	if len(accounts) != 2 || accounts[0] != s.Credentials().AccountID {
		t.Errorf("AccountIDs = %v, want the primary account first", accounts)
	}
}
