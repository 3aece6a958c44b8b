package docusigntest

import (
	"net/http"
	"testing"
)

func TestRemindersEchoed(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := twoSignerEnvelope("sent")
	body["notification"] = map[string]any{"useAccountDefaults": "false",
		"reminders": map[string]any{"reminderEnabled": "true", "reminderDelay": "2",
			"reminderFrequency": "3"}}
	id := createEnvelope(t, s, token, body)
	env := call(t, s, token, "GET", "/envelopes/"+id, nil).json(t)
	notification, ok := env["notification"].(map[string]any)
	if !ok {
		t.Fatalf("envelope has no notification object: %v", env)
	}
	reminders, ok := notification["reminders"].(map[string]any)
	if !ok {
		t.Fatalf("notification has no reminders: %v", notification)
	}
	want := map[string]string{"reminderEnabled": "true", "reminderDelay": "2",
		"reminderFrequency": "3"}
	for key, value := range want {
		if reminders[key] != value {
			t.Errorf("reminders.%s = %v, want %q", key, reminders[key], value)
		}
	}

	plain := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	got := call(t, s, token, "GET", "/envelopes/"+plain, nil).json(t)["notification"]
	if got != nil {
		t.Errorf("an envelope created without reminders shows notification %v, want none", got)
	}
}

func TestRemindersRejectsBadDelay(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := twoSignerEnvelope("sent")
	body["notification"] = map[string]any{"useAccountDefaults": "false",
		"reminders": map[string]any{"reminderEnabled": "true", "reminderDelay": "soon"}}
	resp := call(t, s, token, "POST", "/envelopes", body)
	if resp.status != http.StatusBadRequest {
		t.Errorf("create status = %d, want 400 for reminderDelay \"soon\": %s", resp.status,
			resp.body)
	}
}
