package tools

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// fastRetry keeps a held response from stalling a test: one attempt times out after
// 300 ms, and retried reads wait at most 10 ms.
var fastRetry = docusign.RetryPolicy{AttemptTimeout: 300 * time.Millisecond,
	MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}

func createOutput(t *testing.T, c *client.Client, args map[string]any) createEnvelopeOutput {
	t.Helper()
	var out createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", args), &out)
	return out
}

func withKey(t *testing.T, key string) map[string]any {
	args := documentsEnvelope(t, "sent")
	if key != "" {
		args["idempotency_key"] = key
	}
	return args
}

// envelopesWithKey counts the simulator's envelopes whose idempotency custom field starts
// with key, which covers the random suffix of a derived key.
func envelopesWithKey(t *testing.T, h *harness, key string) int {
	t.Helper()
	list, _, err := h.deps.Docusign.Envelopes.ListStatusChanges(context.Background(),
		&docusign.ListStatusChangesOptions{FromDate: time.Now().Add(-time.Hour),
			Include: []string{"custom_fields"}})
	if err != nil {
		t.Fatalf("listing envelopes failed: %v", err)
	}
	n := 0
	for _, env := range list.Envelopes {
		if env.CustomFields == nil {
			continue
		}
		for _, f := range env.CustomFields.TextCustomFields {
			if f.Name == IdempotencyFieldName && strings.HasPrefix(f.Value, key) {
				n++
			}
		}
	}
	return n
}

func creates(h *harness) int { return h.sim.Calls()[docusigntest.OpCreateEnvelope] }

func TestCreateReplaysSameKey(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	first := createOutput(t, c, withKey(t, "order-1001"))
	if first.Replayed {
		t.Errorf("first call is marked replayed, want a new envelope")
	}
	if first.IdempotencyKey != "order-1001" {
		t.Errorf("idempotency_key = %q, want the caller's order-1001", first.IdempotencyKey)
	}
	before := h.sim.Calls()
	second := createOutput(t, c, withKey(t, "order-1001"))
	if !second.Replayed {
		t.Errorf("second call is not marked replayed")
	}
	if second.EnvelopeID != first.EnvelopeID {
		t.Errorf("second call returned envelope %s, want the first one %s",
			second.EnvelopeID, first.EnvelopeID)
	}
	if second.Status != first.Status || second.Source != first.Source {
		t.Errorf("replay = %+v, want the stored result %+v", second, first)
	}
	after := h.sim.Calls()
	for op, n := range after {
		if n != before[op] {
			t.Errorf("replay called %s %d times, want no Docusign call", op, n-before[op])
		}
	}
	if got := envelopesWithKey(t, h, "order-1001"); got != 1 {
		t.Errorf("simulator has %d envelopes with the key, want 1", got)
	}
}

func TestCreateDerivedKeyReplays(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	first := createOutput(t, c, withKey(t, ""))
	if !strings.HasPrefix(first.IdempotencyKey, derivedKeyPrefix) {
		t.Errorf("idempotency_key = %q, want a derived key starting with %s",
			first.IdempotencyKey, derivedKeyPrefix)
	}
	second := createOutput(t, c, withKey(t, ""))
	if !second.Replayed || second.EnvelopeID != first.EnvelopeID {
		t.Errorf("identical call = %+v, want a replay of %s", second, first.EnvelopeID)
	}
	changed := withKey(t, "")
	changed["email_subject"] = "Another subject"
	third := createOutput(t, c, changed)
	if third.Replayed || third.EnvelopeID == first.EnvelopeID {
		t.Errorf("changed call = %+v, want a new envelope", third)
	}
	if third.IdempotencyKey == first.IdempotencyKey {
		t.Errorf("changed call derived the same key %s, want another", third.IdempotencyKey)
	}
	if got := creates(h); got != 2 {
		t.Errorf("Envelopes:create called %d times, want 2", got)
	}
}

