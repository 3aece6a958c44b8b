package test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/internal/pdf"
	"github.com/ys88io/docusign-mcp/store"
	mcptools "github.com/ys88io/docusign-mcp/tools"
)

// Settings of the fault schedules. FAULT_SEED and FAULT_SCHEDULES replay a run: schedule i
// of a run uses the seed FAULT_SEED+i, so FAULT_SEED=<its seed> FAULT_SCHEDULES=1 replays
// that one schedule alone.
const (
	defaultFaultSchedules = 1000
	// faultShards run schedules side by side. Each has its own simulator, because a
	// simulator's fault queue hits whichever call comes next.
	faultShards = 8
	// faultAttemptTimeout is the client's per-request timeout. Delay faults hold their
	// response far longer, so every delay fault ends in a client timeout.
	faultAttemptTimeout = 150 * time.Millisecond
	// faultCreateSettle is how long create_envelope waits before it looks for the envelope of
	// a create with an unknown outcome: long enough for a loaded simulator to finish a create
	// whose client gave up.
	faultCreateSettle = 500 * time.Millisecond
	faultDelay        = 30 * time.Second
	// maxAgentCalls bounds an agent's create_envelope calls with one key. Every schedule
	// has at most 10 faulty responses and each call draws at least one of them, so an
	// agent that still has no envelope after this many calls found a defect.
	maxAgentCalls = 24
)

// faultKinds are the failures a schedule draws from. Faults without afterCommit act before
// the simulator runs the operation, so a create that draws them stores nothing.
var faultKinds = []struct {
	name  string
	fault docusigntest.Fault
}{
	{name: "500", fault: docusigntest.Fault{Status: 500}},
	{name: "503 after commit", fault: docusigntest.Fault{Status: 503, AfterCommit: true}},
	{name: "502 html", fault: docusigntest.Fault{Status: 502, RawBody: "<html>bad gateway"}},
	{name: "429", fault: docusigntest.Fault{Status: 429}},
	{name: "429 Retry-After 1", fault: docusigntest.Fault{Status: 429, RetryAfter: "1"}},
	{name: "429 Retry-After 0 after commit", fault: docusigntest.Fault{Status: 429,
		RetryAfter: "0", AfterCommit: true}},
	{name: "delay past timeout", fault: docusigntest.Fault{Delay: faultDelay}},
	{name: "delay past timeout after commit", fault: docusigntest.Fault{Delay: faultDelay,
		AfterCommit: true}},
	{name: "drop", fault: docusigntest.Fault{Drop: true}},
	{name: "drop after commit", fault: docusigntest.Fault{Drop: true, AfterCommit: true}},
}

// faultSchedule is the faults queued for one idempotency key, in order, and how the agent
// retries.
type faultSchedule struct {
	seed   uint64
	key    string
	faults []docusigntest.Fault
	names  []string
	// pairs makes the agent send two calls with the key at once on each attempt.
	pairs bool
}

// newFaultSchedule draws one to five faults on the create and on the listing that
// reconciliation sends, each hitting one or two calls.
func newFaultSchedule(seed uint64) faultSchedule {
	rng := mathrand.New(mathrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s := faultSchedule{seed: seed, key: "fault-" + strconv.FormatUint(seed, 10),
		pairs: rng.IntN(5) == 0}
	for range 1 + rng.IntN(5) {
		kind := faultKinds[rng.IntN(len(faultKinds))]
		f := kind.fault
		f.Op = docusigntest.OpCreateEnvelope
		if rng.IntN(10) < 3 {
			f.Op = docusigntest.OpListStatusChanges
		}
		f.Times = 1 + rng.IntN(2)
		s.faults = append(s.faults, f)
		s.names = append(s.names, fmt.Sprintf("%s %s x%d", f.Op, kind.name, f.Times))
	}
	return s
}

func (s faultSchedule) String() string {
	pairs := ""
	if s.pairs {
		pairs = ", agent sends pairs of calls"
	}
	return fmt.Sprintf("seed %d (replay: FAULT_SEED=%d FAULT_SCHEDULES=1), key %s%s: [%s]",
		s.seed, s.seed, s.key, pairs, strings.Join(s.names, "; "))
}

// TestCreateUnderFaultSchedules runs randomised, seeded fault schedules around
// create_envelope through the real tools, client and store. After each schedule the
// simulator must hold exactly one envelope with the schedule's idempotency key, the agent's
// last result must name it, and the audit log must hold a record for every call the
// simulator served.
func TestCreateUnderFaultSchedules(t *testing.T) {
	base, count := faultSettings(t)
	t.Logf("fault schedules: seed %d, %d schedules on %d shards", base, count, faultShards)
	shards := make([]*faultShard, faultShards)
	for i := range shards {
		shards[i] = newFaultShard(t)
	}

	next := make(chan uint64)
	var wg sync.WaitGroup
	for _, shard := range shards {
		wg.Go(func() {
			for seed := range next {
				shard.run(t, newFaultSchedule(seed))
			}
		})
	}
	for i := range count {
		next <- base + uint64(i)
	}
	close(next)
	wg.Wait()

	var total faultTotals
	for _, s := range shards {
		s.checkAuditLog(t)
		total.add(s.totals)
	}
	t.Logf("fault schedules: %d run, %d duplicates found, %d without an envelope, "+
		"%d Docusign calls served, %d audit records, %d served calls not audited",
		total.schedules, total.duplicates, total.missing, total.served, total.audited,
		total.unaudited)
	if total.schedules != count {
		t.Errorf("ran %d schedules, want %d", total.schedules, count)
	}
}

// faultSettings returns the first seed and the number of schedules, from FAULT_SEED and
// FAULT_SCHEDULES when set.
func faultSettings(t *testing.T) (uint64, int) {
	base := uint64(time.Now().UnixNano())
	if v := os.Getenv("FAULT_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("FAULT_SEED=%q is not an unsigned integer: %v", v, err)
		}
		base = seed
	}
	count := defaultFaultSchedules
	if v := os.Getenv("FAULT_SCHEDULES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("FAULT_SCHEDULES=%q is not a positive integer", v)
		}
		count = n
	}
	if testing.Short() && os.Getenv("FAULT_SCHEDULES") == "" {
		count = 100
	}
	return base, count
}

