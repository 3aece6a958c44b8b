package tools

import (
	"context"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/policy"
)

// otherSenderID is a second Docusign user of the simulator, whom the policy may allow.
const otherSenderID = "6a0b3c1d-2e4f-4a5b-8c6d-7e8f9a0b1c2d"

func TestSenderUserID(t *testing.T) {
	tests := []struct {
		name string
		// senders are the users the policy allows besides the configured one.
		senders []string
		// static leaves the default policy of a server without a policy file.
		static   bool
		wantCode string
	}{
		{name: "allowed sender", senders: []string{otherSenderID}},
		{name: "sender not allowed", wantCode: CodePolicyDenied},
		{name: "no policy file", static: true, wantCode: CodePolicyDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := docusigntest.Options{Users: []docusigntest.User{{ID: otherSenderID,
				Name: "Second Sender", Email: "second@example.test"}}}
			h := newHarnessWithSim(t, sim, docusign.RetryPolicy{})
			if !tt.static {
				f := &policy.File{Principals: map[string]policy.Scope{
					policy.DefaultPrincipal: {Tools: []string{policy.Wildcard},
						Senders: tt.senders}}}
				h.deps.Policy = policy.NewEngine(f, h.sim.Credentials().UserID)
			}
			c := h.httpClient(t)
			args := documentsEnvelope(t, "sent")
			args["sender_user_id"] = otherSenderID
			res := callTool(t, c, "create_envelope", args)
			if tt.wantCode != "" {
				terr := mustFail(t, res)
				if terr.Code != tt.wantCode {
					t.Errorf("code = %q, want %q", terr.Code, tt.wantCode)
				}
				if got := h.sim.Calls()[docusigntest.OpCreateEnvelope]; got != 0 {
					t.Errorf("Envelopes:create calls = %d, want 0: a denied sender must "+
						"not reach Docusign", got)
				}
				return
			}
			var created createEnvelopeOutput
			mustSucceed(t, res, &created)
			env, _, err := h.deps.Docusign.Envelopes.Get(context.Background(),
				created.EnvelopeID, nil)
			if err != nil {
				t.Fatalf("reading the envelope back failed: %v", err)
			}
			if env.Sender == nil || env.Sender.UserID != otherSenderID {
				t.Errorf("sender = %+v, want user %s", env.Sender, otherSenderID)
			}
		})
	}
}
