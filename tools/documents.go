package tools

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/store"
)

const (
	// maxInlineBytes is the largest document that download_document embeds in its result.
	// Larger ones are only linked, because clients reject big results.
	maxInlineBytes = 256 << 10
	// maxDownloadBytes caps one downloaded document.
	// NOTE: an estimate, not a Docusign limit: 25 MB of uploads plus the certificate and
	// Docusign's additions fit well below it.
	maxDownloadBytes = 64 << 20
)

var documentIDPattern = regexp.MustCompile(`^(?:[1-9][0-9]{0,9}|combined|certificate)$`)

// isDocumentID reports whether id is combined, certificate or a positive integer that
// Docusign accepts as a document id.
func isDocumentID(id string) bool {
	if !documentIDPattern.MatchString(id) {
		return false
	}
	n, err := strconv.Atoi(id)
	return err != nil || n <= maxDocusignID
}

type listDocumentsOutput struct {
	EnvelopeID string         `json:"envelope_id"`
	Documents  []documentItem `json:"documents"`
}

type documentItem struct {
	DocumentID string `json:"document_id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Pages      int    `json:"pages"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (documentItem) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"document_id": "Id to pass to download_document.",
		"type":        "content for uploaded documents, summary for the certificate of completion.",
	})
}

func newListEnvelopeDocuments(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[envelopeIDInput, listDocumentsOutput]{
		name: "list_envelope_documents",
		description: "Reads only. Lists an envelope's documents with id, name, type and page " +
			"count, including the certificate of completion (document id certificate).",
		readOnly:   true,
		idempotent: true,
		validate:   (*envelopeIDInput).validate,
		envelopeID: func(in *envelopeIDInput) string { return in.EnvelopeID },
		run: func(ctx context.Context, in *envelopeIDInput) (listDocumentsOutput, []content,
			*ToolError) {
			result, _, err := d.Docusign.Documents.List(ctx, in.EnvelopeID)
			if err != nil {
				return listDocumentsOutput{}, nil, fromDocusign(err, "envelope "+in.EnvelopeID,
					d.Now())
			}
			out := listDocumentsOutput{EnvelopeID: in.EnvelopeID, Documents: []documentItem{}}
			for _, doc := range result.EnvelopeDocuments {
				out.Documents = append(out.Documents, documentItem{DocumentID: doc.DocumentID,
					Name: doc.Name, Type: doc.Type, Pages: len(doc.Pages)})
			}
			return out, nil, nil
		},
	})
}

type downloadInput struct {
	EnvelopeID string `json:"envelope_id" jsonschema:"minLength=36,maxLength=36"`
	DocumentID string `json:"document_id" jsonschema:"minLength=1,maxLength=20"`
	Inline     bool   `json:"inline,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (downloadInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"envelope_id": "Envelope GUID.",
		"document_id": "A document id from list_envelope_documents, combined for all documents " +
			"as one PDF, or certificate.",
		"inline": "Also embed the bytes in the result, for files up to 256 KiB.",
	})
}

type downloadOutput struct {
	URI        string `json:"uri"`
	Name       string `json:"name"`
	MIMEType   string `json:"mime_type"`
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
	Inline     bool   `json:"inline"`
	ExportPath string `json:"export_path,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (downloadOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"uri":         "Resource URI; read it with resources/read.",
		"size":        "Size in bytes.",
		"sha256":      "Lower-case hex SHA-256 of the bytes.",
		"inline":      "Whether the bytes are embedded in this result.",
		"export_path": "Plaintext copy on the server's disk, when the server exports documents.",
	})
}

func newDownloadDocument(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[downloadInput, downloadOutput]{
		name: "download_document",
		description: "Reads from Docusign and writes to this server's document store (and its " +
			"export folder, when configured). Downloads one document, combined (all " +
			"documents as one PDF) or certificate, and returns a resource link " +
			"docusign://envelopes/{envelope_id}/documents/{document_id} with name, type, " +
			"size and SHA-256. The bytes are embedded only when inline is true and the " +
			"file is at most 256 KiB.",
		idempotent: true,
		validate:   validateDownload,
		envelopeID: func(in *downloadInput) string { return in.EnvelopeID },
		run: func(ctx context.Context, in *downloadInput) (downloadOutput, []content,
			*ToolError) {
			return downloadDocument(ctx, d, in)
		},
	})
}

