package tools

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/store"
)

// documentURITemplate is the URI of a downloaded document, as download_document links it.
const documentURITemplate = "docusign://envelopes/{envelopeId}/documents/{documentId}"

// DocumentResourceTemplate returns the resource template that serves downloaded documents from
// the store through resources/read. It reads only what download_document stored, never
// Docusign, and passes the same policy check as download_document.
func DocumentResourceTemplate(deps Deps) server.ServerResourceTemplate {
	d := deps.withDefaults()
	template := mcp.NewResourceTemplate(documentURITemplate, "envelope_document",
		mcp.WithTemplateDescription("A document that download_document stored, as base64 "+
			"bytes. Call download_document first."),
		mcp.WithTemplateMIMEType("application/pdf"))
	return server.ServerResourceTemplate{Template: template, Handler: d.readDocument}
}

func (d *Deps) readDocument(ctx context.Context, req mcp.ReadResourceRequest) (
	[]mcp.ResourceContents, error) {
	key := store.DocumentKey{
		EnvelopeID: templateArgument(req.Params.Arguments, "envelopeId"),
		DocumentID: templateArgument(req.Params.Arguments, "documentId"),
	}
	in := downloadInput{EnvelopeID: key.EnvelopeID, DocumentID: key.DocumentID}
	terr := validateDownload(&in)
	if terr == nil {
		terr = d.decide(ctx, "download_document", false, key.EnvelopeID)
	}
	if terr != nil {
		return nil, fmt.Errorf("read %s: %s", req.Params.URI, terr.Message)
	}
	var buf bytes.Buffer
	meta, err := d.Store.GetDocument(ctx, key, &buf)
	if errors.Is(err, store.ErrNotFound) {
		// NOTE: mcp-go v1.2.1 sends every resource handler error as JSON-RPC -32603, so the
		// message must carry the fix.
		return nil, fmt.Errorf("call download_document with envelope_id %s and document_id "+
			"%s first, because this server has no downloaded copy of %s: %w", key.EnvelopeID,
			key.DocumentID, req.Params.URI, server.ErrResourceNotFound)
	}
	if err != nil {
		d.Logger.ErrorContext(ctx, "reading a stored document failed",
			"envelope_id", key.EnvelopeID, "document_id", key.DocumentID, "error", err)
		return nil, fmt.Errorf("read %s: the stored document could not be read", req.Params.URI)
	}
	return []mcp.ResourceContents{mcp.BlobResourceContents{URI: req.Params.URI,
		MIMEType: meta.MIMEType, Blob: base64.StdEncoding.EncodeToString(buf.Bytes())}}, nil
}

// templateArgument returns a URI template variable. mcp-go passes them as []string.
func templateArgument(args map[string]any, name string) string {
	switch v := args[name].(type) {
	case []string:
		if len(v) > 0 {
			return v[0]
		}
	case string:
		return v
	}
	return ""
}
