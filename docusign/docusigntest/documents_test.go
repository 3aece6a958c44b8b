package docusigntest

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/internal/pdf"
)

// envelopeWithPDF creates a sent envelope with an uploaded PDF (document 1) and a text
// file (document 2) and returns its id and the PDF bytes.
func envelopeWithPDF(t *testing.T, s *Server, token string) (string, []byte) {
	t.Helper()
	letter, err := pdf.RenderEngagementLetter(pdf.EngagementLetter{Firm: "Hale & Morrow LLP",
		FirmSigner: "Dana Partner", Client: "Northwind", ClientName: "Ada Client",
		Matter: "Acquisition", FeeTerms: "fixed fee", Date: s.clockNow()})
	if err != nil {
		t.Fatalf("render letter: %v", err)
	}
	body := twoSignerEnvelope("sent")
	body["documents"] = []map[string]any{
		{"documentId": "1", "name": "Engagement Letter.pdf", "fileExtension": "pdf",
			"documentBase64": base64.StdEncoding.EncodeToString(letter)},
		{"documentId": "2", "name": "Fee Schedule.txt", "documentBase64": b64("Hourly: 450")},
	}
	return createEnvelope(t, s, token, body), letter
}

func TestListDocuments(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id, _ := envelopeWithPDF(t, s, token)
	resp := call(t, s, token, "GET", "/envelopes/"+id+"/documents?include_document_size=true",
		nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.status)
	}
	got := resp.json(t)
	if got["envelopeId"] != id {
		t.Errorf("envelopeId = %v, want %s", got["envelopeId"], id)
	}

	docs := got["envelopeDocuments"].([]any)
	if len(docs) != 3 {
		t.Fatalf("documents = %d, want 2 and the certificate", len(docs))
	}
	first := docs[0].(map[string]any)
	if first["type"] != "content" || first["order"] != "1" || first["sizeBytes"] == nil {
		t.Errorf("first document = %v, want type content, order 1 and sizeBytes", first)
	}
	if pages := first["pages"].([]any); len(pages) != 2 {
		t.Errorf("pages of the letter = %d, want 2", len(pages))
	}

	cert := docs[2].(map[string]any)
	want := map[string]any{"documentId": "certificate", "type": "summary", "order": "999",
		"uri": "/envelopes/" + id + "/documents/certificate"}
	for key, value := range want {
		if cert[key] != value {
			t.Errorf("certificate %s = %v, want %v", key, cert[key], value)
		}
	}
}

func TestGetDocument(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id, letter := envelopeWithPDF(t, s, token)
	if err := s.SignAll(id); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	base := "/envelopes/" + id + "/documents/"
	// combined holds the letter's 2 pages and the text rendering's page, each document
	// followed by its signature page; the certificate adds one more.
	tests := []struct {
		name        string
		documentID  string
		wantType    string
		wantFile    string
		wantPages   int
		wantExactly []byte
	}{
		{name: "uploaded pdf", documentID: "1", wantType: "application/pdf",
			wantFile: "Engagement Letter.pdf", wantExactly: letter},
		{name: "rendered text", documentID: "2", wantType: "application/pdf",
			wantFile: "Fee Schedule.pdf", wantPages: 1},
		{name: "combined", documentID: "combined", wantType: "application/pdf",
			wantFile: "Engagement letter for Northwind.pdf", wantPages: 2 + 1 + 1 + 1},
		{name: "combined with certificate", documentID: "combined?certificate=true",
			wantType: "application/pdf", wantPages: 2 + 1 + 1 + 1 + 1},
		{name: "certificate", documentID: "certificate", wantType: "application/pdf",
			wantFile: "Summary.pdf", wantPages: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, s, token, "GET", base+tt.documentID, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("status = %d %s, want 200", resp.status, resp.body)
			}
			if ct := resp.header.Get("Content-Type"); ct != tt.wantType {
				t.Errorf("Content-Type = %s, want %s", ct, tt.wantType)
			}
			docID, _, _ := strings.Cut(tt.documentID, "?")
			disp := resp.header.Get("Content-Disposition")
			if !strings.HasPrefix(disp, "file; filename=") ||
				!strings.HasSuffix(disp, `documentid="`+docID+`"`) {
				t.Errorf("Content-Disposition = %q, want file; filename=...; documentid", disp)
			}
			if tt.wantFile != "" && !strings.Contains(disp, `filename="`+tt.wantFile+`"`) {
				t.Errorf("Content-Disposition = %q, want filename %q", disp, tt.wantFile)
			}
			if tt.wantExactly != nil && !bytes.Equal(resp.body, tt.wantExactly) {
				t.Errorf("body differs from the uploaded bytes")
			}
			info, err := pdf.Check(resp.body)
			if err != nil {
				t.Fatalf("response is not a valid PDF: %v", err)
			}
			if tt.wantPages > 0 && info.Pages != tt.wantPages {
				t.Errorf("pages = %d, want %d", info.Pages, tt.wantPages)
			}
		})
	}
}

func TestGetDocumentArchive(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id, _ := envelopeWithPDF(t, s, token)
	resp := call(t, s, token, "GET", "/envelopes/"+id+"/documents/archive", nil)
	if ct := resp.header.Get("Content-Type"); ct != "application/zip" {
		t.Fatalf("Content-Type = %s, want application/zip", ct)
	}
	zr, err := zip.NewReader(bytes.NewReader(resp.body), int64(len(resp.body)))
	if err != nil {
		t.Fatalf("open zip: %v", err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := "1_Engagement Letter.pdf,2_Fee Schedule.pdf,Summary.pdf"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("archive entries = %s, want %s", got, want)
	}
}

func TestGetDocumentBase64(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id, letter := envelopeWithPDF(t, s, token)
	resp := call(t, s, token, "GET", "/envelopes/"+id+"/documents/1", nil,
		"Content-Transfer-Encoding", "base64")
	if got := resp.header.Get("Content-Transfer-Encoding"); got != "base64" {
		t.Errorf("Content-Transfer-Encoding = %q, want base64", got)
	}
	decoded, err := base64.StdEncoding.DecodeString(string(resp.body))
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	if !bytes.Equal(decoded, letter) {
		t.Errorf("decoded body differs from the uploaded PDF")
	}
}

func TestGetDocumentUnknown(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id, _ := envelopeWithPDF(t, s, token)
	resp := call(t, s, token, "GET", "/envelopes/"+id+"/documents/9", nil)
	if resp.status != http.StatusBadRequest || resp.errorCode(t) != "DOCUMENT_DOES_NOT_EXIST" {
		t.Errorf("got %d %s, want 400 DOCUMENT_DOES_NOT_EXIST", resp.status, resp.body)
	}
}

func TestLongTextDocumentPages(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := twoSignerEnvelope("sent")
	body["documents"] = []map[string]any{{"documentId": "1", "name": "Terms.txt",
		"documentBase64": b64(strings.Repeat("A clause of the terms.\n", 200))}}
	id := createEnvelope(t, s, token, body)
	list := call(t, s, token, "GET", "/envelopes/"+id+"/documents", nil).json(t)
	pages := list["envelopeDocuments"].([]any)[0].(map[string]any)["pages"].([]any)
	download := call(t, s, token, "GET", "/envelopes/"+id+"/documents/1", nil)
	info, err := pdf.Check(download.body)
	if err != nil {
		t.Fatalf("download is not a valid PDF: %v", err)
	}
	if info.Pages < 2 || len(pages) != info.Pages {
		t.Errorf("listed pages = %d, downloaded pages = %d, want the same count above 1",
			len(pages), info.Pages)
	}
}
