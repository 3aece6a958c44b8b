package docusign_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ys88io/docusign-mcp/docusign"
)

const (
	testIntegrationKey = "5a1c7d0e-1f2a-4b3c-8d4e-000000000001"
	testUserID         = "9b2e4f60-2a3b-4c5d-9e6f-000000000002"
	testOtherUserID    = "9b2e4f60-2a3b-4c5d-9e6f-000000000003"
	testAccountID      = "c3d4e5f6-3b4c-4d5e-8f70-000000000004"
	testOtherAccountID = "c3d4e5f6-3b4c-4d5e-8f70-000000000005"
	testEnvelopeID     = "e5f60718-4c5d-4e6f-9a81-0000000000e1"
	testTemplateID     = "7a8b9c0d-5d6e-4f70-8b92-0000000000f1"
)

var (
	testKeyOnce sync.Once
	testKey     *rsa.PrivateKey
)

// rsaKey returns one RSA key shared by all tests, because generating keys is slow.
func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	testKeyOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(fmt.Sprintf("generate RSA key: %v", err))
		}
		testKey = key
	})
	return testKey
}

func pkcs1PEM(key *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

func pkcs8PEM(t testing.TB, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("marshal PKCS#8 key: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// fakeClock is a settable clock that the fake sleeper advances.
type fakeClock struct{ nanos atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	// Start at the real time so that context deadlines compare with the fake clock.
	c.nanos.Store(time.Now().Truncate(time.Second).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time                  { return time.Unix(0, c.nanos.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration)         { c.nanos.Add(int64(d)) }
func (c *fakeClock) Set(t time.Time)                 { c.nanos.Store(t.UnixNano()) }
func (c *fakeClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// sleeper records the waits the client asks for and advances the clock instead of sleeping.
type sleeper struct {
	mu    sync.Mutex
	clock *fakeClock
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	s.clock.Advance(d)
	return nil
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// fakeDocusign is an httptest server that plays Docusign's OAuth and REST endpoints. Tests
// set rest (and optionally token or userinfo) to shape the responses.
type fakeDocusign struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PublicKey

	mu            sync.Mutex
	tokenCount    int
	userinfoCount int
	restCount     int
	assertions    []jwt.MapClaims
	// expiresIn is the token lifetime the token endpoint returns, in seconds.
	expiresIn int
	// tokenGate, when set, holds every token request until it is closed.
	tokenGate chan struct{}
	token     http.HandlerFunc
	userinfo  http.HandlerFunc
	rest      http.HandlerFunc
}

func newFakeDocusign(t *testing.T) *fakeDocusign {
	t.Helper()
	f := &fakeDocusign{t: t, key: &rsaKey(t).PublicKey, expiresIn: 3600}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDocusign) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/oauth/token":
		f.serveToken(w, r)
	case r.URL.Path == "/oauth/userinfo":
		f.mu.Lock()
		f.userinfoCount++
		handler := f.userinfo
		f.mu.Unlock()
		if handler == nil {
			handler = f.defaultUserinfo
		}
		handler(w, r)
	case strings.HasPrefix(r.URL.Path, "/restapi/"):
		f.mu.Lock()
		f.restCount++
		handler := f.rest
		f.mu.Unlock()
		if handler == nil {
			writeError(w, http.StatusNotFound, "NOT_FOUND", "no handler")
			return
		}
		handler(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeDocusign) serveToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenCount++
	n := f.tokenCount
	gate, handler, expiresIn := f.tokenGate, f.token, f.expiresIn
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if handler != nil {
		handler(w, r)
		return
	}
	claims, err := f.verifyTokenRequest(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": "invalid_grant", "error_description": err.Error()})
		return
	}
	f.mu.Lock()
	f.assertions = append(f.assertions, claims)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": fmt.Sprintf("token-%d-%s", n, claims["sub"]),
		"token_type":   "Bearer",
		"expires_in":   expiresIn,
	})
}

// verifyTokenRequest checks the form and the assertion's RS256 signature.
func (f *fakeDocusign) verifyTokenRequest(r *http.Request) (jwt.MapClaims, error) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		return nil, fmt.Errorf("content type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	if gt := r.PostForm.Get("grant_type"); gt != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		return nil, fmt.Errorf("grant_type %q", gt)
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(r.PostForm.Get("assertion"), claims,
		func(*jwt.Token) (any, error) { return f.key, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, fmt.Errorf("no_valid_keys_or_signatures: %w", err)
	}
	return claims, nil
}

func (f *fakeDocusign) defaultUserinfo(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer token-") {
		writeError(w, http.StatusUnauthorized, "AUTHORIZATION_INVALID_TOKEN", "bad token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sub": testUserID,
		"accounts": []map[string]any{
			{"account_id": testOtherAccountID, "is_default": false,
				"base_uri": "http://x.invalid"},
			{"account_id": testAccountID, "is_default": true, "base_uri": f.srv.URL},
		},
	})
}

func (f *fakeDocusign) counts() (token, userinfo, rest int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCount, f.userinfoCount, f.restCount
}

func (f *fakeDocusign) setREST(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rest = h
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"errorCode": code, "message": message})
}

// recorder is an Observer that keeps every CallRecord.
type recorder struct {
	mu      sync.Mutex
	records []docusign.CallRecord
}

func (r *recorder) ObserveCall(rec docusign.CallRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
}

func (r *recorder) Records() []docusign.CallRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]docusign.CallRecord(nil), r.records...)
}

// testEnv is a client wired to a fake Docusign with a fake clock, sleeper and observer.
type testEnv struct {
	fake     *fakeDocusign
	client   *docusign.Client
	clock    *fakeClock
	sleeper  *sleeper
	recorder *recorder
}

func newTestEnv(t *testing.T, configure ...func(*docusign.Config)) *testEnv {
	t.Helper()
	fake := newFakeDocusign(t)
	clock := newFakeClock()
	env := &testEnv{fake: fake, clock: clock, sleeper: &sleeper{clock: clock},
		recorder: &recorder{}}
	cfg := docusign.Config{
		IntegrationKey: testIntegrationKey,
		UserID:         testUserID,
		PrivateKeyPEM:  pkcs1PEM(rsaKey(t)),
		AuthServer:     fake.srv.URL,
		RedirectURI:    "https://app.example.test/callback",
		Observer:       env.recorder,
		Clock:          clock.Now,
		Retry:          docusign.RetryPolicy{Sleep: env.sleeper.Sleep},
	}
	for _, fn := range configure {
		fn(&cfg)
	}
	client, err := docusign.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	env.client = client
	return env
}

// restPath returns the REST path of the test account followed by suffix.
func restPath(suffix string) string {
	return "/restapi/v2.1/accounts/" + testAccountID + suffix
}

// slogJSON returns a debug-level JSON logger that writes to w.
func slogJSON(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
