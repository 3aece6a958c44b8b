package tools

import (
	"context"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
)

// extraneousList wraps the real envelope service and adds, to every listStatusChanges
// page, an envelope whose status was not asked for, as Docusign may return one.
type extraneousList struct {
	EnvelopeAPI
}

func (e extraneousList) ListStatusChanges(ctx context.Context,
	opts *docusign.ListStatusChangesOptions) (*docusign.EnvelopesInformation, *docusign.Response,
	error) {
	info, resp, err := e.EnvelopeAPI.ListStatusChanges(ctx, opts)
	if err != nil {
		return info, resp, err
	}
	info.Envelopes = append(info.Envelopes, docusign.Envelope{
		EnvelopeID: "6f1c2d3e-0000-4000-8000-000000000001", Status: "voided"})
	return info, resp, nil
}

func TestListEnvelopesRefiltersStatus(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		d.Docusign.Envelopes = extraneousList{d.Docusign.Envelopes}
	})
	c := h.stdioClient(t)
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &created)

	var sent listEnvelopesOutput
	mustSucceed(t, callTool(t, c, "list_envelopes",
		map[string]any{"status": []string{"sent"}}), &sent)
	if len(sent.Envelopes) != 1 {
		t.Fatalf("status sent listed %d envelopes, want only the 1 sent one: %+v",
			len(sent.Envelopes), sent.Envelopes)
	}
	if sent.Envelopes[0].Status != "sent" {
		t.Errorf("listed status = %q, want sent", sent.Envelopes[0].Status)
	}

	var all listEnvelopesOutput
	mustSucceed(t, callTool(t, c, "list_envelopes", map[string]any{}), &all)
	if len(all.Envelopes) != 2 {
		t.Errorf("no status filter listed %d envelopes, want 2 (nothing dropped)",
			len(all.Envelopes))
	}
}
