package docusign_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
)

// captured is one REST request as the fake server saw it.
type captured struct {
	method string
	path   string
	query  url.Values
	body   string
}

// captureREST serves every REST request with respond and records it.
func captureREST(env *testEnv, respond http.HandlerFunc) *[]captured {
	var got []captured
	seq := &sequence{handlers: []http.HandlerFunc{respond}}
	env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
		seq.serve(w, r)
		seq.mu.Lock()
		got = append(got, captured{method: r.Method, path: r.URL.EscapedPath(),
			query: r.URL.Query(), body: seq.bodies[len(seq.bodies)-1]})
		seq.mu.Unlock()
	})
	return &got
}

func okJSON(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, v) }
}

func TestListStatusChangesQuery(t *testing.T) {
	env := newTestEnv(t)
	reqs := captureREST(env, okJSON(map[string]any{"resultSetSize": "1",
		"envelopes": []map[string]string{{"envelopeId": testEnvelopeID, "status": "sent"}}}))
	from := time.Date(2026, 11, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	opts := &docusign.ListStatusChangesOptions{
		FromDate: from, ToDate: from.Add(48 * time.Hour), FromToStatus: "Changed",
		Status: []string{"sent", "delivered"}, CustomField: "Region=West",
		SearchText: "lease", Count: 50, StartPosition: 100,
		Include: []string{"recipients", "custom_fields"}, Order: "desc",
		OrderBy: "last_modified",
	}

	info, _, err := env.client.Envelopes.ListStatusChanges(context.Background(), opts)
	if err != nil {
		t.Fatalf("ListStatusChanges: %v", err)
	}
	if len(info.Envelopes) != 1 || info.ResultSetSize != "1" {
		t.Errorf("result = %+v, want one envelope", info)
	}

	q := (*reqs)[0].query
	want := map[string]string{
		"from_date": "2026-11-01T08:30:00Z", "to_date": "2026-11-03T08:30:00Z",
		"from_to_status": "Changed", "status": "sent,delivered",
		"custom_field": "Region=West", "search_text": "lease", "count": "50",
		"start_position": "100", "include": "recipients,custom_fields", "order": "desc",
		"order_by": "last_modified",
	}
	for key, value := range want {
		if got := q.Get(key); got != value {
			t.Errorf("query %s = %q, want %q", key, got, value)
		}
	}
	if len(q) != len(want) {
		t.Errorf("query has %d parameters, want %d: %v", len(q), len(want), q)
	}
	if got := (*reqs)[0].path; got != restPath("/envelopes") {
		t.Errorf("path = %q, want %q", got, restPath("/envelopes"))
	}
}

func TestListStatusChangesRejectedLocally(t *testing.T) {
	from := time.Now().Add(-time.Hour)
	tests := []struct {
		name    string
		opts    *docusign.ListStatusChangesOptions
		wantErr string
	}{
		{"nil options", nil, "set FromDate or EnvelopeIDs"},
		{"neither from_date nor ids", &docusign.ListStatusChangesOptions{Status: []string{"sent"}},
			"set FromDate or EnvelopeIDs"},
		{"to before from", &docusign.ListStatusChangesOptions{FromDate: from,
			ToDate: from.Add(-time.Hour)}, "before FromDate"},
		{"count too large", &docusign.ListStatusChangesOptions{FromDate: from, Count: 1001},
			"Count 1001"},
		{"custom field without equals", &docusign.ListStatusChangesOptions{FromDate: from,
			CustomField: "Region"}, "Name=Value"},
		{"envelope id not a GUID", &docusign.ListStatusChangesOptions{
			EnvelopeIDs: []string{"../x"}}, "not a GUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			_, _, err := env.client.Envelopes.ListStatusChanges(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if tokens, _, _ := env.fake.counts(); tokens != 0 {
				t.Errorf("token requests = %d, want 0: rejected before any request", tokens)
			}
		})
	}
}

