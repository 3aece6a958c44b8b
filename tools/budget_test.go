package tools

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

func TestCheckOptionsBudgets(t *testing.T) {
	tests := []struct {
		name    string
		options Options
		wantErr bool
	}{
		{name: "defaults", options: Options{}},
		{name: "short call budget", options: Options{CallBudget: time.Second}},
		{name: "max call budget", options: Options{CallBudget: MaxCallBudget}},
		{name: "call budget of a minute", options: Options{CallBudget: time.Minute},
			wantErr: true},
		{name: "negative call budget", options: Options{CallBudget: -time.Second},
			wantErr: true},
		{name: "min result budget", options: Options{ResultBudget: MinResultBudget}},
		{name: "tiny result budget", options: Options{ResultBudget: 100}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Tools(Deps{Options: tt.options})
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("Tools error = %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}

// seedEnvelopes creates n drafts through the Docusign client, many at a time.
func seedEnvelopes(t *testing.T, h *harness, n int) map[string]bool {
	t.Helper()
	var mu sync.Mutex
	ids := map[string]bool{}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			def := &docusign.EnvelopeDefinition{Status: "created",
				EmailSubject: fmt.Sprintf("Fixture envelope %03d with a subject of some length", i),
				Documents: []docusign.Document{{DocumentID: "1", Name: "Fixture",
					FileExtension: "pdf", DocumentBase64: pdfBase64()}}}
			summary, _, err := h.deps.Docusign.Envelopes.Create(context.Background(), def)
			if err != nil {
				t.Errorf("creating fixture envelope %d failed: %v", i, err)
				return
			}
			mu.Lock()
			ids[summary.EnvelopeID] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	return ids
}

func TestListEnvelopesPagesWithinBudget(t *testing.T) {
	tests := []struct {
		name   string
		budget int
		// wantBudgetStop is whether some page must stop at the budget before page_size.
		wantBudgetStop bool
	}{
		{name: "default budget", budget: DefaultResultBudget},
		{name: "min budget", budget: MinResultBudget, wantBudgetStop: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPagingWithin(t, tt.budget, tt.wantBudgetStop)
		})
	}
}

// checkPagingWithin seeds 500 envelopes and pages through them at budget.
func checkPagingWithin(t *testing.T, budget int, wantBudgetStop bool) {
	h := newHarnessWithSim(t, docusigntest.Options{HourlyLimit: 100000, BurstLimit: 100000},
		docusign.RetryPolicy{}, func(d *Deps) { d.Options.ResultBudget = budget })
	want := seedEnvelopes(t, h, 500)
	if len(want) != 500 {
		t.Fatalf("seeded %d envelopes, want 500", len(want))
	}

	c := h.stdioClient(t)
	seen := map[string]int{}
	args := map[string]any{"page_size": 100, "from": "2000-01-01T00:00:00Z"}
	pages, budgetStops := 0, 0
	for {
		res := callTool(t, c, "list_envelopes", args)
		if size := len(resultText(res)); size > budget {
			t.Fatalf("page %d is %d bytes, over the %d-byte budget", pages, size, budget)
		}
		var out listEnvelopesOutput
		mustSucceed(t, res, &out)
		pages++
		if len(out.Envelopes) < 100 && out.Truncated {
			budgetStops++
		}
		for _, env := range out.Envelopes {
			seen[env.EnvelopeID]++
		}
		if !out.Truncated {
			break
		}
		if out.NextCursor == "" {
			t.Fatalf("page %d is truncated without next_cursor", pages)
		}
		if pages > 500 {
			t.Fatalf("paging did not end after %d pages", pages)
		}
		args = map[string]any{"cursor": out.NextCursor}
	}

	if len(seen) != len(want) {
		t.Errorf("paging returned %d distinct envelopes, want %d", len(seen), len(want))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("envelope %s was returned %d times, want once", id, n)
		}
		if !want[id] {
			t.Errorf("envelope %s was returned but not seeded", id)
		}
	}
	if gotStop := budgetStops > 0; gotStop != wantBudgetStop {
		t.Errorf("%d pages stopped at the byte budget, want some: %v", budgetStops,
			wantBudgetStop)
	}
}

func TestFitItems(t *testing.T) {
	// Each item encodes to 10 bytes, around a 2-byte frame.
	encode := func(k int) []byte { return make([]byte, 2+10*k) }
	tests := []struct {
		name   string
		budget int
		n      int
		want   int
	}{
		{name: "empty list", budget: 100, n: 0, want: 0},
		{name: "all fit", budget: 100, n: 9, want: 9},
		{name: "exact fit", budget: 52, n: 9, want: 5},
		{name: "one byte short", budget: 51, n: 9, want: 4},
		{name: "first item too big", budget: 5, n: 3, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fitItems(tt.budget, tt.n, encode); got != tt.want {
				t.Errorf("fitItems(%d, %d) = %d, want %d", tt.budget, tt.n, got, tt.want)
			}
		})
	}
}

func TestGetTemplateOverBudgetTooLarge(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Options.ResultBudget = MinResultBudget })
	var roles []docusigntest.TemplateRole
	for i := range 60 {
		roles = append(roles, docusigntest.TemplateRole{
			RoleName:    fmt.Sprintf("Signer role number %02d with a long descriptive name", i),
			RecipientID: fmt.Sprint(i + 1), RoutingOrder: 1})
	}
	id, err := h.sim.AddTemplate(docusigntest.Template{Name: "Many roles", Roles: roles,
		Documents: []docusigntest.TemplateDocument{{ID: "1", Name: "Form",
			Content: []byte(testPDF)}}})
	if err != nil {
		t.Fatalf("AddTemplate failed: %v", err)
	}

	c := h.stdioClient(t)
	body := mustFail(t, callTool(t, c, "get_template", map[string]any{"template_id": id}))
	if body.Code != CodeTooLarge {
		t.Errorf("code = %s (%s), want too_large for a result over the budget", body.Code,
			body.Message)
	}
}

