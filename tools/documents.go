package tools

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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

type listDocumentsInput struct {
	EnvelopeID string `json:"envelope_id" jsonschema:"minLength=36,maxLength=36"`
	PageSize   int    `json:"page_size,omitempty" jsonschema:"minimum=1,maximum=100"`
	Cursor     string `json:"cursor,omitempty"`

	start int
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (listDocumentsInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"envelope_id": "Envelope GUID, as create_envelope or list_envelopes return it.",
		"page_size":   "Documents per page, at most 100. Default 100.",
		"cursor":      "next_cursor of the previous page, with the same envelope_id.",
	})
}

// documentCursor is the decoded list_envelope_documents cursor.
type documentCursor struct {
	Start      int    `json:"p"`
	EnvelopeID string `json:"e"`
	PageSize   int    `json:"n"`
}

func (in *listDocumentsInput) validate() *ToolError {
	if terr := checkGUID("envelope_id", in.EnvelopeID, "envelope id"); terr != nil {
		return terr
	}
	if in.Cursor != "" {
		var c documentCursor
		raw, err := base64.RawURLEncoding.DecodeString(in.Cursor)
		if err == nil {
			err = json.Unmarshal(raw, &c)
		}
		if err != nil || c.Start < 0 || c.EnvelopeID != in.EnvelopeID ||
			(in.PageSize != 0 && in.PageSize != c.PageSize) {
			return invalidArgument("cursor", "cursor is not one this server issued for "+
				"this envelope_id and page_size: pass next_cursor from the previous page "+
				"unchanged, or leave it out to start over")
		}
		in.PageSize, in.start = c.PageSize, c.Start
	}
	if in.PageSize == 0 {
		in.PageSize = maxPageSize
	}
	return checkPageSize(&in.PageSize)
}

type listDocumentsOutput struct {
	EnvelopeID string         `json:"envelope_id"`
	Documents  []documentItem `json:"documents"`
	Truncated  bool           `json:"truncated"`
	NextCursor string         `json:"next_cursor,omitempty"`
	Total      int            `json:"total"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (listDocumentsOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"truncated": "True when more documents follow, because of page_size or the result " +
			"size budget: call again with next_cursor.",
		"total": "Number of the envelope's documents.",
	})
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
	return buildTool(d, toolSpec[listDocumentsInput, listDocumentsOutput]{
		name: "list_envelope_documents",
		description: "Reads only. Lists an envelope's documents with id, name, type and page " +
			"count, including the certificate of completion (document id certificate). " +
			"Pages with page_size (at most 100) and next_cursor.",
		readOnly:   true,
		idempotent: true,
		validate:   (*listDocumentsInput).validate,
		envelopeID: func(in *listDocumentsInput) string { return in.EnvelopeID },
		run: func(ctx context.Context, in *listDocumentsInput) (listDocumentsOutput, []content,
			*ToolError) {
			return listDocuments(ctx, d, in)
		},
	})
}

func listDocuments(ctx context.Context, d *Deps, in *listDocumentsInput) (listDocumentsOutput,
	[]content, *ToolError) {
	result, _, err := d.Docusign.Documents.List(ctx, in.EnvelopeID)
	if err != nil {
		return listDocumentsOutput{}, nil, fromDocusign(err, "envelope "+in.EnvelopeID, d.Now())
	}
	docs := result.EnvelopeDocuments
	out := listDocumentsOutput{EnvelopeID: in.EnvelopeID, Documents: []documentItem{},
		Total: len(docs)}
	for _, doc := range docs[min(in.start, len(docs)):min(in.start+in.PageSize, len(docs))] {
		out.Documents = append(out.Documents, documentItem{DocumentID: doc.DocumentID,
			Name: doc.Name, Type: doc.Type, Pages: len(doc.Pages)})
	}
	cursor := func(next int) string {
		raw, _ := json.Marshal(documentCursor{Start: next, EnvelopeID: in.EnvelopeID,
			PageSize: in.PageSize})
		return base64.RawURLEncoding.EncodeToString(raw)
	}
	all := out.Documents
	keep := fitItems(d.resultBudget(), len(all), func(k int) []byte {
		page := out
		page.Documents = all[:k]
		if in.start+k < len(docs) {
			page.Truncated, page.NextCursor = true, cursor(in.start+k)
		}
		return mustJSON(page)
	})
	out.Documents = all[:keep]
	if next := in.start + keep; next < len(docs) {
		out.Truncated, out.NextCursor = true, cursor(next)
	}
	return out, nil, nil
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
	allowance, terr := d.downloadAllowance(ctx)
	if terr != nil {
		return downloadOutput{}, nil, terr
	}
	meta, terr := fetchIntoStore(ctx, d, key, min(allowance, maxDownloadBytes))
	if terr != nil {
		if terr.Code == CodeTooLarge && allowance < maxDownloadBytes {
			return downloadOutput{}, nil, d.downloadOverBudget(ctx, allowance)
		}
		return downloadOutput{}, nil, terr
	}
	d.recordDownload(ctx, meta.Size)
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
func fetchIntoStore(ctx context.Context, d *Deps, key store.DocumentKey, limit int64) (
	store.DocumentMeta, *ToolError) {
	pr, pw := io.Pipe()
	downloadErr := make(chan error, 1)
	go func() {
		_, _, err := d.Docusign.Documents.Download(ctx, key.EnvelopeID, key.DocumentID, pw,
			limit)
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