func TestListStatusChangesByEnvelopeIDs(t *testing.T) {
	env := newTestEnv(t)
	reqs := captureREST(env, okJSON(map[string]any{}))
	opts := &docusign.ListStatusChangesOptions{EnvelopeIDs: []string{testEnvelopeID,
		testTemplateID}}
	_, _, err := env.client.Envelopes.ListStatusChanges(context.Background(), opts)
	if err != nil {
		t.Fatalf("ListStatusChanges: %v", err)
	}
	q := (*reqs)[0].query
	if got, want := q.Get("envelope_ids"), testEnvelopeID+","+testTemplateID; got != want {
		t.Errorf("envelope_ids = %q, want %q", got, want)
	}
	if q.Has("from_date") {
		t.Errorf("from_date sent although FromDate is zero")
	}
}

func TestEnvelopeOperationsWire(t *testing.T) {
	envPath := restPath("/envelopes/" + testEnvelopeID)
	tests := []struct {
		name      string
		call      func(c *docusign.Client) error
		method    string
		path      string
		query     string
		body      string
		operation string
	}{
		{"create", func(c *docusign.Client) error {
			_, _, err := c.Envelopes.Create(context.Background(), &docusign.EnvelopeDefinition{
				Status: "sent", EmailSubject: "Sign", Documents: []docusign.Document{{
					DocumentID: "1", Name: "a.pdf", FileExtension: "pdf",
					DocumentBase64: "JVBERg=="}},
				Recipients: &docusign.Recipients{Signers: []docusign.Signer{{
					RecipientID: "1", RoutingOrder: "1", Name: "N", Email: "n@example.com"}}},
			})
			return err
		}, "POST", restPath("/envelopes"), "",
			`{"status":"sent","emailSubject":"Sign","documents":[{"documentId":"1",` +
				`"name":"a.pdf","fileExtension":"pdf","documentBase64":"JVBERg=="}],` +
				`"recipients":{"signers":[{"recipientId":"1","routingOrder":"1",` +
				`"email":"n@example.com","name":"N"}]}}`, "Envelopes:create"},
		{"get with include", func(c *docusign.Client) error {
			_, _, err := c.Envelopes.Get(context.Background(), testEnvelopeID,
				&docusign.GetEnvelopeOptions{Include: []string{"recipients", "custom_fields"}})
			return err
		}, "GET", envPath, "include=recipients%2Ccustom_fields", "", "Envelopes:get"},
		{"recipients", func(c *docusign.Client) error {
			_, _, err := c.Envelopes.ListRecipients(context.Background(), testEnvelopeID)
			return err
		}, "GET", envPath + "/recipients", "", "", "EnvelopeRecipients:list"},
		{"void", func(c *docusign.Client) error {
			_, _, err := c.Envelopes.Void(context.Background(), testEnvelopeID, "Wrong file")
			return err
		}, "PUT", envPath, "", `{"status":"voided","voidedReason":"Wrong file"}`,
			"Envelopes:update"},
		{"resend", func(c *docusign.Client) error {
			_, _, err := c.Envelopes.Resend(context.Background(), testEnvelopeID)
			return err
		}, "PUT", envPath, "resend_envelope=true", `{}`, "Envelopes:update"},
		{"documents list", func(c *docusign.Client) error {
			_, _, err := c.Documents.List(context.Background(), testEnvelopeID)
			return err
		}, "GET", envPath + "/documents", "", "", "EnvelopeDocuments:list"},
		{"templates list", func(c *docusign.Client) error {
			_, _, err := c.Templates.List(context.Background(), &docusign.ListTemplatesOptions{
				SearchText: "NDA", Count: 10, FolderIDs: []string{"f1"}})
			return err
		}, "GET", restPath("/templates"), "count=10&folder_ids=f1&search_text=NDA", "",
			"Templates:list"},
		{"template get", func(c *docusign.Client) error {
			_, _, err := c.Templates.Get(context.Background(), testTemplateID)
			return err
		}, "GET", restPath("/templates/" + testTemplateID), "include=documents%2Ctabs", "",
			"Templates:get"},
		{"account get", func(c *docusign.Client) error {
			_, _, err := c.Accounts.Get(context.Background())
			return err
		}, "GET", restPath(""), "", "", "Accounts:get"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			reqs := captureREST(env, okJSON(map[string]string{"envelopeId": testEnvelopeID}))
			if err := tt.call(env.client); err != nil {
				t.Fatalf("call: %v", err)
			}
			if len(*reqs) != 1 {
				t.Fatalf("REST requests = %d, want 1", len(*reqs))
			}
			got := (*reqs)[0]
			if got.method != tt.method || got.path != tt.path {
				t.Errorf("request = %s %s, want %s %s", got.method, got.path, tt.method, tt.path)
			}
			if q := got.query.Encode(); q != tt.query {
				t.Errorf("query = %q, want %q", q, tt.query)
			}
			if got.body != tt.body {
				t.Errorf("body = %s, want %s", got.body, tt.body)
			}
			assertLastRecord(t, env.recorder.Records(), tt.operation, tt.method)
		})
	}
}

