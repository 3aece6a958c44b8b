package docusigntest

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestLogLevelsOfRequests(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, _ := newSim(t, Options{Logger: logger})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	call(t, s, "", "POST", "/sim/envelopes/"+id+"/sign-all", nil)

	levels := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var entry struct{ Level, Msg, Path string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if entry.Msg == "simulator control request" && !strings.HasSuffix(entry.Path,
			"/sign-all") {
			t.Errorf("control log path = %q, want the sign-all path", entry.Path)
		}
		levels[entry.Msg] = entry.Level
	}
	tests := []struct {
		name, msg, want string
	}{
		{name: "REST request at debug", msg: "simulator request", want: "DEBUG"},
		{name: "control request at info", msg: "simulator control request", want: "INFO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := levels[tt.msg]; got != tt.want {
				t.Errorf("level of %q = %q, want %q; logs:\n%s", tt.msg, got, tt.want, &buf)
			}
		})
	}
}
