package pdf

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Stamp is one recipient's mark on a document.
type Stamp struct {
	Name         string
	RoutingOrder int
	Status       string // e.g. "completed", "declined", "sent"
	Time         time.Time
	// SignAnchors and DateAnchors are the anchor strings of the recipient's signature and
	// date-signed tabs. When the status is "signed", the name and the date are written there
	// on the copied pages.
	SignAnchors, DateAnchors []string
}

// Section describes one envelope document inside a combined PDF.
type Section struct {
	DocumentID string
	Name       string
	Pages      int
	SHA256     string // hex digest of the original upload
	Stamps     []Stamp
	// PDF is the document as a PDF (the upload itself, or its rendering). When set, its
	// pages are copied into the combined file ahead of the section's signature page.
	PDF []byte
}

// Combined is the input of RenderCombined.
type Combined struct {
	EnvelopeID  string
	Subject     string
	Created     time.Time // PDF metadata date
	Sections    []Section
	Certificate *Certificate // appended when not nil
}

// RenderCombined returns one PDF with, for each document, its pages (when Section.PDF is
// set) followed by a signature page that names the document, its page count, the SHA-256
// of the original and each signer's stamp. The certificate follows when one is given.
// Files that fail the importable check keep only their signature page. If copying still
// fails or takes longer than importTimeout, the whole output falls back to signature pages
// only, so the result is always a valid PDF.
func RenderCombined(c Combined) ([]byte, error) {
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := renderCombined(c, true)
		done <- result{out, err}
	}()
	timer := time.NewTimer(importTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err == nil {
			return r.out, nil
		}
	case <-timer.C:
		// NOTE: the copying goroutine cannot be stopped and keeps running until gofpdi
		// returns; the importable check exists so that this path stays unused.
	}
	return renderCombined(c, false)
}

func renderCombined(c Combined, copyPages bool) ([]byte, error) {
	w := newWriter(c.Subject, c.Created)
	for _, s := range c.Sections {
		if copyPages && importable(s.PDF) {
			if _, err := w.importPages(s.PDF, s.Stamps); err != nil {
				return nil, fmt.Errorf("copy pages of document %s: %w", s.DocumentID, err)
			}
		}
		w.signaturePage(c.EnvelopeID, s)
	}
	if c.Certificate != nil {
		w.certificate(*c.Certificate)
	}
	if len(c.Sections) == 0 && c.Certificate == nil {
		w.f.AddPage()
		w.paragraph("The envelope has no documents.")
	}
	return w.bytes()
}

func (w *writer) signaturePage(envelopeID string, s Section) {
	w.f.AddPageFormat("P", fpdfSize(pageWidth, pageHeight))
	w.heading(s.Name)
	w.field("Envelope", envelopeID)
	w.field("Document ID", s.DocumentID)
	w.field("Pages", fmt.Sprint(s.Pages))
	w.field("SHA-256", s.SHA256)
	w.subheading("Signatures")
	if len(s.Stamps) == 0 {
		w.paragraph("No recipient has acted on this document yet.")
	}
	for _, st := range s.Stamps {
		w.stamp(st)
	}
}

func (w *writer) stamp(st Stamp) {
	w.f.SetDrawColor(40, 70, 160)
	y := w.f.GetY()
	w.f.Rect(margin, y, textWidth, 16, "D")
	w.f.SetXY(margin+3, y+2)
	w.f.SetFont("Helvetica", "B", 10)
	w.f.CellFormat(textWidth-6, lineHeight, w.tr(fmt.Sprintf("%s (routing order %d)",
		st.Name, st.RoutingOrder)), "", 2, "L", false, 0, "")
	w.f.SetX(margin + 3)
	w.f.SetFont("Helvetica", "", 9)
	w.f.CellFormat(textWidth-6, lineHeight, w.tr(fmt.Sprintf("Status: %s   Time: %s",
		st.Status, formatTime(st.Time))), "", 2, "L", false, 0, "")
	w.f.SetY(y + 19)
}

// CertificateRecipient is one recipient row of a certificate of completion.
type CertificateRecipient struct {
	Name          string
	Email         string
	Type          string // "Signer" or "Carbon copy"
	RoutingOrder  int
	Status        string
	Sent          time.Time
	Delivered     time.Time
	Signed        time.Time
	Declined      time.Time
	DeclineReason string
}

// CertificateEvent is one line of the envelope history.
type CertificateEvent struct {
	Time   time.Time
	Action string
	Actor  string // recipient name, or empty for envelope events
}

// Certificate is the input of RenderCertificate.
type Certificate struct {
	EnvelopeID string
	Subject    string
	Status     string
	Sender     string
	Created    time.Time // envelope creation, also the PDF metadata date
	Recipients []CertificateRecipient
	Events     []CertificateEvent
}

// RenderCertificate returns a certificate of completion: the envelope, every recipient
// with routing order, status and event times, and the envelope history.
func RenderCertificate(c Certificate) ([]byte, error) {
	w := newWriter("Certificate Of Completion", c.Created)
	w.certificate(c)
	return w.bytes()
}

func (w *writer) certificate(c Certificate) {
	w.f.AddPage()
	w.heading("Certificate Of Completion")
	w.field("Envelope Id", c.EnvelopeID)
	w.field("Subject", c.Subject)
	w.field("Status", c.Status)
	w.field("Envelope Originator", c.Sender)
	w.field("Created", formatTime(c.Created))
	w.subheading("Recipient Events")
	for _, r := range c.Recipients {
		w.recipient(r)
	}
	w.subheading("Envelope History")
	for _, e := range c.Events {
		line := formatTime(e.Time) + "  " + e.Action
		if e.Actor != "" {
			line += " - " + e.Actor
		}
		w.paragraph(line)
	}
}

func (w *writer) recipient(r CertificateRecipient) {
	w.f.SetFont("Helvetica", "B", 10)
	w.f.MultiCell(textWidth, lineHeight, w.tr(fmt.Sprintf("%s <%s>", r.Name, r.Email)),
		"", "L", false)
	w.field("Type", fmt.Sprintf("%s, routing order %d", r.Type, r.RoutingOrder))
	w.field("Status", r.Status)
	w.field("Sent", formatTime(r.Sent))
	w.field("Viewed", formatTime(r.Delivered))
	if !r.Declined.IsZero() {
		w.field("Declined", formatTime(r.Declined))
		w.field("Decline reason", r.DeclineReason)
	} else {
		w.field("Signed", formatTime(r.Signed))
	}
	w.f.Ln(2)
}

// SHA256Hex returns the lower-case hex SHA-256 digest of data.
func SHA256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
