package main

import (
	"strings"
	"testing"
)

func TestSessionIDsCacheKeepsChecks(t *testing.T) {
	issuer := newSessionIDs(testKey(1))
	id := principalSessions{ids: issuer, principal: "local"}.Generate()
	// A second process with the same key has not seen the id, so it verifies it once.
	ids := newSessionIDs(testKey(1))
	local := principalSessions{ids: ids, principal: "local"}
	for attempt := range 2 {
		if _, err := local.Validate(id); err != nil {
			t.Fatalf("attempt %d: Validate of an issued id failed: %v", attempt, err)
		}
	}
	if _, ok := ids.verified[id]; !ok {
		t.Errorf("an id that passed the check was not remembered as verified")
	}

	claims, sig, _ := strings.Cut(strings.TrimPrefix(id, sessionIDVersion+"."), ".")
	flipped := "A"
	if strings.HasSuffix(sig, "A") {
		flipped = "B"
	}
	tampered := []struct {
		name string
		id   string
	}{
		{name: "last signature character changed",
			id: sessionIDVersion + "." + claims + "." + sig[:len(sig)-1] + flipped},
		{name: "signature cut", id: sessionIDVersion + "." + claims + "." + sig[:20]},
		{name: "suffix added", id: id + "A"},
		{name: "prefix of the id", id: id[:len(id)-1]},
	}
	for _, tt := range tampered {
		t.Run(tt.name, func(t *testing.T) {
			for attempt := range 2 {
				if _, err := local.Validate(tt.id); err == nil {
					t.Errorf("attempt %d: Validate(%q) passed a tampered id", attempt, tt.id)
				}
			}
			if _, ok := ids.verified[tt.id]; ok {
				t.Errorf("a tampered id was remembered as verified")
			}
		})
	}

	other := principalSessions{ids: ids, principal: "alice"}
	if _, err := other.Validate(id); err == nil {
		t.Errorf("Validate of a remembered id for another principal passed, want an error")
	}

	if _, err := local.Terminate(id); err != nil {
		t.Fatalf("Terminate of a remembered id failed: %v", err)
	}
	terminated, err := local.Validate(id)
	if err != nil || !terminated {
		t.Errorf("Validate after Terminate = %v, %v, want terminated and no error",
			terminated, err)
	}
}

func TestSessionIDsCacheIsBounded(t *testing.T) {
	ids := newSessionIDs(testKey(1))
	m := principalSessions{ids: ids, principal: "local"}
	first := m.Generate()
	for range maxVerifiedIDs + 10 {
		m.Generate()
	}
	if n := len(ids.verified); n > maxVerifiedIDs {
		t.Errorf("%d verified ids remembered, want at most %d", n, maxVerifiedIDs)
	}
	if _, ok := ids.verified[first]; ok {
		t.Fatalf("the first id is still remembered after %d more, want it dropped",
			maxVerifiedIDs+10)
	}
	if _, err := m.Validate(first); err != nil {
		t.Errorf("Validate of an id dropped from the cache failed: %v", err)
	}
}

// BenchmarkSessionCheck measures the check of a session id that mcp-go makes on each POST
// of a 2025 protocol revision: once for an id seen before and once for one that is not.
func BenchmarkSessionCheck(b *testing.B) {
	ids := newSessionIDs(testKey(1))
	id := principalSessions{ids: ids, principal: "local"}.Generate()
	b.Run("seen", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ids.check(id); err != nil {
				b.Fatalf("check failed: %v", err)
			}
		}
	})
	b.Run("unseen", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ids.verify(id); err != nil {
				b.Fatalf("verify failed: %v", err)
			}
		}
	})
}
