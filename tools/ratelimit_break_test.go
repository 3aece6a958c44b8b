package tools

import (
	"net/http"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// TestCreateRateLimitedNotResent checks create_envelope when Docusign reports an exhausted
// rate limit. Sending the create again at once cannot succeed before the limit resets, and it
// spends another call of the exhausted budget, so the tool should return rate_limited after
// one request.
func TestCreateRateLimitedNotResent(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope,
		Status: http.StatusTooManyRequests, Times: 2})
	body := mustFail(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")))
	if body.Code != CodeRateLimited {
		t.Errorf("code = %q, want %q; error %+v", body.Code, CodeRateLimited, body)
	}
	if got := h.sim.Calls()[docusigntest.OpCreateEnvelope]; got != 1 {
		t.Errorf("Docusign create calls = %d, want 1: the second was sent into the same "+
			"exhausted limit without waiting for its reset", got)
	}
}
