package docusign_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
)

// assertionCapture is a RoundTripper that records the JWT assertion of a token request and
// fails every request, so no request leaves the process.
type assertionCapture struct {
	mu        sync.Mutex
	assertion string
}

func (a *assertionCapture) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/oauth/token" && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		a.mu.Lock()
		a.assertion = form.Get("assertion")
		a.mu.Unlock()
	}
	return nil, errors.New("assertionCapture sends nothing")
}

// TestAudienceIsBareHost checks the aud claim when AuthServer names the default https port.
// Docusign wants aud to be the bare host, such as account-d.docusign.com, and rejects an aud
// that carries anything else.
func TestAudienceIsBareHost(t *testing.T) {
	capture := &assertionCapture{}
	client, err := docusign.NewClient(docusign.Config{
		IntegrationKey: testIntegrationKey,
		UserID:         testUserID,
		PrivateKeyPEM:  pkcs1PEM(rsaKey(t)),
		AuthServer:     "https://account-d.docusign.com:443",
		HTTPClient:     &http.Client{Transport: capture},
		Retry:          docusign.RetryPolicy{MaxAttempts: 1},
	})
	if err != nil {
		return
	}
	_, _ = client.UserInfo(context.Background())
	capture.mu.Lock()
	assertion := capture.assertion
	capture.mu.Unlock()
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		t.Fatalf("captured assertion %q is not a JWT", assertion)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode claims: %v", err)
	}
	var claims struct {
		Aud string `json:"aud"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatalf("unmarshal claims: %v", err)
	}
	if claims.Aud != "account-d.docusign.com" {
		t.Errorf("aud = %q, want account-d.docusign.com: NewClient accepted the AuthServer, "+
			"so it should either drop the default port or reject it", claims.Aud)
	}
}