// faultTotals counts what a shard checked.
type faultTotals struct {
	schedules, duplicates, missing int
	served, audited                int
	// unaudited counts served calls without an audit record, which must stay 0.
	unaudited int
}

func (a *faultTotals) add(b faultTotals) {
	a.schedules += b.schedules
	a.duplicates += b.duplicates
	a.missing += b.missing
	a.served += b.served
	a.audited += b.audited
	a.unaudited += b.unaudited
}

// faultShard is a simulator with a server stack of its own: the Docusign client with tiny
// timeouts and backoffs, a Badger store, its audit log and the tools behind an in-process
// MCP client. checker is a second client that lists the simulator's envelopes, and its
// calls are counted to separate them from the server's.
type faultShard struct {
	sim          *docusigntest.Server
	store        *store.Store
	mcp          *client.Client
	checker      *docusign.Client
	checkerCalls *opCounter
	audited      *opCounter
	totals       faultTotals
}

func newFaultShard(t *testing.T) *faultShard {
	t.Helper()
	sim := docusigntest.NewServer(docusigntest.Options{HourlyLimit: 1_000_000,
		BurstLimit: 1_000_000, PrivateKeyPEM: sharedSimKey(t)})
	t.Cleanup(sim.Close)
	st, err := store.Open(memoryTempDir(t), store.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	log, err := store.OpenAuditLog(st, store.AuditOptions{})
	if err != nil {
		t.Fatalf("open audit log: %v", err)
	}
	s := &faultShard{sim: sim, store: st, checkerCalls: newOpCounter(nil),
		audited: newOpCounter(log)}
	s.checker = newSimClient(t, sim, docusign.RetryPolicy{}, s.checkerCalls)
	c := newSimClient(t, sim, fastRetry(), mcptools.NewAuditObserver(s.audited, nil))
	s.mcp = inProcessTools(t, mcptools.Deps{Docusign: mcptools.NewDocusign(c), Store: st,
		Envelopes: st, Audit: log, Options: mcptools.Options{AccountBudget: unlimitedBudget,
			CreateSettle: faultCreateSettle}})
	return s
}

// sharedSimKey returns one RSA key for every shard's simulator, because generating one
// per simulator costs more CPU than a hundred schedules.
var sharedSimKey = func() func(t *testing.T) []byte {
	once := sync.OnceValues(func() ([]byte, error) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
		return pem.EncodeToMemory(block), nil
	})
	return func(t *testing.T) []byte {
		t.Helper()
		key, err := once()
		if err != nil {
			t.Fatalf("generate the simulators' RSA key: %v", err)
		}
		return key
	}
}()

