package docusigntest

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/ys88io/docusign-mcp/internal/pdf"
)

const certificateID = "certificate"

func (s *Server) listDocuments(_ http.ResponseWriter, c *restCall) (int, any, *Error) {
	e, err := s.lookupEnvelope(c.account.id, c.r.PathValue("envelopeId"))
	if err != nil {
		return 0, nil, err
	}
	withSize := strings.EqualFold(c.r.URL.Query().Get("include_document_size"), "true")
	return http.StatusOK, envelopeDocumentsResultOut{
		EnvelopeID: e.id, EnvelopeDocuments: e.documentsOut(withSize),
	}, nil
}

// documentsOut lists the content documents and then the certificate pseudo-document.
func (e *envelope) documentsOut(withSize bool) []documentOut {
	out := make([]documentOut, 0, len(e.documents)+1)
	for _, d := range e.documents {
		n := e.pages(d)
		pages := make([]pageOut, 0, n)
		for i := 1; i <= n; i++ {
			pages = append(pages, pageOut{PageID: pageGUID(d.guid, i), Sequence: itoa(i),
				Height: "842", Width: "595", DPI: "72"})
		}
		doc := documentOut{
			DocumentID: d.id, DocumentIDGUID: d.guid, Name: d.name, Type: d.documentType(),
			AttachmentTabID: d.attachmentTabID,
			URI:             e.uri() + "/documents/" + d.id, Order: itoa(d.order), Pages: pages,
			Display: "inline", IncludeInDownload: "true", SignerMustAck: "no_interaction",
			TemplateLocked: "false", TemplateRequired: "false", AuthoritativeCopy: "false",
		}
		if withSize {
			doc.SizeBytes = itoa(len(d.content))
		}
		out = append(out, doc)
	}
	return append(out, documentOut{
		DocumentID: certificateID, Name: "Summary", Type: "summary",
		URI: e.uri() + "/documents/" + certificateID, Order: "999", Display: "inline",
		IncludeInDownload: "true", SignerMustAck: "no_interaction",
		TemplateLocked: "false", TemplateRequired: "false", AuthoritativeCopy: "false",
	})
}

func pageGUID(docGUID string, page int) string {
	return docGUID[:24] + fmt.Sprintf("%012d", page)
}

// documentPages returns the page count of a document as the simulator serves it: the
// PDF's own pages, or those of the rendering of any other file.
func documentPages(name string, content []byte, created time.Time) int {
	body, err := asPDF(name, documentExtension("", name, content), content, created)
	if err != nil {
		return 1
	}
	return pdf.PageCount(body)
}

// asPDF returns a PDF upload as it is and renders any other file.
func asPDF(name, ext string, content []byte, created time.Time) ([]byte, error) {
	if isPDF(content) {
		return content, nil
	}
	return pdf.RenderDocument(pdf.Source{Name: name, Extension: ext, Content: content},
		created)
}

func isPDF(content []byte) bool { return bytes.HasPrefix(content, []byte("%PDF-")) }

// downloadFile is one file that GET document serves.
type downloadFile struct {
	name        string
	contentType string
	body        []byte
}

func (s *Server) getDocument(w http.ResponseWriter, c *restCall) (int, any, *Error) {
	e, err := s.lookupEnvelope(c.account.id, c.r.PathValue("envelopeId"))
	if err != nil {
		return 0, nil, err
	}
	id := c.r.PathValue("documentId")
	q := c.r.URL.Query()
	file, err := s.documentFile(e, id, strings.EqualFold(q.Get("certificate"), "true"))
	if err != nil {
		return 0, nil, err
	}
	h := w.Header()
	h.Set("Content-Disposition",
		fmt.Sprintf("file; filename=%q; documentid=%q", file.name, id))
	h.Set("Cache-Control", "no-cache")
	body := file.body
	if strings.EqualFold(c.r.Header.Get("Content-Transfer-Encoding"), "base64") {
		h.Set("Content-Transfer-Encoding", "base64")
		body = []byte(base64.StdEncoding.EncodeToString(body))
	}
	h.Set("Content-Type", file.contentType)
	h.Set("Content-Length", itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return 0, nil, nil
}

func (s *Server) documentFile(e *envelope, id string, withCert bool) (*downloadFile, *Error) {
	var (
		file *downloadFile
		err  error
	)
	switch id {
	case "combined", "portfolio":
		file, err = s.combinedFile(e, withCert)
	case certificateID:
		file, err = s.certificateFile(e)
	case "archive":
		file, err = s.archiveFile(e)
	default:
		d := e.document(id)
		if d == nil {
			return nil, newAPIError(http.StatusBadRequest, "DOCUMENT_DOES_NOT_EXIST",
				fmt.Sprintf("The document specified was not found: documentId %q is not in "+
					"the envelope.", id))
		}
		file, err = s.contentFile(e, d)
	}
	if err != nil {
		return nil, newAPIError(http.StatusInternalServerError, "UNSPECIFIED_ERROR",
			fmt.Sprintf("The simulator failed to build document %q: %v", id, err))
	}
	return file, nil
}

func (e *envelope) document(id string) *document {
	for _, d := range e.documents {
		if d.id == id {
			return d
		}
	}
	return nil
}

func (s *Server) contentFile(e *envelope, d *document) (*downloadFile, error) {
	body, err := e.documentPDF(d)
	return &downloadFile{name: fileName(d.name), contentType: "application/pdf", body: body}, err
}

// documentPDF returns the document as a PDF and caches a rendering, which depends only on
// the document and the envelope's creation time.
func (e *envelope) documentPDF(d *document) ([]byte, error) {
	if d.rendered == nil {
		body, err := asPDF(d.name, d.ext, d.content, e.created)
		if err != nil {
			return nil, err
		}
		d.rendered = body
	}
	return d.rendered, nil
}

// pages returns the page count of the document as served, 1 if it cannot be rendered.
func (e *envelope) pages(d *document) int {
	body, err := e.documentPDF(d)
	if err != nil {
		return 1
	}
	return pdf.PageCount(body)
}

func (s *Server) combinedFile(e *envelope, withCert bool) (*downloadFile, error) {
	in := pdf.Combined{EnvelopeID: e.id, Subject: e.subject, Created: e.created}
	for _, d := range e.documents {
		file, err := s.contentFile(e, d)
		if err != nil {
			return nil, err
		}
		in.Sections = append(in.Sections, pdf.Section{
			DocumentID: d.id, Name: d.name, SHA256: pdf.SHA256Hex(d.content),
			Pages: pdf.PageCount(file.body), Stamps: e.stamps(), PDF: file.body,
		})
	}
	if withCert {
		cert := s.certificate(e)
		in.Certificate = &cert
	}
	body, err := pdf.RenderCombined(in)
	return &downloadFile{name: safeName(e.subject) + ".pdf", contentType: "application/pdf",
		body: body}, err
}

func (s *Server) certificateFile(e *envelope) (*downloadFile, error) {
	body, err := pdf.RenderCertificate(s.certificate(e))
	return &downloadFile{name: "Summary.pdf", contentType: "application/pdf", body: body}, err
}

// archiveFile zips every document as a PDF plus the certificate, as Docusign's archive does.
func (s *Server) archiveFile(e *envelope) (*downloadFile, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, body []byte) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate,
			Modified: e.created})
		if err != nil {
			return err
		}
		_, err = fw.Write(body)
		return err
	}
	for _, d := range e.documents {
		f, err := s.contentFile(e, d)
		if err == nil {
			err = add(fmt.Sprintf("%s_%s", d.id, f.name), f.body)
		}
		if err != nil {
			return nil, err
		}
	}
	cert, err := s.certificateFile(e)
	if err == nil {
		err = add(cert.name, cert.body)
	}
	if err == nil {
		err = zw.Close()
	}
	return &downloadFile{name: e.id + ".zip", contentType: "application/zip",
		body: buf.Bytes()}, err
}

