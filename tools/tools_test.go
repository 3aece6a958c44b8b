package tools

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

func TestToolsHappyPath(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			h := newHarness(t)
			c := tr.start(h, t)
			templateID := checkTemplates(t, c)
			envelopeID := checkCreateFromDocuments(t, c)
			checkCreateFromTemplate(t, c, templateID)
			checkStatus(t, c, envelopeID)
			checkListEnvelopes(t, c)
			checkDocuments(t, c, envelopeID)
			checkDownload(t, c, envelopeID)
			checkResend(t, c, envelopeID)
			checkVoid(t, c, envelopeID)
		})
	}
}

func checkTemplates(t *testing.T, c *client.Client) string {
	t.Helper()
	var list listTemplatesOutput
	mustSucceed(t, callTool(t, c, "list_templates", map[string]any{"search_text": "Engagement"}),
		&list)
	if len(list.Templates) != 1 || list.Templates[0].TemplateID !=
		docusigntest.EngagementLetterTemplateID {
		t.Fatalf("list_templates for Engagement = %+v, want the engagement letter only",
			list.Templates)
	}
	var tmpl templateOutput
	mustSucceed(t, callTool(t, c, "get_template",
		map[string]any{"template_id": docusigntest.EngagementLetterTemplateID}), &tmpl)
	var roles []string
	for _, r := range tmpl.Roles {
		roles = append(roles, r.RoleName)
	}
	if !slices.Equal(roles, []string{"Client", "Partner", "Billing"}) {
		t.Errorf("get_template roles = %v, want Client, Partner, Billing", roles)
	}
	if len(tmpl.Roles) > 0 && !slices.Contains(tmpl.Roles[0].Tabs,
		templateTab{Type: "sign_here", Label: "Signature"}) {
		t.Errorf("role Client tabs = %+v, want a sign_here tab labelled Signature",
			tmpl.Roles[0].Tabs)
	}
	if len(tmpl.Documents) != 1 || tmpl.Documents[0].Pages < 1 {
		t.Errorf("get_template documents = %+v, want one document with pages", tmpl.Documents)
	}
	return tmpl.TemplateID
}

func checkCreateFromDocuments(t *testing.T, c *client.Client) string {
	t.Helper()
	var out createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &out)
	if out.Status != "sent" {
		t.Errorf("create_envelope status = %q, want sent", out.Status)
	}
	if checkGUID("envelope_id", out.EnvelopeID, "") != nil {
		t.Fatalf("create_envelope envelope_id = %q, want a GUID", out.EnvelopeID)
	}
	var draft createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "created")), &draft)
	if draft.Status != "created" {
		t.Errorf("draft create_envelope status = %q, want created", draft.Status)
	}
	return out.EnvelopeID
}

func checkCreateFromTemplate(t *testing.T, c *client.Client, templateID string) {
	t.Helper()
	args := map[string]any{
		"source": "template", "status": "sent", "template_id": templateID,
		"roles": []any{
			map[string]any{"role_name": "Client", "name": "Cleo Client",
				"email": "cleo@example.com", "tabs": []any{
					map[string]any{"label": "Signature", "value": ""}}},
			map[string]any{"role_name": "Partner", "name": "Pat Partner",
				"email": "pat@example.com", "routing_order": 2},
		},
	}
	var out createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", args), &out)
	if out.Status != "sent" {
		t.Errorf("create_envelope from template status = %q, want sent", out.Status)
	}
	if out.Source != "template" {
		t.Errorf("create_envelope from template source = %q, want template", out.Source)
	}
}

func checkStatus(t *testing.T, c *client.Client, envelopeID string) {
	t.Helper()
	var out envelopeStatusOutput
	mustSucceed(t, callTool(t, c, "get_envelope_status",
		map[string]any{"envelope_id": envelopeID}), &out)
	if out.Status != "sent" {
		t.Errorf("status = %q, want sent", out.Status)
	}
	if out.State != "in_progress" {
		t.Errorf("state = %q, want in_progress", out.State)
	}
	if len(out.Recipients) != 2 {
		t.Fatalf("recipients = %+v, want the signer and the carbon copy", out.Recipients)
	}
	signer := out.Recipients[0]
	if signer.Type != "signer" {
		t.Errorf("first recipient type = %q, want signer", signer.Type)
	}
	if signer.Email != "ana.signer@example.com" {
		t.Errorf("first recipient email = %q, want the address it was sent to", signer.Email)
	}
	if signer.RoutingOrder != 1 {
		t.Errorf("first recipient routing order = %d, want 1", signer.RoutingOrder)
	}
	cc := out.Recipients[1]
	if cc.Type != "carbon_copy" {
		t.Errorf("second recipient type = %q, want carbon_copy", cc.Type)
	}
	if cc.RoutingOrder != 2 {
		t.Errorf("second recipient routing order = %d, want 2", cc.RoutingOrder)
	}
}

