package docusign

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
)

// signingKey is one RSA key that can sign JWT assertions, with a fingerprint safe to log.
type signingKey struct {
	key *rsa.PrivateKey
	// fingerprint identifies the key in logs without revealing it (see KeyFingerprint).
	fingerprint string
	// role is "current" for Config.PrivateKeyPEM and "next" for Config.NextPrivateKeyPEM.
	role string
}

// keyRing contains the current key and the optional next key, and which of them signs.
type keyRing struct {
	mu        sync.Mutex
	keys      []*signingKey
	preferred int
}

// KeyFingerprint returns "SHA256:" and the first 16 hex digits of the SHA-256 of the RSA
// private key's public half in PKIX DER form. It identifies a key in logs and in the
// check command's output without revealing it. pemBytes is PKCS#1 or PKCS#8 PEM.
func KeyFingerprint(pemBytes []byte) (string, error) {
	key, err := parsePrivateKey("private key", pemBytes)
	if err != nil {
		return "", err
	}
	return fingerprint(&key.PublicKey), nil
}

func fingerprint(pub *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "SHA256:unknown"
	}
	sum := sha256.Sum256(der)
	return "SHA256:" + hex.EncodeToString(sum[:8])
}

// newKeyRing parses the next key when there is one and checks that it differs from the
// current key.
func newKeyRing(current *rsa.PrivateKey, nextPEM []byte) (*keyRing, error) {
	ring := &keyRing{keys: []*signingKey{{key: current,
		fingerprint: fingerprint(&current.PublicKey), role: "current"}}}
	if len(nextPEM) == 0 {
		return ring, nil
	}
	next, err := parsePrivateKey("NextPrivateKeyPEM", nextPEM)
	if err != nil {
		return nil, err
	}
	if next.PublicKey.Equal(&current.PublicKey) {
		return nil, errors.New("NextPrivateKeyPEM is the same key as PrivateKeyPEM: set it " +
			"to the new key uploaded for the integration key, or leave it empty")
	}
	ring.keys = append(ring.keys, &signingKey{key: next,
		fingerprint: fingerprint(&next.PublicKey), role: "next"})
	return ring, nil
}

// current returns the key that signs assertions now.
func (r *keyRing) current() *signingKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keys[r.preferred]
}

// other returns the key that is not k, if the ring has two.
func (r *keyRing) other(k *signingKey) (*signingKey, bool) {
	for _, candidate := range r.keys {
		if candidate != k {
			return candidate, true
		}
	}
	return nil, false
}

// prefer makes k the key that signs from now on, and reports whether that changed.
func (r *keyRing) prefer(k *signingKey) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, candidate := range r.keys {
		if candidate == k && i != r.preferred {
			r.preferred = i
			return true
		}
	}
	return false
}

// KeyFingerprints returns the fingerprint of the key that signs assertions now and of the
// other configured key, empty when Config.NextPrivateKeyPEM is not set.
func (c *Client) KeyFingerprints() (signing, other string) {
	k := c.keys.current()
	if o, ok := c.keys.other(k); ok {
		return k.fingerprint, o.fingerprint
	}
	return k.fingerprint, ""
}

// isKeyRejected reports whether the token endpoint rejected the assertion's signature:
// invalid_grant with no_valid_keys_or_signatures, which Docusign returns when no public key
// uploaded for the integration key matches the signing key. The client always sets exp and
// a bare aud, the other causes of that reason.
func isKeyRejected(err error) bool {
	var oauthErr *OAuthError
	return errors.As(err, &oauthErr) && oauthErr.Code == "invalid_grant" &&
		oauthErr.Description == "no_valid_keys_or_signatures"
}

// requestToken obtains an access token for user, signed with the current key. When the
// token endpoint rejects that key and a second key is configured, it tries the second key
// once and, when that succeeds, signs with it from then on.
func (c *Client) requestToken(ctx context.Context, user string) (accessToken, error) {
	key := c.keys.current()
	tok, err := c.requestTokenWith(ctx, user, key, c.send)
	if err == nil || !isKeyRejected(err) {
		return tok, err
	}
	other, ok := c.keys.other(key)
	if !ok {
		return tok, err
	}
	c.logger.Warn("docusign rejected the signing key, trying the other key",
		"rejected_key", key.fingerprint, "rejected_role", key.role,
		"trying_key", other.fingerprint, "trying_role", other.role)
	tok, err = c.requestTokenWith(ctx, user, other, c.send)
	if err != nil {
		return tok, fmt.Errorf("both keys rejected, the %s key %s and the %s key %s: %w",
			key.role, key.fingerprint, other.role, other.fingerprint, err)
	}
	c.preferKey(other)
	return tok, nil
}

// preferKey makes k the signing key and logs the change once.
func (c *Client) preferKey(k *signingKey) {
	if c.keys.prefer(k) {
		c.logger.Warn("docusign now signs JWT assertions with the other key", "key", k.fingerprint,
			"role", k.role)
	}
}
