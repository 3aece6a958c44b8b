package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
)

// Names of the secrets that serve reads from a secret file.
const (
	// SecretPrivateKey is the integration key's RSA private key in PEM form.
	SecretPrivateKey = "docusign-private-key"
	// SecretConnectHMACKey is the key that signs Docusign Connect messages.
	SecretConnectHMACKey = "connect-hmac-key"
)

// ErrSecretKey is returned by OpenSecrets when the key does not decrypt the file.
var ErrSecretKey = errors.New("wrong secrets key")

// secretMagic starts every secret file and names its format: AES-256-GCM over JSON.
var secretMagic = []byte("DMCPSEC1")

// maxSecretFileSize bounds the secret file, which holds a few keys of a few KiB each.
const maxSecretFileSize = 1 << 20

var secretNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// SecretFile is a small file of named secrets, such as the Docusign private key and HMAC
// keys, encrypted with its own AES-256 key and kept apart from the data store. It is not
// safe for concurrent use, and two processes saving the same file at once lose one change.
type SecretFile struct {
	path    string
	key     []byte
	secrets map[string][]byte
}

// OpenSecrets decrypts the secret file at path with a 32-byte key. A missing file opens
// empty, so that the first Save creates it.
func OpenSecrets(path string, key []byte) (*SecretFile, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("open secrets %s: key is %d bytes: use 32 bytes "+
			"(64 hex characters)", path, len(key))
	}
	f := &SecretFile{path: path, key: bytes.Clone(key), secrets: map[string][]byte{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open secrets: %w", err)
	}
	if err := f.decrypt(data); err != nil {
		return nil, fmt.Errorf("open secrets %s: %w", path, err)
	}
	return f, nil
}

func (f *SecretFile) decrypt(data []byte) error {
	gcm, err := newGCM(f.key)
	if err != nil {
		return err
	}
	header := len(secretMagic) + gcm.NonceSize()
	if len(data) > maxSecretFileSize || len(data) < header+gcm.Overhead() ||
		!bytes.HasPrefix(data, secretMagic) {
		return errors.New("not a docusign-mcp secret file: check the path")
	}
	nonce := data[len(secretMagic):header]
	plain, err := gcm.Open(nil, nonce, data[header:], secretMagic)
	if err != nil {
		return fmt.Errorf("%w: use the key the file was written with, or the file is damaged",
			ErrSecretKey)
	}
	if err := json.Unmarshal(plain, &f.secrets); err != nil {
		return fmt.Errorf("decode secrets: %w", err)
	}
	return nil
}

// Get returns a copy of the named secret.
func (f *SecretFile) Get(name string) ([]byte, bool) {
	v, ok := f.secrets[name]
	return bytes.Clone(v), ok
}

// Names returns the names of the stored secrets, sorted.
func (f *SecretFile) Names() []string {
	names := make([]string, 0, len(f.secrets))
	for name := range f.secrets {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Set stores a secret under name, replacing any earlier value. Save writes the change.
func (f *SecretFile) Set(name string, value []byte) error {
	if !secretNamePattern.MatchString(name) {
		return fmt.Errorf("secret name %q is invalid: use up to 64 lower-case letters, "+
			"digits, dots, dashes and underscores, e.g. %s", name, SecretPrivateKey)
	}
	if len(value) == 0 {
		return fmt.Errorf("secret %s is empty: check the input", name)
	}
	f.secrets[name] = bytes.Clone(value)
	return nil
}

// Delete removes a secret and reports whether it existed. Save writes the change.
func (f *SecretFile) Delete(name string) bool {
	_, ok := f.secrets[name]
	delete(f.secrets, name)
	return ok
}

// SetKey replaces the key that Save encrypts with, so the next Save re-encrypts the file.
func (f *SecretFile) SetKey(key []byte) error {
	if len(key) != 32 {
		return fmt.Errorf("secrets key is %d bytes: use 32 bytes (64 hex characters)", len(key))
	}
	f.key = bytes.Clone(key)
	return nil
}

// Save encrypts the secrets with a fresh nonce and replaces the file atomically, mode 0600.
func (f *SecretFile) Save() error {
	plain, err := json.Marshal(f.secrets)
	if err != nil {
		return fmt.Errorf("encode secrets: %w", err)
	}
	gcm, err := newGCM(f.key)
	if err != nil {
		return err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("generate nonce: %w", err)
	}
	out := append(bytes.Clone(secretMagic), nonce...)
	out = gcm.Seal(out, nonce, plain, secretMagic)
	if len(out) > maxSecretFileSize {
		return fmt.Errorf("save secrets %s: %d bytes exceed the limit of %d: store "+
			"large files elsewhere", f.path, len(out), maxSecretFileSize)
	}
	if err := writeFileAtomic(f.path, out, 0o600); err != nil {
		return fmt.Errorf("save secrets %s: %w", f.path, err)
	}
	return nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	return cipher.NewGCM(block)
}