// assertLastRecord checks the CallRecord of the last REST request.
func assertLastRecord(t *testing.T, records []docusign.CallRecord, operation, method string) {
	t.Helper()
	if len(records) != 3 {
		t.Fatalf("records = %d, want 3 (token, userinfo, the call)", len(records))
	}
	if records[0].Operation != "OAuth:token" || records[1].Operation != "OAuth:userinfo" {
		t.Errorf("first records = %q, %q; want OAuth:token, OAuth:userinfo",
			records[0].Operation, records[1].Operation)
	}
	rec := records[2]
	if rec.Operation != operation || rec.Method != method || rec.Attempt != 1 ||
		rec.StatusCode != http.StatusOK || rec.Err != nil {
		t.Errorf("record = %+v, want %s %s attempt 1 status 200", rec, operation, method)
	}
	if !strings.HasPrefix(rec.PathTemplate, "/v2.1/accounts/{accountId}") {
		t.Errorf("PathTemplate = %q, want a template under /v2.1/accounts/{accountId}",
			rec.PathTemplate)
	}
	for _, r := range records {
		if text := fmt.Sprintf("%+v", r); strings.Contains(text, "token-1") {
			t.Errorf("record %s contains the access token", text)
		}
	}
}

func TestIDsCheckedBeforeRequest(t *testing.T) {
	tests := []struct {
		name string
		call func(c *docusign.Client) error
	}{
		{"get empty id", func(c *docusign.Client) error {
			_, _, err := c.Envelopes.Get(context.Background(), "", nil)
			return err
		}},
		{"void path traversal", func(c *docusign.Client) error {
			_, _, err := c.Envelopes.Void(context.Background(), "../../templates", "x")
			return err
		}},
		{"void without reason", func(c *docusign.Client) error {
			_, _, err := c.Envelopes.Void(context.Background(), testEnvelopeID, " ")
			return err
		}},
		{"template id", func(c *docusign.Client) error {
			_, _, err := c.Templates.Get(context.Background(), "abc")
			return err
		}},
		{"template search too long", func(c *docusign.Client) error {
			_, _, err := c.Templates.List(context.Background(),
				&docusign.ListTemplatesOptions{SearchText: strings.Repeat("x", 49)})
			return err
		}},
		{"create nil", func(c *docusign.Client) error {
			_, _, err := c.Envelopes.Create(context.Background(), nil)
			return err
		}},
		{"download bad document id", func(c *docusign.Client) error {
			_, _, err := c.Documents.Download(context.Background(), testEnvelopeID, "../1",
				&bytes.Buffer{}, 10)
			return err
		}},
		{"download zero limit", func(c *docusign.Client) error {
			_, _, err := c.Documents.Download(context.Background(), testEnvelopeID, "1",
				&bytes.Buffer{}, 0)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			if err := tt.call(env.client); err == nil {
				t.Fatalf("call succeeded, want a local validation error")
			}
			if tokens, _, rests := env.fake.counts(); tokens+rests != 0 {
				t.Errorf("requests sent = %d, want 0", tokens+rests)
			}
		})
	}
}

