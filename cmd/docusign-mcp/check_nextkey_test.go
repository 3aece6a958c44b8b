package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readRSAPublicKey returns the public half of the PEM private key at path.
func readRSAPublicKey(t *testing.T, path string) *rsa.PublicKey {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read key: %v", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s has no PEM block", path)
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return &key.PublicKey
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("parse key: %v", err)
	}
	return &key.(*rsa.PrivateKey).PublicKey
}

func TestCheckNextKey(t *testing.T) {
	tests := []struct {
		name       string
		uploadNext bool // the simulator accepts the next key too
		dropOld    bool // the simulator no longer accepts the current key
		wantStatus string
		want       string
		tokenOK    bool
	}{
		{name: "both uploaded", uploadNext: true, wantStatus: statusOK,
			want: "so the current key can be retired", tokenOK: true},
		{name: "next not uploaded", wantStatus: statusFail,
			want: "upload the public half of this key to integration key", tokenOK: true},
		{name: "current retired", uploadNext: true, dropOld: true, wantStatus: statusOK,
			want: "Docusign accepts key SHA256:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCheckFixture(t)
			nextPath := filepath.Join(f.dir, "next.pem")
			writeRSAKey(t, nextPath)
			current := readRSAPublicKey(t, f.vars["DOCUSIGN_PRIVATE_KEY_FILE"])
			next := readRSAPublicKey(t, nextPath)
			switch {
			case tt.uploadNext && tt.dropOld:
				f.sim.SetPublicKeys(next)
			case tt.uploadNext:
				f.sim.SetPublicKeys(current, next)
			}
			f.vars["DOCUSIGN_PRIVATE_KEY_NEXT_FILE"] = nextPath
			_, out, _ := f.run(t)
			line := checkLine(out, tt.wantStatus, "next key")
			if !strings.Contains(line, tt.want) {
				t.Errorf("next key line = %q, want %s with %q\n%s", line, tt.wantStatus,
					tt.want, out)
			}
			if strings.Contains(line, "DOCUSIGN_PRIVATE_KEY_FILE") {
				t.Errorf("next key line = %q names the current key's setting, want "+
					"DOCUSIGN_PRIVATE_KEY_NEXT_FILE", line)
			}
			if tt.wantStatus == statusFail &&
				!strings.Contains(line, "DOCUSIGN_PRIVATE_KEY_NEXT_FILE") {
				t.Errorf("next key line = %q, want the fix DOCUSIGN_PRIVATE_KEY_NEXT_FILE", line)
			}
			if got := checkLine(out, statusOK, "token") != ""; got != tt.tokenOK {
				t.Errorf("token line ok = %v, want %v\n%s", got, tt.tokenOK, out)
			}
		})
	}
}

func TestCheckNextKeySameAsCurrent(t *testing.T) {
	f := newCheckFixture(t)
	f.vars["DOCUSIGN_PRIVATE_KEY_NEXT_FILE"] = f.vars["DOCUSIGN_PRIVATE_KEY_FILE"]
	code, out, _ := f.run(t)
	if code != exitFailure {
		t.Errorf("check exited with %d, want 1", code)
	}
	if line := checkLine(out, statusFail, "next key"); !strings.Contains(line,
		"is the current key") {
		t.Errorf("next key line = %q, want the same-key failure\n%s", line, out)
	}
}