func TestCreatePendingPastCallBudget(t *testing.T) {
	const budget = time.Second
	h := newHarness(t, func(d *Deps) { d.Options.CallBudget = budget })
	h.sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpCreateEnvelope,
		Delay: 3 * budget})

	c := h.stdioClient(t)
	args := documentsEnvelope(t, "sent")
	args["idempotency_key"] = "budget-test-1"

	start := time.Now()
	var first createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", args), &first)
	if elapsed := time.Since(start); elapsed > budget+time.Second {
		t.Errorf("create_envelope answered after %s, want within the %s budget", elapsed, budget)
	}
	if first.Status != "pending" {
		t.Fatalf("status = %q, want pending while the create is delayed", first.Status)
	}
	if first.IdempotencyKey != "budget-test-1" {
		t.Errorf("idempotency_key = %q, want budget-test-1", first.IdempotencyKey)
	}
	if first.RetryAfter <= 0 {
		t.Errorf("retry_after = %d, want a positive number of seconds", first.RetryAfter)
	}
	if first.EnvelopeID != "" {
		t.Errorf("envelope_id = %q, want none while pending", first.EnvelopeID)
	}

	var final createEnvelopeOutput
	deadline := time.Now().Add(15 * time.Second)
	for {
		mustSucceed(t, callTool(t, c, "create_envelope", args), &final)
		if final.Status != "pending" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if final.EnvelopeID == "" {
		t.Fatalf("calling again with the key returned no envelope: %+v", final)
	}
	if !final.Replayed {
		t.Errorf("replayed = false, want true for the envelope of the first call")
	}
	if n := h.sim.Calls()[docusigntest.OpCreateEnvelope]; n != 1 {
		t.Errorf("simulator served %d creates, want 1", n)
	}
}

func TestListDocumentsPagesWithCursor(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "created")), &created)

	args := map[string]any{"envelope_id": created.EnvelopeID, "page_size": 1}
	var ids []string
	for range 10 {
		var out listDocumentsOutput
		mustSucceed(t, callTool(t, c, "list_envelope_documents", args), &out)
		for _, doc := range out.Documents {
			ids = append(ids, doc.DocumentID)
		}
		if !out.Truncated {
			if len(ids) != out.Total {
				t.Errorf("paging returned %d documents, want total %d", len(ids), out.Total)
			}
			return
		}
		args = map[string]any{"envelope_id": created.EnvelopeID, "cursor": out.NextCursor}
	}
	t.Fatalf("paging did not end after 10 pages; documents so far: %v", ids)
}

func TestListDocumentsRejectsForeignCursor(t *testing.T) {
	h := newHarness(t)
	c := h.stdioClient(t)
	var created createEnvelopeOutput
	mustSucceed(t, callTool(t, c, "create_envelope", documentsEnvelope(t, "created")), &created)
	var out listDocumentsOutput
	mustSucceed(t, callTool(t, c, "list_envelope_documents",
		map[string]any{"envelope_id": created.EnvelopeID, "page_size": 1}), &out)

	other := "00000000-0000-4000-8000-000000000001"
	body := mustFail(t, callTool(t, c, "list_envelope_documents",
		map[string]any{"envelope_id": other, "cursor": out.NextCursor}))
	if body.Code != CodeInvalidArgument || body.Field != "cursor" {
		t.Errorf("error = %s on %s, want invalid_argument on cursor", body.Code, body.Field)
	}
}
