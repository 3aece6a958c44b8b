package tools

import "testing"

// TestListFromZeroTime checks list_envelopes with from set to 0001-01-01T00:00:00Z, a valid
// RFC 3339 time that is Go's zero time. The client then sees no from_date and rejects the
// listing locally, and the tool reports that Docusign could not be reached.
func TestListFromZeroTime(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	res := callTool(t, c, "list_envelopes", map[string]any{"from": "0001-01-01T00:00:00Z"})
	if !res.IsError {
		return
	}
	body := mustFail(t, res)
	if body.Code != CodeInvalidArgument {
		t.Errorf("code = %q, want %q: the input, not Docusign, is at fault; message %q",
			body.Code, CodeInvalidArgument, body.Message)
	}
	if body.Field != "from" {
		t.Errorf("field = %q, want from", body.Field)
	}
}
