package test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	mathrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/connect"
	"github.com/ys88io/docusign-mcp/store"
)

// Shape of the webhook storm.
const (
	stormDeliveries = 10_000
	stormEnvelopes  = 400
	// stormBadShare is the share of deliveries with a missing or wrong signature.
	stormBadShare = 0.15
	stormWorkers  = 8
	stormHMACKey  = "storm-connect-key-5d1e9a7c3b"
	stormWrongKey = "storm-connect-key-not-configured"
	stormAccount  = "8b4f2c1e-5a6d-4e7f-9a0b-1c2d3e4f5a6b"
)

// stormEvent is one Connect message of an envelope's life. status is the envelope status
// it reports, empty for a recipient event.
type stormEvent struct {
	envelopeID, recipientID, name, status string
	generated                             time.Time
	// summary includes data.envelopeSummary, else the receiver takes the status from the
	// event name.
	summary bool
}

// stormDelivery is one POST to /connect. bad describes what is wrong with its signature,
// or is empty for a good delivery.
type stormDelivery struct {
	event   *stormEvent
	body    []byte
	headers http.Header
	bad     string
}

// TestWebhookStorm sends 10,000 Connect deliveries in shuffled order to the real receiver:
// every event of 400 envelopes, copies and redeliveries of them, and deliveries without a
// signature, signed with an unknown key or changed after signing. Some copies use the
// legacy XML format. Every bad delivery gets 401, every good one 200, each event is applied
// and audited once, and each envelope ends in the status of its newest event. STORM_SEED
// replays an order.
func TestWebhookStorm(t *testing.T) {
	seed := stormSeed(t)
	rng := mathrand.New(mathrand.NewPCG(seed, seed^0x5bd1e995))
	events, final := stormLifecycles(rng, stormEnvelopes)
	deliveries := stormPlan(t, rng, events)
	receiver, st := newStormReceiver(t)

	codes := sendStorm(receiver, deliveries)
	stats := receiver.Stats()
	bad, good := 0, 0
	for i, d := range deliveries {
		want := http.StatusOK
		if d.bad != "" {
			want = http.StatusUnauthorized
			bad++
		} else {
			good++
		}
		if codes[i] != want {
			t.Errorf("delivery %d (%s %s, bad=%q) got %d, want %d", i, d.event.envelopeID,
				d.event.name, d.bad, codes[i], want)
		}
	}
	t.Logf("webhook storm: seed %d, %d deliveries: %d applied, %d duplicates, %d rejected",
		seed, len(deliveries), stats.Accepted, stats.Duplicate, stats.Rejected)
	checkStormCounts(t, stats, len(events), good, bad)
	checkStormStates(t, st, final)
	checkStormAudit(t, st, events)
}

// stormSeed returns STORM_SEED, or a new seed.
func stormSeed(t *testing.T) uint64 {
	t.Helper()
	v := os.Getenv("STORM_SEED")
	if v == "" {
		return uint64(time.Now().UnixNano())
	}
	seed, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("STORM_SEED=%q is not an unsigned integer: %v", v, err)
	}
	return seed
}

// stormLifecycles returns the events of the given number of envelopes, each event newer
// than the one before, and each envelope's final status: sent, then delivered, then
// completed, declined or voided, with recipient events between.
func stormLifecycles(rng *mathrand.Rand, envelopes int) ([]*stormEvent, map[string]string) {
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	var events []*stormEvent
	final := map[string]string{}
	for i := range envelopes {
		id := fmt.Sprintf("5e0a%04x-7c1d-4b2e-8f3a-%012x", i, rng.Uint64()&0xffffffffffff)
		at := base.Add(time.Duration(i) * time.Millisecond)
		add := func(name, status, recipient string) {
			at = at.Add(time.Duration(1+rng.IntN(5000)) * time.Millisecond)
			events = append(events, &stormEvent{envelopeID: id, recipientID: recipient,
				name: name, status: status, generated: at, summary: rng.IntN(4) != 0})
		}
		add("envelope-sent", "sent", "")
		add("recipient-delivered", "", "1")
		add("envelope-delivered", "delivered", "")
		switch rng.IntN(3) {
		case 0:
			add("recipient-completed", "", "1")
			add("envelope-completed", "completed", "")
			final[id] = "completed"
		case 1:
			add("recipient-declined", "", "1")
			add("envelope-declined", "declined", "")
			final[id] = "declined"
		default:
			add("envelope-voided", "voided", "")
			final[id] = "voided"
		}
	}
	return events, final
}