func checkListEnvelopes(t *testing.T, c *client.Client) {
	t.Helper()
	var all listEnvelopesOutput
	mustSucceed(t, callTool(t, c, "list_envelopes", map[string]any{}), &all)
	if len(all.Envelopes) != 3 {
		t.Errorf("list_envelopes returned %d envelopes, want the 3 created", len(all.Envelopes))
	}
	var first listEnvelopesOutput
	mustSucceed(t, callTool(t, c, "list_envelopes", map[string]any{"page_size": 2}), &first)
	if !first.Truncated || first.NextCursor == "" || len(first.Envelopes) != 2 {
		t.Fatalf("first page = %d envelopes, truncated %v, want 2 and a cursor",
			len(first.Envelopes), first.Truncated)
	}
	var second listEnvelopesOutput
	mustSucceed(t, callTool(t, c, "list_envelopes",
		map[string]any{"cursor": first.NextCursor}), &second)
	if len(second.Envelopes) != 1 || second.Truncated {
		t.Errorf("second page = %d envelopes, truncated %v, want 1 and the end",
			len(second.Envelopes), second.Truncated)
	}
	var sent listEnvelopesOutput
	mustSucceed(t, callTool(t, c, "list_envelopes",
		map[string]any{"status": []string{"created"}}), &sent)
	if len(sent.Envelopes) != 1 || sent.Envelopes[0].Status != "created" {
		t.Errorf("list_envelopes for created = %+v, want the one draft", sent.Envelopes)
	}
}

func checkDocuments(t *testing.T, c *client.Client, envelopeID string) {
	t.Helper()
	var out listDocumentsOutput
	mustSucceed(t, callTool(t, c, "list_envelope_documents",
		map[string]any{"envelope_id": envelopeID}), &out)
	var ids []string
	for _, doc := range out.Documents {
		ids = append(ids, doc.DocumentID)
	}
	if !slices.Equal(ids, []string{"1", "7", "certificate"}) {
		t.Errorf("document ids = %v, want 1, 7 and certificate", ids)
	}
}

func checkDownload(t *testing.T, c *client.Client, envelopeID string) {
	t.Helper()
	res := callTool(t, c, "download_document",
		map[string]any{"envelope_id": envelopeID, "document_id": "combined", "inline": true})
	var out downloadOutput
	mustSucceed(t, res, &out)
	wantURI := "docusign://envelopes/" + envelopeID + "/documents/combined"
	if out.URI != wantURI {
		t.Errorf("download uri = %q, want %q", out.URI, wantURI)
	}
	if out.MIMEType != "application/pdf" {
		t.Errorf("download mime_type = %q, want application/pdf", out.MIMEType)
	}
	if !out.Inline {
		t.Errorf("download inline = false for a small file with inline requested, want true")
	}
	if len(res.Content) != 3 {
		t.Fatalf("download has %d content items, want text, resource_link and resource",
			len(res.Content))
	}
	link, ok := res.Content[1].(mcp.ResourceLink)
	if !ok || link.URI != wantURI {
		t.Errorf("second content item = %#v, want a resource_link to %s", res.Content[1],
			wantURI)
	}
	blob := readResource(t, c, wantURI)
	sum := sha256.Sum256(blob)
	if hex.EncodeToString(sum[:]) != out.SHA256 {
		t.Errorf("resources/read bytes have a digest other than the result's %s", out.SHA256)
	}
	if int64(len(blob)) != out.Size {
		t.Errorf("resources/read returned %d bytes, want the result's size %d", len(blob),
			out.Size)
	}
	if !bytes.HasPrefix(blob, []byte("%PDF-")) {
		t.Errorf("downloaded combined document does not start with %%PDF-")
	}
}

func readResource(t *testing.T, c *client.Client, uri string) []byte {
	t.Helper()
	var req mcp.ReadResourceRequest
	req.Params.URI = uri
	res, err := c.ReadResource(context.Background(), req)
	if err != nil {
		t.Fatalf("resources/read %s failed: %v", uri, err)
	}
	if len(res.Contents) != 1 {
		t.Fatalf("resources/read returned %d contents, want 1", len(res.Contents))
	}
	blob, ok := res.Contents[0].(mcp.BlobResourceContents)
	if !ok {
		t.Fatalf("resources/read content is %T, want a blob", res.Contents[0])
	}
	data, err := base64.StdEncoding.DecodeString(blob.Blob)
	if err != nil {
		t.Fatalf("resources/read blob is not base64: %v", err)
	}
	return data
}

