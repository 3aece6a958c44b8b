package test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	mathrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

// crashWebhookEnvelopes is the number of envelopes whose events the crash test delivers.
const crashWebhookEnvelopes = 60

// TestWebhookSurvivesCrash posts every Connect event of 60 envelopes to the binary's
// /connect and kills the server with SIGKILL once a third of them are acknowledged. It
// restarts the server on the same data directory and posts every event again, as Docusign
// redelivers what it did not see acknowledged. Every event is audited exactly once, including one in flight
// at the kill, because the receiver writes the delivery record and its audit record in one
// transaction. Each envelope ends in its newest event's status, and audit verify passes.
func TestWebhookSurvivesCrash(t *testing.T) {
	seed := stormSeed(t)
	rng := mathrand.New(mathrand.NewPCG(seed, seed^0x2545f491))
	events, final := stormLifecycles(rng, crashWebhookEnvelopes)
	deliveries := make([]stormDelivery, len(events))
	for i, ev := range events {
		deliveries[i] = signedDelivery(t, ev, 0, stormHMACKey)
	}
	rng.Shuffle(len(deliveries), func(i, j int) {
		deliveries[i], deliveries[j] = deliveries[j], deliveries[i]
	})
	_, env := startSimInProcess(t)
	env = append(env, "DOCUSIGN_CONNECT_HMAC_KEYS="+stormHMACKey)

	first := startServe(t, env)
	acked := postUntilKilled(t, first, connectURL(t, first), deliveries, len(deliveries)/3)
	t.Logf("webhook crash: seed %d, %d of %d deliveries acknowledged before SIGKILL", seed,
		countTrue(acked), len(deliveries))

	second := startServe(t, env)
	url := connectURL(t, second)
	for i, d := range deliveries {
		if code := postDelivery(url, d); code != http.StatusOK {
			t.Errorf("delivery %d (%s %s) after the restart = %d, want 200", i,
				d.event.envelopeID, d.event.name, code)
		}
	}
	auditVerify(t, second, env)
	checkCrashWebhookAudit(t, env, deliveries, acked)
	checkCrashWebhookStates(t, env, final)
}

// connectURL waits for serve's URL and returns its /connect URL.
func connectURL(t *testing.T, p *process) string {
	t.Helper()
	endpoint := p.waitForLogField(t, "serving MCP over streamable HTTP", "url")
	return strings.TrimSuffix(endpoint, "/mcp") + "/connect"
}

// postUntilKilled posts the deliveries from four workers and kills p with SIGKILL once
// killAfter of them are acknowledged. It returns which deliveries got 200.
func postUntilKilled(t *testing.T, p *process, url string, deliveries []stormDelivery,
	killAfter int) []bool {
	t.Helper()
	acked := make([]bool, len(deliveries))
	var count atomic.Int64
	var once sync.Once
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range next {
				if postDelivery(url, deliveries[i]) != http.StatusOK {
					continue
				}
				acked[i] = true
				if count.Add(1) >= int64(killAfter) {
					once.Do(func() { _ = p.cmd.Process.Kill() })
				}
			}
		})
	}
	for i := range deliveries {
		next <- i
	}
	close(next)
	wg.Wait()
	once.Do(func() { _ = p.cmd.Process.Kill() })
	<-p.done
	return acked
}

// postDelivery posts d and returns the status code, or 0 when no response arrived.
func postDelivery(url string, d stormDelivery) int {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		return 0
	}
	req.Header = d.headers.Clone()
	client := &http.Client{Timeout: time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func countTrue(values []bool) int {
	n := 0
	for _, v := range values {
		if v {
			n++
		}
	}
	return n
}

// checkCrashWebhookAudit checks that each event has exactly one accepted webhook record,
// whether it was acknowledged before the kill or not.
func checkCrashWebhookAudit(t *testing.T, env []string, deliveries []stormDelivery,
	acked []bool) {
	t.Helper()
	stdout, stderr, code := runCommand(t, time.Minute, append(os.Environ(), env...),
		binaryPath, "audit", "query", "--kind", store.AuditWebhook)
	if code != 0 {
		t.Fatalf("audit query exited with %d: %s", code, stderr)
	}
	accepted := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var rec store.AuditRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("decode audit record %q: %v", line, err)
		}
		if rec.Outcome == "ok" {
			accepted[rec.EnvelopeID+" "+rec.Action]++
		}
	}
	for i, d := range deliveries {
		n := accepted[d.event.envelopeID+" "+d.event.name]
		if n != 1 {
			t.Errorf("event %s of %s (acknowledged before the kill: %v) has %d accepted "+
				"audit records, want 1", d.event.name, d.event.envelopeID, acked[i], n)
		}
	}
}

// checkCrashWebhookStates opens the stopped server's store and checks each envelope's
// status.
func checkCrashWebhookStates(t *testing.T, env []string, final map[string]string) {
	t.Helper()
	keyHex, err := os.ReadFile(envValue(env, "DOCUSIGN_MCP_STORE_KEY_FILE"))
	if err != nil {
		t.Fatalf("read the store key: %v", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(keyHex)))
	if err != nil {
		t.Fatalf("decode the store key: %v", err)
	}
	st, err := store.Open(filepath.Join(envValue(env, "DOCUSIGN_MCP_DATA_DIR"), "store"),
		store.Options{EncryptionKey: key, MinFreeBytes: -1})
	if err != nil {
		t.Fatalf("open the server's store: %v", err)
	}
	defer st.Close()
	checkStormStates(t, st, final)
}
