package connect

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Keys of the tests, literal strings as Docusign shows them once on its Connect keys page.
const (
	oldSecret = "b3ldS2V5LWZvci10ZXN0cy1vbmx5LW5vdC1hLXJlYWwta2V5"
	newSecret = "bmV3S2V5LWZvci10ZXN0cy1vbmx5LW5vdC1hLXJlYWwta2V5"
)

// signHeader computes the signature independently of Sign, so a bug in Sign cannot hide
// itself.
func signHeader(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func mustVerifier(t testing.TB, secrets ...string) *Verifier {
	t.Helper()
	v, err := NewVerifier(ParseKeys(strings.Join(secrets, ",")))
	if err != nil {
		t.Fatalf("NewVerifier failed: %v", err)
	}
	return v
}

func TestVerify(t *testing.T) {
	body := []byte(`{"event":"envelope-sent","data":{"envelopeId":"x"}}` + "\r\n")
	reserialised := []byte(`{"data":{"envelopeId":"x"},"event":"envelope-sent"}` + "\r\n")
	tests := []struct {
		name    string
		keys    []string
		headers map[string][]string
		body    []byte
		wantKey string
		wantErr error
	}{
		{name: "valid single key", keys: []string{oldSecret},
			headers: map[string][]string{"X-DocuSign-Signature-1": {signHeader(body, oldSecret)}},
			wantKey: KeyID([]byte(oldSecret))},
		{name: "second key during rotation", keys: []string{oldSecret, newSecret},
			headers: map[string][]string{
				"X-DocuSign-Signature-1": {signHeader(body, "a-key-not-configured")},
				"X-DocuSign-Signature-2": {signHeader(body, newSecret)}},
			wantKey: KeyID([]byte(newSecret))},
		{name: "old key retired, new key signs second header", keys: []string{newSecret},
			headers: map[string][]string{
				"X-DocuSign-Signature-1": {signHeader(body, oldSecret)},
				"X-DocuSign-Signature-2": {signHeader(body, newSecret)}},
			wantKey: KeyID([]byte(newSecret))},
		{name: "header name in lower case", keys: []string{oldSecret},
			headers: map[string][]string{"x-docusign-signature-7": {signHeader(body, oldSecret)}},
			wantKey: KeyID([]byte(oldSecret))},
		{name: "digest header HMACSHA256", keys: []string{oldSecret},
			headers: map[string][]string{
				"X-DocuSign-Signature-1": {signHeader(body, oldSecret)},
				"X-Authorization-Digest": {"HMACSHA256"}},
			wantKey: KeyID([]byte(oldSecret))},
		{name: "body re-serialised after signing", keys: []string{oldSecret}, body: reserialised,
			headers: map[string][]string{"X-DocuSign-Signature-1": {signHeader(body, oldSecret)}},
			wantErr: ErrBadSignature},
		{name: "missing header", keys: []string{oldSecret},
			headers: map[string][]string{"X-DocuSign-AccountId": {"acct"}},
			wantErr: ErrNoSignature},
		{name: "header without number", keys: []string{oldSecret},
			headers: map[string][]string{"X-DocuSign-Signature-": {signHeader(body, oldSecret)}},
			wantErr: ErrNoSignature},
		{name: "header number zero", keys: []string{oldSecret},
			headers: map[string][]string{"X-DocuSign-Signature-0": {signHeader(body, oldSecret)}},
			wantErr: ErrNoSignature},
		{name: "signature not base64", keys: []string{oldSecret},
			headers: map[string][]string{"X-DocuSign-Signature-1": {"not base64!"}},
			wantErr: ErrBadSignature},
		{name: "key decoded from base64 is not the key", keys: []string{oldSecret},
			headers: map[string][]string{"X-DocuSign-Signature-1": {
				signHeader(body, mustDecode(t, oldSecret))}},
			wantErr: ErrBadSignature},
		{name: "other digest algorithm", keys: []string{oldSecret},
			headers: map[string][]string{
				"X-DocuSign-Signature-1": {signHeader(body, oldSecret)},
				"X-Authorization-Digest": {"HMACSHA1"}},
			wantErr: ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustVerifier(t, tt.keys...)
			h := http.Header{}
			for name, values := range tt.headers {
				h[name] = values
			}
			b := body
			if tt.body != nil {
				b = tt.body
			}
			keyID, err := v.Verify(b, h)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify error = %v, want %v", err, tt.wantErr)
			}
			if keyID != tt.wantKey {
				t.Errorf("Verify key ID = %q, want %q", keyID, tt.wantKey)
			}
		})
	}
}

