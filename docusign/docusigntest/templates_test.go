package docusigntest

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestListTemplates(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	tests := []struct {
		name      string
		query     string
		wantNames []string
		wantTotal string
		wantNext  bool
	}{
		{name: "all seeds", query: "",
			wantNames: []string{"Client Engagement Letter", "Mutual NDA", "Internal Approval"},
			wantTotal: "3"},
		{name: "first page", query: "?count=2",
			wantNames: []string{"Client Engagement Letter", "Mutual NDA"}, wantTotal: "3",
			wantNext: true},
		{name: "second page", query: "?count=2&start_position=2",
			wantNames: []string{"Internal Approval"}, wantTotal: "3"},
		{name: "search", query: "?search_text=nda", wantNames: []string{"Mutual NDA"},
			wantTotal: "1"},
		{name: "no match", query: "?search_text=lease", wantTotal: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, s, token, "GET", "/templates"+tt.query, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("status = %d %s, want 200", resp.status, resp.body)
			}
			got := resp.json(t)
			if got["totalSetSize"] != tt.wantTotal {
				t.Errorf("totalSetSize = %v, want %s", got["totalSetSize"], tt.wantTotal)
			}
			list, _ := got["envelopeTemplates"].([]any)
			if len(list) != len(tt.wantNames) {
				t.Fatalf("templates = %d, want %d", len(list), len(tt.wantNames))
			}
			for i, item := range list {
				if name := item.(map[string]any)["name"]; name != tt.wantNames[i] {
					t.Errorf("template %d = %v, want %s", i, name, tt.wantNames[i])
				}
			}
			if _, hasNext := got["nextUri"]; hasNext != tt.wantNext {
				t.Errorf("nextUri present = %v, want %v", hasNext, tt.wantNext)
			}
		})
	}
}

func TestGetTemplate(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	bare := call(t, s, token, "GET", "/templates/"+EngagementLetterTemplateID, nil).json(t)
	if _, ok := bare["documents"]; ok {
		t.Errorf("template without include has documents, want them only with include=documents")
	}
	bareSigner := bare["recipients"].(map[string]any)["signers"].([]any)[0].(map[string]any)
	if _, ok := bareSigner["tabs"]; ok {
		t.Errorf("template without include has tabs, want them only with include=tabs")
	}

	resp := call(t, s, token, "GET", "/templates/"+EngagementLetterTemplateID+
		"?include=documents,tabs", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d %s, want 200", resp.status, resp.body)
	}
	got := resp.json(t)
	if got["templateId"] != EngagementLetterTemplateID || got["pageCount"] != "2" {
		t.Errorf("templateId/pageCount = %v/%v, want the seed id and 2 pages",
			got["templateId"], got["pageCount"])
	}

	recipients := got["recipients"].(map[string]any)
	signers := recipients["signers"].([]any)
	if len(signers) != 2 {
		t.Fatalf("signer roles = %d, want 2", len(signers))
	}
	client := signers[0].(map[string]any)
	if client["roleName"] != "Client" || client["routingOrder"] != "1" {
		t.Errorf("first role = %v/%v, want Client at routing order 1", client["roleName"],
			client["routingOrder"])
	}
	tabs, _ := client["tabs"].(map[string]any)
	if _, ok := tabs["signHereTabs"]; !ok {
		t.Errorf("Client role has no signHereTabs")
	}
	if cc := recipients["carbonCopies"].([]any); len(cc) != 1 {
		t.Errorf("carbon copy roles = %d, want 1", len(cc))
	}
	if docs := got["documents"].([]any); len(docs) != 1 {
		t.Errorf("documents = %d, want 1", len(docs))
	}

	unknown := call(t, s, token, "GET", "/templates/"+newGUID(), nil)
	if unknown.status != http.StatusBadRequest || unknown.errorCode(t) != "TEMPLATE_ID_INVALID" {
		t.Errorf("unknown template = %d %s, want 400 TEMPLATE_ID_INVALID", unknown.status,
			unknown.body)
	}
}

