package docusigntest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/internal/speccheck"
)

// Default limits, from Docusign's published resource limits for developer accounts.
const (
	DefaultHourlyLimit   = 3000
	DefaultBurstLimit    = 200
	DefaultTokenLifetime = time.Hour
	defaultExpireDays    = 120
)

// Options configures a simulator. The zero value gives one consented user in one account,
// the default limits, three seed templates and the wall clock.
type Options struct {
	// Addr is the TCP address to listen on. It must be a loopback address. Default "127.0.0.1:0".
	Addr string
	// TLS serves HTTPS with a self-signed certificate (see Server.CertificatePEM). The
	// official SDKs build the token and userinfo URLs as "https://" + host, so they need it.
	TLS bool
	// Clock returns the simulator's current time. Default time.Now.
	Clock func() time.Time
	// TokenLifetime is how long an access token stays valid. Default one hour.
	TokenLifetime time.Duration

	// HourlyLimit is the account's API calls per clock hour. Default 3000.
	HourlyLimit int
	// BurstLimit is the account's API calls per 30-second window. Default 200.
	BurstLimit int
	// LimitStatus is the HTTP status of hourly and burst limit errors: 429 (the default, as
	// Docusign documents) or 400 (as clients have observed).
	LimitStatus int
	// SendRetryAfter adds a Retry-After header (seconds) to limit errors. Docusign documents none.
	SendRetryAfter bool
	// EnvelopeLimits sets per-envelope request thresholds. Zero fields are off.
	EnvelopeLimits EnvelopeLimits

	// VoidReasonOptional accepts a void without voidedReason. By default it is rejected.
	VoidReasonOptional bool
	// UserInfoStringDefaults sends userinfo's is_default as "true"/"false" instead of a boolean.
	UserInfoStringDefaults bool

	// IntegrationKey is the JWT issuer registered with the simulator. Default: a new GUID.
	IntegrationKey string
	// PrivateKeyPEM is the RSA key of the integration (PKCS#1 or PKCS#8). Default: a new
	// 2048-bit key per server.
	PrivateKeyPEM []byte

	// Accounts are extra accounts. The primary user belongs to each of them. An account with
	// Default set becomes the primary user's default account.
	Accounts []Account
	// Users are extra users besides the primary one.
	Users []User
	// NoSeedTemplates starts without the seed templates.
	NoSeedTemplates bool
	// Logger receives one line per served REST and OAuth request: the operation, status,
	// errorCode and envelope id, never a token, assertion or email. Default: discard.
	Logger *slog.Logger
	// Connect turns on account-level Connect at start, as SetConnect does. Default: off.
	Connect *ConnectConfig
}

// EnvelopeLimits are per-envelope request thresholds. Docusign does not publish its values,
// so every threshold is off (zero) unless a test sets it.
type EnvelopeLimits struct {
	HourlyGets int // GET requests on one envelope per sliding hour
	BurstGets  int // GET requests on one envelope per sliding 30 seconds
	HourlyPuts int // PUT requests on one envelope per sliding hour
	BurstPuts  int // PUT requests on one envelope per sliding 30 seconds
}

// Account is a Docusign account that users can belong to.
type Account struct {
	ID      string // GUID; generated when empty
	Name    string
	Default bool // the primary user's default account
}

// User is a Docusign user who can be impersonated through JWT Grant.
type User struct {
	ID    string // GUID; generated when empty
	Name  string
	Email string
	// AccountIDs lists the user's accounts. The first is the default. Empty means the
	// primary account only.
	AccountIDs []string
	// NoConsent makes the token endpoint reject this user with consent_required.
	NoConsent bool
}

// Credentials are the integration key, RSA key, ids and URLs with which a client reaches
// the simulator as the primary user.
type Credentials struct {
	IntegrationKey string `json:"integrationKey"`
	UserID         string `json:"userId"`
	AccountID      string `json:"accountId"`
	PrivateKeyPEM  []byte `json:"-"`
	AuthServer     string `json:"authServer"`
	BaseURI        string `json:"baseUri"`
}

// Server is a running simulator. All methods are safe for concurrent use.
type Server struct {
	// URL is the origin of the simulator, e.g. "http://127.0.0.1:41234".
	URL string

	opts     Options
	listener net.Listener
	http     *http.Server
	handler  http.Handler
	key      *rsa.PrivateKey
	keyPEM   []byte
	certPEM  []byte
	node     string

	mu          sync.Mutex
	clockOffset time.Duration
	state       *state
	// publicKeys are the keys the token endpoint accepts, set by SetPublicKeys. Nil means
	// key's public half.
	publicKeys []*rsa.PublicKey
	connect    *connectHub // has its own lock
}

