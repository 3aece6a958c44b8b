package tools

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/mark3labs/mcp-go/server/servertest"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// knownEnvelopeID is an envelope that only the store contains, never the simulator.
const knownEnvelopeID = "4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"

// newWatchHarness returns a harness whose tools keep envelope states in its store.
func newWatchHarness(t *testing.T, configure ...func(*Deps)) *harness {
	t.Helper()
	return newHarness(t, append([]func(*Deps){func(d *Deps) { d.Envelopes = d.Store.(*store.Store) }},
		configure...)...)
}

// putState stores an envelope state as an observation of source, at now.
func putState(t *testing.T, h *harness, id, status, source string, snapshot any) {
	t.Helper()
	state := store.EnvelopeState{EnvelopeID: id, Status: status, Source: source,
		ObservedAt: time.Now()}
	if snapshot != nil {
		raw, err := json.Marshal(snapshot)
		if err != nil {
			t.Fatalf("encoding the snapshot failed: %v", err)
		}
		state.Snapshot = raw
	}
	if _, _, err := h.store.PutEnvelope(context.Background(), state); err != nil {
		t.Fatalf("PutEnvelope(%s) failed: %v", status, err)
	}
}

// notifications collects the notifications a client receives.
type notifications struct {
	mu   sync.Mutex
	list []mcp.JSONRPCNotification
}

func (n *notifications) add(msg mcp.JSONRPCNotification) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, msg)
}

// withMethod returns the notifications of method received so far.
func (n *notifications) withMethod(method string) []mcp.JSONRPCNotification {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []mcp.JSONRPCNotification
	for _, msg := range n.list {
		if msg.Method == method {
			out = append(out, msg)
		}
	}
	return out
}

