package tools

import (
	"context"
	"io"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// EnvelopeAPI is the part of docusign.EnvelopesService that the tools call.
type EnvelopeAPI interface {
	Create(ctx context.Context, def *docusign.EnvelopeDefinition) (*docusign.EnvelopeSummary,
		*docusign.Response, error)
	ListStatusChanges(ctx context.Context, opts *docusign.ListStatusChangesOptions) (
		*docusign.EnvelopesInformation, *docusign.Response, error)
	Get(ctx context.Context, envelopeID string, opts *docusign.GetEnvelopeOptions) (
		*docusign.Envelope, *docusign.Response, error)
	ListRecipients(ctx context.Context, envelopeID string) (*docusign.Recipients,
		*docusign.Response, error)
	Void(ctx context.Context, envelopeID, reason string) (*docusign.EnvelopeUpdateSummary,
		*docusign.Response, error)
	Resend(ctx context.Context, envelopeID string) (*docusign.EnvelopeUpdateSummary,
		*docusign.Response, error)
}

// DocumentAPI is the part of docusign.DocumentsService that the tools call.
type DocumentAPI interface {
	List(ctx context.Context, envelopeID string) (*docusign.EnvelopeDocumentsResult,
		*docusign.Response, error)
	Download(ctx context.Context, envelopeID, documentID string, w io.Writer, maxBytes int64) (
		*docusign.DownloadInfo, *docusign.Response, error)
}

// TemplateAPI is the part of docusign.TemplatesService that the tools call.
type TemplateAPI interface {
	List(ctx context.Context, opts *docusign.ListTemplatesOptions) (
		*docusign.EnvelopeTemplateResults, *docusign.Response, error)
	Get(ctx context.Context, templateID string) (*docusign.EnvelopeTemplate, *docusign.Response,
		error)
}

// Docusign is the subset of the Docusign client that the tools use, one interface per
// service, so tests and other clients can supply their own. NewDocusign adapts a
// *docusign.Client.
type Docusign struct {
	Envelopes EnvelopeAPI
	Documents DocumentAPI
	Templates TemplateAPI
}

// NewDocusign returns the services of c.
func NewDocusign(c *docusign.Client) Docusign {
	return Docusign{Envelopes: c.Envelopes, Documents: c.Documents, Templates: c.Templates}
}

// DocumentStore keeps downloaded documents. *store.Store implements it.
type DocumentStore interface {
	PutDocument(ctx context.Context, key store.DocumentKey, r io.Reader) (store.DocumentMeta,
		error)
	GetDocument(ctx context.Context, key store.DocumentKey, w io.Writer) (store.DocumentMeta,
		error)
}

var (
	_ EnvelopeAPI   = (*docusign.EnvelopesService)(nil)
	_ DocumentAPI   = (*docusign.DocumentsService)(nil)
	_ TemplateAPI   = (*docusign.TemplatesService)(nil)
	_ DocumentStore = (*store.Store)(nil)
)
