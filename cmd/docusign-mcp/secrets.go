package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ys88io/docusign-mcp/store"
)

// storeKeySize is the size of the store's AES-256 key in bytes.
const storeKeySize = 32

// maxKeyFileSize bounds how much of a key file is read; real files are a few KiB.
const maxKeyFileSize = 64 << 10

// secrets are the key files' contents. They never appear in logs or errors.
type secrets struct {
	PrivateKeyPEM []byte
	StoreKey      []byte
}

// loadSecrets reads and checks the key files named in cfg and returns one message per
// problem. In simulator mode it reads nothing: the simulator supplies the private
// key and serve generates the store key.
func loadSecrets(cfg serveConfig) (secrets, []string) {
	var s secrets
	var problems []string
	if cfg.Simulator {
		return s, nil
	}
	if cfg.Docusign.PrivateKeyFile != "" {
		pemBytes, problem := readPrivateKey(cfg.Docusign.PrivateKeyFile)
		if problem != "" {
			problems = append(problems, "DOCUSIGN_PRIVATE_KEY_FILE (--private-key-file) "+problem)
		}
		s.PrivateKeyPEM = pemBytes
	}
	if cfg.StoreKeyFile != "" {
		key, problem := readStoreKey(cfg.StoreKeyFile)
		if problem != "" {
			problems = append(problems, "DOCUSIGN_MCP_STORE_KEY_FILE (--store-key-file) "+problem)
		}
		s.StoreKey = key
	}
	if cfg.StoreKeyHex != "" {
		key, problem := parseStoreKey(cfg.StoreKeyHex, storeKeyEnv)
		if problem != "" {
			problems = append(problems, problem)
		}
		s.StoreKey = key
	}
	if cfg.SecretsFile != "" {
		problems = append(problems, s.loadSecretFile(cfg)...)
	}
	return s, problems
}

// loadSecretFile takes the private key from the secret file unless a key file names it,
// and checks that the secret file's key differs from the store key.
func (s *secrets) loadSecretFile(cfg serveConfig) []string {
	f, key, problem := openSecretFile(cfg.SecretsFile, cfg.SecretsKeyFile, cfg.SecretsKeyHex)
	if problem != "" {
		return []string{problem}
	}
	var problems []string
	if s.StoreKey != nil && bytes.Equal(key, s.StoreKey) {
		problems = append(problems, "the secret file's key is the store key: use a "+
			"separate key, so that one leaked key does not open both")
	}
	if cfg.Docusign.PrivateKeyFile != "" {
		return problems
	}
	pemBytes, ok := f.Get(store.SecretPrivateKey)
	if !ok {
		return append(problems, fmt.Sprintf("%s contains no %s and DOCUSIGN_PRIVATE_KEY_FILE "+
			"is not set: import the key with 'docusign-mcp secrets import --name %s "+
			"--file KEY.pem'", cfg.SecretsFile, store.SecretPrivateKey, store.SecretPrivateKey))
	}
	pemBytes, problem = checkPrivateKey(pemBytes, "secret "+store.SecretPrivateKey)
	if problem != "" {
		return append(problems, problem)
	}
	s.PrivateKeyPEM = pemBytes
	return problems
}

// parseStoreKey decodes a store key given as 64 hexadecimal characters. The problem never
// contains the value, because it is a secret.
func parseStoreKey(text, source string) ([]byte, string) {
	key, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil || len(key) != storeKeySize {
		return nil, fmt.Sprintf("%s does not contain %d hexadecimal characters: create a "+
			"key with 'openssl rand -hex 32'", source, 2*storeKeySize)
	}
	return key, ""
}

// readPrivateKey reads a PEM file and checks that it holds an unencrypted RSA private
// key in PKCS#1 or PKCS#8 form.
func readPrivateKey(path string) ([]byte, string) {
	data, problem := readKeyFile(path)
	if problem != "" {
		return nil, problem
	}
	return checkPrivateKey(data, fmt.Sprintf("%q", path))
}

// checkPrivateKey checks that data is an unencrypted RSA private key in PKCS#1 or PKCS#8
// PEM form. source names where the data came from in a problem.
func checkPrivateKey(data []byte, source string) ([]byte, string) {
	const fix = "use the RSA private key generated for the integration key in Apps and Keys"
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Sprintf("%s contains no PEM block: %s", source, fix)
	}
	if what := describePEMBlock(block); what != "" {
		return nil, fmt.Sprintf("%s contains %s (PEM type %s), but JWT Grant needs an RSA "+
			"private key: %s", source, what, block.Type, fix)
	}
	if strings.Contains(block.Type, "ENCRYPTED") || block.Headers["Proc-Type"] != "" {
		return nil, fmt.Sprintf("%s is an encrypted key: decrypt it with "+
			"'openssl pkey -in KEY -out KEY.pem'", source)
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return data, ""
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Sprintf("%s is not a PKCS#1 or PKCS#8 private key: %s", source, fix)
	}
	if _, ok := key.(*rsa.PrivateKey); !ok {
		return nil, fmt.Sprintf("%s contains a %T, not an RSA key, and JWT Grant needs an "+
			"RSA private key: %s", source, key, fix)
	}
	return data, ""
}

// readStoreKey reads a store key file: 64 hexadecimal characters, surrounding
// whitespace ignored.
func readStoreKey(path string) ([]byte, string) {
	data, problem := readKeyFile(path)
	if problem != "" {
		return nil, problem
	}
	const fix = "create one with 'openssl rand -hex 32 > store.key'"
	text := strings.TrimSpace(string(data))
	key, err := hex.DecodeString(text)
	if err != nil || len(key) != storeKeySize {
		return nil, fmt.Sprintf("%q does not contain %d hexadecimal characters: %s",
			path, 2*storeKeySize, fix)
	}
	return key, ""
}

// readKeyFile reads a small file and describes a failure as a problem message.
func readKeyFile(path string) ([]byte, string) {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Sprintf("%q does not exist: check the path", path)
	case err != nil:
		return nil, fmt.Sprintf("%q cannot be opened: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return nil, fmt.Sprintf("%q is a directory: set the path of the file inside it", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	switch {
	case err != nil:
		return nil, fmt.Sprintf("%q cannot be read: %v", path, errors.Unwrap(err))
	case len(data) == 0:
		return nil, fmt.Sprintf("%q is empty: check the path", path)
	case len(data) > maxKeyFileSize:
		return nil, fmt.Sprintf("%q is larger than %d bytes: check the path",
			path, maxKeyFileSize)
	}
	return data, ""
}

// ensureStoreKey returns the key in dir/store.key, creating the file with a random
// key when it does not exist. Serve uses it in simulator mode only.
func ensureStoreKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, "store.key")
	if _, err := os.Stat(path); err == nil {
		key, problem := readStoreKey(path)
		if problem != "" {
			return nil, fmt.Errorf("store key %s", problem)
		}
		return key, nil
	}
	key := make([]byte, storeKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate store key: %w", err)
	}
	text := hex.EncodeToString(key) + "\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return nil, fmt.Errorf("write store key %s: %w", path, err)
	}
	return key, nil
}
