package tools

import (
	"context"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
)

// extraneousEnvelopes adds to every listing an envelope whose current status is completed.
// Docusign's listStatusChanges may return such extra envelopes, whose status changed in the
// window but is not one of the requested statuses, so callers must filter again.
type extraneousEnvelopes struct {
	EnvelopeAPI
}

func (e extraneousEnvelopes) ListStatusChanges(ctx context.Context,
	opts *docusign.ListStatusChangesOptions) (*docusign.EnvelopesInformation,
	*docusign.Response, error) {
	info, resp, err := e.EnvelopeAPI.ListStatusChanges(ctx, opts)
	if err != nil {
		return info, resp, err
	}
	info.Envelopes = append(info.Envelopes, docusign.Envelope{
		EnvelopeID: "5d1e0f2a-9b8c-4d7e-8f6a-0b1c2d3e4f50", Status: "completed"})
	return info, resp, nil
}

func TestListFiltersExtraneousStatuses(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		d.Docusign.Envelopes = extraneousEnvelopes{EnvelopeAPI: d.Docusign.Envelopes}
	})
	c := h.stdioClient(t)
	var created map[string]any
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "sent")), &created)
	var out struct {
		Envelopes []struct {
			EnvelopeID string `json:"envelope_id"`
			Status     string `json:"status"`
		} `json:"envelopes"`
	}
	mustSucceed(t, callTool(t, c, "list_envelopes", map[string]any{"status": []string{"sent"}}),
		&out)
	for _, e := range out.Envelopes {
		if e.Status != "sent" {
			t.Errorf("envelope %s has status %q in a listing filtered on sent", e.EnvelopeID,
				e.Status)
		}
	}
}
