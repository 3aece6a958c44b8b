package docusigntest

import (
	"bytes"
	"net/http"
	"testing"
)

func TestAttachFileListedAndDownloadable(t *testing.T) {
	s, _ := newSim(t, Options{})
	token, envelopeID := sentEnvelope(t, s)
	documentID, err := s.AttachFile(envelopeID, "1", "", nil)
	if err != nil {
		t.Fatalf("AttachFile: %v", err)
	}
	if documentID != "2" {
		t.Errorf("attachment documentId = %q, want 2 after document 1", documentID)
	}

	list := call(t, s, token, "GET", "/envelopes/"+envelopeID+"/documents", nil).json(t)
	docs, _ := list["envelopeDocuments"].([]any)
	if len(docs) != 3 {
		t.Fatalf("documents list has %d entries, want content, attachment, summary", len(docs))
	}
	attachment, _ := docs[1].(map[string]any)
	if attachment["type"] != "attachment" || attachment["documentId"] != documentID {
		t.Errorf("second document = %v, want type attachment with id %s", attachment,
			documentID)
	}
	if tab, _ := attachment["attachmentTabId"].(string); len(tab) != 36 {
		t.Errorf("attachmentTabId = %q, want a GUID", tab)
	}
	if content, _ := docs[0].(map[string]any); content["attachmentTabId"] != nil {
		t.Errorf("content document has attachmentTabId %v", content["attachmentTabId"])
	}

	download := call(t, s, token, "GET", "/envelopes/"+envelopeID+"/documents/"+documentID,
		nil)
	if download.status != http.StatusOK || !bytes.HasPrefix(download.body, []byte("%PDF-")) {
		t.Errorf("download = %d with %d bytes, want 200 and a PDF", download.status,
			len(download.body))
	}
}

func TestAttachFileRejected(t *testing.T) {
	tests := []struct {
		name      string
		recipient string
		content   []byte
		wantCode  string
	}{
		{name: "not in turn", recipient: "2", wantCode: "RECIPIENT_NOT_IN_SEQUENCE"},
		{name: "carbon copy", recipient: "3", wantCode: "INVALID_RECIPIENT_ID"},
		{name: "unknown recipient", recipient: "9", wantCode: "INVALID_RECIPIENT_ID"},
		{name: "empty content", recipient: "1", content: []byte{},
			wantCode: "INVALID_REQUEST_PARAMETER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSim(t, Options{})
			_, envelopeID := sentEnvelope(t, s)
			_, err := s.AttachFile(envelopeID, tt.recipient, "scan.pdf", tt.content)
			if code := errorCodeOf(err); code != tt.wantCode {
				t.Errorf("AttachFile error = %v, want %s", err, tt.wantCode)
			}
		})
	}
}

func TestAttachFileControlHTTP(t *testing.T) {
	s, _ := newSim(t, Options{})
	token, envelopeID := sentEnvelope(t, s)
	path := "/sim/envelopes/" + envelopeID + "/recipients/1/attachments"
	resp := call(t, s, "", "POST", path, map[string]any{
		"name": "passport.pdf", "documentBase64": b64("%PDF-1.4\n%%EOF\n"),
	})
	if resp.status != http.StatusOK {
		t.Fatalf("POST %s = %d %s, want 200", path, resp.status, resp.body)
	}
	documentID, _ := resp.json(t)["documentId"].(string)
	download := call(t, s, token, "GET", "/envelopes/"+envelopeID+"/documents/"+documentID,
		nil)
	if string(download.body) != "%PDF-1.4\n%%EOF\n" {
		t.Errorf("download of the attachment = %q, want the uploaded bytes", download.body)
	}
	bad := call(t, s, "", "POST", path, map[string]any{"documentBase64": "not base64!"})
	if bad.status != http.StatusBadRequest {
		t.Errorf("POST with invalid base64 = %d %s, want 400", bad.status, bad.body)
	}
}
