package tools

import (
	"encoding/base64"
	"encoding/json"
	"testing"
)

// TestTamperedCursorNamesCursor checks that a cursor whose decoded fields are invalid is
// reported as a bad cursor. The agent passed only cursor, so an error that names from or
// status points it at arguments it never sent.
func TestTamperedCursorNamesCursor(t *testing.T) {
	tests := []struct {
		name   string
		cursor map[string]any
	}{
		{name: "from not a time", cursor: map[string]any{"p": 25, "f": "yesterday"}},
		{name: "unknown status", cursor: map[string]any{"p": 25, "s": []string{"shredded"}}},
		{name: "page size too big", cursor: map[string]any{"p": 25, "n": 5000}},
	}
	h := newHarness(t)
	c := h.stdioClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tt.cursor)
			if err != nil {
				t.Fatalf("marshal cursor: %v", err)
			}
			cursor := base64.RawURLEncoding.EncodeToString(raw)
			body := mustFail(t, callTool(t, c, "list_envelopes",
				map[string]any{"cursor": cursor}))
			if body.Field != "cursor" {
				t.Errorf("field = %q, want cursor; message %q", body.Field, body.Message)
			}
		})
	}
}
