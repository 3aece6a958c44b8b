package docusigntest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// sdkDir is where CI installs Docusign's official Node.js SDK.
var sdkDir = filepath.Join("..", "..", ".ci", "tools", "node_modules", "docusign-esign")

// TestNodeSDKOverTLS drives the simulator with the official Node.js SDK, which builds its
// OAuth URLs as "https://" + host, through Options.TLS and NODE_EXTRA_CA_CERTS.
func TestNodeSDKOverTLS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	absSDK, err := filepath.Abs(sdkDir)
	if err != nil {
		t.Fatalf("resolve %s: %v", sdkDir, err)
	}
	if _, err := os.Stat(filepath.Join(absSDK, "package.json")); err != nil {
		t.Skipf("docusign-esign is not installed in %s", sdkDir)
	}

	s, _ := newSim(t, Options{TLS: true, Clock: time.Now}) // the SDK signs with the wall clock
	dir := t.TempDir()
	if err := s.WriteCredentials(dir); err != nil {
		t.Fatalf("WriteCredentials: %v", err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "node_sdk_tls.js"), absSDK,
		filepath.Join(dir, CredentialsJSONFile))
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+filepath.Join(dir, CertificateFile))
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if exit, ok := err.(*exec.ExitError); ok {
			stderr = exit.Stderr
		}
		t.Fatalf("node failed: %v\n%s", err, stderr)
	}

	var got struct {
		AccountID        string   `json:"accountId"`
		TotalTemplates   string   `json:"totalTemplates"`
		NextURI          string   `json:"nextUri"`
		Status           string   `json:"status"`
		Signers          []string `json:"signers"`
		CertificateHead  string   `json:"certificateHead"`
		ResentEnvelopeID string   `json:"resentEnvelopeId"`
		EnvelopeID       string   `json:"envelopeId"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode node output %q: %v", out, err)
	}

	if got.AccountID != s.Credentials().AccountID {
		t.Errorf("accountId = %s, want the default account", got.AccountID)
	}
	if got.TotalTemplates != "3" || got.NextURI == "" {
		t.Errorf("templates total/nextUri = %s/%q, want 3 and a next page", got.TotalTemplates,
			got.NextURI)
	}
	if got.Status != "sent" {
		t.Errorf("create status = %s, want sent", got.Status)
	}
	if len(got.Signers) != 2 || got.Signers[0] != "Client:sent" ||
		got.Signers[1] != "Partner:created" {
		t.Errorf("signers = %v, want Client:sent and Partner:created", got.Signers)
	}
	if got.CertificateHead != "%PDF-" {
		t.Errorf("certificate starts with %q, want %%PDF-", got.CertificateHead)
	}
	if got.ResentEnvelopeID != got.EnvelopeID {
		t.Errorf("resend envelopeId = %s, want %s", got.ResentEnvelopeID, got.EnvelopeID)
	}
}