func TestCreateFromTemplate(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, map[string]any{
		"templateId": EngagementLetterTemplateID, "status": "sent",
		"templateRoles": []map[string]any{
			{"roleName": "Client", "name": "Ada Client", "email": "ada@example.com"},
			{"roleName": "Partner", "name": "Bo Partner", "email": "bo@example.com"},
		},
	})
	env := call(t, s, token, "GET", "/envelopes/"+id+"?include=recipients,documents", nil).json(t)
	if env["emailSubject"] != "Please sign your engagement letter" {
		t.Errorf("emailSubject = %v, want the template's subject", env["emailSubject"])
	}

	signers := env["recipients"].(map[string]any)["signers"].([]any)
	if len(signers) != 2 {
		t.Fatalf("signers = %d, want the two filled roles", len(signers))
	}
	if cc := env["recipients"].(map[string]any)["carbonCopies"].([]any); len(cc) != 0 {
		t.Errorf("carbon copies = %d, want 0 because the Billing role was not filled", len(cc))
	}
	partner := signers[1].(map[string]any)
	if partner["roleName"] != "Partner" || partner["status"] != "created" {
		t.Errorf("partner = %v/%v, want Partner waiting at order 2", partner["roleName"],
			partner["status"])
	}
	if docs := env["envelopeDocuments"].([]any); len(docs) != 2 {
		t.Errorf("documents = %d, want the template document and the certificate", len(docs))
	}

	resp := call(t, s, token, "POST", "/envelopes", map[string]any{
		"templateId": EngagementLetterTemplateID, "status": "sent",
		"templateRoles": []map[string]any{{"roleName": "Auditor", "name": "X",
			"email": "x@example.com"}},
	})
	if resp.status != http.StatusBadRequest {
		t.Errorf("unknown role = %d, want 400", resp.status)
	}
}

func TestAddTemplate(t *testing.T) {
	s, _ := newSim(t, Options{NoSeedTemplates: true})
	id, err := s.AddTemplate(Template{Name: "Lease", EmailSubject: "Sign the lease",
		Documents: []TemplateDocument{{ID: "1", Name: "Lease.txt", Content: []byte("Lease")}},
		Roles: []TemplateRole{{RoleName: "Tenant", RecipientID: "1", RoutingOrder: 1,
			Tabs: json.RawMessage(`{"signHereTabs":[{"anchorString":"/t/"}]}`)}}})
	if err != nil {
		t.Fatalf("AddTemplate: %v", err)
	}
	token := accessToken(t, s, "")
	list := call(t, s, token, "GET", "/templates", nil).json(t)
	if list["totalSetSize"] != "1" {
		t.Errorf("totalSetSize = %v, want 1 without seeds", list["totalSetSize"])
	}
	if resp := call(t, s, token, "GET", "/templates/"+id, nil); resp.status != 200 {
		t.Errorf("get added template = %d, want 200", resp.status)
	}
	if _, err := s.AddTemplate(Template{Name: "Bad", Roles: []TemplateRole{
		{RoleName: "X", RecipientID: "zero"}}}); err == nil {
		t.Errorf("AddTemplate accepted a non-integer recipient id")
	}
}

func TestCreateFromTemplateDuplicateDocument(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	resp := call(t, s, token, "POST", "/envelopes", map[string]any{
		"templateId": MutualNDATemplateID, "status": "created",
		"documents": []map[string]any{{"documentId": "1", "name": "Annex.txt",
			"documentBase64": b64("annex")}},
	})
	if resp.status != http.StatusBadRequest || resp.errorCode(t) != "INVALID_REQUEST_PARAMETER" {
		t.Errorf("got %d %s, want 400 INVALID_REQUEST_PARAMETER for documentId 1 twice",
			resp.status, resp.body)
	}
}
