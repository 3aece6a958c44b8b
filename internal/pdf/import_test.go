package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCombinedCopiesPages(t *testing.T) {
	letter, err := RenderEngagementLetter(sampleLetter())
	if err != nil {
		t.Fatalf("render letter: %v", err)
	}
	notes, err := RenderDocument(Source{Name: "Notes.txt", Extension: "txt",
		Content: []byte("Fee schedule")}, created)
	if err != nil {
		t.Fatalf("render notes: %v", err)
	}
	cert := sampleCertificate()
	tests := []struct {
		name       string
		sections   []Section
		cert       *Certificate
		wantPages  int
		wantAnchor bool
	}{
		{name: "pdf and rendering", wantPages: 2 + 1 + 1 + 1, wantAnchor: true,
			sections: []Section{
				{DocumentID: "1", Name: "Letter", Pages: 2, PDF: letter},
				{DocumentID: "2", Name: "Notes", Pages: 1, PDF: notes},
			}},
		{name: "with certificate", wantPages: 2 + 1 + 1, wantAnchor: true, cert: &cert,
			sections: []Section{{DocumentID: "1", Name: "Letter", Pages: 2, PDF: letter}}},
		{name: "unsafe pdf keeps its signature page", wantPages: 2 + 1 + 1, wantAnchor: true,
			sections: []Section{
				{DocumentID: "1", Name: "Letter", Pages: 2, PDF: letter},
				{DocumentID: "2", Name: "Broken", Pages: 1, PDF: []byte("%PDF-1.4 not really")},
			}},
		{name: "import failure falls back", wantPages: 2,
			sections: []Section{
				{DocumentID: "1", Name: "Letter", Pages: 2, PDF: letter},
				{DocumentID: "2", Name: "No root", Pages: 1, PDF: pdfWithMissingRoot()},
			}},
		{name: "no pdf given", wantPages: 1,
			sections: []Section{{DocumentID: "1", Name: "Letter", Pages: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := RenderCombined(Combined{EnvelopeID: "e-1", Subject: "Letter",
				Created: created, Sections: tt.sections, Certificate: tt.cert})
			if err != nil {
				t.Fatalf("RenderCombined: %v", err)
			}
			info, err := Check(data)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if info.Pages != tt.wantPages {
				t.Errorf("pages = %d, want %d", info.Pages, tt.wantPages)
			}
			if text, ok := pdfText(t, data); ok {
				hasAnchor := strings.Contains(text, ClientSignatureAnchor)
				if hasAnchor != tt.wantAnchor {
					t.Errorf("letter text present = %v, want %v", hasAnchor, tt.wantAnchor)
				}
			}
			checkWithPdfinfo(t, data)
		})
	}
}

// TestCombinedCopiesReferencePDFs copies the pages of real PDFs from other producers.
func TestCombinedCopiesReferencePDFs(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "reference", "docusign", "samples",
		"documents")
	matches, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(matches) == 0 {
		t.Skipf("no reference PDFs in %s", dir)
	}

	var sections []Section
	wantPages := 0
	for i, path := range matches {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		pages := PageCount(data)
		wantPages += pages + 1
		sections = append(sections, Section{DocumentID: itoa(i + 1),
			Name: filepath.Base(path), Pages: pages, SHA256: SHA256Hex(data), PDF: data})
	}

	out, err := renderCombined(Combined{EnvelopeID: "e-2", Subject: "Samples",
		Created: created, Sections: sections}, true)
	if err != nil {
		t.Fatalf("copy pages: %v", err)
	}
	info, err := Check(out)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if info.Pages != wantPages {
		t.Errorf("pages = %d, want %d (each file's pages plus a signature page)",
			info.Pages, wantPages)
	}
	checkWithPdfinfo(t, out)
}

func itoa(n int) string { return strconv.Itoa(n) }

// pdfText extracts the text of a PDF with poppler's pdftotext, when it is installed.
func pdfText(t *testing.T, data []byte) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return "", false
	}
	path := filepath.Join(t.TempDir(), "text.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write temp pdf: %v", err)
	}
	out, err := exec.Command(bin, path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out), true
}

func TestImportable(t *testing.T) {
	letter, err := RenderEngagementLetter(sampleLetter())
	if err != nil {
		t.Fatalf("render letter: %v", err)
	}
	noXRef := "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
		"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n" +
		"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]>> endobj\n" +
		"trailer <</Root 1 0 R>>\n%%EOF\n"
	encrypted := append(bytes.Clone(letter[:len(letter)-6]),
		[]byte("/Encrypt 9 0 R\n%%EOF\n")...)
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{name: "fpdf output", data: letter, want: true},
		{name: "missing root passes", data: pdfWithMissingRoot(), want: true},
		{name: "no xref", data: []byte(noXRef)},
		{name: "not a pdf", data: []byte("hello")},
		{name: "encrypted", data: encrypted},
		{name: "xref stream", want: true, data: []byte("%PDF-1.5\n" +
			"7 0 obj\n<< /Type /XRef /Size 8 /W [1 2 1] >>\nstream\nx\nendstream\nendobj\n" +
			"startxref\n9\n%%EOF\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := importable(tt.data); got != tt.want {
				t.Errorf("importable = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCombinedSkipsUnsafePDF renders a PDF without a cross-reference table, on which
// gofpdi would loop forever, and expects only its signature page.
func TestCombinedSkipsUnsafePDF(t *testing.T) {
	noXRef := "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
		"trailer <</Root 1 0 R>>\n%%EOF\n"
	data, err := RenderCombined(Combined{EnvelopeID: "e-3", Created: created,
		Sections: []Section{{DocumentID: "1", Name: "Tiny", Pages: 1, PDF: []byte(noXRef)}}})
	if err != nil {
		t.Fatalf("RenderCombined: %v", err)
	}
	if info, err := Check(data); err != nil || info.Pages != 1 {
		t.Errorf("Check = %+v, %v; want a valid one-page PDF", info, err)
	}
}

// pdfWithMissingRoot returns a PDF with a valid cross-reference table whose trailer names a
// catalog that does not exist, so it passes importable but gofpdi cannot read its pages.
func pdfWithMissingRoot() []byte {
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n")
	offset := buf.Len()
	buf.WriteString("1 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n")
	xref := buf.Len()
	buf.WriteString("xref\n0 2\n0000000000 65535 f \n")
	buf.WriteString(fmt.Sprintf("%010d 00000 n \n", offset))
	buf.WriteString("trailer\n<< /Size 2 /Root 9 0 R >>\n")
	buf.WriteString(fmt.Sprintf("startxref\n%d\n%%%%EOF\n", xref))
	return buf.Bytes()
}
