package tools

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

func TestErrorNextSteps(t *testing.T) {
	notFound := func(code string) error {
		return &docusign.APIError{StatusCode: 404, ErrorCode: code}
	}
	tests := []struct {
		name          string
		err           error
		wantCode      string
		wantRetryable bool
		wantNext      string
	}{
		{name: "unknown envelope", err: notFound("ENVELOPE_DOES_NOT_EXIST"),
			wantCode: CodeNotFound, wantNext: "check envelope_id, for example with list_envelopes"},
		{name: "unknown document", err: notFound("DOCUMENT_DOES_NOT_EXIST"),
			wantCode: CodeNotFound, wantNext: "with list_envelope_documents"},
		{name: "unknown template", err: notFound("TEMPLATE_ID_INVALID"),
			wantCode: CodeNotFound, wantNext: "check template_id, for example with list_templates"},
		{name: "untrusted certificate",
			err: &docusign.NetworkError{Operation: "OAuth:token",
				Err: &url509Error{x509.UnknownAuthorityError{}}},
			wantCode: CodeCertificateInvalid, wantNext: "DOCUSIGN_CA_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromDocusign(tt.err, "the object", time.Now())
			if got.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", got.Code, tt.wantCode)
			}
			if got.Retryable != tt.wantRetryable {
				t.Errorf("retryable = %v, want %v", got.Retryable, tt.wantRetryable)
			}
			if !strings.Contains(got.NextStep, tt.wantNext) {
				t.Errorf("next_step = %q, want it to contain %q", got.NextStep, tt.wantNext)
			}
		})
	}
}

// url509Error wraps an x509 error the way a transport error chain does.
type url509Error struct{ err error }

func (e *url509Error) Error() string { return "tls: " + e.err.Error() }
func (e *url509Error) Unwrap() error { return e.err }

func TestUnknownArgumentNextStep(t *testing.T) {
	var in voidEnvelopeInput
	got := decodeArguments([]byte(`{"envelope_id":"x","bogus":1}`), &in)
	if got == nil {
		t.Fatalf("decodeArguments accepted an unknown argument")
	}
	if got.NextStep != "remove bogus and call again" {
		t.Errorf("next_step = %q, want %q", got.NextStep, "remove bogus and call again")
	}
}

func TestInvalidStateNamesStatus(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	var signed createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &signed)
	if err := h.sim.SignAll(signed.EnvelopeID); err != nil {
		t.Fatalf("SignAll failed: %v", err)
	}
	got := mustFail(t, callTool(t, c, "void_envelope",
		map[string]any{"envelope_id": signed.EnvelopeID, "reason": "mistake"}))
	if got.Code != CodeInvalidState {
		t.Fatalf("code = %q, want %q", got.Code, CodeInvalidState)
	}
	if !strings.Contains(got.Message, "is completed") {
		t.Errorf("message %q does not state the current status completed", got.Message)
	}
	if got.Retryable {
		t.Errorf("an invalid_state error is retryable, want not retryable")
	}
}
