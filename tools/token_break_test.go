package tools

import "testing"

// TestCreateAfterRevokedToken checks create_envelope when Docusign rejects the cached access
// token with 401 AUTHORIZATION_INVALID_TOKEN. Docusign rejected the request before acting on
// it, so repeating it with a new token is safe: the call should succeed, or at least tell the
// agent to call again rather than to ask the operator about permissions.
func TestCreateAfterRevokedToken(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	var warm map[string]any
	mustSucceed(t, callTool(t, c, "list_templates", map[string]any{}), &warm)
	h.sim.RevokeTokens(h.sim.Credentials().UserID)
	args := documentsEnvelope(t, "sent")
	args["email_subject"] = "Agreement after token revocation"
	res := callTool(t, c, "create_envelope", args)
	if !res.IsError {
		return
	}
	body := mustFail(t, res)
	if !body.Retryable {
		t.Errorf("error %+v is not retryable, but Docusign did not act on the request", body)
	}
	if body.NextStep != "call again" && body.Code == CodeAuthFailed {
		t.Errorf("error code %q with next step %q sends the agent to the operator for a "+
			"token that the server renews by itself", body.Code, body.NextStep)
	}
}
