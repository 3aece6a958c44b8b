package connect

import (
	"context"
	"encoding/base64"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/store"
)

// TestReceiverAcceptsSimulatorMessages checks the receiver against the simulator's own
// messages in both formats, with duplicates, two keys and a retry count, so a mismatch
// between the two sides fails here rather than only in the end-to-end tests.
func TestReceiverAcceptsSimulatorMessages(t *testing.T) {
	for _, format := range []string{docusigntest.ConnectFormatJSON,
		docusigntest.ConnectFormatXML} {
		t.Run(format, func(t *testing.T) {
			env := newReceiverEnv(t, newSecret)
			env.rcv.opts.Now = time.Now
			listener := httptest.NewServer(env.rcv)
			defer listener.Close()
			sim := docusigntest.NewServer(docusigntest.Options{})
			defer sim.Close()
			err := sim.SetConnect(docusigntest.ConnectConfig{URL: listener.URL + "/connect",
				HMACKeys: []string{oldSecret, newSecret}, Format: format,
				IncludeData: []string{"recipients"}, Duplicate: true})
			if err != nil {
				t.Fatalf("SetConnect failed: %v", err)
			}
			envelopeID := createSimEnvelope(t, sim)
			if err := sim.SignAll(envelopeID); err != nil {
				t.Fatalf("SignAll failed: %v", err)
			}
			waitForState(t, env.store, envelopeID, "completed")
			stats := env.rcv.Stats()
			if stats.Rejected != 0 {
				t.Errorf("receiver rejected %d simulator messages, want 0", stats.Rejected)
			}
			if stats.Duplicate == 0 {
				t.Errorf("no duplicates counted, want the simulator's second copies found")
			}
		})
	}
}

func createSimEnvelope(t *testing.T, sim *docusigntest.Server) string {
	t.Helper()
	creds := sim.Credentials()
	client, err := docusign.NewClient(docusign.Config{IntegrationKey: creds.IntegrationKey,
		UserID: creds.UserID, PrivateKeyPEM: creds.PrivateKeyPEM,
		AuthServer: creds.AuthServer})
	if err != nil {
		t.Fatalf("NewClient failed: %v", err)
	}
	pdf := "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
	summary, _, err := client.Envelopes.Create(t.Context(), &docusign.EnvelopeDefinition{
		Status: "sent", EmailSubject: "Connect receiver test",
		Documents: []docusign.Document{{DocumentID: "1", Name: "a.pdf", FileExtension: "pdf",
			DocumentBase64: base64.StdEncoding.EncodeToString([]byte(pdf))}},
		Recipients: &docusign.Recipients{Signers: []docusign.Signer{{RecipientID: "1",
			RoutingOrder: "1", Name: "Test Signer", Email: "signer@example.test"}}},
	})
	if err != nil {
		t.Fatalf("create envelope: %v", err)
	}
	return summary.EnvelopeID
}

// waitForState waits for the status with a generous deadline, because the simulator
// delivers in the background on a shared machine.
func waitForState(t *testing.T, s *store.Store, envelopeID, status string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last store.EnvelopeState
	for time.Now().Before(deadline) {
		st, err := s.GetEnvelope(context.Background(), envelopeID)
		if err == nil && st.Status == status {
			return
		}
		last = st
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("envelope %s did not reach %s within 30 s; last state %+v", envelopeID, status,
		last)
}
