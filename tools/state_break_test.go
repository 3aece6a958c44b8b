package tools

import "testing"

// TestSenderVoidMentioningExpiry checks that an envelope a sender voided stays voided in the
// normalised state when the sender's reason happens to contain the word "expired".
func TestSenderVoidMentioningExpiry(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	var created struct {
		EnvelopeID string `json:"envelope_id"`
	}
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &created)
	var voided map[string]any
	mustSucceed(t, callTool(t, c, "void_envelope", map[string]any{
		"envelope_id": created.EnvelopeID,
		"reason":      "The price quote expired last week; a new envelope follows.",
	}), &voided)
	var status struct {
		Status string `json:"status"`
		State  string `json:"state"`
	}
	mustSucceed(t, callTool(t, c, "get_envelope_status",
		map[string]any{"envelope_id": created.EnvelopeID}), &status)
	if status.Status != "voided" {
		t.Fatalf("status = %q, want voided", status.Status)
	}
	if status.State != "voided" {
		t.Errorf("state = %q, want voided: the sender voided the envelope before its expiry "+
			"date, so it did not lapse", status.State)
	}
}
