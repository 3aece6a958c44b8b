package connect

import (
	"fmt"
	"net/http"
	"testing"
)

// TestTemplateRedeliveryIsDuplicate shows that Docusign's redelivery of a template event
// is applied a second time. An event without an envelope id is de-duplicated by the SHA-256
// of its body only, and each redelivery carries a higher retryCount, so its body differs.
// The copy then gets a second webhook audit record and counts as accepted, although the
// event key (event name and generatedDateTime, plus the template id) is the same.
// Expected: the redelivery counts as a duplicate. Fix: key envelope-less events by event
// name, generatedDateTime and the template id in data, as envelope events are keyed.
func TestTemplateRedeliveryIsDuplicate(t *testing.T) {
	env := newReceiverEnv(t, oldSecret)
	body := func(retry int) []byte {
		return fmt.Appendf(nil, `{"event":"template-modified","apiVersion":"v2.1",`+
			`"retryCount":%d,"generatedDateTime":"2026-03-02T10:00:00.1234567Z",`+
			`"data":{"accountId":"5c1f0a4e-2b7d-4e8a-9f31-6d0c2e7b9a10",`+
			`"templateId":"0b6d2c4e-8a1f-4b3c-9d5e-7f0a1b2c3d4e"}}`, retry)
	}
	for retry := range 2 {
		if code := env.post(body(retry), "application/json", oldSecret); code != http.StatusOK {
			t.Fatalf("delivery with retryCount %d answered %d, want 200", retry, code)
		}
	}
	stats := env.rcv.Stats()
	if stats.Accepted != 1 || stats.Duplicate != 1 {
		t.Errorf("accepted %d, duplicate %d after a delivery and its redelivery, want 1 "+
			"and 1", stats.Accepted, stats.Duplicate)
	}
	if n := len(env.auditRecords(t)); n != 1 {
		t.Errorf("webhook audit records = %d, want 1 for one template event", n)
	}
}
