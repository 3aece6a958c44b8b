package tools

import (
	"context"
	"io"

	"github.com/ys88io/docusign-mcp/docusign"
)

// withBudget returns ds with every call passing b first.
func withBudget(ds Docusign, b *AccountBudget) Docusign {
	out := ds
	if ds.Envelopes != nil {
		out.Envelopes = budgetEnvelopes{next: ds.Envelopes, b: b}
	}
	if ds.Documents != nil {
		out.Documents = budgetDocuments{next: ds.Documents, b: b}
	}
	if ds.Templates != nil {
		out.Templates = budgetTemplates{next: ds.Templates, b: b}
	}
	return out
}

type budgetEnvelopes struct {
	next EnvelopeAPI
	b    *AccountBudget
}

func (e budgetEnvelopes) Create(ctx context.Context, def *docusign.EnvelopeDefinition) (
	*docusign.EnvelopeSummary, *docusign.Response, error) {
	return budgeted(ctx, e.b, func() (*docusign.EnvelopeSummary, *docusign.Response, error) {
		return e.next.Create(ctx, def)
	})
}

func (e budgetEnvelopes) ListStatusChanges(ctx context.Context,
	opts *docusign.ListStatusChangesOptions) (*docusign.EnvelopesInformation,
	*docusign.Response, error) {
	return budgeted(ctx, e.b, func() (*docusign.EnvelopesInformation, *docusign.Response,
		error) {
		return e.next.ListStatusChanges(ctx, opts)
	})
}

func (e budgetEnvelopes) Get(ctx context.Context, envelopeID string,
	opts *docusign.GetEnvelopeOptions) (*docusign.Envelope, *docusign.Response, error) {
	return budgeted(ctx, e.b, func() (*docusign.Envelope, *docusign.Response, error) {
		return e.next.Get(ctx, envelopeID, opts)
	})
}

func (e budgetEnvelopes) ListRecipients(ctx context.Context, envelopeID string) (
	*docusign.Recipients, *docusign.Response, error) {
	return budgeted(ctx, e.b, func() (*docusign.Recipients, *docusign.Response, error) {
		return e.next.ListRecipients(ctx, envelopeID)
	})
}

func (e budgetEnvelopes) Void(ctx context.Context, envelopeID, reason string) (
	*docusign.EnvelopeUpdateSummary, *docusign.Response, error) {
	return budgeted(ctx, e.b, func() (*docusign.EnvelopeUpdateSummary, *docusign.Response,
		error) {
		return e.next.Void(ctx, envelopeID, reason)
	})
}

func (e budgetEnvelopes) Resend(ctx context.Context, envelopeID string) (
	*docusign.EnvelopeUpdateSummary, *docusign.Response, error) {
	return budgeted(ctx, e.b, func() (*docusign.EnvelopeUpdateSummary, *docusign.Response,
		error) {
		return e.next.Resend(ctx, envelopeID)
	})
}

type budgetDocuments struct {
	next DocumentAPI
	b    *AccountBudget
}

func (d budgetDocuments) List(ctx context.Context, envelopeID string) (
	*docusign.EnvelopeDocumentsResult, *docusign.Response, error) {
	return budgeted(ctx, d.b, func() (*docusign.EnvelopeDocumentsResult, *docusign.Response,
		error) {
		return d.next.List(ctx, envelopeID)
	})
}

func (d budgetDocuments) Download(ctx context.Context, envelopeID, documentID string,
	w io.Writer, maxBytes int64) (*docusign.DownloadInfo, *docusign.Response, error) {
	return budgeted(ctx, d.b, func() (*docusign.DownloadInfo, *docusign.Response, error) {
		return d.next.Download(ctx, envelopeID, documentID, w, maxBytes)
	})
}

type budgetTemplates struct {
	next TemplateAPI
	b    *AccountBudget
}

func (t budgetTemplates) List(ctx context.Context, opts *docusign.ListTemplatesOptions) (
	*docusign.EnvelopeTemplateResults, *docusign.Response, error) {
	return budgeted(ctx, t.b, func() (*docusign.EnvelopeTemplateResults, *docusign.Response,
		error) {
		return t.next.List(ctx, opts)
	})
}

func (t budgetTemplates) Get(ctx context.Context, templateID string) (
	*docusign.EnvelopeTemplate, *docusign.Response, error) {
	return budgeted(ctx, t.b, func() (*docusign.EnvelopeTemplate, *docusign.Response, error) {
		return t.next.Get(ctx, templateID)
	})
}