func TestCreateDerivedKeyExpires(t *testing.T) {
	const window = 300 * time.Millisecond
	h := newHarness(t, func(d *Deps) { d.Options.IdempotencyWindow = window })
	c := h.stdioClient(t)
	first := createOutput(t, c, withKey(t, ""))
	time.Sleep(window + 100*time.Millisecond)
	second := createOutput(t, c, withKey(t, ""))
	if second.Replayed || second.EnvelopeID == first.EnvelopeID {
		t.Errorf("call after the window = %+v, want a new envelope", second)
	}
	if second.IdempotencyKey != first.IdempotencyKey {
		t.Errorf("key after the window = %s, want the same derived key %s",
			second.IdempotencyKey, first.IdempotencyKey)
	}
	if got := creates(h); got != 2 {
		t.Errorf("Envelopes:create called %d times, want 2", got)
	}
}

func TestCreateExplicitKeyOutlivesWindow(t *testing.T) {
	const window = 100 * time.Millisecond
	h := newHarness(t, func(d *Deps) { d.Options.IdempotencyWindow = window })
	c := h.stdioClient(t)
	first := createOutput(t, c, withKey(t, "contract-7"))
	time.Sleep(window + 100*time.Millisecond)
	second := createOutput(t, c, withKey(t, "contract-7"))
	if !second.Replayed || second.EnvelopeID != first.EnvelopeID {
		t.Errorf("explicit key after the window = %+v, want a replay of %s", second,
			first.EnvelopeID)
	}
}

func TestCreateKeyConflict(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	first := createOutput(t, c, withKey(t, "order-2002"))
	before := creates(h)
	changed := withKey(t, "order-2002")
	changed["email_subject"] = "A different subject"
	terr := mustFail(t, callTool(t, c, "create_envelope", changed))
	if terr.Code != CodeIdempotencyConflict {
		t.Errorf("code = %s, want %s", terr.Code, CodeIdempotencyConflict)
	}
	if terr.Field != "idempotency_key" {
		t.Errorf("field = %q, want idempotency_key", terr.Field)
	}
	if !strings.Contains(terr.Message, first.EnvelopeID) {
		t.Errorf("message %q does not name the first envelope %s", terr.Message,
			first.EnvelopeID)
	}
	if got := creates(h) - before; got != 0 {
		t.Errorf("conflicting call sent %d creates, want none", got)
	}
}

func TestCreateConcurrentSameKey(t *testing.T) {
	h := newHarness(t)
	// The delay keeps the first create in flight while the others arrive.
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope,
		Delay: 300 * time.Millisecond})
	c := h.httpClient(t)
	const callers = 5
	outs := make([]createEnvelopeOutput, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i] = createOutput(t, c, withKey(t, "shared-key"))
		}()
	}
	wg.Wait()
	fresh := 0
	for i, out := range outs {
		if out.EnvelopeID != outs[0].EnvelopeID {
			t.Errorf("caller %d got envelope %s, want %s like caller 0", i, out.EnvelopeID,
				outs[0].EnvelopeID)
		}
		if !out.Replayed {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d callers got a new envelope, want exactly 1 and replays for the rest", fresh)
	}
	if got := creates(h); got != 1 {
		t.Errorf("Envelopes:create called %d times, want exactly 1", got)
	}
}

