package tools

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// TestNotFoundNamesField checks that an id that does not exist gives an isError result that
// names the argument at fault, as every other bad input does.
func TestNotFoundNamesField(t *testing.T) {
	const missing = "0b7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"
	tests := []struct {
		name      string
		tool      string
		args      map[string]any
		wantField string
	}{
		{name: "status", tool: "get_envelope_status",
			args: map[string]any{"envelope_id": missing}, wantField: "envelope_id"},
		{name: "documents", tool: "list_envelope_documents",
			args: map[string]any{"envelope_id": missing}, wantField: "envelope_id"},
		{name: "void", tool: "void_envelope",
			args:      map[string]any{"envelope_id": missing, "reason": "Wrong fee"},
			wantField: "envelope_id"},
		{name: "resend", tool: "resend_envelope",
			args: map[string]any{"envelope_id": missing}, wantField: "envelope_id"},
		{name: "template", tool: "get_template",
			args: map[string]any{"template_id": missing}, wantField: "template_id"},
	}
	h := newHarness(t)
	c := h.stdioClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mustFail(t, callTool(t, c, tt.tool, tt.args))
			if body.Code != CodeNotFound {
				t.Errorf("code = %q, want %q", body.Code, CodeNotFound)
			}
			if body.Field != tt.wantField {
				t.Errorf("field = %q, want %q: the agent must learn which argument holds "+
					"the id that does not exist", body.Field, tt.wantField)
			}
		})
	}
}

// TestCreateRejectsBeforeDocusign checks inputs that create_envelope can reject locally but
// passes on to Docusign. Docusign allows at most 3,000 anchor tabs per envelope.
func TestCreateRejectsBeforeDocusign(t *testing.T) {
	tests := []struct {
		name      string
		change    func(args map[string]any)
		wantField string
	}{
		{name: "text with a PDF marker inside", change: func(a map[string]any) {
			document(a, 0)["content_base64"] = base64.StdEncoding.EncodeToString(
				[]byte("Meeting notes. Attach the %PDF-1.7 export later."))
		}, wantField: "documents[0].content_base64"},
		{name: "anchor units outside the enum", change: func(a map[string]any) {
			signer0(a)["tabs"] = []any{map[string]any{"type": "sign_here",
				"anchor_string": "/sig1/", "anchor_units": "furlongs"}}
		}, wantField: "signers[0].tabs[0].anchor_units"},
		{name: "unknown field inside a signer", change: func(a map[string]any) {
			signer0(a)["phone"] = "+1 555 0100"
		}, wantField: "signers[0].phone"},
		{name: "email over the schema's 100 characters", change: func(a map[string]any) {
			signer0(a)["email"] = strings.Repeat("a", 140) + "@example.com"
		}, wantField: "signers[0].email"},
		{name: "more anchor tabs than Docusign allows", change: func(a map[string]any) {
			tabs := make([]any, 3001)
			for i := range tabs {
				tabs[i] = map[string]any{"type": "sign_here", "anchor_string": "/sig1/"}
			}
			signer0(a)["tabs"] = tabs
		}, wantField: "signers[0].tabs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c := h.stdioClient(t)
			res := callTool(t, c, "create_envelope", withChange(t, tt.change))
			if !res.IsError {
				t.Errorf("create_envelope succeeded, want invalid_argument on %s; result: %s",
					tt.wantField, resultText(res))
			} else if body := mustFail(t, res); body.Field != tt.wantField {
				t.Errorf("field = %q, want %q", body.Field, tt.wantField)
			}
			if got := h.sim.Calls()[docusigntest.OpCreateEnvelope]; got != 0 {
				t.Errorf("Docusign create calls = %d, want 0: the input is invalid", got)
			}
		})
	}
}
