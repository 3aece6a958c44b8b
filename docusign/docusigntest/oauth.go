package docusigntest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"
)

const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// oauthError is a token or userinfo endpoint error in Docusign's OAuth shape.
type oauthError struct {
	status      int
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func invalidGrant(reason string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, Code: "invalid_grant", Description: reason}
}

// jwtClaims are the claims of a JWT Grant assertion. Times are Unix seconds.
type jwtClaims struct {
	Issuer    string          `json:"iss"`
	Subject   string          `json:"sub"`
	Audience  json.RawMessage `json:"aud"`
	Expires   *json.Number    `json:"exp"`
	NotBefore *json.Number    `json:"nbf"`
	Scope     string          `json:"scope"`
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.calls[OpToken]++
	if f := s.takeFault(OpToken); f != nil {
		writeFault(w, f)
		return
	}
	userID, oerr := s.checkTokenRequest(r)
	if oerr != nil {
		writeJSON(w, oerr.status, oerr)
		s.logCall(r, OpToken, oerr.status, strings.TrimSpace(oerr.Code+" "+oerr.Description))
		return
	}
	tok := randomToken()
	s.state.tokens[tok] = &token{userID: userID, expires: s.now().Add(s.opts.TokenLifetime)}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(s.opts.TokenLifetime / time.Second),
	})
	s.logCall(r, OpToken, http.StatusOK, "")
}

// checkTokenRequest validates a JWT Grant request and returns the user to impersonate.
func (s *Server) checkTokenRequest(r *http.Request) (string, *oauthError) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/x-www-form-urlencoded" {
		return "", &oauthError{status: http.StatusBadRequest, Code: "invalid_request",
			Description: "content type must be application/x-www-form-urlencoded"}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return "", &oauthError{status: http.StatusBadRequest, Code: "invalid_request"}
	}
	if r.PostForm.Get("grant_type") != jwtBearerGrant {
		return "", &oauthError{status: http.StatusBadRequest, Code: "unsupported_grant_type"}
	}
	assertion := r.PostForm.Get("assertion")
	if assertion == "" {
		return "", &oauthError{status: http.StatusBadRequest, Code: "invalid_request",
			Description: "assertion is missing"}
	}
	claims, oerr := s.verifyAssertion(r, assertion)
	if oerr != nil {
		return "", oerr
	}
	return s.checkSubject(claims)
}

// verifyAssertion checks the issuer, audience, RS256 signature and validity window.
func (s *Server) verifyAssertion(r *http.Request, assertion string) (*jwtClaims, *oauthError) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return nil, invalidGrant("no_valid_keys_or_signatures")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims jwtClaims
	if decodeSegment(parts[0], &header) != nil || decodeSegment(parts[1], &claims) != nil {
		return nil, invalidGrant("no_valid_keys_or_signatures")
	}

	if claims.Issuer != s.opts.IntegrationKey {
		return nil, invalidGrant("issuer_not_found")
	}
	aud := audience(claims.Audience)
	if strings.Contains(aud, "/") || aud == "" {
		return nil, invalidGrant("no_valid_keys_or_signatures")
	}
	if aud != s.host(r) {
		return nil, invalidGrant("issuer_not_found")
	}
	if header.Alg != "RS256" || !s.verifyRS256(parts) {
		return nil, invalidGrant("no_valid_keys_or_signatures")
	}

	now := s.now().Unix()
	exp, err := numberSeconds(claims.Expires)
	if err != nil {
		return nil, invalidGrant("no_valid_keys_or_signatures")
	}
	if exp <= now {
		return nil, invalidGrant("expired_grant")
	}
	if claims.NotBefore != nil {
		nbf, err := numberSeconds(claims.NotBefore)
		if err != nil || nbf > now {
			return nil, invalidGrant("no_valid_keys_or_signatures")
		}
	}
	return &claims, nil
}

// checkSubject resolves sub to a user and checks consent for the requested scopes.
func (s *Server) checkSubject(claims *jwtClaims) (string, *oauthError) {
	if _, ok := s.state.users[claims.Subject]; !ok {
		return "", invalidGrant("user_not_found")
	}
	scopes := map[string]bool{}
	for _, sc := range strings.Fields(claims.Scope) {
		scopes[sc] = true
	}
	if !scopes["signature"] || !scopes["impersonation"] || !s.state.consent[claims.Subject] {
		return "", &oauthError{status: http.StatusBadRequest, Code: "consent_required"}
	}
	return claims.Subject, nil
}

func (s *Server) verifyRS256(parts []string) bool {
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	keys := s.publicKeys
	if keys == nil {
		keys = []*rsa.PublicKey{&s.key.PublicKey}
	}
	for _, key := range keys {
		if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) == nil {
			return true
		}
	}
	return false
}

// SetPublicKeys replaces the RSA public keys uploaded for the integration key, as an admin
// does in Apps and Keys during a key rotation. The token endpoint then accepts assertions
// signed by any of them and rejects others with no_valid_keys_or_signatures. No keys
// restores the default: the public half of Credentials().PrivateKeyPEM.
func (s *Server) SetPublicKeys(keys ...*rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publicKeys = nil
	if len(keys) > 0 {
		s.publicKeys = append([]*rsa.PublicKey(nil), keys...)
	}
}

func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// audience returns the single audience of a JWT, given as a string or a one-element array.
func audience(raw json.RawMessage) string {
	var single string
	if json.Unmarshal(raw, &single) == nil {
		return single
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && len(many) == 1 {
		return many[0]
	}
	return ""
}

func numberSeconds(n *json.Number) (int64, error) {
	if n == nil {
		return 0, errMissingClaim
	}
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	return int64(f), err
}

var errMissingClaim = errors.New("missing claim")

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.calls[OpUserInfo]++
	if f := s.takeFault(OpUserInfo); f != nil {
		writeFault(w, f)
		return
	}
	auth := r.Header.Get("Authorization")
	tok, ok := s.state.tokens[strings.TrimPrefix(auth, "Bearer ")]
	if !strings.HasPrefix(auth, "Bearer ") || !ok || !s.now().Before(tok.expires) {
		writeJSON(w, http.StatusUnauthorized, &oauthError{Code: "invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, s.userInfo(s.state.users[tok.userID]))
}

func (s *Server) userInfo(u *user) map[string]any {
	accounts := make([]map[string]any, 0, len(u.accountIDs))
	for i, id := range u.accountIDs {
		var isDefault any = i == 0
		if s.opts.UserInfoStringDefaults {
			isDefault = boolString(i == 0)
		}
		accounts = append(accounts, map[string]any{
			"account_id":   id,
			"is_default":   isDefault,
			"account_name": s.state.account(id).name,
			"base_uri":     s.URL,
		})
	}
	givenName, familyName, _ := strings.Cut(u.name, " ")
	return map[string]any{
		"sub": u.id, "name": u.name, "given_name": givenName, "family_name": familyName,
		"created": formatTime(u.created), "email": u.email, "accounts": accounts,
	}
}

// RevokeTokens invalidates every access token issued for the user, so the next REST call
// fails with AUTHORIZATION_INVALID_TOKEN.
func (s *Server) RevokeTokens(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, tok := range s.state.tokens {
		if tok.userID == userID {
			delete(s.state.tokens, key)
		}
	}
}

// RevokeConsent withdraws the user's consent, so the token endpoint rejects the user with
// consent_required. Tokens already issued keep working until they expire.
func (s *Server) RevokeConsent(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.consent[userID] = false
}

// GrantConsent records the user's consent to the signature and impersonation scopes.
func (s *Server) GrantConsent(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.consent[userID] = true
}
