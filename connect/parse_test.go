package connect

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// referenceDir contains real Connect messages captured by others, when present.
const referenceDir = "../../shared/reference/docusign/samples"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return body
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		name         string
		file         string
		contentType  string
		want         Event
		wantSnapshot bool
	}{
		{name: "json envelope completed", file: "envelope-completed.json",
			contentType: "application/json; charset=utf-8",
			want: Event{Name: "envelope-completed",
				EnvelopeID:  "7e4b9c2a-1f3d-4a6b-8c5e-0d2f1a3b4c5d",
				AccountID:   "5c1f0a4e-2b7d-4e8a-9f31-6d0c2e7b9a10",
				Status:      "completed",
				GeneratedAt: time.Date(2026, 3, 2, 10, 15, 30, 123456700, time.UTC),
				Format:      FormatJSON},
			wantSnapshot: true},
		{name: "json recipient event without summary", file: "recipient-delivered.json",
			contentType: "application/json",
			want: Event{Name: "recipient-delivered",
				EnvelopeID:  "7e4b9c2a-1f3d-4a6b-8c5e-0d2f1a3b4c5d",
				AccountID:   "5c1f0a4e-2b7d-4e8a-9f31-6d0c2e7b9a10",
				RecipientID: "1", RetryCount: 2,
				GeneratedAt: time.Date(2026, 3, 2, 10, 5, 0, 100, time.UTC),
				Format:      FormatJSON}},
		{name: "xml with zone offset", file: "envelope-sent.xml", contentType: "text/xml",
			want: Event{Name: "envelope-sent",
				EnvelopeID:  "3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a",
				Status:      "sent",
				GeneratedAt: time.Date(2026, 3, 2, 10, 1, 2, 765432100, time.UTC),
				Format:      FormatXML}},
		{name: "xml without content type", file: "envelope-sent.xml",
			want: Event{Name: "envelope-sent",
				EnvelopeID:  "3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a",
				Status:      "sent",
				GeneratedAt: time.Date(2026, 3, 2, 10, 1, 2, 765432100, time.UTC),
				Format:      FormatXML}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(readFixture(t, tt.file), tt.contentType)
			if err != nil {
				t.Fatalf("Parse(%s) failed: %v", tt.file, err)
			}
			if (len(got.Snapshot) > 0) != tt.wantSnapshot {
				t.Errorf("Snapshot present = %v, want %v", len(got.Snapshot) > 0,
					tt.wantSnapshot)
			}
			got.Snapshot = nil
			if !got.GeneratedAt.Equal(tt.want.GeneratedAt) {
				t.Errorf("GeneratedAt = %s, want %s", got.GeneratedAt, tt.want.GeneratedAt)
			}
			got.GeneratedAt, tt.want.GeneratedAt = time.Time{}, time.Time{}
			if got.Name != tt.want.Name || got.EnvelopeID != tt.want.EnvelopeID ||
				got.Status != tt.want.Status || got.Format != tt.want.Format {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
			if got.AccountID != tt.want.AccountID || got.RecipientID != tt.want.RecipientID ||
				got.RetryCount != tt.want.RetryCount {
				t.Errorf("Parse ids and retry count = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseJSONWithByteOrderMark(t *testing.T) {
	body := append([]byte("\ufeff"), readFixture(t, "envelope-completed.json")...)
	ev, err := Parse(body, "application/json")
	if err != nil {
		t.Fatalf("Parse of JSON after a byte order mark failed: %v", err)
	}
	if ev.Name != "envelope-completed" {
		t.Errorf("Name = %q, want envelope-completed", ev.Name)
	}
}

func TestParseSnapshotIsSummary(t *testing.T) {
	ev, err := Parse(readFixture(t, "envelope-completed.json"), "application/json")
	if err != nil {
		t.Fatalf("Parse failed: %v", err)
	}
	var summary struct {
		Status     string `json:"status"`
		EnvelopeID string `json:"envelopeId"`
		Recipients struct {
			Signers []json.RawMessage `json:"signers"`
		} `json:"recipients"`
	}
	if err := json.Unmarshal(ev.Snapshot, &summary); err != nil {
		t.Fatalf("Snapshot is not JSON: %v", err)
	}
	if summary.Status != "completed" {
		t.Errorf("Snapshot status = %q, want completed", summary.Status)
	}
	if len(summary.Recipients.Signers) != 1 {
		t.Errorf("Snapshot has %d signers, want the summary's 1",
			len(summary.Recipients.Signers))
	}
}

func TestParseRejectsInvalid(t *testing.T) {
	const id = "7e4b9c2a-1f3d-4a6b-8c5e-0d2f1a3b4c5d"
	const when = "2026-03-02T10:15:30.1234567Z"
	tests := []struct {
		name        string
		body        string
		contentType string
		wantInError string
	}{
		{name: "neither json nor xml", body: "event=envelope-sent",
			wantInError: "neither JSON nor XML"},
		{name: "truncated json", body: `{"event":"envelope-sent"`,
			contentType: "application/json", wantInError: "invalid"},
		{name: "no event", body: `{"generatedDateTime":"` + when + `","data":{}}`,
			wantInError: "no event name"},
		{name: "no generated time",
			body:        `{"event":"envelope-sent","data":{"envelopeId":"` + id + `"}}`,
			wantInError: "generatedDateTime"},
		{name: "generated time without zone",
			body: `{"event":"envelope-sent","generatedDateTime":"2026-03-02T10:15:30",` +
				`"data":{"envelopeId":"` + id + `"}}`,
			wantInError: "generatedDateTime"},
		{name: "envelope event without envelope id",
			body:        `{"event":"envelope-sent","generatedDateTime":"` + when + `","data":{}}`,
			wantInError: "no envelope id"},
		{name: "envelope id with a slash",
			body: `{"event":"envelope-sent","generatedDateTime":"` + when +
				`","data":{"envelopeId":"a/b"}}`,
			wantInError: "envelope id"},
		{name: "summary names another envelope",
			body: `{"event":"envelope-sent","generatedDateTime":"` + when +
				`","data":{"envelopeId":"` + id + `","envelopeSummary":` +
				`{"envelopeId":"00000000-0000-0000-0000-000000000000","status":"sent"}}}`,
			wantInError: "envelope summary"},
		{name: "status with spaces",
			body: `{"event":"envelope-sent","generatedDateTime":"` + when +
				`","data":{"envelopeId":"` + id + `","envelopeSummary":{"status":"se nt"}}}`,
			wantInError: "status"},
		{name: "negative retry count",
			body: `{"event":"envelope-sent","retryCount":-1,"generatedDateTime":"` + when +
				`","data":{"envelopeId":"` + id + `"}}`,
			wantInError: "retryCount"},
		{name: "event with capitals", body: `{"event":"Envelope Sent","generatedDateTime":"` +
			when + `","data":{"envelopeId":"` + id + `"}}`, wantInError: "event"},
		{name: "xml in another namespace",
			body:        `<DocuSignEnvelopeInformation xmlns="urn:other"/>`,
			wantInError: "namespace"},
		{name: "xml without status", body: `<DocuSignEnvelopeInformation xmlns="` +
			XMLNamespace + `"><EnvelopeStatus><EnvelopeID>` + id +
			`</EnvelopeID><TimeGenerated>2026-03-02T02:01:02</TimeGenerated>` +
			`</EnvelopeStatus></DocuSignEnvelopeInformation>`, wantInError: "Status"},
		{name: "xml zone offset out of range", body: `<DocuSignEnvelopeInformation xmlns="` +
			XMLNamespace + `"><EnvelopeStatus><EnvelopeID>` + id +
			`</EnvelopeID><Status>Sent</Status>` +
			`<TimeGenerated>2026-03-02T02:01:02</TimeGenerated></EnvelopeStatus>` +
			`<TimeZoneOffset>99</TimeZoneOffset></DocuSignEnvelopeInformation>`,
			wantInError: "TimeZoneOffset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.body), tt.contentType)
			if err == nil {
				t.Fatalf("Parse(%s) succeeded, want an error", tt.body)
			}
			if !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("Parse error %q does not mention %q", err, tt.wantInError)
			}
		})
	}
}

func TestParseEventStatuses(t *testing.T) {
	tests := []struct {
		event      string
		wantStatus string
	}{
		{event: "envelope-sent", wantStatus: "sent"},
		{event: "envelope-resent", wantStatus: "sent"},
		{event: "envelope-delivered", wantStatus: "delivered"},
		{event: "envelope-completed", wantStatus: "completed"},
		{event: "envelope-declined", wantStatus: "declined"},
		{event: "envelope-voided", wantStatus: "voided"},
		{event: "envelope-corrected", wantStatus: ""},
		{event: "envelope-purge", wantStatus: ""},
		{event: "recipient-completed", wantStatus: ""},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			body := `{"event":"` + tt.event + `","generatedDateTime":"2026-03-02T10:00:00Z",` +
				`"data":{"envelopeId":"7e4b9c2a-1f3d-4a6b-8c5e-0d2f1a3b4c5d"}}`
			ev, err := Parse([]byte(body), "application/json")
			if err != nil {
				t.Fatalf("Parse failed: %v", err)
			}
			if ev.Status != tt.wantStatus {
				t.Errorf("Parse(%s) status = %q, want %q", tt.event, ev.Status, tt.wantStatus)
			}
		})
	}
}

