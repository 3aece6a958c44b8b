package tools

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// withChange returns create_envelope arguments for a sent documents envelope after change.
func withChange(t *testing.T, change func(args map[string]any)) map[string]any {
	args := documentsEnvelope(t, "sent")
	change(args)
	return args
}

func signer0(args map[string]any) map[string]any {
	return args["signers"].([]any)[0].(map[string]any)
}

func document(args map[string]any, i int) map[string]any {
	return args["documents"].([]any)[i].(map[string]any)
}

func TestToolsRejectBadInput(t *testing.T) {
	const missingGUID = "0b7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"
	tests := []struct {
		name      string
		tool      string
		args      map[string]any
		wantCode  string
		wantField string
	}{
		{name: "invalid base64", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				document(a, 0)["content_base64"] = "not*base64"
			}), wantCode: CodeInvalidArgument, wantField: "documents[0].content_base64"},
		{name: "pdf that is not a pdf", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				document(a, 0)["content_base64"] = base64.StdEncoding.EncodeToString(
					[]byte("plain text"))
			}), wantCode: CodeInvalidArgument, wantField: "documents[0].content_base64"},
		{name: "docx that is not a zip", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				document(a, 1)["content_base64"] = pdfBase64()
			}), wantCode: CodeInvalidArgument, wantField: "documents[1].content_base64"},
		{name: "unsupported extension", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				document(a, 0)["file_extension"] = "txt"
			}), wantCode: CodeInvalidArgument, wantField: "documents[0].file_extension"},
		{name: "no recipients", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				delete(a, "signers")
				delete(a, "carbon_copies")
			}), wantCode: CodeInvalidArgument, wantField: "signers"},
		{name: "malformed email", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				signer0(a)["email"] = "ana at example.com"
			}), wantCode: CodeInvalidArgument, wantField: "signers[0].email"},
		{name: "email with display name", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				signer0(a)["email"] = "Ana <ana@example.com>"
			}), wantCode: CodeInvalidArgument, wantField: "signers[0].email"},
		{name: "duplicate recipient ids", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				signer0(a)["recipient_id"] = 3
				a["carbon_copies"].([]any)[0].(map[string]any)["recipient_id"] = 3
			}), wantCode: CodeInvalidArgument, wantField: "carbon_copies[0].recipient_id"},
		{name: "routing order zero", tool: "create_envelope",
			args:     withChange(t, func(a map[string]any) { signer0(a)["routing_order"] = 0 }),
			wantCode: CodeInvalidArgument, wantField: "signers[0].routing_order"},
		{name: "routing order negative", tool: "create_envelope",
			args:     withChange(t, func(a map[string]any) { signer0(a)["routing_order"] = -2 }),
			wantCode: CodeInvalidArgument, wantField: "signers[0].routing_order"},
		{name: "routing order fraction", tool: "create_envelope",
			args:     withChange(t, func(a map[string]any) { signer0(a)["routing_order"] = 1.5 }),
			wantCode: CodeInvalidArgument, wantField: "signers.routing_order"},
		{name: "sent without subject", tool: "create_envelope",
			args:     withChange(t, func(a map[string]any) { delete(a, "email_subject") }),
			wantCode: CodeInvalidArgument, wantField: "email_subject"},
		{name: "custom field too long", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				a["custom_fields"] = []any{map[string]any{"name": "Matter",
					"value": strings.Repeat("x", 101)}}
			}), wantCode: CodeInvalidArgument, wantField: "custom_fields[0].value"},
		{name: "tab without placement", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				signer0(a)["tabs"] = []any{map[string]any{"type": "sign_here"}}
			}), wantCode: CodeInvalidArgument, wantField: "signers[0].tabs[0].document_id"},
		{name: "value on a sign tab", tool: "create_envelope",
			args: withChange(t, func(a map[string]any) {
				signer0(a)["tabs"] = []any{map[string]any{"type": "sign_here", "value": "x",
					"anchor_string": "/s/"}}
			}), wantCode: CodeInvalidArgument, wantField: "signers[0].tabs[0].value"},
		{name: "unknown argument", tool: "create_envelope",
			args:     withChange(t, func(a map[string]any) { a["send_now"] = true }),
			wantCode: CodeInvalidArgument, wantField: "send_now"},
		{name: "bad status", tool: "create_envelope",
			args:     withChange(t, func(a map[string]any) { a["status"] = "completed" }),
			wantCode: CodeInvalidArgument, wantField: "status"},
		{name: "unknown template", tool: "create_envelope", args: map[string]any{
			"source": "template", "status": "sent", "template_id": missingGUID,
			"roles": []any{map[string]any{"role_name": "Client", "name": "Cleo",
				"email": "cleo@example.com"}},
		}, wantCode: CodeInvalidArgument, wantField: "template_id"},
		{name: "unknown role", tool: "create_envelope", args: map[string]any{
			"source": "template", "status": "sent",
			"template_id": docusigntest.EngagementLetterTemplateID,
			"roles": []any{map[string]any{"role_name": "Judge", "name": "Jo",
				"email": "jo@example.com"}},
		}, wantCode: CodeInvalidArgument, wantField: "roles[0].role_name"},
		{name: "unknown tab label", tool: "create_envelope", args: map[string]any{
			"source": "template", "status": "sent",
			"template_id": docusigntest.EngagementLetterTemplateID,
			"roles": []any{map[string]any{"role_name": "Client", "name": "Cleo",
				"email": "cleo@example.com", "tabs": []any{
					map[string]any{"label": "Nope", "value": "1"}}}},
		}, wantCode: CodeInvalidArgument, wantField: "roles[0].tabs[0].label"},
		{name: "template id not a guid", tool: "create_envelope", args: map[string]any{
			"source": "template", "status": "sent", "template_id": "engagement",
			"roles": []any{map[string]any{"role_name": "Client", "name": "Cleo",
				"email": "cleo@example.com"}},
		}, wantCode: CodeInvalidArgument, wantField: "template_id"},
		{name: "status of a non-guid", tool: "get_envelope_status",
			args:     map[string]any{"envelope_id": "12345"},
			wantCode: CodeInvalidArgument, wantField: "envelope_id"},
		{name: "status of a missing envelope", tool: "get_envelope_status",
			args:     map[string]any{"envelope_id": missingGUID},
			wantCode: CodeNotFound, wantField: "envelope_id"},
		{name: "void without reason", tool: "void_envelope",
			args:     map[string]any{"envelope_id": missingGUID, "reason": "  "},
			wantCode: CodeInvalidArgument, wantField: "reason"},
		{name: "void with long reason", tool: "void_envelope",
			args: map[string]any{"envelope_id": missingGUID,
				"reason": strings.Repeat("r", 201)},
			wantCode: CodeInvalidArgument, wantField: "reason"},
		{name: "void of a non-guid", tool: "void_envelope",
			args:     map[string]any{"envelope_id": "x", "reason": "typo"},
			wantCode: CodeInvalidArgument, wantField: "envelope_id"},
		{name: "resend of a non-guid", tool: "resend_envelope",
			args:     map[string]any{"envelope_id": "x"},
			wantCode: CodeInvalidArgument, wantField: "envelope_id"},
		{name: "list from not rfc 3339", tool: "list_envelopes",
			args:     map[string]any{"from": "2026-01-31"},
			wantCode: CodeInvalidArgument, wantField: "from"},
		{name: "list to before from", tool: "list_envelopes",
			args: map[string]any{"from": "2026-02-01T00:00:00Z",
				"to": "2026-01-01T00:00:00Z"},
			wantCode: CodeInvalidArgument, wantField: "to"},
		{name: "list page size too big", tool: "list_envelopes",
			args:     map[string]any{"page_size": 500},
			wantCode: CodeInvalidArgument, wantField: "page_size"},
		{name: "list forged cursor", tool: "list_envelopes",
			args:     map[string]any{"cursor": "abc"},
			wantCode: CodeInvalidArgument, wantField: "cursor"},
		{name: "list unknown status", tool: "list_envelopes",
			args:     map[string]any{"status": []string{"lost"}},
			wantCode: CodeInvalidArgument, wantField: "status[0]"},
		{name: "download unknown document keyword", tool: "download_document",
			args:     map[string]any{"envelope_id": missingGUID, "document_id": "archive"},
			wantCode: CodeInvalidArgument, wantField: "document_id"},
		{name: "templates search too long", tool: "list_templates",
			args:     map[string]any{"search_text": strings.Repeat("s", 49)},
			wantCode: CodeInvalidArgument, wantField: "search_text"},
		{name: "get template of a non-guid", tool: "get_template",
			args:     map[string]any{"template_id": "nda"},
			wantCode: CodeInvalidArgument, wantField: "template_id"},
	}
	h := newHarness(t)
	c := h.stdioClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustFail(t, callTool(t, c, tt.tool, tt.args))
			if got.Code != tt.wantCode {
				t.Errorf("code = %q (%s), want %q", got.Code, got.Message, tt.wantCode)
			}
			if got.Field != tt.wantField {
				t.Errorf("field = %q (%s), want %q", got.Field, got.Message, tt.wantField)
			}
			if strings.Contains(got.Message, "&{") {
				t.Errorf("message is a Go struct dump: %s", got.Message)
			}
		})
	}
	if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != 0 {
		t.Errorf("the simulator served %d create calls, want 0 for rejected input", n)
	}
}