func TestCreateAmbiguousFailures(t *testing.T) {
	tests := []struct {
		name        string
		fault       docusigntest.Fault
		wantCreates int
	}{
		{name: "5xx after commit", fault: docusigntest.Fault{Status: 500, AfterCommit: true},
			wantCreates: 1},
		{name: "timeout after commit",
			fault:       docusigntest.Fault{Delay: 5 * time.Second, AfterCommit: true},
			wantCreates: 1},
		{name: "connection dropped after commit",
			fault:       docusigntest.Fault{Drop: true, AfterCommit: true},
			wantCreates: 1},
		{name: "429 after commit", fault: docusigntest.Fault{Status: 429, AfterCommit: true},
			wantCreates: 1},
		{name: "5xx before commit", fault: docusigntest.Fault{Status: 503}, wantCreates: 2},
		{name: "connection dropped before commit", fault: docusigntest.Fault{Drop: true},
			wantCreates: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessWithSim(t, docusigntest.Options{}, fastRetry)
			c := h.stdioClient(t)
			tt.fault.Op = docusigntest.OpCreateEnvelope
			h.sim.InjectFault(tt.fault)
			out := createOutput(t, c, withKey(t, "ambiguous-1"))
			if out.EnvelopeID == "" || out.Replayed {
				t.Errorf("result = %+v, want a new envelope that is not a replay", out)
			}
			if got := creates(h); got != tt.wantCreates {
				t.Errorf("Envelopes:create called %d times, want %d", got, tt.wantCreates)
			}
			if got := envelopesWithKey(t, h, "ambiguous-1"); got != 1 {
				t.Errorf("simulator has %d envelopes with the key, want exactly 1", got)
			}
			again := createOutput(t, c, withKey(t, "ambiguous-1"))
			if !again.Replayed || again.EnvelopeID != out.EnvelopeID {
				t.Errorf("repeated call = %+v, want a replay of %s", again, out.EnvelopeID)
			}
		})
	}
}

func TestCreateDefinitiveFailureReleasesKey(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope, Status: 400,
		ErrorCode: "INVALID_REQUEST_PARAMETER", Message: "Rejected by the test."})
	terr := mustFail(t, callTool(t, c, "create_envelope", withKey(t, "retry-after-400")))
	if terr.Code != CodeDocusignError {
		t.Errorf("code = %s, want %s", terr.Code, CodeDocusignError)
	}
	out := createOutput(t, c, withKey(t, "retry-after-400"))
	if out.Replayed || out.EnvelopeID == "" {
		t.Errorf("call after a rejected create = %+v, want a new envelope", out)
	}
	if got := h.sim.Calls()[docusigntest.OpListStatusChanges]; got != 0 {
		t.Errorf("listed envelopes %d times, want none after a definite rejection", got)
	}
}

func TestCreateUnconfirmedThenReconciled(t *testing.T) {
	h := newHarnessWithSim(t, docusigntest.Options{}, fastRetry)
	c := h.stdioClient(t)
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope, Status: 500,
		AfterCommit: true})
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpListStatusChanges, Status: 503,
		Times: 20})
	terr := mustFail(t, callTool(t, c, "create_envelope", withKey(t, "unconfirmed-1")))
	if terr.Code != CodeOutcomeUnknown || !terr.Retryable {
		t.Errorf("error = %+v, want retryable %s", terr, CodeOutcomeUnknown)
	}
	if !strings.Contains(terr.NextStep, "unconfirmed-1") {
		t.Errorf("next_step %q does not name the key to retry with", terr.NextStep)
	}
	h.sim.ClearFaults()
	adopted, pending, err := ReconcilePending(context.Background(), h.deps)
	if err != nil {
		t.Fatalf("ReconcilePending failed: %v", err)
	}
	if adopted != 1 || pending != 0 {
		t.Errorf("ReconcilePending = %d adopted, %d pending; want 1 and 0", adopted, pending)
	}
	out := createOutput(t, c, withKey(t, "unconfirmed-1"))
	if !out.Replayed {
		t.Errorf("call after reconciliation = %+v, want a replay", out)
	}
	if got := creates(h); got != 1 {
		t.Errorf("Envelopes:create called %d times, want 1", got)
	}
	if got := envelopesWithKey(t, h, "unconfirmed-1"); got != 1 {
		t.Errorf("simulator has %d envelopes with the key, want 1", got)
	}
}