func TestParseTemplateEventWithoutEnvelope(t *testing.T) {
	body := `{"event":"template-created","generatedDateTime":"2026-03-02T10:00:00Z",` +
		`"data":{"accountId":"5c1f0a4e-2b7d-4e8a-9f31-6d0c2e7b9a10","templateId":"t1"}}`
	ev, err := Parse([]byte(body), "application/json")
	if err != nil {
		t.Fatalf("Parse failed: %v", err)
	}
	if ev.EnvelopeID != "" || ev.Status != "" {
		t.Errorf("template event has envelope %q status %q, want neither", ev.EnvelopeID,
			ev.Status)
	}
}

func TestParseRealXMLSamples(t *testing.T) {
	dir := filepath.Join(referenceDir, "connect")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real Connect samples not found at %s: %v", dir, err)
	}
	tests := []struct {
		file          string
		wantStatus    string
		wantEnvelope  string
		wantGenerated time.Time
	}{
		{file: "legacy-xml-envelope-completed.docusign-connect-node-listener-aws.xml",
			wantStatus: "completed", wantEnvelope: "08740f95-2187-4b01-9a69-452ae3140752",
			wantGenerated: time.Date(2020, 3, 29, 6, 57, 15, 108547600, time.UTC)},
		{file: "legacy-xml-envelope-sent.docusign-connect-node-listener-aws.xml",
			wantStatus: "sent", wantEnvelope: "08740f95-2187-4b01-9a69-111111111111",
			wantGenerated: time.Date(2020, 3, 29, 6, 56, 53, 967832500, time.UTC)},
		{file: "legacy-xml-envelope-completed-with-tabs.jfcote87-esign.xml",
			wantStatus: "completed", wantEnvelope: "8e0069bb-6193-46b0-b616-3914477b13a5",
			wantGenerated: time.Date(2014, 11, 11, 18, 44, 45, 297917900, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatalf("read sample: %v", err)
			}
			ev, err := Parse(body, "text/xml; charset=utf-8")
			if err != nil {
				t.Fatalf("Parse failed: %v", err)
			}
			if ev.Status != tt.wantStatus {
				t.Errorf("Status = %q, want %q", ev.Status, tt.wantStatus)
			}
			if ev.Name != "envelope-"+tt.wantStatus {
				t.Errorf("Name = %q, want envelope-%s", ev.Name, tt.wantStatus)
			}
			if ev.EnvelopeID != tt.wantEnvelope {
				t.Errorf("EnvelopeID = %q, want %q", ev.EnvelopeID, tt.wantEnvelope)
			}
			if !ev.GeneratedAt.Equal(tt.wantGenerated) {
				t.Errorf("GeneratedAt = %s, want %s (TimeGenerated minus TimeZoneOffset)",
					ev.GeneratedAt, tt.wantGenerated)
			}
		})
	}
}

