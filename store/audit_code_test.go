package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestAuditCodeEncoding(t *testing.T) {
	tests := []struct {
		name     string
		code     string
		wantJSON bool
	}{
		{name: "no code keeps the old encoding", code: "", wantJSON: false},
		{name: "code recorded", code: "sender_not_allowed", wantJSON: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTestCounters(t)
			log, err := OpenAuditLog(s, AuditOptions{})
			if err != nil {
				t.Fatalf("OpenAuditLog failed: %v", err)
			}
			rec, err := log.Append(AuditRecord{Kind: AuditToolCall, Tool: "create_envelope",
				Decision: DecisionDeny, PolicyRule: "senders", Code: tt.code})
			if err != nil {
				t.Fatalf("Append failed: %v", err)
			}
			raw, err := json.Marshal(rec)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if got := strings.Contains(string(raw), `"code":`); got != tt.wantJSON {
				t.Errorf("encoding %s has a code field = %v, want %v", raw, got, tt.wantJSON)
			}
			if _, err := VerifyAudit(context.Background(), s); err != nil {
				t.Errorf("VerifyAudit failed on a record with code %q: %v", tt.code, err)
			}
			got, err := QueryAudit(context.Background(), s, AuditQuery{Kind: AuditToolCall})
			if err != nil || len(got) != 1 || got[0].Code != tt.code {
				t.Errorf("QueryAudit = %+v, %v; want one record with code %q", got, err, tt.code)
			}
		})
	}
}