// waitFor waits up to 20 s for a notification of method whose params have uri, and reports
// whether one came.
func (n *notifications) waitFor(method, uri string) bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, msg := range n.withMethod(method) {
			if msg.Params.AdditionalFields["uri"] == uri {
				return true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// registeredHTTPClient serves Register's tools and resources over streamable HTTP with the
// principal in every request, and returns a client that keeps a GET stream open.
func registeredHTTPClient(t *testing.T, h *harness, principal string) (*client.Client,
	*notifications) {
	t.Helper()
	s := server.NewMCPServer("docusign-mcp-test", "0.0.0", server.WithOutputSchemaValidation())
	if err := Register(s, h.deps); err != nil {
		t.Fatalf("Register failed: %v", err)
	}
	ts := servertest.NewTestStreamableHTTPServer(s, server.WithHTTPContextFunc(
		func(ctx context.Context, _ *http.Request) context.Context {
			return policy.WithPrincipal(ctx, principal)
		}))
	t.Cleanup(ts.Close)
	c, err := client.NewStreamableHttpClient(ts.URL+"/mcp", transport.WithContinuousListening())
	if err != nil {
		t.Fatalf("NewStreamableHttpClient failed: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	got := &notifications{}
	c.OnNotification(got.add)
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("starting the HTTP client failed: %v", err)
	}
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "tools-test", Version: "0"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("Initialize over HTTP failed: %v", err)
	}
	return c, got
}

func readEnvelopeResource(t *testing.T, c *client.Client, id string) envelopeView {
	t.Helper()
	res, err := c.ReadResource(context.Background(), mcp.ReadResourceRequest{
		Params: mcp.ReadResourceParams{URI: envelopeURI(id)}})
	if err != nil {
		t.Fatalf("resources/read %s failed: %v", envelopeURI(id), err)
	}
	if len(res.Contents) != 1 {
		t.Fatalf("resources/read returned %d contents, want 1", len(res.Contents))
	}
	text, ok := res.Contents[0].(mcp.TextResourceContents)
	if !ok {
		t.Fatalf("resources/read returned %T, want text contents", res.Contents[0])
	}
	if text.MIMEType != "application/json" {
		t.Errorf("MIME type = %q, want application/json", text.MIMEType)
	}
	var view envelopeView
	if err := json.Unmarshal([]byte(text.Text), &view); err != nil {
		t.Fatalf("decoding the resource failed: %v; text: %s", err, text.Text)
	}
	return view
}

func TestEnvelopeResourceReadsStoredState(t *testing.T) {
	statusForm := envelopeStatusOutput{EnvelopeID: knownEnvelopeID, Status: "delivered",
		State: "in_progress", EmailSubject: "Sign the lease", Recipients: []recipientStatus{{
			RecipientID: "1", Type: "signer", Name: "Ana Signer", Email: "ana.signer@example.com",
			RoutingOrder: 1, Status: "delivered"}}}
	docusignForm := docusign.Envelope{EnvelopeID: knownEnvelopeID, Status: "delivered",
		EmailSubject: "Sign the lease", Recipients: &docusign.Recipients{Signers: []docusign.Signer{{
			RecipientID: "1", Name: "Ana Signer", Email: "ana.signer@example.com",
			RoutingOrder: "1", Status: "delivered"}}}}
	tests := []struct {
		name          string
		source        string
		snapshot      any
		wantRecipient bool
	}{
		{name: "status read snapshot", source: store.SourceDocusign, snapshot: statusForm,
			wantRecipient: true},
		{name: "connect snapshot", source: store.SourceWebhook, snapshot: docusignForm,
			wantRecipient: true},
		{name: "status only", source: store.SourceCreate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newWatchHarness(t)
			putState(t, h, knownEnvelopeID, "delivered", tt.source, tt.snapshot)
			c, _ := registeredHTTPClient(t, h, policy.DefaultPrincipal)
			view := readEnvelopeResource(t, c, knownEnvelopeID)
			if view.Status != "delivered" || view.State != "in_progress" {
				t.Errorf("status, state = %q, %q, want delivered, in_progress", view.Status,
					view.State)
			}
			if view.Source != tt.source {
				t.Errorf("source = %q, want %q", view.Source, tt.source)
			}
			if view.URI != envelopeURI(knownEnvelopeID) {
				t.Errorf("uri = %q, want %q", view.URI, envelopeURI(knownEnvelopeID))
			}
			if _, err := time.Parse(time.RFC3339, view.ObservedAt); err != nil {
				t.Errorf("observed_at %q is not RFC 3339: %v", view.ObservedAt, err)
			}
			if !tt.wantRecipient {
				if len(view.Recipients) != 0 {
					t.Errorf("recipients = %v, want none for a status-only state",
						view.Recipients)
				}
				return
			}
			if len(view.Recipients) != 1 {
				t.Fatalf("recipients = %v, want one", view.Recipients)
			}
			if got := view.Recipients[0].Email; got != "a***@example.com" {
				t.Errorf("recipient email = %q, want it masked as a***@example.com", got)
			}
			if view.EmailSubject != "Sign the lease" {
				t.Errorf("email_subject = %q, want the snapshot's subject", view.EmailSubject)
			}
			if got := h.sim.Calls()["Envelopes:get"]; got != 0 {
				t.Errorf("Envelopes:get calls = %d, want 0 for a stored state", got)
			}
		})
	}
}

func TestEnvelopeResourceReadsDocusignOnce(t *testing.T) {
	h := newWatchHarness(t)
	c, _ := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	id := createSentEnvelope(t, h)
	first := readEnvelopeResource(t, c, id)
	second := readEnvelopeResource(t, c, id)
	if first.Status != "sent" || first.Source != store.SourceDocusign {
		t.Errorf("first read = %s from %s, want sent from docusign", first.Status, first.Source)
	}
	if second.ObservedAt != first.ObservedAt {
		t.Errorf("second read observed_at = %s, want the stored %s", second.ObservedAt,
			first.ObservedAt)
	}
	if got := h.sim.Calls()["Envelopes:get"]; got != 1 {
		t.Errorf("Envelopes:get calls = %d, want 1: the second read must come from the store",
			got)
	}
}

func TestEnvelopeResourcePolicyDenied(t *testing.T) {
	denyStatus, err := policy.NewStatic(policy.Config{Principals: map[string][]string{
		"reader": {"list_templates"}}})
	if err != nil {
		t.Fatalf("NewStatic failed: %v", err)
	}
	h := newWatchHarness(t, func(d *Deps) { d.Policy = denyStatus })
	putState(t, h, knownEnvelopeID, "sent", store.SourceCreate, nil)
	c, _ := registeredHTTPClient(t, h, "reader")
	_, err = c.ReadResource(context.Background(), mcp.ReadResourceRequest{
		Params: mcp.ReadResourceParams{URI: envelopeURI(knownEnvelopeID)}})
	if err == nil || !strings.Contains(err.Error(), CodePolicyDenied) {
		t.Errorf("resources/read error = %v, want a %s error", err, CodePolicyDenied)
	}
	var sub mcp.SubscribeRequest
	sub.Params.URI = envelopeURI(knownEnvelopeID)
	err = c.Subscribe(context.Background(), sub)
	if err == nil || !strings.Contains(err.Error(), CodePolicyDenied) {
		t.Errorf("resources/subscribe error = %v, want a %s error", err, CodePolicyDenied)
	}
}

func TestEnvelopeSubscribeRejectsOtherURIs(t *testing.T) {
	tests := []struct {
		name string
		uri  string
		want string
	}{
		{name: "document", uri: envelopeURI(knownEnvelopeID) + "/documents/1",
			want: "only envelope resources"},
		{name: "other scheme", uri: "file:///etc/passwd", want: "only envelope resources"},
		{name: "not a guid", uri: envelopeURI("nope"), want: "not a GUID"},
	}
	h := newWatchHarness(t)
	c, _ := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sub mcp.SubscribeRequest
			sub.Params.URI = tt.uri
			err := c.Subscribe(context.Background(), sub)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("resources/subscribe %s error = %v, want one containing %q", tt.uri,
					err, tt.want)
			}
		})
	}
}