// TestParseRealJSONSchema fills the event name, time and ids that the published JSON SIM
// schema leaves as placeholders, then parses it.
func TestParseRealJSONSchema(t *testing.T) {
	path := filepath.Join(referenceDir, "schemas", "connect.schema-v2.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("Connect JSON schema sample not found at %s: %v", path, err)
	}
	if _, err := Parse(raw, "application/json"); err == nil {
		t.Errorf("Parse of the schema with an empty event succeeded, want an error")
	}
	var msg map[string]any
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatalf("schema sample is not JSON: %v", err)
	}
	const id = "7e4b9c2a-1f3d-4a6b-8c5e-0d2f1a3b4c5d"
	msg["event"] = "envelope-completed"
	msg["generatedDateTime"] = "2026-03-02T10:15:30.1234567Z"
	data := msg["data"].(map[string]any)
	data["envelopeId"], data["accountId"], data["userId"] = id, "1234", "5678"
	summary := data["envelopeSummary"].(map[string]any)
	summary["envelopeId"], summary["status"] = id, "completed"
	body, err := json.Marshal(msg)
	if err != nil {
		t.Fatalf("encode filled schema: %v", err)
	}
	ev, err := Parse(body, "application/json")
	if err != nil {
		t.Fatalf("Parse of the filled schema failed: %v", err)
	}
	if ev.Status != "completed" || ev.EnvelopeID != id {
		t.Errorf("Parse = status %q envelope %q, want completed %s", ev.Status,
			ev.EnvelopeID, id)
	}
	if len(ev.Snapshot) < 1000 {
		t.Errorf("Snapshot is %d bytes, want the schema's whole envelope summary",
			len(ev.Snapshot))
	}
}
