package docusign_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

var (
	secondKeyOnce sync.Once
	secondKey     *rsa.PrivateKey
)

// rsaKey2 returns a second shared RSA key, different from rsaKey's.
func rsaKey2(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	secondKeyOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(fmt.Sprintf("generate RSA key: %v", err))
		}
		secondKey = key
	})
	return secondKey
}

// simKey returns the simulator's RSA key from its credentials.
func simKey(t *testing.T, env *haltEnv) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(env.sim.Credentials().PrivateKeyPEM)
	if block == nil {
		t.Fatalf("simulator credentials contain no PEM block")
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("parse the simulator's key: %v", err)
	}
	return key
}

func fingerprintOf(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	fp, err := docusign.KeyFingerprint(pkcs1PEM(key))
	if err != nil {
		t.Fatalf("KeyFingerprint: %v", err)
	}
	return fp
}

func TestKeyFallbackToNextKey(t *testing.T) {
	var simPEM []byte
	env := newHaltEnv(t, func(c *docusign.Config) {
		simPEM = c.PrivateKeyPEM
		c.PrivateKeyPEM = pkcs1PEM(rsaKey(t))
		c.NextPrivateKeyPEM = simPEM
	})
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get with a rejected current key and a valid next key: %v", err)
	}
	if calls := env.tokenCalls(); calls != 2 {
		t.Errorf("token requests = %d, want 2 (the rejected key, then the next key)", calls)
	}
	signing, other := env.client.KeyFingerprints()
	wantSigning, wantOther := fingerprintOf(t, simKey(t, env)), fingerprintOf(t, rsaKey(t))
	if signing != wantSigning || other != wantOther {
		t.Errorf("KeyFingerprints() = %s, %s; want the next key %s signing, then %s",
			signing, other, wantSigning, wantOther)
	}
	logs := env.logs.String()
	if !strings.Contains(logs, wantSigning) || !strings.Contains(logs, wantOther) {
		t.Errorf("logs name no fingerprint of the two keys:\n%s", logs)
	}
	if strings.Contains(logs, "PRIVATE KEY") || strings.Contains(logs, "eyJ") {
		t.Errorf("logs contain a PEM key or a JWT:\n%s", logs)
	}

	env.clock.Advance(61 * time.Minute)
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get after the token expired: %v", err)
	}
	if calls := env.tokenCalls(); calls != 3 {
		t.Errorf("token requests = %d, want 3: the renewal signs with the next key at once",
			calls)
	}
	if halts, _ := env.events.counts(); halts != 0 {
		t.Errorf("OnHalt calls = %d, want 0: the next key kept the integration running", halts)
	}
}

func TestKeyRotationOldKeyRemoved(t *testing.T) {
	env := newHaltEnv(t, func(c *docusign.Config) {
		c.NextPrivateKeyPEM = pkcs1PEM(rsaKey2(t))
	})
	current := simKey(t, env)
	// Step 1 of a rotation: both public keys are uploaded for the integration key.
	env.sim.SetPublicKeys(&current.PublicKey, &rsaKey2(t).PublicKey)
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get with both keys uploaded: %v", err)
	}
	if signing, _ := env.client.KeyFingerprints(); signing != fingerprintOf(t, current) {
		t.Errorf("signing key = %s, want the current key while it is accepted", signing)
	}
	// Step 2: the old public key is removed in Docusign.
	env.sim.SetPublicKeys(&rsaKey2(t).PublicKey)
	env.clock.Advance(61 * time.Minute)
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get after the old key was removed: %v", err)
	}
	if signing, _ := env.client.KeyFingerprints(); signing != fingerprintOf(t, rsaKey2(t)) {
		t.Errorf("signing key = %s, want the next key after the old one was rejected",
			signing)
	}
	if calls := env.tokenCalls(); calls != 3 {
		t.Errorf("token requests = %d, want 3 (one, then the rejected and the next key)",
			calls)
	}
}

func TestKeyBothRejectedHalts(t *testing.T) {
	env := newHaltEnv(t, func(c *docusign.Config) {
		c.PrivateKeyPEM = pkcs1PEM(rsaKey(t))
		c.NextPrivateKeyPEM = pkcs1PEM(rsaKey2(t))
	})
	_, _, err := env.client.Accounts.Get(context.Background())
	assertHalted(t, err, docusign.HaltKeyRejected)
	if calls := env.tokenCalls(); calls != 2 {
		t.Errorf("token requests = %d, want 2 (each key once)", calls)
	}
	// The admin uploads the next key's public half. Probes alternate between the keys, so
	// the first probe (the current key) fails and the second (the next key) succeeds.
	env.sim.SetPublicKeys(&rsaKey2(t).PublicKey)
	env.clock.Advance(time.Minute)
	_, _, err = env.client.Accounts.Get(context.Background())
	assertHalted(t, err, docusign.HaltKeyRejected)
	env.clock.Advance(time.Minute)
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Fatalf("Accounts.Get after the second probe: %v", err)
	}
	if calls := env.tokenCalls(); calls != 4 {
		t.Errorf("token requests = %d, want 4 (2 at the halt, then one per probe)", calls)
	}
	if signing, _ := env.client.KeyFingerprints(); signing != fingerprintOf(t, rsaKey2(t)) {
		t.Errorf("signing key = %s, want the key that the probe succeeded with", signing)
	}
	halts, resumes := env.events.counts()
	if halts != 1 || resumes != 1 {
		t.Errorf("OnHalt, OnResume calls = %d, %d; want 1, 1", halts, resumes)
	}
}

func TestKeyNextKeyInvalid(t *testing.T) {
	tests := []struct {
		name string
		next []byte
		want string
	}{
		{name: "same as current", next: pkcs1PEM(rsaKey(t)), want: "same key"},
		{name: "not PEM", next: []byte("not a key"), want: "NextPrivateKeyPEM is not PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := docusign.NewClient(docusign.Config{IntegrationKey: testIntegrationKey,
				UserID: testUserID, PrivateKeyPEM: pkcs1PEM(rsaKey(t)),
				NextPrivateKeyPEM: tt.next, AuthServer: "http://127.0.0.1:9"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewClient error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
