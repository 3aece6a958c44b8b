package connect

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics and that what it accepts is safe to store: an
// event name, ids that fit a store key, a lower-case status and a UTC time.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"envelope-completed.json", "recipient-delivered.json",
		"envelope-sent.xml"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatalf("read fixture: %v", err)
		}
		f.Add(body, "")
	}
	f.Add([]byte(`{"event":"envelope-sent","generatedDateTime":"2026-03-02T10:00:00Z",`+
		`"data":{"envelopeId":"e"}}`), "application/json")
	f.Add([]byte(`{"retryCount":"3","data":{"envelopeSummary":null}}`), "application/json")
	f.Add([]byte(`<DocuSignEnvelopeInformation xmlns="`+XMLNamespace+`"><EnvelopeStatus>`+
		`<Status>TimedOut</Status><EnvelopeID>e</EnvelopeID><TimeGenerated>`+
		`2026-03-02T02:01:02</TimeGenerated></EnvelopeStatus><TimeZoneOffset>5.5`+
		`</TimeZoneOffset></DocuSignEnvelopeInformation>`), "text/xml")
	f.Add([]byte("\ufeff<x/>"), "application/octet-stream")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		ev, err := Parse(body, contentType)
		if err != nil {
			return
		}
		if ev.Name == "" {
			t.Errorf("Parse accepted a message without an event name")
		}
		if err := ev.validate(); err != nil {
			t.Errorf("Parse returned an event that fails validation: %v", err)
		}
		if ev.GeneratedAt.IsZero() || ev.GeneratedAt.Location() != time.UTC {
			t.Errorf("GeneratedAt = %v, want a non-zero UTC time", ev.GeneratedAt)
		}
		if ev.Format != FormatJSON && ev.Format != FormatXML {
			t.Errorf("Format = %q, want json or xml", ev.Format)
		}
		if ev.RetryCount < 0 {
			t.Errorf("RetryCount = %d, want at least 0", ev.RetryCount)
		}
	})
}

// FuzzVerify checks that a body signed with a configured key always verifies with that key,
// that a signature over a body with one byte flipped never verifies, and that arbitrary
// header values never panic.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"event":"envelope-sent"}`), []byte(oldSecret), "", uint(0))
	f.Add([]byte("<x/>\r\n"), []byte(newSecret), "HMACSHA256", uint(3))
	f.Add([]byte{}, []byte("k"), "not base64", uint(7))
	f.Fuzz(func(t *testing.T, body, secret []byte, junk string, flip uint) {
		if len(secret) == 0 {
			return
		}
		v, err := NewVerifier([]Key{{ID: "fuzz-key", Secret: secret}})
		if err != nil {
			return
		}
		h := http.Header{}
		h.Set("X-DocuSign-Signature-2", junk)
		h.Set("X-DocuSign-Signature-1", Sign(body, secret))
		keyID, err := v.Verify(body, h)
		if err != nil || keyID != "fuzz-key" {
			t.Fatalf("Verify of a correctly signed body = %q, %v; want fuzz-key", keyID, err)
		}
		if len(body) == 0 {
			return
		}
		flipped := bytes.Clone(body)
		flipped[flip%uint(len(flipped))] ^= 0x01
		if _, err := v.Verify(flipped, h); err == nil && junk != Sign(flipped, secret) {
			t.Errorf("Verify accepted a body with one byte flipped")
		}
		h.Set("X-Authorization-Digest", junk)
		digest := strings.TrimSpace(junk)
		if _, err := v.Verify(body, h); err == nil && digest != "" &&
			!strings.EqualFold(digest, DigestHMACSHA256) {
			t.Errorf("Verify accepted X-Authorization-Digest %q", junk)
		}
	})
}

// FuzzReceiver posts arbitrary bodies to one receiver on a real store. A body signed with
// the key gets 200 or 400, never a server error. The same body with a signature over other
// bytes gets 401 and records nothing.
func FuzzReceiver(f *testing.F) {
	for _, name := range []string{"envelope-completed.json", "recipient-delivered.json",
		"envelope-sent.xml"} {
		f.Add(readFixture(f, name), "")
	}
	f.Add([]byte(`{"event":"template-created","generatedDateTime":"2026-03-02T10:00:00Z"}`),
		"application/json")
	env := newReceiverEnv(f, oldSecret)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		before := env.rcv.Stats()
		forged := env.postSignedOver(body, append(bytes.Clone(body), 'x'), contentType)
		if forged != http.StatusUnauthorized {
			t.Fatalf("body with a signature over other bytes got %d, want 401", forged)
		}
		if got := env.rcv.Stats(); got.Accepted != before.Accepted ||
			got.Duplicate != before.Duplicate {
			t.Fatalf("a rejected delivery changed the counts from %+v to %+v", before, got)
		}
		code := env.post(body, contentType, oldSecret)
		if code != http.StatusOK && code != http.StatusBadRequest {
			t.Fatalf("signed body got %d, want 200 or 400", code)
		}
	})
}
