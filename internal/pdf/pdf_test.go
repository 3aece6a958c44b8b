package pdf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var created = time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC)

func sampleCertificate() Certificate {
	return Certificate{
		EnvelopeID: "4c0a8f3e-1d2b-4e5f-9a6b-7c8d9e0f1a2b", Subject: "Engagement letter",
		Status: "completed", Sender: "Sam Sender", Created: created,
		Recipients: []CertificateRecipient{
			{Name: "Ada Client", Email: "ada@example.com", Type: "Signer", RoutingOrder: 1,
				Status: "completed", Sent: created, Delivered: created.Add(time.Minute),
				Signed: created.Add(2 * time.Minute)},
			{Name: "Bo Partner", Email: "bo@example.com", Type: "Signer", RoutingOrder: 2,
				Status: "declined", Sent: created.Add(2 * time.Minute),
				Declined: created.Add(3 * time.Minute), DeclineReason: "Wrong fee"},
		},
		Events: []CertificateEvent{
			{Time: created, Action: "Envelope Sent"},
			{Time: created.Add(2 * time.Minute), Action: "Signed", Actor: "Ada Client"},
		},
	}
}

func TestRenderersProduceValidPDFs(t *testing.T) {
	cert := sampleCertificate()
	tests := []struct {
		name      string
		render    func() ([]byte, error)
		wantPages int
	}{
		{name: "text document", wantPages: 1, render: func() ([]byte, error) {
			return RenderDocument(Source{Name: "Terms.txt", Extension: "txt",
				Content: []byte("Line one\nLine two")}, created)
		}},
		{name: "html document", wantPages: 1, render: func() ([]byte, error) {
			return RenderDocument(Source{Name: "Form.html", Extension: "html",
				Content: []byte("<p>Hello</p>")}, created)
		}},
		{name: "binary document", wantPages: 1, render: func() ([]byte, error) {
			return RenderDocument(Source{Name: "Offer.docx", Extension: "docx",
				Content: []byte{0x50, 0x4b, 0x03, 0x04}}, created)
		}},
		{name: "certificate", wantPages: 1, render: func() ([]byte, error) {
			return RenderCertificate(cert)
		}},
		{name: "combined with certificate", wantPages: 3, render: func() ([]byte, error) {
			return RenderCombined(Combined{EnvelopeID: cert.EnvelopeID, Subject: "Letter",
				Created: created, Certificate: &cert, Sections: []Section{
					{DocumentID: "1", Name: "Letter", Pages: 2, SHA256: SHA256Hex([]byte("a")),
						Stamps: []Stamp{{Name: "Ada Client", RoutingOrder: 1,
							Status: "signed", Time: created}}},
					{DocumentID: "2", Name: "Annex", Pages: 1, SHA256: SHA256Hex([]byte("b"))},
				}})
		}},
		{name: "empty combined", wantPages: 1, render: func() ([]byte, error) {
			return RenderCombined(Combined{EnvelopeID: "x", Created: created})
		}},
		{name: "engagement letter", wantPages: 2, render: func() ([]byte, error) {
			return RenderEngagementLetter(sampleLetter())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.render()
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			info, err := Check(data)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if info.Pages != tt.wantPages {
				t.Errorf("pages = %d, want %d", info.Pages, tt.wantPages)
			}
			checkWithPdfinfo(t, data)
		})
	}
}

func sampleLetter() EngagementLetter {
	return EngagementLetter{Firm: "Hale & Morrow LLP", FirmSigner: "Dana Partner",
		Client: "Northwind Ltd", ClientName: "Ada Client", Matter: "Acquisition of Contoso",
		FeeTerms: "USD 450 per hour, billed monthly", Date: created}
}

func TestEngagementLetterAnchors(t *testing.T) {
	data, err := RenderEngagementLetter(sampleLetter())
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	for _, anchor := range []string{ClientSignatureAnchor, FirmSignatureAnchor,
		ClientDateAnchor, FirmDateAnchor} {
		if !bytes.Contains(data, []byte("("+anchor+")")) {
			t.Errorf("anchor %s not found as a text string in the PDF", anchor)
		}
	}
}

func TestRenderIsReproducible(t *testing.T) {
	first, err := RenderCertificate(sampleCertificate())
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	second, _ := RenderCertificate(sampleCertificate())
	if !bytes.Equal(first, second) {
		t.Errorf("two renderings of the same certificate differ")
	}
}

func TestCheckRejects(t *testing.T) {
	good, err := RenderCertificate(sampleCertificate())
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	shifted := bytes.Replace(good, []byte("1 0 obj"), []byte("1 0 obj "), 1)
	shifted = append([]byte("%PDF-1.3\n%x"), shifted[len("%PDF-1.3\n"):]...)
	tests := []struct {
		name string
		data []byte
	}{
		{name: "not a pdf", data: []byte("hello")},
		{name: "truncated", data: good[:len(good)/2]},
		{name: "no eof", data: bytes.TrimSuffix(bytes.TrimSpace(good), []byte("%%EOF"))},
		{name: "offsets shifted", data: shifted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Check(tt.data); err == nil {
				t.Errorf("Check accepted a broken file")
			}
		})
	}
}

func TestPageCount(t *testing.T) {
	tests := []struct {
		name string
		data string
		want int
	}{
		{name: "page objects", data: "<< /Type /Page /Parent 1 0 R >> << /Type /Page\n>> " +
			"<< /Type /Pages /Count 2 >>", want: 2},
		{name: "count with object streams", data: "<< /Type /ObjStm /N 9 >> " +
			"<< /Type/Pages /Kids [] /Count 7 >>" + strings.Repeat(" ", 100), want: 7},
		{name: "count without object streams",
			data: "<< /Type/Pages /Kids [] /Count 7 >>", want: 1},
		{name: "count beyond the file size", data: "<< /Type /ObjStm >> " +
			"<< /Type/Pages /Count 2000000000 >>" + strings.Repeat(" ", 106), want: 10},
		{name: "nothing", data: "%PDF-1.7", want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PageCount([]byte(tt.data)); got != tt.want {
				t.Errorf("PageCount = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestReferencePDFs compares PageCount on real PDFs with pdfinfo when both the reference
// samples and poppler-utils are present.
func TestReferencePDFs(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "reference", "docusign", "samples",
		"documents")
	matches, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(matches) == 0 {
		t.Skipf("no reference PDFs in %s", dir)
	}
	bin, err := exec.LookPath("pdfinfo")
	if err != nil {
		t.Skip("pdfinfo (poppler-utils) is not installed")
	}
	for _, path := range matches {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			out, err := exec.Command(bin, path).Output()
			if err != nil {
				t.Fatalf("pdfinfo: %v", err)
			}
			m := regexp.MustCompile(`Pages:\s+(\d+)`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("pdfinfo printed no page count:\n%s", out)
			}
			if got, want := PageCount(data), string(m[1]); strconv.Itoa(got) != want {
				t.Errorf("PageCount = %d, pdfinfo says %s", got, want)
			}
		})
	}
}

// checkWithPdfinfo runs poppler's pdfinfo on data when it is installed.
func checkWithPdfinfo(t *testing.T, data []byte) {
	t.Helper()
	bin, err := exec.LookPath("pdfinfo")
	if err != nil {
		return
	}
	path := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write temp pdf: %v", err)
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "Syntax Error") {
		t.Errorf("pdfinfo rejected the file: %v\n%s", err, out)
	}
}