// stormPlan returns the shuffled deliveries: each event once, bad deliveries, and copies
// and redeliveries of random events up to stormDeliveries.
func stormPlan(t *testing.T, rng *mathrand.Rand, events []*stormEvent) []stormDelivery {
	t.Helper()
	var out []stormDelivery
	for _, ev := range events {
		out = append(out, signedDelivery(t, ev, 0, stormHMACKey))
	}
	badCount := int(stormBadShare * stormDeliveries)
	for range badCount {
		out = append(out, badDelivery(t, rng, events[rng.IntN(len(events))]))
	}
	for len(out) < stormDeliveries {
		ev := events[rng.IntN(len(events))]
		if ev.status != "" && ev.recipientID == "" && rng.IntN(5) == 0 {
			// The same event in the legacy XML format, as a second Connect configuration
			// of the account would send it: a duplicate of the JSON message.
			out = append(out, xmlDelivery(ev))
			continue
		}
		retries := 0
		if rng.IntN(2) == 0 {
			// A redelivery: Docusign raises retryCount, so the body and its hash differ.
			retries = 1 + rng.IntN(9)
		}
		out = append(out, signedDelivery(t, ev, retries, stormHMACKey))
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// badDelivery returns a delivery without a signature, signed with a key the receiver does
// not have, or changed after it was signed.
func badDelivery(t *testing.T, rng *mathrand.Rand, ev *stormEvent) stormDelivery {
	t.Helper()
	switch rng.IntN(3) {
	case 0:
		d := signedDelivery(t, ev, 0, stormHMACKey)
		d.headers.Del("X-DocuSign-Signature-1")
		d.bad = "no signature"
		return d
	case 1:
		d := signedDelivery(t, ev, 0, stormWrongKey)
		d.bad = "unknown key"
		return d
	default:
		d := signedDelivery(t, ev, 0, stormHMACKey)
		// The body changes after signing, so the signature no longer matches.
		d.body = []byte(strings.Replace(string(d.body), `"retryCount":0`,
			`"retryCount":1`, 1))
		d.bad = "changed after signing"
		return d
	}
}

// signedDelivery returns ev as a JSON SIM message with retryCount retries, signed with key
// as Docusign signs: base64 of the HMAC-SHA256 of the exact body.
func signedDelivery(t *testing.T, ev *stormEvent, retries int, key string) stormDelivery {
	t.Helper()
	data := map[string]any{"accountId": stormAccount, "envelopeId": ev.envelopeID}
	if ev.recipientID != "" {
		data["recipientId"] = ev.recipientID
	}
	if ev.summary && ev.status != "" {
		data["envelopeSummary"] = map[string]any{"envelopeId": ev.envelopeID,
			"status": ev.status, "emailSubject": "Please sign: storm"}
	}
	body, err := json.Marshal(map[string]any{
		"event": ev.name, "apiVersion": "v2.1", "retryCount": retries,
		"configurationId":   10457,
		"generatedDateTime": ev.generated.Format("2006-01-02T15:04:05.0000000Z"),
		"uri":               "/restapi/v2.1/accounts/" + stormAccount + "/envelopes/" + ev.envelopeID,
		"data":              data,
	})
	if err != nil {
		t.Fatalf("encode a Connect message: %v", err)
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	headers := http.Header{}
	headers.Set("Content-Type", "application/json")
	headers.Set("X-Authorization-Digest", "HMACSHA256")
	headers.Set("X-DocuSign-AccountId", stormAccount)
	headers.Set("X-DocuSign-Signature-1", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return stormDelivery{event: ev, body: body, headers: headers}
}

// xmlDelivery returns ev as a legacy DocuSignEnvelopeInformation message with its time in
// UTC-7, signed with the receiver's key.
func xmlDelivery(ev *stormEvent) stormDelivery {
	zone := time.FixedZone("", -7*3600)
	status := strings.ToUpper(ev.status[:1]) + ev.status[1:]
	body := `<?xml version="1.0" encoding="utf-8"?>` +
		`<DocuSignEnvelopeInformation xmlns="http://www.docusign.net/API/3.0">` +
		`<EnvelopeStatus><TimeGenerated>` +
		ev.generated.In(zone).Format("2006-01-02T15:04:05.0000000") + `</TimeGenerated>` +
		`<EnvelopeID>` + ev.envelopeID + `</EnvelopeID><Status>` + status + `</Status>` +
		`</EnvelopeStatus><TimeZoneOffset>-7</TimeZoneOffset></DocuSignEnvelopeInformation>`
	mac := hmac.New(sha256.New, []byte(stormHMACKey))
	mac.Write([]byte(body))
	headers := http.Header{}
	headers.Set("Content-Type", "text/xml; charset=utf-8")
	headers.Set("X-Authorization-Digest", "HMACSHA256")
	headers.Set("X-DocuSign-Signature-1", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return stormDelivery{event: ev, body: []byte(body), headers: headers}
}

// newStormReceiver returns the Connect receiver on a new store with an audit log.
func newStormReceiver(t *testing.T) (*connect.Receiver, *store.Store) {
	t.Helper()
	st, err := store.Open(memoryTempDir(t), store.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	log, err := store.OpenAuditLog(st, store.AuditOptions{})
	if err != nil {
		t.Fatalf("open audit log: %v", err)
	}
	verifier, err := connect.NewVerifier([]connect.Key{{ID: "1",
		Secret: []byte(stormHMACKey)}})
	if err != nil {
		t.Fatalf("new verifier: %v", err)
	}
	receiver, err := connect.NewReceiver(connect.ReceiverOptions{Verifier: verifier,
		Store: st, Audit: log})
	if err != nil {
		t.Fatalf("new receiver: %v", err)
	}
	return receiver, st
}

// sendStorm posts every delivery to the receiver from stormWorkers goroutines and returns
// the status codes in delivery order.
func sendStorm(receiver http.Handler, deliveries []stormDelivery) []int {
	codes := make([]int, len(deliveries))
	next := make(chan int)
	var wg sync.WaitGroup
	for range stormWorkers {
		wg.Go(func() {
			for i := range next {
				d := deliveries[i]
				req := httptest.NewRequest(http.MethodPost, "/connect",
					strings.NewReader(string(d.body)))
				req.Header = d.headers.Clone()
				rec := httptest.NewRecorder()
				receiver.ServeHTTP(rec, req)
				codes[i] = rec.Code
			}
		})
	}
	for i := range deliveries {
		next <- i
	}
	close(next)
	wg.Wait()
	return codes
}

// checkStormCounts compares the receiver's counts with the plan: each event applied once,
// the other good deliveries acknowledged as duplicates, and every bad one rejected.
func checkStormCounts(t *testing.T, stats connect.ReceiverStats, events, good, bad int) {
	t.Helper()
	if stats.Accepted != uint64(events) {
		t.Errorf("receiver applied %d deliveries, want %d: one per event", stats.Accepted,
			events)
	}
	if want := uint64(good - events); stats.Duplicate != want {
		t.Errorf("receiver counted %d duplicates, want %d", stats.Duplicate, want)
	}
	if stats.Rejected != uint64(bad) {
		t.Errorf("receiver rejected %d deliveries, want %d", stats.Rejected, bad)
	}
}

// checkStormStates checks that each envelope's stored status is its newest event's.
func checkStormStates(t *testing.T, st *store.Store, final map[string]string) {
	t.Helper()
	wrong := 0
	for id, want := range final {
		state, err := st.GetEnvelope(context.Background(), id)
		switch {
		case err != nil:
			wrong++
			t.Errorf("envelope %s: %v", id, err)
		case state.Status != want:
			wrong++
			t.Errorf("envelope %s ended %s, want %s from its newest event", id,
				state.Status, want)
		}
	}
	t.Logf("webhook storm: %d of %d envelopes in their final status", len(final)-wrong,
		len(final))
}

// checkStormAudit checks the audit chain and that each event has exactly one accepted
// webhook record.
func checkStormAudit(t *testing.T, st *store.Store, events []*stormEvent) {
	t.Helper()
	ctx := context.Background()
	if _, err := store.VerifyAudit(ctx, st); err != nil {
		t.Errorf("audit verify: %v", err)
	}
	records, err := store.QueryAudit(ctx, st, store.AuditQuery{Kind: store.AuditWebhook})
	if err != nil {
		t.Fatalf("query the audit log: %v", err)
	}
	accepted := map[string]int{}
	for _, rec := range records {
		if rec.Outcome == "ok" {
			accepted[rec.EnvelopeID+" "+rec.Action]++
		}
	}
	for _, ev := range events {
		if n := accepted[ev.envelopeID+" "+ev.name]; n != 1 {
			t.Errorf("event %s of %s has %d accepted audit records, want 1", ev.name,
				ev.envelopeID, n)
		}
	}
}
