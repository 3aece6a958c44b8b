package docusigntest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/ys88io/docusign-mcp/internal/pdf"
)

// maxAttachmentBytes caps one signer attachment. NOTE: Docusign does not document a size
// limit for signer attachments, so 25 MB is a guess.
const maxAttachmentBytes = 25 << 20

// defaultAttachmentName names an attachment added without a name.
const defaultAttachmentName = "Signer attachment.pdf"

// AttachFile adds a signer attachment from a recipient whose turn it is, as when a signer
// uploads a file at a signer attachment tab. It returns the new document's id. The
// attachment is listed among the envelope's documents with type "attachment" and an
// attachmentTabId, downloads like any document, and is part of the combined PDF. Nil
// content attaches a small generated PDF. Content that is not a PDF is served rendered as
// one, like any uploaded document.
func (s *Server) AttachFile(envelopeID, recipientID, name string, content []byte) (string,
	error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, r, apiErr := s.actingSigner(envelopeID, recipientID)
	if apiErr != nil {
		return "", apiErr
	}
	if name == "" {
		name = defaultAttachmentName
	}
	now := s.now()
	if content == nil {
		body, err := pdf.RenderDocument(pdf.Source{Name: name, Extension: "txt",
			Content: []byte("Signer attachment uploaded by recipient " + r.id + ".\n")}, now)
		if err != nil {
			return "", fmt.Errorf("docusigntest: render attachment PDF: %w", err)
		}
		content = body
	}
	if len(content) == 0 || len(content) > maxAttachmentBytes {
		return "", invalidParameter(fmt.Sprintf(
			"an attachment must have 1 to %d bytes, got %d.", maxAttachmentBytes, len(content)))
	}
	d := &document{
		id: nextDocumentID(e), guid: newGUID(), name: name, content: content,
		ext: documentExtension("", name, content), order: len(e.documents) + 1,
		attachmentTabID: newGUID(), attachedBy: r.id,
	}
	e.documents = append(e.documents, d)
	e.addEvent(now, "Signer Attachment Uploaded", r.id)
	return d.id, nil
}

// nextDocumentID returns one more than the highest numeric document id of the envelope.
func nextDocumentID(e *envelope) string {
	highest := 0
	for _, d := range e.documents {
		if n, err := strconv.Atoi(d.id); err == nil {
			highest = max(highest, n)
		}
	}
	return itoa(highest + 1)
}

// documentType is a document's type in the documents list: "attachment" for a signer
// attachment, "content" otherwise.
func (d *document) documentType() string {
	if d.attachmentTabID != "" {
		return "attachment"
	}
	return "content"
}

// attachRoute serves
//
//	POST /sim/envelopes/{id}/recipients/{rid}/attachments  {"name","documentBase64"}
//
// with both fields optional. It responds with the envelope id and the new documentId.
func (s *Server) attachRoute(mux *http.ServeMux) {
	const path = "POST /sim/envelopes/{envelopeId}/recipients/{recipientId}/attachments"
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		id, err := s.attachRequest(r)
		if err != nil {
			s.opts.Logger.Warn("simulator control request failed", "method", r.Method,
				"path", r.URL.Path, "error", err)
			writeControlError(w, err)
			return
		}
		s.opts.Logger.Info("simulator control request", "method", r.Method, "path", r.URL.Path)
		writeJSON(w, http.StatusOK, map[string]string{
			"envelopeId": r.PathValue("envelopeId"), "documentId": id,
		})
	})
}

func (s *Server) attachRequest(r *http.Request) (string, error) {
	var body struct {
		Name           string `json:"name"`
		DocumentBase64 string `json:"documentBase64"`
	}
	if err := decodeAttachment(r, &body); err != nil {
		return "", err
	}
	var content []byte
	if body.DocumentBase64 != "" {
		decoded, err := base64.StdEncoding.DecodeString(body.DocumentBase64)
		if err != nil {
			return "", invalidParameter("documentBase64 is not valid base64.")
		}
		content = decoded
	}
	return s.AttachFile(r.PathValue("envelopeId"), r.PathValue("recipientId"), body.Name,
		content)
}

// decodeAttachment reads an optional JSON body of up to maxAttachmentBytes in base64.
func decodeAttachment(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxAttachmentBytes/3*4+4096))
	if err != nil {
		return errBadBody(err)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errBadBody(err)
	}
	return nil
}