func checkResend(t *testing.T, c *client.Client, envelopeID string) {
	t.Helper()
	var out envelopeActionOutput
	mustSucceed(t, callTool(t, c, "resend_envelope", map[string]any{"envelope_id": envelopeID}),
		&out)
	if out.Action != "resent" {
		t.Errorf("resend_envelope action = %q, want resent", out.Action)
	}
}

func checkVoid(t *testing.T, c *client.Client, envelopeID string) {
	t.Helper()
	var out envelopeActionOutput
	mustSucceed(t, callTool(t, c, "void_envelope",
		map[string]any{"envelope_id": envelopeID, "reason": "Sent to the wrong client"}), &out)
	if out.Action != "voided" {
		t.Errorf("void_envelope action = %q, want voided", out.Action)
	}
	var status envelopeStatusOutput
	mustSucceed(t, callTool(t, c, "get_envelope_status",
		map[string]any{"envelope_id": envelopeID}), &status)
	if status.State != "voided" {
		t.Errorf("state after void = %q, want voided", status.State)
	}
	if status.VoidReason != "Sent to the wrong client" {
		t.Errorf("void_reason = %q, want the reason passed to void_envelope", status.VoidReason)
	}
	again := mustFail(t, callTool(t, c, "void_envelope",
		map[string]any{"envelope_id": envelopeID, "reason": "again"}))
	if again.Code != CodeInvalidState {
		t.Errorf("second void code = %q, want %q", again.Code, CodeInvalidState)
	}
}

func TestExportDirCopy(t *testing.T) {
	exportDir := t.TempDir()
	h := newHarness(t, func(d *Deps) { d.Options.ExportDir = exportDir })
	c := h.stdioClient(t)
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &created)
	var out downloadOutput
	mustSucceed(t, callTool(t, c, "download_document",
		map[string]any{"envelope_id": created.EnvelopeID, "document_id": "1"}), &out)
	if out.ExportPath != filepath.Join(exportDir, created.EnvelopeID+"_1.pdf") {
		t.Errorf("export_path = %q, want the envelope's file in the export folder",
			out.ExportPath)
	}
	data, err := os.ReadFile(out.ExportPath)
	if err != nil {
		t.Fatalf("reading the exported copy failed: %v", err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != out.SHA256 {
		t.Errorf("exported copy's digest differs from the result's sha256")
	}
	if out.Inline {
		t.Errorf("inline = true without inline requested, want false")
	}
}

func TestEnvelopeLifecycleStates(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	tests := []struct {
		name      string
		act       func(envelopeID string) error
		wantState string
	}{
		{name: "completed", act: h.sim.SignAll, wantState: "completed"},
		{name: "expired", act: h.sim.Expire, wantState: "expired"},
		{name: "declined",
			act:       func(id string) error { return h.sim.Decline(id, "1", "Wrong fee") },
			wantState: "declined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A key per case, because identical arguments would replay the first envelope.
			args := documentsEnvelope(t, "sent")
			args["idempotency_key"] = "lifecycle-" + tt.name
			var created createEnvelopeOutput
			mustSucceed(t, callTool(t, c, "create_envelope", args), &created)
			if err := tt.act(created.EnvelopeID); err != nil {
				t.Fatalf("simulator action failed: %v", err)
			}
			var out envelopeStatusOutput
			mustSucceed(t, callTool(t, c, "get_envelope_status",
				map[string]any{"envelope_id": created.EnvelopeID}), &out)
			if out.State != tt.wantState {
				t.Errorf("state = %q (status %q, reason %q), want %q", out.State, out.Status,
					out.VoidReason, tt.wantState)
			}
		})
	}
}

func TestDownloadLargeIsLinkedOnly(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	args := documentsEnvelope(t, "sent")
	// The comment lines go before the trailer, so the file still ends with %%EOF.
	padding := strings.Repeat("% padding line\n", maxInlineBytes/15+100)
	large := strings.Replace(testPDF, "trailer", padding+"trailer", 1)
	document(args, 0)["content_base64"] = base64.StdEncoding.EncodeToString([]byte(large))
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", args), &created)
	res := callTool(t, c, "download_document", map[string]any{
		"envelope_id": created.EnvelopeID, "document_id": "1", "inline": true})
	var out downloadOutput
	mustSucceed(t, res, &out)
	if out.Size <= maxInlineBytes {
		t.Fatalf("downloaded size = %d, want over %d for this test", out.Size, maxInlineBytes)
	}
	if out.Inline {
		t.Errorf("inline = true for %d bytes, want false above %d", out.Size, maxInlineBytes)
	}
	if len(res.Content) != 2 {
		t.Errorf("download has %d content items, want text and resource_link only",
			len(res.Content))
	}
}
