package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var secretsKey = bytes.Repeat([]byte{9}, 32)

func TestSecretFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.enc")
	f, err := OpenSecrets(path, secretsKey)
	if err != nil {
		t.Fatalf("OpenSecrets of a missing file failed: %v", err)
	}
	if len(f.Names()) != 0 {
		t.Errorf("names of a new file = %q, want none", f.Names())
	}
	pem := []byte("-----BEGIN PRIVATE KEY-----\nsecret material\n-----END PRIVATE KEY-----\n")
	for name, value := range map[string][]byte{SecretPrivateKey: pem,
		SecretConnectHMACKey: []byte("hmac-secret-value")} {
		if err := f.Set(name, value); err != nil {
			t.Fatalf("Set(%s) failed: %v", name, err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatalf("Save failed: %v", err)
	}

	g, err := OpenSecrets(path, secretsKey)
	if err != nil {
		t.Fatalf("reopen failed: %v", err)
	}
	got, ok := g.Get(SecretPrivateKey)
	if !ok || !bytes.Equal(got, pem) {
		t.Errorf("Get(%s) = %q, %t; want the imported PEM", SecretPrivateKey, got, ok)
	}
	if names := strings.Join(g.Names(), ","); names != SecretConnectHMACKey+","+SecretPrivateKey {
		t.Errorf("Names = %s, want both secrets sorted", names)
	}
	if !g.Delete(SecretConnectHMACKey) || g.Delete(SecretConnectHMACKey) {
		t.Errorf("Delete reported the wrong existence")
	}

	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat secret file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("secret file mode = %v, want 0600", perm)
	}
	found := scanDir(t, filepath.Dir(path), 1, map[string][]byte{
		"private key": []byte("secret material"), "hmac key": []byte("hmac-secret-value")})
	for _, f := range found {
		t.Errorf("%s contains the plaintext %s", f.file, f.what)
	}
}

func TestOpenSecretsRejects(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.enc")
	f, err := OpenSecrets(good, secretsKey)
	if err != nil {
		t.Fatalf("OpenSecrets failed: %v", err)
	}
	if err := f.Set("a", []byte("b")); err != nil {
		t.Fatalf("Set failed: %v", err)
	}
	if err := f.Save(); err != nil {
		t.Fatalf("Save failed: %v", err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatalf("read secret file: %v", err)
	}
	tampered := bytes.Clone(data)
	tampered[len(tampered)-1] ^= 1
	writeFile(t, filepath.Join(dir, "tampered.enc"), tampered)
	writeFile(t, filepath.Join(dir, "other.enc"), []byte("plain text file"))
	tests := []struct {
		name      string
		file      string
		key       []byte
		wantErr   string
		wantKeyEr bool
	}{
		{name: "wrong key", file: "good.enc", key: bytes.Repeat([]byte{1}, 32),
			wantErr: "wrong secrets key", wantKeyEr: true},
		{name: "tampered file", file: "tampered.enc", key: secretsKey,
			wantErr: "or the file is damaged", wantKeyEr: true},
		{name: "not a secret file", file: "other.enc", key: secretsKey,
			wantErr: "not a docusign-mcp secret file"},
		{name: "short key", file: "good.enc", key: []byte("short"), wantErr: "use 32 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenSecrets(filepath.Join(dir, tt.file), tt.key)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("OpenSecrets error = %v, want it to contain %q", err, tt.wantErr)
			}
			if got := errors.Is(err, ErrSecretKey); got != tt.wantKeyEr {
				t.Errorf("errors.Is(err, ErrSecretKey) = %t, want %t", got, tt.wantKeyEr)
			}
		})
	}
}

func TestSecretSetRejects(t *testing.T) {
	f, err := OpenSecrets(filepath.Join(t.TempDir(), "s.enc"), secretsKey)
	if err != nil {
		t.Fatalf("OpenSecrets failed: %v", err)
	}
	tests := []struct {
		name    string
		secret  string
		value   []byte
		wantErr string
	}{
		{name: "upper case", secret: "Private", value: []byte("x"), wantErr: "is invalid"},
		{name: "slash", secret: "a/b", value: []byte("x"), wantErr: "is invalid"},
		{name: "empty name", secret: "", value: []byte("x"), wantErr: "is invalid"},
		{name: "empty value", secret: "a", value: nil, wantErr: "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.Set(tt.secret, tt.value)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Set error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