func TestCreateRejectsOversizedDocuments(t *testing.T) {
	half := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{'a'}, maxDocumentBytes/2+1)...)
	half = append(half, "\n%%EOF\n"...)
	encoded := base64.StdEncoding.EncodeToString(half)
	in := &createEnvelopeInput{
		Source: "documents", Status: "created",
		Documents: []documentInput{
			{Name: "a", FileExtension: "pdf", ContentBase64: encoded},
			{Name: "b", FileExtension: "pdf", ContentBase64: encoded},
		},
		Signers: []recipientInput{{Name: "Ana", Email: "ana@example.com"}},
	}
	got := validateCreate(in)
	if got == nil {
		t.Fatalf("validateCreate accepted %d bytes of documents, want too_large", 2*len(half))
	}
	if got.Code != CodeTooLarge {
		t.Errorf("code = %q, want %q", got.Code, CodeTooLarge)
	}
	if got.Field != "documents" {
		t.Errorf("field = %q, want documents", got.Field)
	}
}

func TestCreateAssignsIDs(t *testing.T) {
	in := &createEnvelopeInput{
		Source: "documents", Status: "created",
		Documents: []documentInput{
			{Name: "a", FileExtension: "pdf", ContentBase64: pdfBase64()},
			{Name: "b", FileExtension: "pdf", ContentBase64: pdfBase64(), DocumentID: 1},
		},
		Signers:      []recipientInput{{Name: "Ana", Email: "ana@example.com", RecipientID: 2}},
		CarbonCopies: []recipientInput{{Name: "Carl", Email: "carl@example.com"}},
	}
	if terr := validateCreate(in); terr != nil {
		t.Fatalf("validateCreate failed: %s", terr.Message)
	}
	if in.Documents[0].DocumentID != 2 {
		t.Errorf("first document id = %d, want 2, the lowest id not taken",
			in.Documents[0].DocumentID)
	}
	if in.CarbonCopies[0].RecipientID != 1 {
		t.Errorf("carbon copy recipient id = %d, want 1, the lowest id not taken",
			in.CarbonCopies[0].RecipientID)
	}
}