func mustDecode(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("test key %q is not base64: %v", s, err)
	}
	return string(b)
}

func TestVerifyBoundsSignatureHeaders(t *testing.T) {
	body := []byte("{}")
	v := mustVerifier(t, oldSecret)
	h := http.Header{}
	for i := 1; i <= maxSignatures; i++ {
		h.Set(fmt.Sprint(SignatureHeaderPrefix, i), signHeader(body, "wrong"))
	}
	h.Set(fmt.Sprint(SignatureHeaderPrefix, maxSignatures+1), signHeader(body, oldSecret))
	// Header map order is random, so the valid header is checked in some runs and not in
	// others. Either way the work is bounded.
	if _, err := v.Verify(body, h); err != nil && !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify with %d headers error = %v, want nil or ErrBadSignature",
			maxSignatures+1, err)
	}
	got, present := signatureValues(h)
	if present != maxSignatures {
		t.Errorf("signatureValues counted %d headers, want the bound %d", present,
			maxSignatures)
	}
	if len(got) != maxSignatures {
		t.Errorf("signatureValues decoded %d signatures, want %d", len(got), maxSignatures)
	}
}

func TestSignMatchesIndependentHMAC(t *testing.T) {
	body := []byte("<xml/>\n")
	if got, want := Sign(body, []byte(oldSecret)), signHeader(body, oldSecret); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestNewVerifierRejectsBadKeys(t *testing.T) {
	tests := []struct {
		name string
		keys []Key
	}{
		{name: "no keys"},
		{name: "empty secret", keys: []Key{{ID: "1"}}},
		{name: "no ID", keys: []Key{{Secret: []byte("s")}}},
		{name: "ID is the secret", keys: []Key{{ID: "s", Secret: []byte("s")}}},
		{name: "duplicate ID", keys: []Key{{ID: "1", Secret: []byte("a")},
			{ID: "1", Secret: []byte("b")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewVerifier(tt.keys); err == nil {
				t.Errorf("NewVerifier(%s) succeeded, want an error", tt.name)
			}
		})
	}
}

func TestNewVerifierErrorOmitsSecret(t *testing.T) {
	_, err := NewVerifier([]Key{{ID: "1", Secret: []byte(oldSecret)},
		{ID: "1", Secret: []byte(newSecret)}})
	if err == nil {
		t.Fatal("NewVerifier with a duplicate ID succeeded, want an error")
	}
	if strings.Contains(err.Error(), oldSecret) || strings.Contains(err.Error(), newSecret) {
		t.Errorf("NewVerifier error %q contains a secret", err)
	}
}

func TestParseKeys(t *testing.T) {
	tests := []struct {
		name string
		list string
		want []string
	}{
		{name: "empty", list: "", want: nil},
		{name: "one", list: "abc", want: []string{"abc"}},
		{name: "commas and spaces", list: " abc , def ,", want: []string{"abc", "def"}},
		{name: "newlines", list: "abc\r\ndef\n\n", want: []string{"abc", "def"}},
		{name: "base64 padding kept", list: "YWJj==", want: []string{"YWJj=="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := ParseKeys(tt.list)
			if len(keys) != len(tt.want) {
				t.Fatalf("ParseKeys(%q) returned %d keys, want %d", tt.list, len(keys),
					len(tt.want))
			}
			for i, k := range keys {
				if string(k.Secret) != tt.want[i] {
					t.Errorf("key %d secret = %q, want %q", i, k.Secret, tt.want[i])
				}
				if k.ID != KeyID([]byte(tt.want[i])) {
					t.Errorf("key %d ID = %q, want KeyID of its secret", i, k.ID)
				}
			}
		})
	}
}

func TestKeyIDStableAndShort(t *testing.T) {
	id := KeyID([]byte(oldSecret))
	if id != KeyID([]byte(oldSecret)) {
		t.Errorf("KeyID differs between two calls on the same secret")
	}
	if id == KeyID([]byte(newSecret)) {
		t.Errorf("KeyID is %q for two different secrets", id)
	}
	if len(id) != len("sha256:")+8 || !strings.HasPrefix(id, "sha256:") {
		t.Errorf("KeyID = %q, want sha256: and 8 hex digits", id)
	}
}
