package tools

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/mcptest"
	"github.com/mark3labs/mcp-go/server"
	"github.com/mark3labs/mcp-go/server/servertest"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/store"
)

// harness runs the tools against the simulator through the real Docusign client and a real
// Badger store.
type harness struct {
	sim   *docusigntest.Server
	store *store.Store
	deps  Deps
}

func newHarness(t testing.TB, configure ...func(*Deps)) *harness {
	t.Helper()
	return newHarnessWithSim(t, docusigntest.Options{}, docusign.RetryPolicy{}, configure...)
}

func newHarnessWithSim(t testing.TB, simOptions docusigntest.Options, retry docusign.RetryPolicy,
	configure ...func(*Deps)) *harness {
	t.Helper()
	sim := docusigntest.NewServer(simOptions)
	t.Cleanup(sim.Close)
	creds := sim.Credentials()
	c, err := docusign.NewClient(docusign.Config{
		IntegrationKey: creds.IntegrationKey,
		UserID:         creds.UserID,
		PrivateKeyPEM:  creds.PrivateKeyPEM,
		AuthServer:     creds.AuthServer,
		AccountID:      creds.AccountID,
		Retry:          retry,
	})
	if err != nil {
		t.Fatalf("docusign.NewClient failed: %v", err)
	}
	st, err := store.Open(t.TempDir(), store.Options{EncryptionKey: bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		t.Fatalf("store.Open failed: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{sim: sim, store: st, deps: Deps{
		Docusign: NewDocusign(c),
		Store:    st,
		Logger:   slog.New(slog.DiscardHandler),
	}}
	for _, f := range configure {
		f(&h.deps)
	}
	return h
}

// stdioClient serves the tools over stdio JSON-RPC on pipes and returns an initialized client.
func (h *harness) stdioClient(t *testing.T) *client.Client {
	t.Helper()
	tools, err := Tools(h.deps)
	if err != nil {
		t.Fatalf("Tools failed: %v", err)
	}
	srv := mcptest.NewUnstartedServer(t)
	srv.AddTools(tools...)
	srv.AddResourceTemplates(DocumentResourceTemplate(h.deps))
	srv.AddServerOptions(server.WithOutputSchemaValidation())
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("starting the stdio server failed: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv.Client()
}

// httpClient serves the tools over streamable HTTP on loopback and returns an initialized
// client.
func (h *harness) httpClient(t *testing.T) *client.Client {
	t.Helper()
	s := server.NewMCPServer("docusign-mcp-test", "0.0.0", server.WithOutputSchemaValidation())
	if err := Register(s, h.deps); err != nil {
		t.Fatalf("Register failed: %v", err)
	}
	ts := servertest.NewTestStreamableHTTPServer(s)
	t.Cleanup(ts.Close)
	c, err := client.NewStreamableHttpClient(ts.URL + "/mcp")
	if err != nil {
		t.Fatalf("NewStreamableHttpClient failed: %v", err)
	}
	t.Cleanup(func() { c.Close() })
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
	return c
}

// transports lists the two ways the tests reach the tools.
var transports = []struct {
	name  string
	start func(*harness, *testing.T) *client.Client
}{
	{name: "stdio", start: (*harness).stdioClient},
	{name: "http", start: (*harness).httpClient},
}

func callTool(t *testing.T, c *client.Client, name string, args any) *mcp.CallToolResult {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: CallTool returned a protocol error: %v", name, err)
	}
	return res
}

// mustSucceed decodes the structured content of a successful result into out and checks
// that the text content carries the same JSON.
func mustSucceed(t *testing.T, res *mcp.CallToolResult, out any) {
	t.Helper()
	if res.IsError {
		t.Fatalf("tool failed: %s", resultText(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatalf("encoding structuredContent failed: %v", err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("decoding structuredContent failed: %v", err)
	}
	var fromText, fromStructured any
	if err := json.Unmarshal([]byte(resultText(res)), &fromText); err != nil {
		t.Fatalf("the first text content is not JSON: %v", err)
	}
	_ = json.Unmarshal(raw, &fromStructured)
	if !jsonEqual(fromText, fromStructured) {
		t.Errorf("text content differs from structuredContent:\ntext: %s\nstructured: %s",
			resultText(res), raw)
	}
}

// mustFail returns the error body of an isError result and checks its shape: one text item,
// no structuredContent.
func mustFail(t *testing.T, res *mcp.CallToolResult) ToolError {
	t.Helper()
	if !res.IsError {
		t.Fatalf("tool succeeded, want an error; result: %s", resultText(res))
	}
	if res.StructuredContent != nil {
		t.Errorf("error result carries structuredContent %v, want none", res.StructuredContent)
	}
	if len(res.Content) != 1 {
		t.Errorf("error result has %d content items, want exactly 1", len(res.Content))
	}
	text := resultText(res)
	if strings.Contains(text, "\n") {
		t.Errorf("error text spans several lines, want one compact JSON line: %q", text)
	}
	var body ToolError
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error text is not the ToolError JSON: %v; text: %s", err, text)
	}
	if body.Code == "" || body.Message == "" {
		t.Errorf("error body lacks code or message: %s", text)
	}
	return body
}

func resultText(res *mcp.CallToolResult) string {
	if len(res.Content) == 0 {
		return ""
	}
	if text, ok := res.Content[0].(mcp.TextContent); ok {
		return text.Text
	}
	return ""
}

func jsonEqual(a, b any) bool {
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	return bytes.Equal(ra, rb)
}

// testPDF is a minimal one-page PDF written for these tests.
const testPDF = "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
	"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n" +
	"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]>> endobj\n" +
	"trailer <</Root 1 0 R>>\n%%EOF\n"

func pdfBase64() string { return base64.StdEncoding.EncodeToString([]byte(testPDF)) }

// docxBase64 returns a ZIP archive with word/document.xml, which is what makes a DOCX.
func docxBase64(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatalf("zip Create failed: %v", err)
		}
		if _, err := w.Write([]byte("<xml/>")); err != nil {
			t.Fatalf("zip Write failed: %v", err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("zip Close failed: %v", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// documentsEnvelope returns create_envelope arguments for a two-document envelope with one
// signer and one carbon copy.
func documentsEnvelope(t *testing.T, status string) map[string]any {
	return map[string]any{
		"source":        "documents",
		"status":        status,
		"email_subject": "Please sign the services agreement",
		"email_message": "Two documents to sign.",
		"documents": []any{
			map[string]any{"name": "Agreement", "file_extension": "pdf",
				"content_base64": pdfBase64()},
			map[string]any{"name": "Schedule", "file_extension": "docx",
				"content_base64": docxBase64(t), "document_id": 7},
		},
		"signers": []any{map[string]any{
			"name": "Ana Signer", "email": "ana.signer@example.com", "routing_order": 1,
			"tabs": []any{
				map[string]any{"type": "sign_here", "anchor_string": "/sig1/",
					"anchor_y_offset": -10},
				map[string]any{"type": "text", "label": "PO", "value": "PO-17",
					"document_id": 7, "page": 1, "x": 100, "y": 200},
			},
		}},
		"carbon_copies": []any{map[string]any{"name": "Carl Copy",
			"email": "carl.copy@example.com", "routing_order": 2}},
		"custom_fields": []any{map[string]any{"name": "Matter", "value": "M-2026-001"}},
	}
}