func TestDocumentDownload(t *testing.T) {
	content := bytes.Repeat([]byte("%PDF-1.7 \x00\xff binary "), 100)
	sum := sha256.Sum256(content)
	tests := []struct {
		name        string
		documentID  string
		disposition string
		chunked     bool
		maxBytes    int64
		wantName    string
		wantDocID   string
		wantTooBig  bool
	}{
		{"with length", "1", `file; filename="NDA.pdf"; documentid="1"`, false, 1 << 20,
			"NDA.pdf", "1", false},
		{"chunked", "combined", `file; filename="combined.pdf"`, true, 1 << 20,
			"combined.pdf", "combined", false},
		{"exact limit", "1", "", false, int64(len(content)), "", "1", false},
		{"length over limit", "1", "", false, 100, "", "1", true},
		{"chunked over limit", "1", "", true, 100, "", "1", true},
		{"path in filename stripped", "2", `file; filename="../../etc/passwd"`, false, 1 << 20,
			"passwd", "2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/pdf")
				if tt.disposition != "" {
					w.Header().Set("Content-Disposition", tt.disposition)
				}
				if !tt.chunked {
					w.Header().Set("Content-Length", fmt.Sprint(len(content)))
				}
				_, _ = w.Write(content[:len(content)/2])
				w.(http.Flusher).Flush()
				_, _ = w.Write(content[len(content)/2:])
			})
			var buf bytes.Buffer
			info, _, err := env.client.Documents.Download(context.Background(), testEnvelopeID,
				tt.documentID, &buf, tt.maxBytes)
			if tt.wantTooBig {
				var tooBig *docusign.DownloadTooLargeError
				if !errors.As(err, &tooBig) || tooBig.Limit != tt.maxBytes {
					t.Fatalf("error = %v, want *DownloadTooLargeError with limit %d", err,
						tt.maxBytes)
				}
				if !strings.Contains(err.Error(), fmt.Sprint(tt.maxBytes)) {
					t.Errorf("error %q does not name the limit", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Download: %v", err)
			}
			if !bytes.Equal(buf.Bytes(), content) {
				t.Errorf("downloaded %d bytes that differ from the %d sent", buf.Len(),
					len(content))
			}
			want := docusign.DownloadInfo{ContentType: "application/pdf", Filename: tt.wantName,
				DocumentID: tt.wantDocID, Size: int64(len(content)),
				SHA256: hex.EncodeToString(sum[:])}
			if *info != want {
				t.Errorf("DownloadInfo = %+v, want %+v", *info, want)
			}
		})
	}
}

func TestDocumentDownloadErrorNotWritten(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(status(400, "DOCUMENT_DOES_NOT_EXIST"))
	var buf bytes.Buffer
	_, _, err := env.client.Documents.Download(context.Background(), testEnvelopeID, "9", &buf,
		1<<20)
	assertAPIError(t, err, http.StatusBadRequest, "DOCUMENT_DOES_NOT_EXIST")
	if !docusign.IsNotFound(err) {
		t.Errorf("IsNotFound = false, want true for DOCUMENT_DOES_NOT_EXIST")
	}
	if buf.Len() != 0 {
		t.Errorf("writer got %d bytes of an error body, want none", buf.Len())
	}
}

func TestLogObserverLeavesOutSecrets(t *testing.T) {
	var logs bytes.Buffer
	env := newTestEnv(t, func(c *docusign.Config) {
		c.Logger = slogJSON(&logs)
		c.Observer = docusign.LogObserver{Logger: slogJSON(&logs)}
	})
	env.fake.setREST(okJSON(map[string]string{}))
	opts := &docusign.ListStatusChangesOptions{FromDate: time.Now().Add(-time.Hour),
		SearchText: "jane.doe@example.com"}
	_, _, err := env.client.Envelopes.ListStatusChanges(context.Background(), opts)
	if err != nil {
		t.Fatalf("ListStatusChanges: %v", err)
	}
	text := logs.String()
	for _, secret := range []string{"token-1", "jane.doe", "assertion", "BEGIN"} {
		if strings.Contains(text, secret) {
			t.Errorf("logs contain %q:\n%s", secret, text)
		}
	}
	var lines int
	for line := range strings.SplitSeq(strings.TrimSpace(text), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		lines++
	}
	if lines < 6 {
		t.Errorf("log lines = %d, want at least 6 (3 calls, logged by client and observer)",
			lines)
	}
}
