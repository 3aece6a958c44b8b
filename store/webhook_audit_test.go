package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestAuditKeyIDEncoding(t *testing.T) {
	tests := []struct {
		name     string
		keyID    string
		wantJSON bool
	}{
		{name: "no key id keeps the old encoding", keyID: "", wantJSON: false},
		{name: "key id recorded", keyID: "sha256:0a1b2c3d", wantJSON: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTestCounters(t)
			log, err := OpenAuditLog(s, AuditOptions{})
			if err != nil {
				t.Fatalf("OpenAuditLog failed: %v", err)
			}
			rec, err := log.Append(AuditRecord{Kind: AuditWebhook, EnvelopeID: "env-1",
				Action: "envelope-completed", StatusCode: 200, Outcome: "ok",
				KeyID: tt.keyID})
			if err != nil {
				t.Fatalf("Append failed: %v", err)
			}
			raw, err := json.Marshal(rec)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if got := strings.Contains(string(raw), `"key_id":`); got != tt.wantJSON {
				t.Errorf("encoding %s has a key_id field = %v, want %v", raw, got, tt.wantJSON)
			}
			if _, err := VerifyAudit(context.Background(), s); err != nil {
				t.Errorf("VerifyAudit failed on a record with key id %q: %v", tt.keyID, err)
			}
			got, err := QueryAudit(context.Background(), s, AuditQuery{Kind: AuditWebhook})
			if err != nil {
				t.Fatalf("QueryAudit failed: %v", err)
			}
			if len(got) != 1 || got[0].KeyID != tt.keyID {
				t.Errorf("QueryAudit = %+v, want one record with key id %q", got, tt.keyID)
			}
		})
	}
}

// TestAuditKeyIDKeepsOldHash checks that a record without a key id hashes as it did before
// the field existed: its canonical JSON has no key_id member.
func TestAuditKeyIDKeepsOldHash(t *testing.T) {
	rec := AuditRecord{Seq: 1, Time: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC),
		Kind: AuditToolCall, Tool: "list_templates", Outcome: "ok", Prev: genesisHash}
	const oldJSON = `{"seq":1,"time":"2026-05-01T09:00:00Z","kind":"tool_call",` +
		`"tool":"list_templates","outcome":"ok","prev":"` +
		"0000000000000000000000000000000000000000000000000000000000000000" + `"}`
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if string(raw) != oldJSON {
		t.Errorf("encoding without a key id = %s, want the older encoding %s", raw, oldJSON)
	}
}
