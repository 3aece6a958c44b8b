package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSecrets(t *testing.T) {
	dir := t.TempDir()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatalf("marshal PKCS#8: %v", err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate EC key: %v", err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatalf("marshal EC key: %v", err)
	}
	files := map[string][]byte{
		"pkcs1.pem": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
			Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}),
		"pkcs8.pem": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		"ec.pem":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}),
		"encrypted.pem": pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY",
			Bytes: []byte{1}}),
		"garbage.pem": []byte("not a key"),
		"empty":       nil,
		"store.key":   []byte("  " + strings.Repeat("ab", 32) + "\n"),
		"short.key":   []byte(strings.Repeat("ab", 16)),
		"nothex.key":  []byte(strings.Repeat("zz", 32)),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	tests := []struct {
		name       string
		privateKey string
		storeKey   string
		want       []string // substrings, one per expected problem
	}{
		{name: "PKCS#1 key and store key", privateKey: "pkcs1.pem", storeKey: "store.key"},
		{name: "PKCS#8 key", privateKey: "pkcs8.pem", storeKey: "store.key"},
		{name: "EC key", privateKey: "ec.pem", storeKey: "store.key",
			want: []string{"not an RSA key"}},
		{name: "encrypted key", privateKey: "encrypted.pem", storeKey: "store.key",
			want: []string{"is an encrypted key"}},
		{name: "not PEM", privateKey: "garbage.pem", storeKey: "store.key",
			want: []string{"contains no PEM block"}},
		{name: "empty key file", privateKey: "empty", storeKey: "store.key",
			want: []string{"is empty"}},
		{name: "missing files", privateKey: "absent.pem", storeKey: "absent.key",
			want: []string{"(--private-key-file)", "(--store-key-file)"}},
		{name: "short store key", privateKey: "pkcs1.pem", storeKey: "short.key",
			want: []string{"does not contain 64 hexadecimal characters"}},
		{name: "store key not hex", privateKey: "pkcs1.pem", storeKey: "nothex.key",
			want: []string{"does not contain 64 hexadecimal characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := serveConfig{StoreKeyFile: filepath.Join(dir, tt.storeKey)}
			cfg.Docusign.PrivateKeyFile = filepath.Join(dir, tt.privateKey)
			got, problems := loadSecrets(cfg)
			if len(problems) != len(tt.want) {
				t.Fatalf("problems = %q, want %d matching %q", problems, len(tt.want), tt.want)
			}
			for i, want := range tt.want {
				if !strings.Contains(problems[i], want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, problems[i], want)
				}
			}
			if len(tt.want) == 0 && len(got.StoreKey) != storeKeySize {
				t.Errorf("store key has %d bytes, want %d", len(got.StoreKey), storeKeySize)
			}
			if len(tt.want) == 0 && !bytes.Contains(got.PrivateKeyPEM, []byte("PRIVATE KEY")) {
				t.Errorf("private key PEM was not returned")
			}
		})
	}
}

func TestEnsureStoreKeyCreatesOnceAndReuses(t *testing.T) {
	dir := t.TempDir()
	first, err := ensureStoreKey(dir)
	if err != nil {
		t.Fatalf("first ensureStoreKey: %v", err)
	}
	second, err := ensureStoreKey(dir)
	if err != nil {
		t.Fatalf("second ensureStoreKey: %v", err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("second call returned a different key, want the stored one reused")
	}
	info, err := os.Stat(filepath.Join(dir, "store.key"))
	if err != nil {
		t.Fatalf("stat store.key: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("store.key mode = %v, want 0600", perm)
	}
}

func TestSimulatorModeReadsNoFiles(t *testing.T) {
	cfg := serveConfig{Simulator: true, StoreKeyFile: "/absent"}
	cfg.Docusign.PrivateKeyFile = "/absent"
	if _, problems := loadSecrets(cfg); len(problems) != 0 {
		t.Errorf("problems = %q, want none because simulator mode reads no key files", problems)
	}
}