// stamps returns the signature stamps of the envelope's signers who have acted.
func (e *envelope) stamps() []pdf.Stamp {
	var out []pdf.Stamp
	for _, r := range e.recipients {
		switch {
		case r.kind != kindSigner:
		case r.status == StatusCompleted:
			sign, date := tabAnchors(r.tabs)
			out = append(out, pdf.Stamp{Name: r.name, RoutingOrder: r.routingOrder,
				Status: "signed", Time: r.signed, SignAnchors: sign, DateAnchors: date})
		case r.status == StatusDeclined:
			out = append(out, pdf.Stamp{Name: r.name, RoutingOrder: r.routingOrder,
				Status: "declined", Time: r.declined})
		}
	}
	return out
}

// tabAnchors returns the anchor strings of a recipient's signHereTabs and dateSignedTabs.
// Tabs that fail to decode have no anchors, because the stamps only decorate the PDF.
func tabAnchors(tabs json.RawMessage) (sign, date []string) {
	type tab struct {
		AnchorString string `json:"anchorString"`
	}
	var parsed struct {
		SignHereTabs   []tab `json:"signHereTabs"`
		DateSignedTabs []tab `json:"dateSignedTabs"`
	}
	if len(tabs) == 0 || json.Unmarshal(tabs, &parsed) != nil {
		return nil, nil
	}
	for _, t := range parsed.SignHereTabs {
		if t.AnchorString != "" {
			sign = append(sign, t.AnchorString)
		}
	}
	for _, t := range parsed.DateSignedTabs {
		if t.AnchorString != "" {
			date = append(date, t.AnchorString)
		}
	}
	return sign, date
}

func (s *Server) certificate(e *envelope) pdf.Certificate {
	c := pdf.Certificate{EnvelopeID: e.id, Subject: e.subject, Status: e.status,
		Sender: e.sender.name, Created: e.created}
	for _, r := range e.recipients {
		kind := "Signer"
		if r.kind == kindCarbonCopy {
			kind = "Carbon copy"
		}
		c.Recipients = append(c.Recipients, pdf.CertificateRecipient{
			Name: r.name, Email: r.email, Type: kind, RoutingOrder: r.routingOrder,
			Status: r.status, Sent: r.sent, Delivered: r.delivered, Signed: r.signed,
			Declined: r.declined, DeclineReason: r.declineReason,
		})
	}
	for _, ev := range e.events {
		actor := ""
		if r := e.recipient(ev.RecipientID); r != nil {
			actor = r.name
		}
		c.Events = append(c.Events, pdf.CertificateEvent{Time: ev.Time, Action: ev.Action,
			Actor: actor})
	}
	return c
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._ -]+`)

// fileName turns a document name into a .pdf file name for Content-Disposition:
// "Offer Letter.docx" becomes "Offer Letter.pdf".
func fileName(name string) string {
	if ext := path.Ext(name); ext != "" {
		name = strings.TrimSuffix(name, ext)
	}
	return safeName(name) + ".pdf"
}

// safeName replaces characters that do not belong in a file name.
func safeName(name string) string {
	base := strings.TrimSpace(unsafeFileChars.ReplaceAllString(name, "_"))
	if base == "" {
		return "document"
	}
	return base
}
