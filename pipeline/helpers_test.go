package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/store"
)

// storeKey is the AES-256 key of the test stores.
var storeKey = bytes.Repeat([]byte{0x5a}, 32)

// testPDF is a one-page PDF for envelope fixtures.
const testPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

// fakeClock moves only when a test advances it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// simEnv is a simulator, a real client on it and a real encrypted store.
type simEnv struct {
	sim    *docusigntest.Server
	client *docusign.Client
	dir    string
	store  *store.Store
}

func newSimEnv(t *testing.T) *simEnv {
	t.Helper()
	sim := docusigntest.NewServer(docusigntest.Options{NoSeedTemplates: true})
	t.Cleanup(sim.Close)
	creds := sim.Credentials()
	client, err := docusign.NewClient(docusign.Config{
		IntegrationKey: creds.IntegrationKey, UserID: creds.UserID,
		PrivateKeyPEM: creds.PrivateKeyPEM, AuthServer: creds.AuthServer,
		// Retries wait no real time, so a test of retries stays fast.
		Retry: docusign.RetryPolicy{Sleep: func(ctx context.Context, _ time.Duration) error {
			return ctx.Err()
		}},
	})
	if err != nil {
		t.Fatalf("NewClient with simulator credentials: %v", err)
	}
	env := &simEnv{sim: sim, client: client, dir: t.TempDir()}
	env.store = openStore(t, env.dir)
	return env
}

// openStore opens the encrypted store in dir and closes it at the end of the test unless
// the test closed it first.
func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(dir, store.Options{EncryptionKey: storeKey,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store %s: %v", dir, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// completeEnvelope creates and sends an envelope in the simulator, signs it and returns
// its id.
func (e *simEnv) completeEnvelope(t *testing.T) string {
	t.Helper()
	id := e.sendEnvelope(t)
	if err := e.sim.SignAll(id); err != nil {
		t.Fatalf("SignAll(%s): %v", id, err)
	}
	return id
}

// sendEnvelope creates and sends an envelope with one signer and returns its id.
func (e *simEnv) sendEnvelope(t *testing.T) string {
	t.Helper()
	def := &docusign.EnvelopeDefinition{
		Status: "sent", EmailSubject: "Pipeline test",
		Documents: []docusign.Document{{DocumentID: "1", Name: "Agreement.pdf",
			FileExtension: "pdf", DocumentBase64: base64.StdEncoding.EncodeToString(
				[]byte(testPDF))}},
		Recipients: &docusign.Recipients{Signers: []docusign.Signer{{RecipientID: "1",
			RoutingOrder: "1", Name: "Signer One", Email: "signer.one@example.test",
			Tabs: &docusign.Tabs{SignHereTabs: []docusign.Tab{{DocumentID: "1",
				PageNumber: "1", XPosition: "100", YPosition: "150"}}}}}},
	}
	summary, _, err := e.client.Envelopes.Create(context.Background(), def)
	if err != nil {
		t.Fatalf("create envelope: %v", err)
	}
	return summary.EnvelopeID
}

// recordingAlerts keeps raised alerts in memory.
type recordingAlerts struct {
	mu     sync.Mutex
	alerts []alert.Alert
}

func (r *recordingAlerts) Raise(_ context.Context, a alert.Alert) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.alerts = append(r.alerts, a)
	return true
}

func (r *recordingAlerts) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.alerts {
		out = append(out, a.Kind)
	}
	return out
}

// recordingAudit keeps appended records in memory.
type recordingAudit struct {
	mu      sync.Mutex
	records []store.AuditRecord
}

func (a *recordingAudit) Append(rec store.AuditRecord) (store.AuditRecord, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.records = append(a.records, rec)
	return rec, nil
}

func (a *recordingAudit) byKind(kind string) []store.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []store.AuditRecord
	for _, r := range a.records {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
