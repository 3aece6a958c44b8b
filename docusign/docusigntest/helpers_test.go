package docusigntest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for tests; nothing in the simulator sleeps.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testKeyPEM is one RSA key shared by the tests, because generating a 2048-bit key for
// every server makes the suite several times slower. TestDefaultKeyIsFresh covers the
// per-server default.
var testKeyPEM = sync.OnceValue(func() []byte {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Bytes: x509.MarshalPKCS1PrivateKey(key)})
})

// newSim starts a simulator on a fake clock unless opts sets one, with the shared test key
// unless opts sets one.
func newSim(t *testing.T, opts Options) (*Server, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	if opts.Clock == nil {
		opts.Clock = clock.Now
	}
	if opts.PrivateKeyPEM == nil {
		opts.PrivateKeyPEM = testKeyPEM()
	}
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s, clock
}

// assertion builds a signed JWT Grant assertion. Keys of override replace the default
// claims; a nil value removes the claim.
func assertion(t *testing.T, s *Server, key *rsa.PrivateKey, override map[string]any) string {
	t.Helper()
	cred := s.Credentials()
	now := s.clockNow()
	claims := map[string]any{
		"iss": cred.IntegrationKey, "sub": cred.UserID,
		"aud": hostOf(t, s.URL), "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "scope": "signature impersonation",
	}
	for k, v := range override {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	return signJWT(t, key, `{"alg":"RS256","typ":"JWT"}`, claims)
}

func signJWT(t *testing.T, key *rsa.PrivateKey, header string, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatalf("marshal claims: %v", err)
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatalf("sign assertion: %v", err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

func hostOf(t *testing.T, origin string) string {
	t.Helper()
	u, err := url.Parse(origin)
	if err != nil {
		t.Fatalf("parse %s: %v", origin, err)
	}
	return u.Host
}

func (s *Server) clockNow() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func simKey(t *testing.T, s *Server) *rsa.PrivateKey {
	t.Helper()
	key, err := parseRSAKey(s.Credentials().PrivateKeyPEM)
	if err != nil {
		t.Fatalf("parse simulator key: %v", err)
	}
	return key
}

// postToken posts a JWT Grant request and returns the status and decoded body.
func postToken(t *testing.T, s *Server, jwt string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {jwtBearerGrant}, "assertion": {jwt}}
	resp, err := s.Client().Post(s.URL+"/oauth/token", "application/x-www-form-urlencoded",
		strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("post token: %v", err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode token response: %v", err)
	}
	return resp.StatusCode, body
}

// accessToken returns a token for the primary user, or for userID when given.
func accessToken(t *testing.T, s *Server, userID string) string {
	t.Helper()
	override := map[string]any{}
	if userID != "" {
		override["sub"] = userID
	}
	status, body := postToken(t, s, assertion(t, s, simKey(t, s), override))
	if status != http.StatusOK {
		t.Fatalf("token status = %d, body %v; want 200", status, body)
	}
	return body["access_token"].(string)
}

// apiResponse is a REST response read whole.
type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r apiResponse) json(t *testing.T) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("decode response %q: %v", r.body, err)
	}
	return out
}

func (r apiResponse) errorCode(t *testing.T) string {
	t.Helper()
	code, _ := r.json(t)["errorCode"].(string)
	return code
}

// call sends a request to the simulator. A path starting with "/envelopes" or "/templates"
// or equal to "" is taken relative to the primary account's REST base.
func call(t *testing.T, s *Server, token, method, path string, body any,
	headers ...string) apiResponse {
	t.Helper()
	if path == "" || strings.HasPrefix(path, "?") || strings.HasPrefix(path, "/envelopes") ||
		strings.HasPrefix(path, "/templates") {
		path = "/restapi/v2.1/accounts/" + s.Credentials().AccountID + path
	}
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, reader)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, path, err)
	}
	return apiResponse{status: resp.StatusCode, header: resp.Header, body: raw}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// twoSignerEnvelope is a create body with signers at routing orders 1 and 2 and a CC.
func twoSignerEnvelope(status string) map[string]any {
	return map[string]any{
		"status":       status,
		"emailSubject": "Engagement letter for Northwind",
		"documents": []map[string]any{{
			"documentId": "1", "name": "Engagement Letter.txt", "fileExtension": "txt",
			"documentBase64": b64("Engagement terms\n/sig1/ /sig2/"),
		}},
		"recipients": map[string]any{
			"signers": []map[string]any{
				{"recipientId": "1", "routingOrder": "1", "name": "Ada Client",
					"email": "ada@example.com",
					"tabs": map[string]any{"signHereTabs": []map[string]any{
						{"anchorString": "/sig1/"}}}},
				{"recipientId": "2", "routingOrder": "2", "name": "Bo Partner",
					"email": "bo@example.com"},
			},
			"carbonCopies": []map[string]any{
				{"recipientId": "3", "routingOrder": "3", "name": "Cy Billing",
					"email": "cy@example.com"},
			},
		},
		"customFields": map[string]any{"textCustomFields": []map[string]any{
			{"name": "MatterId", "value": "M-1001", "show": "true", "required": "false"},
		}},
	}
}

// createEnvelope creates an envelope and returns its id.
func createEnvelope(t *testing.T, s *Server, token string, body map[string]any) string {
	t.Helper()
	resp := call(t, s, token, "POST", "/envelopes", body)
	if resp.status != http.StatusCreated {
		t.Fatalf("create status = %d, body %s; want 201", resp.status, resp.body)
	}
	return resp.json(t)["envelopeId"].(string)
}

func x509MarshalPKCS8(key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
