package tools

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// DefaultConfirmationTTL is how long a confirmation token stays valid after it is issued.
const DefaultConfirmationTTL = 10 * time.Minute

// confirmationClaims is the binding of a confirmation token or a sealed request state: one
// action on one request by one principal, until an expiry. It contains hashes and ids only,
// never a recipient, a document or a secret, because the client sees the token.
type confirmationClaims struct {
	// Nonce makes each token unique, and a redeemed nonce is never accepted again.
	Nonce string `json:"n"`
	// PrincipalHash is the hex SHA-256 of the principal.
	PrincipalHash string `json:"p"`
	Action        string `json:"a"`
	// RequestHash is the hex SHA-256 of the request the action applies to.
	RequestHash string `json:"h"`
	// Expires is a Unix time in seconds.
	Expires int64 `json:"e"`
}

// errConfirmation is the cause of every rejected token or request state. Its text names the
// check that failed, for logs only.
var errConfirmation = errors.New("confirmation rejected")

// errExpired marks a rejection because the token or state expired.
var errExpired = errors.New("expired")

// confirmer issues and redeems single-use confirmation tokens, and seals the request state
// of an elicitation asked through a multi round-trip result. Its keys are random for each
// process, so a restart invalidates every token and state it issued.
//
// NOTE: redeemed nonces are kept in memory, so a token is single-use only within one server
// process. Other instances reject the token anyway, because their keys differ.
type confirmer struct {
	macKey  []byte
	aead    cipher.AEAD
	mu      sync.Mutex
	used    map[string]time.Time // redeemed nonce -> token expiry
	sweepAt time.Time
}

func newConfirmer() (*confirmer, error) {
	keys := make([]byte, 64)
	if _, err := rand.Read(keys); err != nil {
		return nil, fmt.Errorf("tools: generate the confirmation keys: %w", err)
	}
	block, err := aes.NewCipher(keys[32:])
	if err != nil {
		return nil, fmt.Errorf("tools: create the request state cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("tools: create the request state cipher: %w", err)
	}
	return &confirmer{macKey: keys[:32], aead: aead, used: map[string]time.Time{}}, nil
}

// newClaims returns fresh claims for action on requestHash by principal.
func newClaims(principal, action, requestHash string, expires time.Time) confirmationClaims {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce) // crypto/rand.Read never returns an error since Go 1.24
	return confirmationClaims{Nonce: hex.EncodeToString(nonce),
		PrincipalHash: hashPrincipal(principal), Action: action, RequestHash: requestHash,
		Expires: expires.Unix()}
}

func hashPrincipal(principal string) string {
	sum := sha256.Sum256([]byte("principal\x00" + principal))
	return hex.EncodeToString(sum[:])
}

// issue returns a token: the base64url claims JSON, a dot and its base64url HMAC-SHA256.
func (c *confirmer) issue(claims confirmationClaims) string {
	raw, _ := json.Marshal(claims) // a struct of strings and an int always encodes
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + base64.RawURLEncoding.EncodeToString(c.sign(payload))
}

func (c *confirmer) sign(payload string) []byte {
	mac := hmac.New(sha256.New, c.macKey)
	mac.Write([]byte(payload))
	return mac.Sum(nil)
}

// redeem checks token against the expected binding and marks it used. A token is accepted
// once: a second redeem of the same token fails even when the first call then failed.
func (c *confirmer) redeem(token string, want confirmationClaims, now time.Time) error {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return fmt.Errorf("%w: the token is malformed", errConfirmation)
	}
	gotSig, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(gotSig, c.sign(payload)) {
		return fmt.Errorf("%w: the signature is invalid", errConfirmation)
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return fmt.Errorf("%w: the payload is malformed", errConfirmation)
	}
	var got confirmationClaims
	if err := json.Unmarshal(raw, &got); err != nil {
		return fmt.Errorf("%w: the payload is malformed", errConfirmation)
	}
	if err := checkClaims(got, want, now); err != nil {
		return err
	}
	return c.markUsed(got, now)
}

// checkClaims compares every bound field except the nonce.
func checkClaims(got, want confirmationClaims, now time.Time) error {
	switch {
	case got.PrincipalHash != want.PrincipalHash:
		return fmt.Errorf("%w: it was issued to another principal", errConfirmation)
	case got.Action != want.Action:
		return fmt.Errorf("%w: it confirms %s, not %s", errConfirmation, got.Action,
			want.Action)
	case got.RequestHash != want.RequestHash:
		return fmt.Errorf("%w: it was issued for other arguments", errConfirmation)
	case now.Unix() >= got.Expires:
		return fmt.Errorf("%w: it %w at %s", errConfirmation, errExpired,
			time.Unix(got.Expires, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

func (c *confirmer) markUsed(claims confirmationClaims, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.After(c.sweepAt) {
		for nonce, expires := range c.used {
			if now.After(expires) {
				delete(c.used, nonce)
			}
		}
		c.sweepAt = now.Add(time.Minute)
	}
	if _, seen := c.used[claims.Nonce]; seen {
		return fmt.Errorf("%w: it was already used", errConfirmation)
	}
	c.used[claims.Nonce] = time.Unix(claims.Expires, 0)
	return nil
}

// seal encrypts claims with AES-GCM into an opaque request state for a multi round-trip
// result. The client echoes the state, and open rejects any change to it.
func (c *confirmer) seal(claims confirmationClaims) string {
	raw, _ := json.Marshal(claims)
	nonce := make([]byte, c.aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := c.aead.Seal(nonce, nonce, raw, []byte("docusign-mcp request state"))
	return base64.RawURLEncoding.EncodeToString(sealed)
}

// open decrypts a request state from seal and checks it against want.
func (c *confirmer) open(state string, want confirmationClaims, now time.Time) error {
	sealed, err := base64.RawURLEncoding.DecodeString(state)
	size := c.aead.NonceSize()
	if err != nil || len(sealed) < size {
		return fmt.Errorf("%w: the request state is malformed", errConfirmation)
	}
	raw, err := c.aead.Open(nil, sealed[:size], sealed[size:],
		[]byte("docusign-mcp request state"))
	if err != nil {
		return fmt.Errorf("%w: the request state was not issued by this server", errConfirmation)
	}
	var got confirmationClaims
	if err := json.Unmarshal(raw, &got); err != nil {
		return fmt.Errorf("%w: the request state is malformed", errConfirmation)
	}
	if err := checkClaims(got, want, now); err != nil {
		return err
	}
	return c.markUsed(got, now)
}
