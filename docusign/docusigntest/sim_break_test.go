package docusigntest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestListCountZeroNextURIAdvances checks that a page's nextUri moves past the page. With
// count=0 the simulator returns no envelopes and a nextUri at the same start_position, so a
// client that follows nextUri until it is absent never stops.
func TestListCountZeroNextURIAdvances(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	resp := call(t, s, token, "GET", "/envelopes?from_date=2020-01-01&count=0", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("list status = %d, body %s; want 200", resp.status, resp.body)
	}
	next, ok := resp.json(t)["nextUri"].(string)
	if !ok {
		return
	}
	u, err := url.Parse(next)
	if err != nil {
		t.Fatalf("nextUri %q is not a URI: %v", next, err)
	}
	if got := u.Query().Get("start_position"); got == "0" {
		t.Errorf("nextUri %q repeats start_position 0: following it loops forever", next)
	}
}

// TestCombinedOfBrokenPDF is a hard case: a document that starts with %PDF- but is not a PDF
// must still give a combined download that is a PDF, or fail at create time.
func TestCombinedOfBrokenPDF(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := twoSignerEnvelope("sent")
	body["documents"] = []map[string]any{{"documentId": "1", "name": "Broken.pdf",
		"fileExtension": "pdf", "documentBase64": b64("%PDF-1.7\n\x00\x01garbage\xff\xfe")}}
	created := call(t, s, token, "POST", "/envelopes", body)
	if created.status != http.StatusCreated {
		return
	}
	id := created.json(t)["envelopeId"].(string)
	if err := s.SignAll(id); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	resp := call(t, s, token, "GET", "/envelopes/"+id+"/documents/combined", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("combined status = %d, body %.200s; want 200", resp.status, resp.body)
	}
	if len(resp.body) < 5 || string(resp.body[:5]) != "%PDF-" {
		t.Errorf("combined body starts with %q, want %%PDF-", resp.body[:min(len(resp.body), 8)])
	}
}

// TestTemplateSearchTextCountsCharacters checks the 48-character limit of search_text on
// non-ASCII text. The client and the tools count characters, and a 48-character search of
// accented letters is 96 bytes.
func TestTemplateSearchTextCountsCharacters(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	search := url.QueryEscape(strings.Repeat("é", 48))
	resp := call(t, s, token, "GET", "/templates?search_text="+search, nil)
	if resp.status != http.StatusOK {
		t.Errorf("search of 48 characters: status %d, body %s; want 200", resp.status,
			resp.body)
	}
}

// TestTemplateRoleTabValuesKeepTemplateTabs checks an envelope created from a template with a
// tab value for a role. Docusign matches templateRoles tabs by tabLabel and fills them in, so
// the role keeps the template's sign-here tab. The simulator replaces the role's tabs with
// the request's, which leaves the signer without a place to sign.
func TestTemplateRoleTabValuesKeepTemplateTabs(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := map[string]any{
		"status": "sent", "templateId": EngagementLetterTemplateID,
		"templateRoles": []map[string]any{
			{"roleName": "Client", "name": "Ada Client", "email": "ada@example.com",
				"tabs": map[string]any{"textTabs": []map[string]any{
					{"tabLabel": "Date Signed", "value": "today"}}}},
			{"roleName": "Partner", "name": "Bo Partner", "email": "bo@example.com"},
		},
	}
	id := createEnvelope(t, s, token, body)
	resp := call(t, s, token, "GET", "/envelopes/"+id+"/recipients?include_tabs=true", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("recipients status = %d, body %s; want 200", resp.status, resp.body)
	}
	signers, _ := resp.json(t)["signers"].([]any)
	for _, raw := range signers {
		signer := raw.(map[string]any)
		if signer["roleName"] != "Client" {
			continue
		}
		tabs, _ := signer["tabs"].(map[string]any)
		if list, _ := tabs["signHereTabs"].([]any); len(list) == 0 {
			t.Errorf("Client tabs = %v, want the template's signHereTabs kept", tabs)
		}
		return
	}
	t.Fatalf("no Client signer in %s", resp.body)
}

// TestClockAdvanceHugeSeconds checks POST /sim/clock/advance with more seconds than a
// time.Duration holds. The product overflows to a negative duration, so the clock moves
// back while the response reports success.
func TestClockAdvanceHugeSeconds(t *testing.T) {
	s, _ := newSim(t, Options{})
	before := s.clockNow()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/sim/clock/advance",
		strings.NewReader(`{"seconds": 10000000000}`))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("advance: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK && s.clockNow().Before(before) {
		t.Errorf("advance by 10000000000 s returned 200 but moved the clock from %v back to %v",
			before, s.clockNow())
	}
}

// TestPageCountFromBareCountEntry checks a 33-byte upload that starts with %PDF- and holds
// only a /Count entry. The simulator takes the page count from /Count when it finds no page
// objects, and it lists one page entry per counted page. So /Count 20000 yields a 2 MB
// documents list, and /Count 2000000000 exhausts the memory of the process. With
// serve --simulator, that process is the MCP server itself.
func TestPageCountFromBareCountEntry(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := twoSignerEnvelope("sent")
	body["documents"] = []map[string]any{{"documentId": "1", "name": "Tiny.pdf",
		"fileExtension": "pdf", "documentBase64": b64("%PDF-1.7\n<< /Count 20000 >>\n%%EOF")}}
	created := call(t, s, token, "POST", "/envelopes", body)
	if created.status != http.StatusCreated {
		return
	}
	id := created.json(t)["envelopeId"].(string)
	resp := call(t, s, token, "GET", "/envelopes/"+id+"/documents", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("documents status = %d, want 200", resp.status)
	}
	docs, _ := resp.json(t)["envelopeDocuments"].([]any)
	for _, raw := range docs {
		doc := raw.(map[string]any)
		pages, _ := doc["pages"].([]any)
		if len(pages) > 1000 {
			t.Errorf("document %v lists %d pages for a 33-byte file: the count comes from "+
				"an unchecked /Count entry", doc["documentId"], len(pages))
		}
	}
}