func TestEnvelopeSubscriptionNotifiesOnChange(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "sent", store.SourceCreate, nil)
	c, got := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	uri := envelopeURI(knownEnvelopeID)
	var sub mcp.SubscribeRequest
	sub.Params.URI = uri
	if err := c.Subscribe(context.Background(), sub); err != nil {
		t.Fatalf("resources/subscribe failed: %v", err)
	}
	putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, nil)
	if !got.waitFor(string(mcp.MethodNotificationResourceUpdated), uri) {
		t.Fatalf("no resources/updated notification for %s within 20 s", uri)
	}
	if view := readEnvelopeResource(t, c, knownEnvelopeID); view.Status != "completed" {
		t.Errorf("status after the update = %q, want completed", view.Status)
	}

	var unsub mcp.UnsubscribeRequest
	unsub.Params.URI = uri
	if err := c.Unsubscribe(context.Background(), unsub); err != nil {
		t.Fatalf("resources/unsubscribe failed: %v", err)
	}
	before := len(got.withMethod(string(mcp.MethodNotificationResourceUpdated)))
	other := "5a6b7c8d-0b1d-4c3e-9f8a-1b2c3d4e5f60"
	putState(t, h, knownEnvelopeID, "completed", store.SourceDocusign, nil)
	putState(t, h, other, "sent", store.SourceCreate, nil)
	// A subscribed envelope's later change shows that the sender ran after the unsubscribe.
	sub.Params.URI = envelopeURI(other)
	if err := c.Subscribe(context.Background(), sub); err != nil {
		t.Fatalf("resources/subscribe %s failed: %v", other, err)
	}
	putState(t, h, other, "delivered", store.SourceWebhook, nil)
	if !got.waitFor(string(mcp.MethodNotificationResourceUpdated), envelopeURI(other)) {
		t.Fatalf("no resources/updated notification for %s within 20 s", other)
	}
	after := len(got.withMethod(string(mcp.MethodNotificationResourceUpdated)))
	if after != before+1 {
		t.Errorf("resources/updated count went from %d to %d, want only the one for %s "+
			"after unsubscribing from %s", before, after, other, uri)
	}
}

// createSentEnvelope creates a sent envelope in the simulator through the client, so the
// store has no state of it.
func createSentEnvelope(t *testing.T, h *harness) string {
	t.Helper()
	summary, _, err := h.deps.Docusign.Envelopes.Create(context.Background(),
		&docusign.EnvelopeDefinition{EmailSubject: "Please sign", Status: "sent",
			Documents: []docusign.Document{{DocumentID: "1", Name: "Agreement",
				FileExtension: "pdf", DocumentBase64: pdfBase64()}},
			Recipients: &docusign.Recipients{Signers: []docusign.Signer{{RecipientID: "1",
				Name: "Ana Signer", Email: "ana.signer@example.com", RoutingOrder: "1"}}}})
	if err != nil {
		t.Fatalf("creating an envelope in the simulator failed: %v", err)
	}
	return summary.EnvelopeID
}

