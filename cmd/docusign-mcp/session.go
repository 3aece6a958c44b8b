package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
)

const (
	// sessionKeyFileName is the file in the data directory that contains the key that signs
	// HTTP session ids, as 64 hex characters.
	sessionKeyFileName = "session.key"
	sessionKeySize     = 32
	// sessionIDVersion starts every session id, so that a later format can tell ids apart.
	sessionIDVersion = "s1"
	// maxTerminated bounds the ids that DELETE ended and that are remembered as ended.
	maxTerminated = 10000
	// maxVerifiedIDs bounds the ids whose valid signature is remembered, about 200 bytes
	// each.
	maxVerifiedIDs = 4096
)

// errUnknownSession is the error for a session id that this server did not issue, or
// issued to another principal.
var errUnknownSession = errors.New("unknown session id: initialize a new session")

// sessionIDs issues and checks HTTP session ids. An id is signed with an HMAC-SHA256 key
// that is kept in the data directory, so any process with the same key accepts it, and a
// restart does not end the sessions of running clients. Nothing the server keeps is keyed by
// session id, because an id only identifies the client of a request to mcp-go.
type sessionIDs struct {
	key []byte
	now func() time.Time

	mu sync.Mutex
	// terminated maps the ids ended by DELETE to when they ended. It is lost on restart,
	// after which an ended id is accepted again, which is harmless for the same reason.
	terminated map[string]time.Time

	verifiedMu sync.RWMutex
	// verified maps ids whose signature this key verified to their claims, so that a
	// client's later requests skip the HMAC and the JSON decoding. Only a byte-for-byte
	// copy of a verified id matches, and the key never changes, so a hit proves what the
	// check would. Termination is checked apart from it on every request.
	verified map[string]sessionClaims
}

// sessionClaims are the signed fields of a session id.
type sessionClaims struct {
	Principal string `json:"p"`
	Nonce     string `json:"n"`
	IssuedAt  int64  `json:"t"` // Unix seconds
}

func newSessionIDs(key []byte) *sessionIDs {
	return &sessionIDs{key: key, now: time.Now, terminated: map[string]time.Time{},
		verified: map[string]sessionClaims{}}
}

// ResolveSessionIdManager returns the manager for the principal of r. A nil r comes from
// mcp-go's own upkeep, which acts for no principal.
func (s *sessionIDs) ResolveSessionIdManager(r *http.Request) server.SessionIdManager {
	principal := ""
	if r != nil {
		principal = policy.PrincipalFrom(r.Context())
	}
	return principalSessions{ids: s, principal: principal}
}

// issue returns a new id for principal: "s1." + base64url(claims JSON) + "." +
// base64url(HMAC-SHA256(key, "s1." + claims part)).
func (s *sessionIDs) issue(principal string) string {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	claims := sessionClaims{Principal: principal, Nonce: hex.EncodeToString(nonce[:]),
		IssuedAt: s.now().Unix()}
	raw, _ := json.Marshal(claims)
	body := sessionIDVersion + "." + base64.RawURLEncoding.EncodeToString(raw)
	id := body + "." + base64.RawURLEncoding.EncodeToString(s.sign(body))
	s.remember(id, claims)
	return id
}

func (s *sessionIDs) sign(body string) []byte {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(body))
	return mac.Sum(nil)
}

// check returns the claims of an id that this key signed, or errUnknownSession.
func (s *sessionIDs) check(id string) (sessionClaims, error) {
	s.verifiedMu.RLock()
	claims, ok := s.verified[id]
	s.verifiedMu.RUnlock()
	if ok {
		return claims, nil
	}
	claims, err := s.verify(id)
	if err != nil {
		return sessionClaims{}, err
	}
	s.remember(id, claims)
	return claims, nil
}

