package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// fakeDocuments serves fixed bytes per document id from an envelope whose documents
// list contains docs.
type fakeDocuments struct {
	docs   []docusign.EnvelopeDocument
	bodies map[string]string
}

func (f *fakeDocuments) List(context.Context, string) (*docusign.EnvelopeDocumentsResult,
	*docusign.Response, error) {
	return &docusign.EnvelopeDocumentsResult{EnvelopeDocuments: f.docs}, nil, nil
}

func (f *fakeDocuments) Download(_ context.Context, _, documentID string, w io.Writer,
	_ int64) (*docusign.DownloadInfo, *docusign.Response, error) {
	body, ok := f.bodies[documentID]
	if !ok {
		return nil, nil, errors.New("no such document")
	}
	n, err := io.Copy(w, strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	return &docusign.DownloadInfo{DocumentID: documentID, Size: n,
		SHA256: sha256Hex(body)}, nil, nil
}

func TestDocumentsToArchiveFindsAttachments(t *testing.T) {
	list := &docusign.EnvelopeDocumentsResult{EnvelopeDocuments: []docusign.EnvelopeDocument{
		{DocumentID: "1", Type: "content"},
		{DocumentID: "2", Type: "attachment"},
		{DocumentID: "certificate", Type: "summary"},
	}}
	var got []string
	for _, ref := range documentsToArchive(list) {
		got = append(got, ref.Name+"="+ref.DocumentID)
	}
	want := "combined=combined certificate=certificate attachment-2=2"
	if strings.Join(got, " ") != want {
		t.Errorf("documentsToArchive = %v, want %s", got, want)
	}
}

func TestArchiverArchivesSignerAttachment(t *testing.T) {
	s := openStore(t, t.TempDir())
	docs := &fakeDocuments{
		docs: []docusign.EnvelopeDocument{{DocumentID: "4", Type: "attachment"}},
		bodies: map[string]string{"combined": testPDF, "certificate": testPDF,
			"4": testPDF + "attachment"},
	}
	a, err := NewArchiver(ArchiverOptions{Store: s, Documents: docs,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	ctx := context.Background()
	if err := a.runArchive(ctx, store.Job{Kind: store.JobArchive, ID: "env",
		EnvelopeID: "env"}); err != nil {
		t.Fatalf("runArchive: %v", err)
	}
	archive, err := s.GetArchive(ctx, "env")
	if err != nil {
		t.Fatalf("GetArchive: %v", err)
	}
	if len(archive.Artifacts) != 3 || archive.Artifacts[2].Name != "attachment-4" {
		t.Fatalf("artifacts = %+v, want combined, certificate and attachment-4",
			archive.Artifacts)
	}
	if got, want := archive.Artifacts[2].SHA256, sha256Hex(testPDF+"attachment"); got != want {
		t.Errorf("attachment sha256 = %s, want %s", got, want)
	}
}

func TestArchiverRejectsBadDocuments(t *testing.T) {
	tests := []struct {
		name     string
		combined string
		wantErr  string
	}{
		{name: "not a PDF", combined: "<html>error page</html>", wantErr: "not a PDF"},
		{name: "empty", combined: "", wantErr: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, t.TempDir())
			docs := &fakeDocuments{bodies: map[string]string{"combined": tt.combined,
				"certificate": testPDF}}
			a, err := NewArchiver(ArchiverOptions{Store: s, Documents: docs,
				Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatalf("NewArchiver: %v", err)
			}
			ctx := context.Background()
			err = a.runArchive(ctx, store.Job{Kind: store.JobArchive, ID: "env",
				EnvelopeID: "env"})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("runArchive error = %v, want one containing %q", err, tt.wantErr)
			}
			_, err = s.StatDocument(ctx, store.ArchivedDocumentKey("env", "combined"))
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("rejected copy after the failed run: err %v, want ErrNotFound", err)
			}
			if _, err := s.GetArchive(ctx, "env"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("archive after the failed run: err %v, want ErrNotFound", err)
			}
		})
	}
}

func TestCustomFieldsFromSnapshots(t *testing.T) {
	tests := []struct {
		name     string
		snapshot string
		want     string
	}{
		{name: "tool status output", snapshot: `{"custom_fields":[{"name":"Matter Type",` +
			`"value":"nda"}]}`, want: "nda"},
		{name: "connect summary", snapshot: `{"customFields":{"textCustomFields":[{"name":` +
			`"Matter Type","value":"lease"}]}}`, want: "lease"},
		{name: "none", snapshot: ``, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := customFields([]byte(tt.snapshot))["Matter Type"]
			if got != tt.want {
				t.Errorf("Matter Type = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	noJitter := func(time.Duration) time.Duration { return 0 }
	fullJitter := func(d time.Duration) time.Duration { return d - 1 }
	tests := []struct {
		name     string
		attempts int
		jitter   func(time.Duration) time.Duration
		want     time.Duration
	}{
		{name: "first failure, no jitter", attempts: 1, jitter: noJitter, want: 15 * time.Second},
		{name: "third failure, no jitter", attempts: 3, jitter: noJitter, want: time.Minute},
		{name: "capped", attempts: 40, jitter: noJitter, want: 30 * time.Minute},
		{name: "capped with jitter", attempts: 40, jitter: fullJitter,
			want: time.Hour - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jitteredBackoff(tt.attempts, 30*time.Second, time.Hour, tt.jitter)
			if got != tt.want {
				t.Errorf("backoff(%d) = %s, want %s", tt.attempts, got, tt.want)
			}
		})
	}
}

func TestNewArchiverNeedsDownstreamKey(t *testing.T) {
	_, err := NewArchiver(ArchiverOptions{Store: &store.Store{}, Documents: &fakeDocuments{},
		Downstream: []string{"http://127.0.0.1:9/hook"}})
	if err == nil || !strings.Contains(err.Error(), "DOCUSIGN_MCP_DOWNSTREAM_HMAC_KEY") {
		t.Errorf("NewArchiver without a key: err %v, want one naming the variable", err)
	}
}

// haltedDocuments fails every call as a client halted on lost consent does.
type haltedDocuments struct{ fakeDocuments }

func (haltedDocuments) List(context.Context, string) (*docusign.EnvelopeDocumentsResult,
	*docusign.Response, error) {
	return nil, nil, &docusign.HaltedError{Reason: docusign.HaltConsentRevoked,
		ConsentURL: "http://127.0.0.1:9/oauth/auth"}
}

func TestArchiverWaitsOutConsentHalt(t *testing.T) {
	s := openStore(t, t.TempDir())
	clock := newFakeClock()
	alerts := &recordingAlerts{}
	a, err := NewArchiver(ArchiverOptions{Store: s, Documents: &haltedDocuments{},
		Alerts: alerts, AlertAfter: 1, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	ctx := context.Background()
	if err := a.addArchiveJob(ctx, "env"); err != nil {
		t.Fatalf("addArchiveJob: %v", err)
	}
	for range 3 {
		a.runOnce(ctx)
		clock.Advance(time.Hour)
	}
	job, err := s.GetJob(ctx, store.JobArchive, "env")
	if err != nil {
		t.Fatalf("archive job during the halt: %v", err)
	}
	if job.Attempts != 0 {
		t.Errorf("job attempts = %d, want 0: a halt is not the job's failure", job.Attempts)
	}
	if !strings.Contains(job.LastError, "halted") {
		t.Errorf("job last error = %q, want the halt", job.LastError)
	}
	if got := alerts.kinds(); len(got) != 0 {
		t.Errorf("alerts = %v, want none: the halt raises its own", got)
	}
}
