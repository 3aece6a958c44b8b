// Package connect receives Docusign Connect webhook deliveries: it verifies their HMAC
// signatures, parses the JSON SIM and legacy XML formats, records each delivery once and
// applies the envelope status it carries to the store.
package connect

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Errors of Verify, tested with errors.Is.
var (
	// ErrNoSignature means the request carries no X-DocuSign-Signature-N header.
	ErrNoSignature = errors.New("no X-DocuSign-Signature header")
	// ErrBadSignature means no signature header matches the body under any configured key,
	// or X-Authorization-Digest names an algorithm other than HMACSHA256.
	ErrBadSignature = errors.New("HMAC signature does not match any configured key")
)

// Header names of a signed Connect delivery.
const (
	// SignatureHeaderPrefix is followed by 1, 2, ... with one header per active key.
	SignatureHeaderPrefix = "X-DocuSign-Signature-"
	// DigestHeader names the algorithm. Docusign sends HMACSHA256.
	DigestHeader = "X-Authorization-Digest"
	// DigestHMACSHA256 is the only algorithm that Docusign Connect uses.
	DigestHMACSHA256 = "HMACSHA256"
)

// maxSignatures bounds the signature headers one request is checked against, so a request
// with thousands of headers costs no more than one with a header per active key.
// NOTE: Docusign's maximum number of Connect keys per account is unconfirmed, so 100 is an
// estimate with room to spare.
const maxSignatures = 100

// Key is one Connect HMAC secret. Docusign keys are literal strings: the HMAC key is the
// string's bytes, not its base64 decoding.
type Key struct {
	// ID names the key in logs and the audit log, such as "1" or KeyID(secret). It must
	// never be the secret.
	ID     string
	Secret []byte
}

// KeyID returns a label for a secret that stays the same while keys are added and removed:
// "sha256:" and the first 8 hex digits of the secret's SHA-256. Those 32 bits identify the
// key among a few without revealing a usable part of it.
func KeyID(secret []byte) string {
	sum := sha256.Sum256(secret)
	return "sha256:" + hex.EncodeToString(sum[:4])
}

// ParseKeys splits a comma- or newline-separated list of literal keys, as in
// DOCUSIGN_CONNECT_HMAC_KEYS, into keys named by KeyID. Surrounding spaces are dropped.
func ParseKeys(list string) []Key {
	var keys []Key
	for field := range strings.FieldsFuncSeq(list, func(r rune) bool {
		return r == ',' || r == '\n' || r == '\r'
	}) {
		secret := strings.TrimSpace(field)
		if secret == "" {
			continue
		}
		keys = append(keys, Key{ID: KeyID([]byte(secret)), Secret: []byte(secret)})
	}
	return keys
}

// Sign returns the value of an X-DocuSign-Signature-N header for body under secret: the
// standard base64 of HMAC-SHA256 over the exact bytes.
func Sign(body, secret []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verifier checks Connect signatures against every configured key. It is safe for
// concurrent use.
type Verifier struct {
	keys []Key
}

// NewVerifier returns a verifier for keys, which must be at least one, each with a
// non-empty secret and a distinct ID that differs from its secret.
func NewVerifier(keys []Key) (*Verifier, error) {
	if len(keys) == 0 {
		return nil, errors.New("connect verifier: no HMAC keys: set " +
			"DOCUSIGN_CONNECT_HMAC_KEYS to the Connect keys of the Docusign account")
	}
	seen := make(map[string]bool, len(keys))
	copied := make([]Key, 0, len(keys))
	for i, k := range keys {
		switch {
		case len(k.Secret) == 0:
			return nil, fmt.Errorf("connect verifier: key %d is empty: remove it", i+1)
		case k.ID == "" || k.ID == string(k.Secret):
			return nil, fmt.Errorf("connect verifier: key %d has no ID apart from its "+
				"secret: name it with connect.KeyID", i+1)
		case seen[k.ID]:
			return nil, fmt.Errorf("connect verifier: key ID %q is used twice: give each "+
				"key its own ID", k.ID)
		}
		seen[k.ID] = true
		copied = append(copied, Key{ID: k.ID, Secret: append([]byte(nil), k.Secret...)})
	}
	return &Verifier{keys: copied}, nil
}

// KeyIDs returns the IDs of the configured keys, in order.
func (v *Verifier) KeyIDs() []string {
	ids := make([]string, len(v.keys))
	for i, k := range v.keys {
		ids[i] = k.ID
	}
	return ids
}

// Verify computes HMAC-SHA256 of the exact body under each key and compares it in constant
// time with every X-DocuSign-Signature-N header present. It returns the ID of the first key,
// in configuration order, that matches any header. A present X-Authorization-Digest must be
// HMACSHA256.
func (v *Verifier) Verify(body []byte, h http.Header) (string, error) {
	if digest := strings.TrimSpace(h.Get(DigestHeader)); digest != "" &&
		!strings.EqualFold(digest, DigestHMACSHA256) {
		return "", fmt.Errorf("%w: %s is %q, want %s", ErrBadSignature, DigestHeader,
			truncate(digest, 40), DigestHMACSHA256)
	}
	signatures, present := signatureValues(h)
	if present == 0 {
		return "", ErrNoSignature
	}
	for _, k := range v.keys {
		mac := hmac.New(sha256.New, k.Secret)
		mac.Write(body)
		want := mac.Sum(nil)
		for _, sig := range signatures {
			if hmac.Equal(sig, want) {
				return k.ID, nil
			}
		}
	}
	return "", fmt.Errorf("%w (%d signature headers, %d keys)", ErrBadSignature,
		present, len(v.keys))
}

// signatureValues decodes the values of the X-DocuSign-Signature-N headers, N a positive
// integer, and counts the values present, up to maxSignatures. A value that is not the
// base64 of a SHA-256 sum cannot match, so it is counted but not returned.
func signatureValues(h http.Header) ([][]byte, int) {
	var out [][]byte
	present := 0
	for name, values := range h {
		if !isSignatureHeader(name) {
			continue
		}
		for _, value := range values {
			if present == maxSignatures {
				return out, present
			}
			present++
			sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
			if err == nil && len(sig) == sha256.Size {
				out = append(out, sig)
			}
		}
	}
	return out, present
}

// isSignatureHeader reports whether name is X-DocuSign-Signature-N in any case.
func isSignatureHeader(name string) bool {
	prefix := len(SignatureHeaderPrefix)
	if len(name) <= prefix || !strings.EqualFold(name[:prefix], SignatureHeaderPrefix) {
		return false
	}
	n, err := strconv.Atoi(name[prefix:])
	return err == nil && n > 0
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