// memoryTempDir returns a new directory in /dev/shm where that exists, else in the
// default temporary directory. Badger syncs every idempotency and audit write, and on a
// shared disk those syncs, not the faults, would set the test's duration.
func memoryTempDir(t *testing.T) string {
	t.Helper()
	if info, err := os.Stat("/dev/shm"); err != nil || !info.IsDir() {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("/dev/shm", "docusign-mcp-faults-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// unlimitedBudget keeps the tools' account budget out of the way of many quick schedules.
var unlimitedBudget = mcptools.AccountBudgetOptions{HourlyLimit: 1_000_000,
	BurstLimit: 1_000_000, Reserve: -1}

// fastRetry keeps the client's retries but makes their waits instant, Retry-After and
// rate-limit resets included, so a schedule costs only its timeouts.
func fastRetry() docusign.RetryPolicy {
	return docusign.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		AttemptTimeout: faultAttemptTimeout,
		Sleep:          func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
}

// newSimClient returns a client of sim with retry and observer.
func newSimClient(t *testing.T, sim *docusigntest.Server, retry docusign.RetryPolicy,
	observer docusign.Observer) *docusign.Client {
	t.Helper()
	creds := sim.Credentials()
	c, err := docusign.NewClient(docusign.Config{IntegrationKey: creds.IntegrationKey,
		UserID: creds.UserID, PrivateKeyPEM: creds.PrivateKeyPEM, AuthServer: creds.AuthServer,
		AccountID: creds.AccountID, Retry: retry, Observer: observer})
	if err != nil {
		t.Fatalf("new Docusign client: %v", err)
	}
	return c
}

// inProcessTools registers the tools of deps on an MCP server and returns an initialized
// in-process client of it.
func inProcessTools(t *testing.T, deps mcptools.Deps) *client.Client {
	t.Helper()
	s := server.NewMCPServer("docusign-mcp-faults", "0")
	if err := mcptools.Register(s, deps); err != nil {
		t.Fatalf("register tools: %v", err)
	}
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatalf("new in-process client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("start in-process client: %v", err)
	}
	_, err = c.Initialize(context.Background(), mcp.InitializeRequest{Params: mcp.
		InitializeParams{ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo: mcp.Implementation{Name: "fault-schedules", Version: "1"}}})
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c
}

// run queues the schedule's faults, lets the agent call create_envelope with the key until
// a call succeeds, and checks the simulator's envelopes and the audit records.
func (s *faultShard) run(t *testing.T, sched faultSchedule) {
	for _, f := range sched.faults {
		s.sim.InjectFault(f)
	}
	envelopeID, calls, err := s.agent(sched)
	s.sim.ClearFaults()
	s.totals.schedules++
	if err != nil {
		t.Errorf("schedule %v: %v", sched, err)
	}
	ids, err := s.envelopesWithKey(sched.key)
	switch {
	case err != nil:
		t.Errorf("schedule %v: list the envelopes with the key: %v", sched, err)
	case len(ids) > 1:
		s.totals.duplicates++
		t.Errorf("schedule %v: the simulator has %d envelopes with the key (%v), want 1",
			sched, len(ids), ids)
	case len(ids) == 0:
		s.totals.missing++
		t.Errorf("schedule %v: the simulator has no envelope with the key after %d calls",
			sched, calls)
	case envelopeID != "" && ids[0] != envelopeID:
		t.Errorf("schedule %v: the agent got envelope %s, but the key's envelope is %s",
			sched, envelopeID, ids[0])
	}
	s.checkServedCalls(t, sched)
}

// agent calls create_envelope with the schedule's key until a call returns an envelope, as an
// agent that follows the retryable errors' next step does. It returns the envelope and the
// number of attempts. When the agent sends pairs, every successful call of a pair must name
// the same envelope.
func (s *faultShard) agent(sched faultSchedule) (string, int, error) {
	args := faultEnvelopeArgs(sched.key)
	var last string
	for calls := 1; calls <= maxAgentCalls; calls++ {
		n := 1
		if sched.pairs {
			n = 2
		}
		results := make([]*mcp.CallToolResult, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() {
				results[i], errs[i] = s.mcp.CallTool(context.Background(),
					toolRequest("create_envelope", args))
			})
		}
		wg.Wait()
		envelopeID, text, err := pairOutcome(results, errs)
		if err != nil || envelopeID != "" {
			return envelopeID, calls, err
		}
		last = text
	}
	return "", maxAgentCalls, fmt.Errorf("no envelope after %d calls; last error: %s",
		maxAgentCalls, last)
}

// pairOutcome returns the envelope that the successful results name, or the last retryable
// error's text when none succeeded. A protocol error, an error that is not retryable, or
// two results with different envelopes is an error.
func pairOutcome(results []*mcp.CallToolResult, errs []error) (string, string, error) {
	var envelopeID, last string
	for i, res := range results {
		if errs[i] != nil {
			return "", "", fmt.Errorf("protocol error: %w", errs[i])
		}
		text := toolText(res)
		switch {
		case !res.IsError && envelopeID != "" && envelopeIDOf(text) != envelopeID:
			return "", "", fmt.Errorf("two calls at once returned envelopes %s and %s",
				envelopeID, envelopeIDOf(text))
		case !res.IsError:
			envelopeID = envelopeIDOf(text)
		case !strings.Contains(text, `"retryable":true`):
			return "", "", fmt.Errorf("a call failed for good: %s", text)
		default:
			last = text
		}
	}
	return envelopeID, last, nil
}

// envelopeIDOf returns envelope_id from a create_envelope result's JSON text.
func envelopeIDOf(text string) string {
	const field = `"envelope_id":"`
	_, rest, ok := strings.Cut(text, field)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

func toolText(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if text, ok := c.(mcp.TextContent); ok {
			return text.Text
		}
	}
	return ""
}

// faultEnvelopeArgs returns small create_envelope arguments for key: one signer and one
// short PDF.
func faultEnvelopeArgs(key string) map[string]any {
	return map[string]any{
		"idempotency_key": key, "source": "documents", "status": "sent",
		"email_subject": "Please sign: fault schedule",
		"documents": []map[string]any{{"document_id": 1, "name": "Terms.pdf",
			"file_extension": "pdf", "content_base64": shortPDF()}},
		"signers": []map[string]any{{"recipient_id": 1, "name": "Avery Client",
			"email": "avery@example.com", "routing_order": 1}},
	}
}

// shortPDF returns a one-page PDF in base64, rendered once per test run.
var shortPDF = sync.OnceValue(func() string {
	data, err := pdf.RenderAgreement(pdf.Agreement{Title: "Terms of engagement",
		Clauses: []string{"The parties agree to these terms."}})
	if err != nil {
		panic(fmt.Sprintf("render the test PDF: %v", err))
	}
	return base64.StdEncoding.EncodeToString(data)
})

// envelopesWithKey lists the simulator's envelopes whose idempotency field is key.
func (s *faultShard) envelopesWithKey(key string) ([]string, error) {
	list, _, err := s.checker.Envelopes.ListStatusChanges(context.Background(),
		&docusign.ListStatusChangesOptions{FromDate: time.Now().Add(-time.Hour),
			CustomField: idempotencyField + "=" + key})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, env := range list.Envelopes {
		ids = append(ids, env.EnvelopeID)
	}
	return ids, nil
}

// checkServedCalls compares, per operation, the calls the simulator served to the server
// so far with the Docusign call records appended so far. A request that the client gave
// up on before the simulator counted it is audited but not served, so the audit count may
// be higher, but never lower.
func (s *faultShard) checkServedCalls(t *testing.T, sched faultSchedule) {
	served := s.sim.Calls()
	checker := s.checkerCalls.snapshot()
	audited := s.audited.snapshot()
	for op, n := range served {
		n -= checker[op]
		if audited[op] < n {
			t.Errorf("schedule %v: the simulator served %d %s calls so far, but the audit "+
				"log holds %d", sched, n, op, audited[op])
		}
	}
}

// checkAuditLog verifies the shard's hash chain and counts the Docusign call records in
// the store against the calls the simulator served.
func (s *faultShard) checkAuditLog(t *testing.T) {
	ctx := context.Background()
	if _, err := store.VerifyAudit(ctx, s.store); err != nil {
		t.Errorf("audit verify: %v", err)
	}
	records, err := store.QueryAudit(ctx, s.store, store.AuditQuery{
		Kind: store.AuditDocusignCall})
	if err != nil {
		t.Fatalf("query the audit log: %v", err)
	}
	stored := map[string]int{}
	for _, rec := range records {
		stored[rec.Operation]++
	}
	checker := s.checkerCalls.snapshot()
	for op, n := range s.sim.Calls() {
		n -= checker[op]
		s.totals.served += n
		s.totals.unaudited += max(0, n-stored[op])
		if stored[op] < n {
			t.Errorf("the simulator served %d %s calls, but the stored audit log holds %d",
				n, op, stored[op])
		}
	}
	s.totals.audited = len(records)
}

// opCounter counts calls by operation. As an observer it counts a client's requests, and
// as an audit sink it counts the Docusign call records appended to next.
type opCounter struct {
	mu     sync.Mutex
	counts map[string]int
	next   mcptools.AuditSink
}

func newOpCounter(next mcptools.AuditSink) *opCounter {
	return &opCounter{counts: map[string]int{}, next: next}
}

// ObserveCall counts one request of the observed client.
func (c *opCounter) ObserveCall(rec docusign.CallRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[rec.Operation]++
}

// Append appends rec to the wrapped audit log and counts it when the append succeeded.
func (c *opCounter) Append(rec store.AuditRecord) (store.AuditRecord, error) {
	if c.next == nil {
		return rec, errors.New("opCounter has no audit log to append to")
	}
	out, err := c.next.Append(rec)
	if err == nil && rec.Kind == store.AuditDocusignCall {
		c.mu.Lock()
		c.counts[rec.Operation]++
		c.mu.Unlock()
	}
	return out, err
}

func (c *opCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for op, n := range c.counts {
		out[op] = n
	}
	return out
}