func validateDownload(in *downloadInput) *ToolError {
	if terr := checkGUID("envelope_id", in.EnvelopeID, "envelope id"); terr != nil {
		return terr
	}
	if !isDocumentID(in.DocumentID) {
		return invalidArgument("document_id", "document_id %q is invalid: pass a number from "+
			"list_envelope_documents, combined or certificate", truncate(in.DocumentID, 20))
	}
	return nil
}

func downloadDocument(ctx context.Context, d *Deps, in *downloadInput) (downloadOutput,
	[]content, *ToolError) {
	key := store.DocumentKey{EnvelopeID: in.EnvelopeID, DocumentID: in.DocumentID}
	meta, terr := fetchIntoStore(ctx, d, key)
	if terr != nil {
		return downloadOutput{}, nil, terr
	}
	out := downloadOutput{URI: documentURI(key), Name: meta.Name, MIMEType: meta.MIMEType,
		Size: meta.Size, SHA256: meta.SHA256}
	extra := []content{mcp.NewResourceLink(out.URI, out.Name, "Document "+in.DocumentID+
		" of envelope "+in.EnvelopeID, out.MIMEType)}
	if in.Inline && meta.Size <= maxInlineBytes {
		blob, terr := readStored(ctx, d, key)
		if terr != nil {
			return downloadOutput{}, nil, terr
		}
		extra = append(extra, mcp.NewEmbeddedResource(mcp.BlobResourceContents{URI: out.URI,
			MIMEType: out.MIMEType, Blob: base64.StdEncoding.EncodeToString(blob)}))
		out.Inline = true
	}
	if d.Options.ExportDir != "" {
		path, terr := exportDocument(ctx, d, key, meta)
		if terr != nil {
			return downloadOutput{}, nil, terr
		}
		out.ExportPath = path
	}
	return out, extra, nil
}

// fetchIntoStore streams the download into the store through a pipe, so the bytes are never
// held whole in memory nor decoded as text.
func fetchIntoStore(ctx context.Context, d *Deps, key store.DocumentKey) (store.DocumentMeta,
	*ToolError) {
	pr, pw := io.Pipe()
	downloadErr := make(chan error, 1)
	go func() {
		_, _, err := d.Docusign.Documents.Download(ctx, key.EnvelopeID, key.DocumentID, pw,
			maxDownloadBytes)
		pw.CloseWithError(cmpErr(err, io.EOF))
		downloadErr <- err
	}()
	meta, putErr := d.Store.PutDocument(ctx, key, pr)
	pr.CloseWithError(errors.New("store stopped reading"))
	if err := <-downloadErr; err != nil {
		return store.DocumentMeta{}, fromDocusign(err, "document "+key.String(), d.Now())
	}
	if putErr != nil {
		return store.DocumentMeta{}, &ToolError{Code: CodeInternal, cause: putErr,
			Message:  "the document was downloaded but could not be stored",
			NextStep: "call again; if it keeps failing, tell the server operator"}
	}
	return meta, nil
}

func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

func readStored(ctx context.Context, d *Deps, key store.DocumentKey) ([]byte, *ToolError) {
	var buf bytes.Buffer
	if _, err := d.Store.GetDocument(ctx, key, &buf); err != nil {
		return nil, &ToolError{Code: CodeInternal, cause: err,
			Message:  "the stored document could not be read",
			NextStep: "call download_document again"}
	}
	return buf.Bytes(), nil
}

// exportDocument writes a plaintext copy to the export folder, through a temporary file that
// is renamed into place, so a reader never sees a partial file.
func exportDocument(ctx context.Context, d *Deps, key store.DocumentKey,
	meta store.DocumentMeta) (string, *ToolError) {
	path := filepath.Join(d.Options.ExportDir, key.EnvelopeID+"_"+meta.Name)
	exportFailed := func(err error) (string, *ToolError) {
		return "", &ToolError{Code: CodeInternal, cause: err,
			Message:  "the document is stored but its copy in the export folder failed",
			NextStep: "read it through the resource URI, or tell the server operator"}
	}
	tmp, err := os.CreateTemp(d.Options.ExportDir, ".download-*")
	if err != nil {
		return exportFailed(err)
	}
	defer os.Remove(tmp.Name())
	_, err = d.Store.GetDocument(ctx, key, tmp)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return exportFailed(err)
	}
	return path, nil
}

func documentURI(key store.DocumentKey) string {
	return fmt.Sprintf("docusign://envelopes/%s/documents/%s", key.EnvelopeID, key.DocumentID)
}