func TestCreatePendingRecordCreatesOnce(t *testing.T) {
	h := newHarnessWithSim(t, docusigntest.Options{}, fastRetry)
	c := h.stdioClient(t)
	// A 503 before the commit stores nothing. The failing listings leave the record pending.
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope, Status: 503})
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpListStatusChanges, Status: 503,
		Times: 20})
	mustFail(t, callTool(t, c, "create_envelope", withKey(t, "never-created")))
	h.sim.ClearFaults()
	adopted, pending, err := ReconcilePending(context.Background(), h.deps)
	if err != nil {
		t.Fatalf("ReconcilePending failed: %v", err)
	}
	if adopted != 0 || pending != 1 {
		t.Errorf("ReconcilePending = %d adopted, %d pending; want 0 and 1", adopted, pending)
	}
	out := createOutput(t, c, withKey(t, "never-created"))
	if out.Replayed || out.EnvelopeID == "" {
		t.Errorf("call after reconciliation = %+v, want a new envelope", out)
	}
	if got := creates(h); got != 2 {
		t.Errorf("Envelopes:create called %d times, want 2 (the failed one and one more)", got)
	}
	if got := envelopesWithKey(t, h, "never-created"); got != 1 {
		t.Errorf("simulator has %d envelopes with the key, want 1", got)
	}
}

func TestRequestHashIsCanonical(t *testing.T) {
	base := `{"source":"documents","status":"created","email_subject":"Sign",` +
		`"documents":[{"name":"A","file_extension":"pdf","content_base64":"` + pdfBase64() +
		`"}],"signers":[{"name":"Ann","email":"ann@example.com"}]}`
	tests := []struct {
		name string
		raw  string
		same bool
	}{
		{name: "identical", raw: base, same: true},
		{name: "key order and whitespace", same: true,
			raw: "{\n  \"signers\": [ {\"email\": \"ann@example.com\", \"name\": \"Ann\"} ],\n" +
				"  \"status\" : \"created\", \"email_subject\": \"Sign\",\n" +
				"  \"documents\": [{\"content_base64\": \"" + pdfBase64() + "\",\n" +
				"    \"file_extension\": \"pdf\", \"name\": \"A\"}],\n" +
				"  \"source\": \"documents\"\n}"},
		{name: "explicit key ignored", same: true,
			raw: strings.Replace(base, `{"source"`, `{"idempotency_key":"k-1","source"`, 1)},
		{name: "different value", same: false,
			raw: strings.Replace(base, `"Sign"`, `"Sign now"`, 1)},
		{name: "different document", same: false,
			raw: strings.Replace(base, pdfBase64(), otherPDFBase64(), 1)},
	}
	want := hashOf(t, base)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hashOf(t, tt.raw)
			if (got == want) != tt.same {
				t.Errorf("hash equal to the base = %v, want %v", got == want, tt.same)
			}
		})
	}
}

// otherPDFBase64 is testPDF with one more comment line, a different but valid PDF.
func otherPDFBase64() string {
	other := strings.Replace(testPDF, "%PDF-1.4\n", "%PDF-1.4\n% another revision\n", 1)
	return base64.StdEncoding.EncodeToString([]byte(other))
}

func hashOf(t *testing.T, raw string) string {
	t.Helper()
	var in createEnvelopeInput
	if terr := decodeArguments([]byte(raw), &in); terr != nil {
		t.Fatalf("decoding %s failed: %v", raw, terr)
	}
	if terr := validateCreate(&in); terr != nil {
		t.Fatalf("validation failed: %v", terr)
	}
	hash, err := requestHash(&in)
	if err != nil {
		t.Fatalf("requestHash failed: %v", err)
	}
	return hash
}