// NewServer starts a simulator on a loopback address and panics if it cannot, like
// httptest.NewServer. Call Close when done.
func NewServer(opts Options) *Server {
	s, err := Start(opts)
	if err != nil {
		panic(fmt.Sprintf("docusigntest: %v", err))
	}
	return s
}

// Start starts a simulator on opts.Addr and returns an error instead of panicking.
func Start(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}

	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}

	s.URL = "http://" + ln.Addr().String()
	if opts.TLS {
		cert, certPEM, err := selfSignedCertificate()
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
		s.certPEM = certPEM
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert},
			MinVersion: tls.VersionTLS12})
		s.URL = "https://" + ln.Addr().String()
	}

	s.listener = ln
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn),
	}
	go func() { _ = s.http.Serve(ln) }()
	if opts.Connect != nil {
		if err := s.SetConnect(*opts.Connect); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid listen address %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("listen address %q is not loopback: use 127.0.0.1", addr)
	}
	return nil
}

func newServer(opts Options) (*Server, error) {
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = DefaultTokenLifetime
	}
	if opts.HourlyLimit <= 0 {
		opts.HourlyLimit = DefaultHourlyLimit
	}
	if opts.BurstLimit <= 0 {
		opts.BurstLimit = DefaultBurstLimit
	}
	if opts.LimitStatus == 0 {
		opts.LimitStatus = http.StatusTooManyRequests
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.IntegrationKey == "" {
		opts.IntegrationKey = newGUID()
	}
	s := &Server{opts: opts, node: "SIM" + strings.ToUpper(newGUID()[:6]),
		connect: newConnectHub(opts.Logger)}
	if err := s.loadKey(opts.PrivateKeyPEM); err != nil {
		return nil, err
	}
	s.state = newState(s, opts)
	if !opts.NoSeedTemplates {
		s.seedTemplates()
	}
	s.handler = speccheck.Capture(s.routes())
	return s, nil
}

func (s *Server) loadKey(pemBytes []byte) error {
	if len(pemBytes) == 0 {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return fmt.Errorf("generate RSA key: %w", err)
		}
		s.key = key
		s.keyPEM = pem.EncodeToMemory(&pem.Block{
			Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key),
		})
		return nil
	}
	key, err := parseRSAKey(pemBytes)
	if err != nil {
		return err
	}
	s.key, s.keyPEM = key, pemBytes
	return nil
}

func parseRSAKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("invalid private key: no PEM block found; pass an RSA key in PEM")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("invalid private key: neither PKCS#1 nor PKCS#8: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("invalid private key: %T is not RSA; pass an RSA key", parsed)
	}
	return key, nil
}

// Handler returns the simulator's HTTP handler, for serving it from another server.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the listener and closes open connections. It then stops Connect: queued
// messages get one attempt each, for at most a few seconds, and retries end.
func (s *Server) Close() {
	if s.http != nil {
		_ = s.http.Close()
	}
	s.connect.close()
}

// Credentials returns the integration key, key pair and ids of the primary user.
func (s *Server) Credentials() Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Credentials{
		IntegrationKey: s.opts.IntegrationKey,
		UserID:         s.state.primaryUserID,
		AccountID:      s.state.primaryAccountID(),
		PrivateKeyPEM:  append([]byte(nil), s.keyPEM...),
		AuthServer:     s.URL,
		BaseURI:        s.URL,
	}
}

// SetClock replaces the simulator's clock.
func (s *Server) SetClock(clock func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Clock = clock
	s.clockOffset = 0
}

// maxClockOffset is the furthest Advance moves the clock ahead of the base clock: 100 years,
// well inside time.Duration's range of about 292 years, so adding two offsets cannot overflow.
const maxClockOffset = 100 * 365 * 24 * time.Hour

// Advance moves the simulator's clock forward by d, so tokens and envelopes expire without
// real sleeping. A d of zero or less does nothing, and the clock stops at maxClockOffset
// (100 years) ahead of the base clock.
func (s *Server) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clockOffset = min(s.clockOffset+min(d, maxClockOffset), maxClockOffset)
}

// now returns the simulator time. Callers hold s.mu.
func (s *Server) now() time.Time {
	clock := s.opts.Clock
	if clock == nil {
		clock = time.Now
	}
	return clock().Add(s.clockOffset).UTC()
}

// host returns the bare host of the simulator origin, the only accepted JWT audience.
func (s *Server) host(r *http.Request) string {
	if u, err := url.Parse(s.URL); err == nil && u.Host != "" {
		return u.Host
	}
	return r.Host
}

// newGUID returns a random RFC 4122 version 4 GUID in lower case.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
