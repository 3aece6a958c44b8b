package tools

import (
	"context"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

func TestDocusignFailuresOverTools(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	var draft createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "created")), &draft)
	var signed createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &signed)
	if err := h.sim.SignAll(signed.EnvelopeID); err != nil {
		t.Fatalf("SignAll failed: %v", err)
	}
	const missing = "0b7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"
	tests := []struct {
		name     string
		tool     string
		args     map[string]any
		wantCode string
	}{
		{name: "void a draft", tool: "void_envelope",
			args:     map[string]any{"envelope_id": draft.EnvelopeID, "reason": "mistake"},
			wantCode: CodeInvalidState},
		{name: "void a completed envelope", tool: "void_envelope",
			args:     map[string]any{"envelope_id": signed.EnvelopeID, "reason": "mistake"},
			wantCode: CodeInvalidState},
		{name: "void a missing envelope", tool: "void_envelope",
			args:     map[string]any{"envelope_id": missing, "reason": "mistake"},
			wantCode: CodeNotFound},
		{name: "documents of a missing envelope", tool: "list_envelope_documents",
			args: map[string]any{"envelope_id": missing}, wantCode: CodeNotFound},
		{name: "download from a missing envelope", tool: "download_document",
			args:     map[string]any{"envelope_id": missing, "document_id": "1"},
			wantCode: CodeNotFound},
		{name: "missing template", tool: "get_template",
			args: map[string]any{"template_id": missing}, wantCode: CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustFail(t, callTool(t, c, tt.tool, tt.args))
			if got.Code != tt.wantCode {
				t.Errorf("code = %q (%s), want %q", got.Code, got.Message, tt.wantCode)
			}
		})
	}
}

func TestRateLimitOverTools(t *testing.T) {
	h := newHarnessWithSim(t, docusigntest.Options{BurstLimit: 3},
		docusign.RetryPolicy{MaxAttempts: 1})
	c := h.stdioClient(t)
	var got ToolError
	for range 10 {
		res := callTool(t, c, "list_templates", map[string]any{})
		if res.IsError {
			got = mustFail(t, res)
			break
		}
	}
	if got.Code != CodeRateLimited {
		t.Fatalf("code = %q (%s), want %q after exhausting the burst limit", got.Code,
			got.Message, CodeRateLimited)
	}
	if !got.Retryable {
		t.Errorf("rate_limited is not retryable, want retryable")
	}
	if got.RetryAfter < 1 {
		t.Errorf("retry_after = %d, want a wait of at least 1 second", got.RetryAfter)
	}
}

func TestConsentRequiredOverTools(t *testing.T) {
	h := newHarness(t)
	h.sim.RevokeConsent(h.sim.Credentials().UserID)
	h.sim.RevokeTokens(h.sim.Credentials().UserID)
	c := h.stdioClient(t)
	got := mustFail(t, callTool(t, c, "list_templates", map[string]any{}))
	// The default user's consent_required halts the whole integration.
	if got.Code != CodeConsentRevoked {
		t.Errorf("code = %q (%s), want %q", got.Code, got.Message, CodeConsentRevoked)
	}
	if got.Retryable {
		t.Errorf("consent_revoked is retryable, want not retryable")
	}
}

func TestConcurrentCallsOverHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.httpClient(t)
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &created)
	results := make(chan *mcp.CallToolResult, 8)
	for i := range 8 {
		go func() {
			var req mcp.CallToolRequest
			req.Params.Name = "get_envelope_status"
			if i%2 == 1 {
				req.Params.Name = "download_document"
			}
			req.Params.Arguments = map[string]any{"envelope_id": created.EnvelopeID,
				"document_id": "combined"}
			if i%2 == 0 {
				req.Params.Arguments = map[string]any{"envelope_id": created.EnvelopeID}
			}
			res, err := c.CallTool(context.Background(), req)
			if err != nil {
				res = &mcp.CallToolResult{IsError: true,
					Content: []mcp.Content{mcp.NewTextContent(err.Error())}}
			}
			results <- res
		}()
	}
	for range 8 {
		if res := <-results; res.IsError {
			t.Errorf("a concurrent call failed: %s", resultText(res))
		}
	}
}
