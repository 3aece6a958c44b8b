package tools

import (
	"slices"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/policy"
)

func TestProfileTemplateMissing(t *testing.T) {
	h := newHarness(t)
	profile := settlementProfile
	profile.Signers = slices.Clone(settlementProfile.Signers)
	// A well-formed GUID that the simulator has no template for.
	profile.TemplateID = "0b5e2c2a-7d51-4c3e-9a5f-1f0d2c3b4a59"
	usePolicy(t, h, policy.Scope{Tools: []string{policy.Wildcard}}, profile)
	c := h.stdioClient(t)
	for _, tool := range []string{"preview_envelope", "create_envelope"} {
		t.Run(tool, func(t *testing.T) {
			body := mustFail(t, callTool(t, c, tool, settlementArgs()))
			if body.Code != CodeRoutingProfileInvalid {
				t.Errorf("code = %s, want %s, because the policy file chose the template: %s",
					body.Code, CodeRoutingProfileInvalid, body.Message)
			}
			if body.Field != "profile" {
				t.Errorf("field = %q, want profile, which the caller passed", body.Field)
			}
			if !strings.Contains(body.Message, "routing profile settlement") {
				t.Errorf("message does not name the profile: %s", body.Message)
			}
			if !strings.Contains(body.Message, profile.TemplateID) {
				t.Errorf("message does not name the template %s: %s", profile.TemplateID,
					body.Message)
			}
			if !strings.Contains(body.NextStep, "operator") {
				t.Errorf("next_step = %q, want it to send the caller to the operator",
					body.NextStep)
			}
		})
	}
}