func TestEnvelopeResourceShowsArchived(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, nil)
	c, _ := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	if view := readEnvelopeResource(t, c, knownEnvelopeID); view.Archived {
		t.Errorf("archived = true before the pipeline archived the envelope")
	}
	ctx := context.Background()
	meta, err := h.store.PutArchivedDocument(ctx, knownEnvelopeID, "combined",
		strings.NewReader(testPDF))
	if err != nil {
		t.Fatalf("PutArchivedDocument failed: %v", err)
	}
	_, err = h.store.SaveArchive(ctx, store.Archive{EnvelopeID: knownEnvelopeID,
		Artifacts: []store.Artifact{{Name: "combined", DocumentID: "combined",
			StoreID: store.ArchivedDocumentKey(knownEnvelopeID, "combined").DocumentID,
			Size:    meta.Size, SHA256: meta.SHA256, MIMEType: "application/pdf"}}}, nil)
	if err != nil {
		t.Fatalf("SaveArchive failed: %v", err)
	}
	if view := readEnvelopeResource(t, c, knownEnvelopeID); !view.Archived {
		t.Errorf("archived = false after SaveArchive, want true")
	}
}

func TestStatusServesConnectSnapshot(t *testing.T) {
	h := newWatchHarness(t)
	// A Connect message's envelopeSummary is Docusign's envelope JSON, not the tool's output.
	putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, docusign.Envelope{
		EnvelopeID: knownEnvelopeID, Status: "completed", EmailSubject: "Sign the lease",
		Recipients: &docusign.Recipients{Signers: []docusign.Signer{{RecipientID: "1",
			Name: "Ana Signer", Email: "ana.signer@example.com", RoutingOrder: "1",
			Status: "completed"}}}})
	c := h.stdioClient(t)
	var out envelopeStatusOutput
	mustSucceed(t, callTool(t, c, "get_envelope_status",
		map[string]any{"envelope_id": knownEnvelopeID}), &out)
	if out.EnvelopeID != knownEnvelopeID {
		t.Errorf("envelope_id = %q, want %s from the Connect snapshot", out.EnvelopeID,
			knownEnvelopeID)
	}
	if out.Source != statusSourceCache {
		t.Errorf("source = %q, want cache", out.Source)
	}
	if len(out.Recipients) != 1 || out.Recipients[0].Status != "completed" {
		t.Errorf("recipients = %+v, want the signer from the snapshot, completed",
			out.Recipients)
	}
	if got := h.sim.Calls()["Envelopes:get"]; got != 0 {
		t.Errorf("Envelopes:get calls = %d, want 0 for a completed envelope in the store", got)
	}
}

func TestEnvelopeSubscriptionUpperCaseID(t *testing.T) {
	h := newWatchHarness(t)
	putState(t, h, knownEnvelopeID, "sent", store.SourceDocusign, nil)
	c, got := registeredHTTPClient(t, h, policy.DefaultPrincipal)
	// A GUID is case-insensitive, but Docusign and the store write it in lower case.
	uri := envelopeURI(strings.ToUpper(knownEnvelopeID))
	var sub mcp.SubscribeRequest
	sub.Params.URI = uri
	if err := c.Subscribe(context.Background(), sub); err != nil {
		t.Fatalf("resources/subscribe %s failed: %v", uri, err)
	}
	putState(t, h, knownEnvelopeID, "completed", store.SourceWebhook, nil)
	if !got.waitFor(string(mcp.MethodNotificationResourceUpdated), uri) {
		t.Fatalf("no resources/updated naming %s within 20 s", uri)
	}
	if view := readEnvelopeResource(t, c, strings.ToUpper(knownEnvelopeID)); view.Status !=
		"completed" {
		t.Errorf("status read through the upper-case URI = %q, want completed", view.Status)
	}
}
