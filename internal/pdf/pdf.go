// Package pdf writes the small PDFs that the Docusign simulator and the demo need: renderings
// of uploaded non-PDF documents, combined envelope documents, certificates of completion and
// an engagement letter with signer anchors. It also checks that a file is a well-formed PDF.
//
// Text uses the PDF core fonts, so characters outside Windows-1252 print as "?".
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"codeberg.org/go-pdf/fpdf/contrib/gofpdi"
)

// Page geometry in millimetres (A4 portrait).
const (
	pageWidth   = 210.0
	pageHeight  = 297.0
	margin      = 20.0
	textWidth   = pageWidth - 2*margin
	lineHeight  = 5.5
	timeLayout  = "2006-01-02 15:04:05 UTC"
	producerTag = "docusign-mcp internal/pdf"
)

// writer wraps fpdf with the helpers every document here uses.
type writer struct {
	f        *fpdf.Fpdf
	tr       func(string) string
	importer *gofpdi.Importer
	imported map[int]bool // page numbers copied from another PDF, which get no footer
}

func fpdfSize(width, height float64) fpdf.SizeType {
	return fpdf.SizeType{Wd: width, Ht: height}
}

// newWriter starts a document whose metadata dates are created, so output is reproducible.
func newWriter(title string, created time.Time) *writer {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin)
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	f.SetProducer(producerTag, false)
	w := &writer{f: f, tr: f.UnicodeTranslatorFromDescriptor(""), imported: map[int]bool{}}
	f.SetTitle(w.tr(title), false)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		if w.imported[f.PageNo()] {
			return
		}
		f.SetY(-15)
		f.SetFont("Helvetica", "I", 8)
		f.CellFormat(0, 10, fmt.Sprintf("Page %d of {nb}", f.PageNo()), "", 0, "C", false, 0, "")
	})
	return w
}

func (w *writer) heading(text string) {
	w.f.SetFont("Helvetica", "B", 16)
	w.f.MultiCell(textWidth, 8, w.tr(text), "", "L", false)
	w.f.Ln(3)
}

func (w *writer) subheading(text string) {
	w.f.Ln(2)
	w.f.SetFont("Helvetica", "B", 12)
	w.f.MultiCell(textWidth, 7, w.tr(text), "", "L", false)
	w.f.Ln(1)
}

func (w *writer) paragraph(text string) {
	w.f.SetFont("Helvetica", "", 10)
	w.f.MultiCell(textWidth, lineHeight, w.tr(text), "", "L", false)
	w.f.Ln(2)
}

// field prints "label: value" on one line, wrapping the value.
func (w *writer) field(label, value string) {
	w.f.SetFont("Helvetica", "B", 10)
	w.f.CellFormat(45, lineHeight, w.tr(label), "", 0, "L", false, 0, "")
	w.f.SetFont("Helvetica", "", 10)
	w.f.MultiCell(textWidth-45, lineHeight, w.tr(value), "", "L", false)
}

func (w *writer) bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := w.f.Output(&buf); err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	return buf.Bytes(), nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeLayout)
}

// Source is an uploaded document to render.
type Source struct {
	Name      string
	Extension string // without the dot, e.g. "txt", "docx"
	Content   []byte
}

// maxRenderedLines caps how much of a text document a rendering shows.
const maxRenderedLines = 400

// RenderDocument returns a PDF that replaces a non-PDF upload: it names the document,
// its type, size and SHA-256, and shows the text of txt, csv, md and html files.
func RenderDocument(src Source, created time.Time) ([]byte, error) {
	w := newWriter(src.Name, created)
	w.f.AddPage()
	w.heading(src.Name)
	w.field("Document type", strings.ToUpper(src.Extension))
	w.field("Size", fmt.Sprintf("%d bytes", len(src.Content)))
	w.field("SHA-256", SHA256Hex(src.Content))
	w.f.Ln(4)
	if text, ok := plainText(src); ok {
		w.f.SetFont("Courier", "", 9)
		for i, line := range strings.Split(text, "\n") {
			if i == maxRenderedLines {
				w.paragraph("[rendering stops after " + fmt.Sprint(maxRenderedLines) + " lines]")
				break
			}
			w.f.SetFont("Courier", "", 9)
			w.f.MultiCell(textWidth, 4.5, w.tr(strings.TrimRight(line, "\r")), "", "L", false)
		}
	} else {
		w.paragraph("This page replaces the uploaded file, whose format the " +
			"simulator does not convert.")
	}
	return w.bytes()
}

// plainText returns the readable text of a text-like document.
func plainText(src Source) (string, bool) {
	switch strings.ToLower(src.Extension) {
	case "txt", "csv", "md", "text":
		return string(src.Content), true
	case "html", "htm":
		return stripTags(string(src.Content)), true
	}
	return "", false
}

// stripTags removes HTML tags and collapses blank lines. It is a preview, not a parser.
func stripTags(html string) string {
	var b strings.Builder
	inTag := false
	for _, r := range html {
		switch {
		case r == '<':
			inTag = true
		case r == '>':
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	var lines []string
	for _, line := range strings.Split(b.String(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}
