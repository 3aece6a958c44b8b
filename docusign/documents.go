package docusign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

const documentPath = "/v2.1/accounts/{accountId}/envelopes/{envelopeId}/documents/{documentId}"

// documentKeywords are the document ids that name a generated document rather than an
// uploaded one: all documents as one PDF, a ZIP archive, the certificate of completion, or a
// PDF portfolio.
var documentKeywords = map[string]bool{
	"combined": true, "archive": true, "certificate": true, "portfolio": true,
}

// List returns an envelope's documents, the certificate of completion included
// (EnvelopeDocuments:list,
// GET /v2.1/accounts/{accountId}/envelopes/{envelopeId}/documents).
func (s *DocumentsService) List(ctx context.Context, envelopeID string) (
	*EnvelopeDocumentsResult, *Response, error) {
	if err := checkID("EnvelopeDocuments:list", "envelope id", envelopeID); err != nil {
		return nil, nil, err
	}
	ep := &endpoint{
		operation:    "EnvelopeDocuments:list",
		method:       http.MethodGet,
		pathTemplate: "/v2.1/accounts/{accountId}/envelopes/{envelopeId}/documents",
		envelopeID:   envelopeID,
		mode:         modeIdempotent,
	}
	var out EnvelopeDocumentsResult
	resp, err := s.client.call(ctx, ep, nil, decodeJSON(&out, maxJSONBody), envelopeID)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// Download streams one document's bytes to w (EnvelopeDocuments:get,
// GET /v2.1/accounts/{accountId}/envelopes/{envelopeId}/documents/{documentId}). documentID is
// a document's id (a positive integer) or combined, archive, certificate or portfolio. A
// document larger than maxBytes fails with *DownloadTooLargeError, and w may then already
// contain a truncated document. A failure while streaming is not retried, because w then
// contains partial data.
func (s *DocumentsService) Download(ctx context.Context, envelopeID, documentID string,
	w io.Writer, maxBytes int64) (*DownloadInfo, *Response, error) {
	if err := checkDownloadArgs(envelopeID, documentID, w, maxBytes); err != nil {
		return nil, nil, err
	}
	ep := &endpoint{
		operation:    "EnvelopeDocuments:get",
		method:       http.MethodGet,
		pathTemplate: documentPath,
		envelopeID:   envelopeID,
		accept:       "application/pdf, application/zip, */*",
		mode:         modeIdempotent,
		streaming:    true,
	}
	info := &DownloadInfo{DocumentID: documentID}
	handle := streamDocument(w, maxBytes, info)
	resp, err := s.client.call(ctx, ep, nil, handle, envelopeID, documentID)
	if err != nil {
		return nil, resp, err
	}
	return info, resp, nil
}

func checkDownloadArgs(envelopeID, documentID string, w io.Writer, maxBytes int64) error {
	const op = "EnvelopeDocuments:get"
	if err := checkID(op, "envelope id", envelopeID); err != nil {
		return err
	}
	if !documentKeywords[documentID] && !isDocumentNumber(documentID) {
		return fmt.Errorf("docusign %s: document id %q is invalid: pass a document id from "+
			"the documents list, or combined, archive, certificate or portfolio",
			op, truncate(documentID, 60))
	}
	if w == nil {
		return fmt.Errorf("docusign %s: writer is nil: pass where the bytes go", op)
	}
	if maxBytes <= 0 {
		return fmt.Errorf("docusign %s: maxBytes %d is not positive: pass the largest "+
			"document size to accept", op, maxBytes)
	}
	return nil
}

// isDocumentNumber reports whether id is a positive integer below 2^31, as Docusign requires.
func isDocumentNumber(id string) bool {
	n, err := strconv.ParseInt(id, 10, 32)
	return err == nil && n > 0 && isDigits(id)
}

// streamDocument returns a handler that copies at most maxBytes to w while hashing them, and
// fills info from the response's headers.
func streamDocument(w io.Writer, maxBytes int64, info *DownloadInfo) handler {
	return func(resp *http.Response) error {
		info.ContentType = mediaType(resp.Header.Get("Content-Type"))
		parseDisposition(resp.Header.Get("Content-Disposition"), info)
		if resp.ContentLength > maxBytes {
			return &DownloadTooLargeError{DocumentID: info.DocumentID, Limit: maxBytes}
		}
		digest := sha256.New()
		written, err := copyLimited(io.MultiWriter(w, digest), resp.Body, maxBytes)
		info.Size = written
		if err != nil {
			var tooLarge *DownloadTooLargeError
			if errors.As(err, &tooLarge) {
				tooLarge.DocumentID = info.DocumentID
			}
			return err
		}
		info.SHA256 = hexDigest(digest)
		return nil
	}
}

// copyLimited copies src to dst and fails with DownloadTooLargeError once src has more than
// limit bytes, having written exactly limit bytes.
func copyLimited(dst io.Writer, src io.Reader, limit int64) (int64, error) {
	reader := &errorTrackingReader{r: src}
	written, err := io.Copy(dst, io.LimitReader(reader, limit))
	if err != nil {
		return written, streamError(reader, err)
	}
	var probe [1]byte
	n, err := io.ReadFull(reader, probe[:])
	if n > 0 {
		return written, &DownloadTooLargeError{Limit: limit, Written: written}
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return written, streamError(reader, err)
	}
	return written, nil
}

// errorTrackingReader records the first read error, so that a failed copy can tell a broken
// connection from a failing writer.
type errorTrackingReader struct {
	r   io.Reader
	err error
}

// Read reads from the wrapped reader and records the first error other than io.EOF.
func (t *errorTrackingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// streamError wraps a failed copy: a read failure is a NetworkError, a write failure is the
// caller's writer's error.
func streamError(reader *errorTrackingReader, err error) error {
	if reader.err != nil {
		return &NetworkError{Err: fmt.Errorf("read document: %w", reader.err)}
	}
	return fmt.Errorf("write document: %w", err)
}

// parseDisposition reads the filename and documentid parameters of a Content-Disposition
// header such as `file; filename="NDA.pdf"; documentid="1"`. The filename is reduced to its
// last path element so that a caller can't be led to write outside its directory.
func parseDisposition(header string, info *DownloadInfo) {
	if header == "" {
		return
	}
	_, params, err := mime.ParseMediaType(header)
	if err != nil {
		return
	}
	if name := params["filename"]; name != "" {
		name = path.Base(strings.ReplaceAll(name, `\`, "/"))
		if name != "." && name != "/" && name != ".." {
			info.Filename = name
		}
	}
	if id := params["documentid"]; id != "" {
		info.DocumentID = id
	}
}

func hexDigest(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