func TestCreateRejectsBadIdempotencyKey(t *testing.T) {
	tests := []struct {
		name  string
		key   string
		field string
	}{
		{name: "space", key: "has space", field: "idempotency_key"},
		{name: "too long", key: strings.Repeat("k", 101), field: "idempotency_key"},
		{name: "non-ASCII", key: "clé", field: "idempotency_key"},
	}
	h := newHarness(t)
	c := h.stdioClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terr := mustFail(t, callTool(t, c, "create_envelope", withKey(t, tt.key)))
			if terr.Code != CodeInvalidArgument || terr.Field != tt.field {
				t.Errorf("error = %s on %q, want %s on %s", terr.Code, terr.Field,
					CodeInvalidArgument, tt.field)
			}
		})
	}
	reserved := withKey(t, "")
	reserved["custom_fields"] = []any{map[string]any{"name": IdempotencyFieldName,
		"value": "x"}}
	terr := mustFail(t, callTool(t, c, "create_envelope", reserved))
	if terr.Code != CodeInvalidArgument || terr.Field != "custom_fields[0].name" {
		t.Errorf("reserved field error = %s on %q, want %s on custom_fields[0].name",
			terr.Code, terr.Field, CodeInvalidArgument)
	}
	if got := creates(h); got != 0 {
		t.Errorf("Envelopes:create called %d times for invalid input, want 0", got)
	}
}

// auditRecorder is an AuditSink that keeps the records in memory.
type auditRecorder struct {
	mu      sync.Mutex
	records []store.AuditRecord
}

func (a *auditRecorder) Append(rec store.AuditRecord) (store.AuditRecord, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.records = append(a.records, rec)
	return rec, nil
}

func (a *auditRecorder) kind(kind string) []store.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []store.AuditRecord
	for _, rec := range a.records {
		if rec.Kind == kind {
			out = append(out, rec)
		}
	}
	return out
}

func TestReconciliationIsAudited(t *testing.T) {
	audit := &auditRecorder{}
	h := newHarnessWithSim(t, docusigntest.Options{}, fastRetry,
		func(d *Deps) { d.Audit = audit })
	c := h.stdioClient(t)
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope, Status: 502,
		AfterCommit: true})
	out := createOutput(t, c, withKey(t, "audited-1"))
	records := audit.kind(store.AuditReconciliation)
	if len(records) != 1 {
		t.Fatalf("audit log has %d reconciliation records, want 1: %+v", len(records),
			audit.records)
	}
	rec := records[0]
	if rec.Outcome != "adopted" {
		t.Errorf("outcome = %q, want adopted", rec.Outcome)
	}
	if rec.EnvelopeID != out.EnvelopeID {
		t.Errorf("envelope id = %q, want the adopted %s", rec.EnvelopeID, out.EnvelopeID)
	}
	if rec.Caller == "" || rec.Tool != "create_envelope" {
		t.Errorf("caller %q and tool %q, want the principal and create_envelope", rec.Caller,
			rec.Tool)
	}
}

func TestReconcilePendingPrunesExpired(t *testing.T) {
	const window = 100 * time.Millisecond
	h := newHarness(t, func(d *Deps) { d.Options.IdempotencyWindow = window })
	c := h.stdioClient(t)
	out := createOutput(t, c, withKey(t, ""))
	time.Sleep(window + 50*time.Millisecond)
	if _, _, err := ReconcilePending(context.Background(), h.deps); err != nil {
		t.Fatalf("ReconcilePending failed: %v", err)
	}
	_, err := h.store.GetIdempotencyKey(context.Background(), out.IdempotencyKey)
	if !errors.Is(err, store.ErrIdempotencyKeyNotFound) {
		t.Errorf("expired record after ReconcilePending: %v, want it deleted", err)
	}
}

