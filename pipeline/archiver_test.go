package pipeline

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/store"
)

// servedHash downloads a document from the simulator through the client and returns the
// hex SHA-256 of the bytes it serves.
func (e *simEnv) servedHash(t *testing.T, envelopeID, documentID string) string {
	t.Helper()
	var buf bytes.Buffer
	_, _, err := e.client.Documents.Download(context.Background(), envelopeID, documentID,
		&buf, DefaultMaxDocumentBytes)
	if err != nil {
		t.Fatalf("download %s from the simulator: %v", documentID, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// archived reports whether the envelope's archive is saved and its archive job finished.
func archived(ctx context.Context, s *store.Store, envelopeID string) bool {
	if _, err := s.GetArchive(ctx, envelopeID); err != nil {
		return false
	}
	_, err := s.GetJob(ctx, store.JobArchive, envelopeID)
	return errors.Is(err, store.ErrNotFound)
}

func TestArchiverArchivesCompletedEnvelope(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	id := env.completeEnvelope(t)
	working := store.DocumentKey{EnvelopeID: id, DocumentID: "1"}
	if _, err := env.store.PutDocument(ctx, working, strings.NewReader(testPDF)); err != nil {
		t.Fatalf("store a working copy: %v", err)
	}
	audit := &recordingAudit{}
	// The archiver's clock runs past the working copy's grace period.
	later := func() time.Time { return time.Now().Add(time.Hour) }
	a, err := NewArchiver(ArchiverOptions{Store: env.store, Documents: env.client.Documents,
		Audit: audit, Now: later, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	a.Start(ctx)
	defer a.Close()
	_, _, err = env.store.PutEnvelope(ctx, store.EnvelopeState{EnvelopeID: id,
		Status: "completed", Source: store.SourceWebhook})
	if err != nil {
		t.Fatalf("PutEnvelope(completed): %v", err)
	}
	waitFor(t, "the envelope to be archived", func() bool {
		return archived(ctx, env.store, id)
	})
	a.Close()

	want := map[string]string{"combined": env.servedHash(t, id, "combined"),
		"certificate": env.servedHash(t, id, "certificate")}
	if _, err := env.store.StatDocument(ctx, working); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("working copy after archiving: err %v, want ErrNotFound", err)
	}
	// Reopening proves the archived copies decrypt with the store key.
	if err := env.store.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	reopened := openStore(t, env.dir)
	archive, err := reopened.GetArchive(ctx, id)
	if err != nil {
		t.Fatalf("GetArchive after reopening: %v", err)
	}
	if len(archive.Artifacts) != 2 {
		t.Fatalf("archive has %d artifacts, want combined and certificate: %+v",
			len(archive.Artifacts), archive.Artifacts)
	}
	for _, art := range archive.Artifacts {
		var buf bytes.Buffer
		meta, err := reopened.GetArchivedDocument(ctx, id, art.DocumentID, &buf)
		if err != nil {
			t.Fatalf("read archived %s: %v", art.DocumentID, err)
		}
		sum := sha256.Sum256(buf.Bytes())
		got := hex.EncodeToString(sum[:])
		if got != want[art.Name] {
			t.Errorf("archived %s has sha256 %s, the simulator serves %s", art.Name, got,
				want[art.Name])
		}
		if art.SHA256 != got || meta.SHA256 != got {
			t.Errorf("archive record of %s says sha256 %s, the bytes hash to %s", art.Name,
				art.SHA256, got)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
			t.Errorf("archived %s does not start with %%PDF-", art.Name)
		}
	}
	if got := len(audit.byKind(AuditArchive)); got != 1 {
		t.Errorf("archive audit records = %d, want 1", got)
	}
}

func TestArchiverRetriesFailedDownload(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	id := env.completeEnvelope(t)
	clock := newFakeClock()
	alerts := &recordingAlerts{}
	a, err := NewArchiver(ArchiverOptions{Store: env.store, Documents: env.client.Documents,
		Alerts: alerts, AlertAfter: 1, Now: clock.Now, MinBackoff: time.Minute,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	// The client makes 4 attempts per call, so 4 faults fail one archive run.
	env.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpGetDocument, Status: 503,
		Times: 4})
	if err := a.addArchiveJob(ctx, id); err != nil {
		t.Fatalf("addArchiveJob: %v", err)
	}
	a.runOnce(ctx)
	job, err := env.store.GetJob(ctx, store.JobArchive, id)
	if err != nil {
		t.Fatalf("archive job after a failed run: %v", err)
	}
	if job.Attempts != 1 {
		t.Errorf("job attempts = %d, want 1", job.Attempts)
	}
	if !strings.Contains(job.LastError, "503") {
		t.Errorf("job last error = %q, want the 503 it failed with", job.LastError)
	}
	if !job.NextAttempt.After(clock.Now()) {
		t.Errorf("next attempt %v is not after now %v: no backoff", job.NextAttempt, clock.Now())
	}
	if got := alerts.kinds(); len(got) != 1 || got[0] != "archive_failed" {
		t.Errorf("alerts = %v, want one archive_failed", got)
	}
	a.runOnce(ctx)
	if _, err := env.store.GetArchive(ctx, id); err == nil {
		t.Fatalf("the job ran again before its backoff passed")
	}
	clock.Advance(time.Hour)
	a.runOnce(ctx)
	if _, err := env.store.GetArchive(ctx, id); err != nil {
		t.Fatalf("GetArchive after the retry: %v", err)
	}
	if _, err := env.store.GetJob(ctx, store.JobArchive, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("archive job after success: err %v, want ErrNotFound", err)
	}
}

func TestArchiverResumesAfterRestart(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	id := env.completeEnvelope(t)
	first, err := NewArchiver(ArchiverOptions{Store: env.store,
		Documents: env.client.Documents, MinBackoff: time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	env.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpListDocuments, Status: 500,
		Times: 4})
	if err := first.addArchiveJob(ctx, id); err != nil {
		t.Fatalf("addArchiveJob: %v", err)
	}
	first.runOnce(ctx)
	if _, err := env.store.GetJob(ctx, store.JobArchive, id); err != nil {
		t.Fatalf("unfinished job before the restart: %v", err)
	}
	if err := env.store.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}

	reopened := openStore(t, env.dir)
	second, err := NewArchiver(ArchiverOptions{Store: reopened,
		Documents: env.client.Documents, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver after restart: %v", err)
	}
	second.Start(ctx)
	defer second.Close()
	waitFor(t, "the resumed job to archive the envelope", func() bool {
		return archived(ctx, reopened, id)
	})
}

func TestArchiverScansCompletedAtStart(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	id := env.completeEnvelope(t)
	// The state changes before any archiver listens, as when the process stopped first.
	_, _, err := env.store.PutEnvelope(ctx, store.EnvelopeState{EnvelopeID: id,
		Status: "completed", Source: store.SourceDocusign})
	if err != nil {
		t.Fatalf("PutEnvelope: %v", err)
	}
	// An agent downloaded this copy just now and may still read it.
	fresh := store.DocumentKey{EnvelopeID: id, DocumentID: "certificate"}
	if _, err := env.store.PutDocument(ctx, fresh, strings.NewReader(testPDF)); err != nil {
		t.Fatalf("store a working copy: %v", err)
	}
	a, err := NewArchiver(ArchiverOptions{Store: env.store, Documents: env.client.Documents,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	a.Start(ctx)
	defer a.Close()
	waitFor(t, "the start-up scan to archive the envelope", func() bool {
		return archived(ctx, env.store, id)
	})
	if _, err := env.store.StatDocument(ctx, fresh); err != nil {
		t.Errorf("fresh working copy after archiving: %v, want it kept for the grace period",
			err)
	}
}

// downstreamReceiver is a loopback receiver that checks each post's HMAC itself and fails
// the first failures posts with 500.
type downstreamReceiver struct {
	t        *testing.T
	key      []byte
	failures int

	mu       sync.Mutex
	attempts int
	events   []CompletionEvent
	badSig   int
	eventIDs []string
}

func (r *downstreamReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.t.Errorf("read downstream body: %v", err)
	}
	mac := hmac.New(sha256.New, r.key)
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	r.eventIDs = append(r.eventIDs, req.Header.Get(HeaderEventID))
	if !hmac.Equal([]byte(req.Header.Get(HeaderSignature)), []byte(want)) {
		r.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.attempts <= r.failures {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var ev CompletionEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		r.t.Errorf("decode completion event: %v", err)
	}
	r.events = append(r.events, ev)
}

func TestDownstreamRetriesOn500(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	id := env.completeEnvelope(t)
	key := []byte("downstream-test-key")
	recv := &downstreamReceiver{t: t, key: key, failures: 2}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	clock := newFakeClock()
	audit := &recordingAudit{}
	a, err := NewArchiver(ArchiverOptions{Store: env.store, Documents: env.client.Documents,
		Audit: audit, Downstream: []string{srv.URL + "/filing?token=abc"}, DownstreamKey: key,
		Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	if err := a.addArchiveJob(ctx, id); err != nil {
		t.Fatalf("addArchiveJob: %v", err)
	}
	for range 3 {
		a.runOnce(ctx)
		clock.Advance(2 * DefaultMaxBackoff)
	}

	recv.mu.Lock()
	defer recv.mu.Unlock()
	if recv.attempts != 3 {
		t.Errorf("receiver saw %d posts, want 3 (two 500s, then success)", recv.attempts)
	}
	if recv.badSig != 0 {
		t.Errorf("receiver rejected %d signatures", recv.badSig)
	}
	if len(recv.events) != 1 {
		t.Fatalf("receiver accepted %d events, want 1", len(recv.events))
	}
	for _, got := range recv.eventIDs {
		if got != EventID(id) {
			t.Errorf("event id header %q, want %q on every attempt", got, EventID(id))
		}
	}
	ev := recv.events[0]
	if ev.EnvelopeID != id || ev.Type != EventEnvelopeCompleted || len(ev.Artifacts) != 2 {
		t.Errorf("event = %+v, want envelope %s, type %s, two artifacts", ev, id,
			EventEnvelopeCompleted)
	}
	deliveries, err := env.store.Deliveries(ctx, id)
	if err != nil {
		t.Fatalf("Deliveries: %v", err)
	}
	if len(deliveries) != 3 || !deliveries[2].Delivered || deliveries[0].StatusCode != 500 {
		t.Errorf("delivery records = %+v, want 500, 500, delivered", deliveries)
	}
	if got := len(audit.byKind(AuditDelivery)); got != 3 {
		t.Errorf("delivery audit records = %d, want 3", got)
	}
	if _, err := env.store.GetJob(ctx, store.JobDownstream,
		id+"/"+TargetID(srv.URL+"/filing?token=abc")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delivery job after success: err %v, want ErrNotFound", err)
	}
}

func TestArchiverArchivesSimulatorAttachment(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	id := env.sendEnvelope(t)
	docID, err := env.sim.AttachFile(id, "1", "scan.pdf", nil)
	if err != nil {
		t.Fatalf("AttachFile: %v", err)
	}
	if err := env.sim.SignAll(id); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	a, err := NewArchiver(ArchiverOptions{Store: env.store, Documents: env.client.Documents,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	if err := a.runArchive(ctx, store.Job{Kind: store.JobArchive, ID: id,
		EnvelopeID: id}); err != nil {
		t.Fatalf("runArchive: %v", err)
	}
	archive, err := env.store.GetArchive(ctx, id)
	if err != nil {
		t.Fatalf("GetArchive: %v", err)
	}
	var found bool
	for _, art := range archive.Artifacts {
		if art.DocumentID != docID {
			continue
		}
		found = true
		if want := env.servedHash(t, id, docID); art.SHA256 != want {
			t.Errorf("attachment sha256 = %s, the simulator serves %s", art.SHA256, want)
		}
		if art.Name != "attachment-"+docID {
			t.Errorf("attachment artifact name = %q, want attachment-%s", art.Name, docID)
		}
	}
	if !found {
		t.Errorf("artifacts %+v lack the signer attachment %s", archive.Artifacts, docID)
	}
}

func TestDownstreamResumesAfterRestart(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	id := env.completeEnvelope(t)
	key := []byte("downstream-test-key")
	recv := &downstreamReceiver{t: t, key: key, failures: 1}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	opts := func(s *store.Store) ArchiverOptions {
		return ArchiverOptions{Store: s, Documents: env.client.Documents,
			Downstream: []string{srv.URL}, DownstreamKey: key, MinBackoff: time.Millisecond,
			MaxBackoff: time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
	}
	first, err := NewArchiver(opts(env.store))
	if err != nil {
		t.Fatalf("NewArchiver: %v", err)
	}
	if err := first.addArchiveJob(ctx, id); err != nil {
		t.Fatalf("addArchiveJob: %v", err)
	}
	// One pass archives the envelope and makes the first post, which gets a 500.
	first.runOnce(ctx)
	if err := env.store.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}

	reopened := openStore(t, env.dir)
	second, err := NewArchiver(opts(reopened))
	if err != nil {
		t.Fatalf("NewArchiver after restart: %v", err)
	}
	second.Start(ctx)
	defer second.Close()
	waitFor(t, "the resumed delivery to be recorded", func() bool {
		got, err := reopened.Deliveries(ctx, id)
		return err == nil && len(got) == 2
	})
	second.Close()
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if recv.attempts != 2 {
		t.Errorf("receiver saw %d posts, want 2: one before and one after the restart",
			recv.attempts)
	}
	if recv.eventIDs[0] != recv.eventIDs[1] {
		t.Errorf("event ids %v differ across the restart, want one id for de-duplication",
			recv.eventIDs)
	}
	deliveries, err := reopened.Deliveries(ctx, id)
	if err != nil {
		t.Fatalf("Deliveries: %v", err)
	}
	if len(deliveries) != 2 || deliveries[1].Attempt != 2 || !deliveries[1].Delivered {
		t.Errorf("delivery records = %+v, want a failed first and a delivered second attempt",
			deliveries)
	}
}