// remember records id as verified. When the map is full, it starts over, so that the
// ids in use are verified once more each and then stay.
func (s *sessionIDs) remember(id string, claims sessionClaims) {
	s.verifiedMu.Lock()
	defer s.verifiedMu.Unlock()
	if len(s.verified) >= maxVerifiedIDs {
		clear(s.verified)
	}
	s.verified[id] = claims
}

// verify checks the signature of id and decodes its claims.
func (s *sessionIDs) verify(id string) (sessionClaims, error) {
	version, rest, _ := strings.Cut(id, ".")
	claimsPart, sigPart, ok := strings.Cut(rest, ".")
	if version != sessionIDVersion || !ok {
		return sessionClaims{}, errUnknownSession
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigPart)
	if err != nil || !hmac.Equal(sig, s.sign(version+"."+claimsPart)) {
		return sessionClaims{}, errUnknownSession
	}
	raw, err := base64.RawURLEncoding.DecodeString(claimsPart)
	var claims sessionClaims
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		return sessionClaims{}, errUnknownSession
	}
	return claims, nil
}

func (s *sessionIDs) isTerminated(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.terminated[id]
	return ok
}

// terminate records id as ended. When the set is full, it first drops the oldest half.
func (s *sessionIDs) terminate(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.terminated) >= maxTerminated {
		s.forgetOldestHalf()
	}
	s.terminated[id] = s.now()
}

func (s *sessionIDs) forgetOldestHalf() {
	times := make([]time.Time, 0, len(s.terminated))
	for _, t := range s.terminated {
		times = append(times, t)
	}
	cut := medianTime(times)
	for id, t := range s.terminated {
		if !t.After(cut) {
			delete(s.terminated, id)
		}
	}
}

// medianTime returns a time that at least half of times are not after.
func medianTime(times []time.Time) time.Time {
	sorted := slices.Clone(times)
	slices.SortFunc(sorted, time.Time.Compare)
	return sorted[len(sorted)/2]
}

// principalSessions is the server.SessionIdManager of one principal: it issues ids bound to
// the principal and accepts only those.
type principalSessions struct {
	ids       *sessionIDs
	principal string
}

// Generate returns a new session id bound to the principal.
func (m principalSessions) Generate() string {
	return m.ids.issue(m.principal)
}

// Validate returns an error for an id that this key did not sign for the principal, and
// mcp-go then responds 404 so that the client initializes a new session. It returns
// isTerminated for an id that DELETE ended.
func (m principalSessions) Validate(id string) (isTerminated bool, err error) {
	claims, err := m.ids.check(id)
	if err != nil {
		return false, err
	}
	if m.principal != "" && claims.Principal != m.principal {
		return false, errUnknownSession
	}
	return m.ids.isTerminated(id), nil
}

// Terminate ends a session id of the principal.
func (m principalSessions) Terminate(id string) (isNotAllowed bool, err error) {
	if _, err := m.Validate(id); err != nil {
		return false, err
	}
	m.ids.terminate(id)
	return false, nil
}

// ensureSessionKey returns the session key in dir, generating it on first start. The key
// must stay the same across restarts, so that session ids issued before a restart stay
// valid.
func ensureSessionKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, sessionKeyFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return writeSessionKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read session key %s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read session key %s: %w", path, err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("session key %s has mode %04o, so other users may read it: "+
			"run chmod 600 on it", path, info.Mode().Perm())
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != sessionKeySize {
		return nil, fmt.Errorf("session key %s is invalid: write %d hex characters to it, "+
			"or delete it to generate a new key, which ends every HTTP session", path,
			2*sessionKeySize)
	}
	return key, nil
}

func writeSessionKey(path string) ([]byte, error) {
	key := make([]byte, sessionKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate session key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process wrote it first: use that key.
		return ensureSessionKey(filepath.Dir(path))
	}
	if err != nil {
		return nil, fmt.Errorf("write session key %s: %w", path, err)
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, fmt.Errorf("write session key %s: %w", path, err)
	}
	return key, nil
}