func TestCreateRateLimitedKeepsKey(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope, Status: 429})
	terr := mustFail(t, callTool(t, c, "create_envelope", withKey(t, "limited-1")))
	if terr.Code != CodeRateLimited || !terr.Retryable || terr.RetryAfter <= 0 {
		t.Errorf("error = %+v, want retryable %s with retry_after", terr, CodeRateLimited)
	}
	if !strings.Contains(terr.NextStep, "limited-1") {
		t.Errorf("next_step %q does not name the key to retry with", terr.NextStep)
	}
	if got := creates(h); got != 1 {
		t.Errorf("Envelopes:create called %d times, want 1 until the limit resets", got)
	}
	out := createOutput(t, c, withKey(t, "limited-1"))
	if out.Replayed || out.EnvelopeID == "" {
		t.Errorf("call after the limit = %+v, want a new envelope", out)
	}
	if got := envelopesWithKey(t, h, "limited-1"); got != 1 {
		t.Errorf("simulator has %d envelopes with the key, want 1", got)
	}
}

// validInput decodes and validates create_envelope arguments, as the handler does.
func validInput(t *testing.T, args map[string]any) *createEnvelopeInput {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatalf("encoding arguments failed: %v", err)
	}
	var in createEnvelopeInput
	if terr := decodeArguments(raw, &in); terr != nil {
		t.Fatalf("decoding arguments failed: %v", terr)
	}
	if terr := validateCreate(&in); terr != nil {
		t.Fatalf("validation failed: %v", terr)
	}
	return &in
}

func TestCreateKeyOfAnotherCaller(t *testing.T) {
	h := newHarness(t)
	d := h.deps.withDefaults()
	agentA := policy.WithPrincipal(context.Background(), "agent-a")
	agentB := policy.WithPrincipal(context.Background(), "agent-b")
	args := withKey(t, "shared-order-9")
	first, _, terr := createEnvelope(agentA, d, validInput(t, args))
	if terr != nil {
		t.Fatalf("first create failed: %v", terr)
	}
	_, _, terr = createEnvelope(agentB, d, validInput(t, args))
	if terr == nil || terr.Code != CodeIdempotencyConflict {
		t.Fatalf("same key from another caller = %v, want %s", terr, CodeIdempotencyConflict)
	}
	if strings.Contains(terr.Message, first.EnvelopeID) {
		t.Errorf("conflict message %q reveals the other caller's envelope", terr.Message)
	}
	if got := creates(h); got != 1 {
		t.Errorf("Envelopes:create called %d times, want 1", got)
	}
	derivedA, _, _ := createEnvelope(agentA, d, validInput(t, withKey(t, "")))
	derivedB, _, _ := createEnvelope(agentB, d, validInput(t, withKey(t, "")))
	if derivedA.IdempotencyKey == derivedB.IdempotencyKey {
		t.Errorf("two callers derived the same key %s, want one per caller",
			derivedA.IdempotencyKey)
	}
	if derivedB.Replayed {
		t.Errorf("agent-b's identical request replayed agent-a's envelope, want its own")
	}
}

func TestReconcilePendingDropsStaleRecord(t *testing.T) {
	const window = 100 * time.Millisecond
	h := newHarnessWithSim(t, docusigntest.Options{}, fastRetry,
		func(d *Deps) { d.Options.IdempotencyWindow = window })
	c := h.stdioClient(t)
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope, Status: 503})
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpListStatusChanges, Status: 503,
		Times: 20})
	mustFail(t, callTool(t, c, "create_envelope", withKey(t, "stale-1")))
	h.sim.ClearFaults()
	time.Sleep(window + 50*time.Millisecond)
	adopted, pending, err := ReconcilePending(context.Background(), h.deps)
	if err != nil {
		t.Fatalf("ReconcilePending failed: %v", err)
	}
	if adopted != 0 || pending != 0 {
		t.Errorf("ReconcilePending = %d adopted, %d pending; want 0 and 0", adopted, pending)
	}
	_, err = h.store.GetIdempotencyKey(context.Background(), "stale-1")
	if !errors.Is(err, store.ErrIdempotencyKeyNotFound) {
		t.Errorf("stale pending record after ReconcilePending: %v, want it deleted", err)
	}
}
