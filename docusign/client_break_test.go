package docusign_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
)

// cutCreatedResponse responds to an envelope create with 201 and then drops the connection in the
// middle of the JSON body, as a proxy or a network fault does. Docusign has created the
// envelope by the time it sends 201.
func cutCreatedResponse(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			writeError(w, http.StatusBadRequest, "UNEXPECTED", "only create is expected")
			return
		}
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n" +
			"Content-Length: 200\r\n\r\n{\"envelopeId\":\"e5f60718-4c5d")
		_ = buf.Flush()
	}
}

func TestCreateCutBodyIsAmbiguous(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(cutCreatedResponse(t))
	def := &docusign.EnvelopeDefinition{Status: "created", EmailSubject: "Break test"}
	_, _, err := env.client.Envelopes.Create(context.Background(), def)
	if err == nil {
		t.Fatal("Create succeeded on a response whose body was cut, want an error")
	}
	if !errors.Is(err, docusign.ErrAmbiguous) {
		t.Errorf("Create error %v does not match ErrAmbiguous, but the 201 status shows "+
			"that Docusign created the envelope", err)
	}
	if docusign.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = true: repeating the create would make a second envelope",
			err)
	}
	if _, _, rest := env.fake.counts(); rest != 1 {
		t.Errorf("REST requests = %d, want 1: a create is never re-sent", rest)
	}
}

func TestCreateUndecodableBodyIsAmbiguous(t *testing.T) {
	env := newTestEnv(t)
	env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("<html>created</html>"))
	})
	def := &docusign.EnvelopeDefinition{Status: "created", EmailSubject: "Break test"}
	_, _, err := env.client.Envelopes.Create(context.Background(), def)
	if err == nil {
		t.Fatal("Create succeeded on a 201 with an HTML body, want an error")
	}
	if !errors.Is(err, docusign.ErrAmbiguous) {
		t.Errorf("Create error %v does not match ErrAmbiguous, but the 201 status shows "+
			"that Docusign created the envelope", err)
	}
}
