package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/internal/pdf"
)

// TestNodeSDKAgainstSimulator runs Docusign's official Node SDK against the standalone
// simulator over TLS ('sim --tls'): JWT Grant, userinfo and the eleven operations that
// docusign-mcp calls: create, get, listStatusChanges, listDocuments, getDocument,
// listRecipients, a resend and a void through update, getAccountInformation,
// listTemplates and get of a template. Any difference from Docusign's
// wire format that the SDK's models notice fails a step.
func TestNodeSDKAgainstSimulator(t *testing.T) {
	tools := requireNodeTools(t)
	dir := t.TempDir()
	sim := startBinary(t, nil, "sim", "--tls", "--dir", dir, "--log-format", "json")
	sim.waitForLogField(t, "simulator started", "url")

	letter, err := pdf.RenderEngagementLetter(pdf.EngagementLetter{
		Firm: "Hale & Morrow LLP", FirmSigner: "Partner", Client: "Northwind Ltd",
		ClientName: "Client Representative", Matter: "SDK test", FeeTerms: "Fixed fee",
		Date: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatalf("render letter: %v", err)
	}
	pdfFile := filepath.Join(dir, "letter.pdf")
	if err := os.WriteFile(pdfFile, letter, 0o600); err != nil {
		t.Fatalf("write letter: %v", err)
	}
	script := filepath.Join(repoRoot(), "test", "node", "esign_sdk_client.js")
	env := tools.env(t, "NODE_EXTRA_CA_CERTS="+filepath.Join(dir, "ca.pem"))
	stdout, stderr, code := runCommand(t, 2*time.Minute, env, tools.node, script,
		filepath.Join(dir, "credentials.json"), pdfFile)
	if code != 0 {
		t.Fatalf("SDK client exited with %d\nstdout:\n%s\nstderr:\n%s\nsimulator stderr:\n%s",
			code, stdout, stderr, sim.stderr)
	}
	checkSDKSteps(t, parseSteps(t, stdout))
}

// sdkStep is one line of the SDK client's output.
type sdkStep map[string]any

func parseSteps(t *testing.T, stdout string) map[string]sdkStep {
	t.Helper()
	steps := map[string]sdkStep{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var s sdkStep
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("SDK client printed a line that is not JSON: %q", line)
		}
		name, _ := s["step"].(string)
		steps[name] = s
	}
	return steps
}

func checkSDKSteps(t *testing.T, steps map[string]sdkStep) {
	t.Helper()
	want := []struct {
		step, field string
		value       any
	}{
		{"requestJWTUserToken", "tokenType", "Bearer"},
		{"requestJWTUserToken", "hasToken", true},
		{"createEnvelope", "status", "sent"},
		{"getEnvelope", "status", "sent"},
		{"getEnvelope", "emailSubject", "SDK interoperability test"},
		{"getEnvelope", "signers", float64(1)},
		{"getEnvelope", "carbonCopies", float64(1)},
		{"getDocument", "head", "%PDF-"},
		{"listRecipients", "carbonCopies", float64(1)},
		{"listRecipients", "recipientCount", "2"},
		{"getAccountInformation", "hasName", true},
		{"getTemplate", "hasName", true},
		{"update", "status", "voided"},
		{"update", "voidedReason", "SDK interoperability test"},
	}
	for _, w := range want {
		s, ok := steps[w.step]
		if !ok {
			t.Errorf("step %s is missing from the SDK client's output", w.step)
			continue
		}
		if s[w.field] != w.value {
			t.Errorf("%s.%s = %v, want %v", w.step, w.field, s[w.field], w.value)
		}
	}
	envelopeID, _ := steps["createEnvelope"]["envelopeId"].(string)
	if envelopeID == "" {
		t.Fatalf("createEnvelope returned no envelope id")
	}
	if steps["getEnvelope"]["envelopeId"] != envelopeID {
		t.Errorf("getEnvelope returned id %v, want %s",
			steps["getEnvelope"]["envelopeId"], envelopeID)
	}
	ids, _ := steps["listStatusChanges"]["envelopeIds"].([]any)
	if !slices.Contains(ids, any(envelopeID)) {
		t.Errorf("listStatusChanges ids %v do not include the new envelope %s", ids, envelopeID)
	}
	docs, _ := steps["listDocuments"]["documents"].([]any)
	if len(docs) < 2 {
		t.Errorf("listDocuments returned %v, want the letter and the certificate", docs)
	}
	if steps["resend"]["envelopeId"] != envelopeID {
		t.Errorf("resend returned id %v, want %s", steps["resend"]["envelopeId"], envelopeID)
	}
	if signers, _ := steps["listRecipients"]["signers"].([]any); len(signers) != 1 {
		t.Errorf("listRecipients signers = %v, want one signer's status", signers)
	}
	if steps["getAccountInformation"]["accountIdGuid"] != steps["getUserInfo"]["accountId"] {
		t.Errorf("getAccountInformation accountIdGuid = %v, want userinfo's account %v",
			steps["getAccountInformation"]["accountIdGuid"], steps["getUserInfo"]["accountId"])
	}
	templateIDs, _ := steps["listTemplates"]["templateIds"].([]any)
	if len(templateIDs) == 0 || steps["getTemplate"]["templateId"] != templateIDs[0] {
		t.Errorf("getTemplate returned %v, want the first listed template of %v",
			steps["getTemplate"]["templateId"], templateIDs)
	}
	if size, _ := steps["getDocument"]["size"].(float64); size < 1000 {
		t.Errorf("getDocument returned %v bytes, want a whole PDF", size)
	}
}
