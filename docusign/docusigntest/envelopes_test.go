package docusigntest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var docusignTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)

func TestCreateEnvelopeSent(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	resp := call(t, s, token, "POST", "/envelopes", twoSignerEnvelope("sent"))
	if resp.status != http.StatusCreated {
		t.Fatalf("status = %d, body %s; want 201", resp.status, resp.body)
	}
	got := resp.json(t)
	id, _ := got["envelopeId"].(string)
	if len(id) != 36 {
		t.Errorf("envelopeId = %q, want a GUID", id)
	}
	if got["uri"] != "/envelopes/"+id {
		t.Errorf("uri = %v, want the relative /envelopes/%s", got["uri"], id)
	}
	if got["status"] != "sent" {
		t.Errorf("status = %v, want sent", got["status"])
	}
	if ts, _ := got["statusDateTime"].(string); !docusignTime.MatchString(ts) {
		t.Errorf("statusDateTime = %q, want UTC with seven fractional digits", ts)
	}
}

func TestCreateEnvelopeDraft(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := map[string]any{"status": "created"}
	id := createEnvelope(t, s, token, body)
	env := call(t, s, token, "GET", "/envelopes/"+id, nil).json(t)
	if env["status"] != "created" {
		t.Errorf("status = %v, want created for a draft", env["status"])
	}
	if _, ok := env["sentDateTime"]; ok {
		t.Errorf("a draft has sentDateTime %v, want none", env["sentDateTime"])
	}
}

func TestCreateEnvelopeValidation(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	mutate := func(change func(map[string]any)) map[string]any {
		body := twoSignerEnvelope("sent")
		change(body)
		return body
	}
	signers := func(b map[string]any) []map[string]any {
		return b["recipients"].(map[string]any)["signers"].([]map[string]any)
	}
	docs := func(b map[string]any) []map[string]any {
		return b["documents"].([]map[string]any)
	}
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = map[string]any{"recipientId": itoa(i + 1), "name": "N",
			"email": "n@example.com"}
	}
	tests := []struct {
		name     string
		body     any
		wantCode string
	}{
		{name: "no subject", wantCode: "ENVELOPE_IS_INCOMPLETE",
			body: mutate(func(b map[string]any) { delete(b, "emailSubject") })},
		{name: "no documents", wantCode: "ENVELOPE_IS_INCOMPLETE",
			body: mutate(func(b map[string]any) { delete(b, "documents") })},
		{name: "no recipients", wantCode: "ENVELOPE_IS_INCOMPLETE",
			body: mutate(func(b map[string]any) { delete(b, "recipients") })},
		{name: "bad base64", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) { docs(b)[0]["documentBase64"] = "%%%" })},
		{name: "document id not integer", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) { docs(b)[0]["documentId"] = "abc" })},
		{name: "document id zero", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) { docs(b)[0]["documentId"] = "0" })},
		{name: "duplicate document id", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) {
				b["documents"] = append(docs(b), docs(b)[0])
			})},
		{name: "duplicate recipient id", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) { signers(b)[1]["recipientId"] = "1" })},
		{name: "recipient id too large", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) {
				signers(b)[0]["recipientId"] = "2147483647"
			})},
		{name: "missing email", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) { delete(signers(b)[0], "email") })},
		{name: "101 recipients", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) {
				b["recipients"] = map[string]any{"signers": many}
			})},
		{name: "long custom field", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) {
				b["customFields"] = map[string]any{"textCustomFields": []map[string]any{
					{"name": "Note", "value": strings.Repeat("x", 101)}}}
			})},
		{name: "unsupported status", wantCode: "INVALID_REQUEST_PARAMETER",
			body: mutate(func(b map[string]any) { b["status"] = "completed" })},
		{name: "unknown template", wantCode: "TEMPLATE_ID_INVALID",
			body: map[string]any{"templateId": newGUID(), "status": "sent"}},
		{name: "not json", wantCode: "INVALID_REQUEST_BODY", body: "just a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, s, token, "POST", "/envelopes", tt.body)
			if resp.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.status)
			}
			if code := resp.errorCode(t); code != tt.wantCode {
				t.Errorf("errorCode = %s (%s), want %s", code, resp.body, tt.wantCode)
			}
		})
	}
}

func TestCreateAcceptsJSONNumbers(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	body := twoSignerEnvelope("sent")
	signers := body["recipients"].(map[string]any)["signers"].([]map[string]any)
	signers[0]["recipientId"], signers[0]["routingOrder"] = 1, 1
	id := createEnvelope(t, s, token, body)
	rec := call(t, s, token, "GET", "/envelopes/"+id+"/recipients", nil).json(t)
	first := rec["signers"].([]any)[0].(map[string]any)
	if first["recipientId"] != "1" || first["routingOrder"] != "1" {
		t.Errorf("signer ids = %v/%v, want the strings \"1\"", first["recipientId"],
			first["routingOrder"])
	}
}

func TestGetEnvelope(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	resp := call(t, s, token, "GET", "/envelopes/"+id+"?include=recipients,custom_fields,documents",
		nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.status)
	}
	env := resp.json(t)
	checks := map[string]any{
		"envelopeId": id, "status": "sent", "emailSubject": "Engagement letter for Northwind",
		"documentsUri": "/envelopes/" + id + "/documents", "allowMarkup": "false",
		"recipientsUri": "/envelopes/" + id + "/recipients", "expireAfter": "120",
	}
	for key, want := range checks {
		if env[key] != want {
			t.Errorf("%s = %v, want %v", key, env[key], want)
		}
	}
	for _, key := range []string{"createdDateTime", "sentDateTime", "statusChangedDateTime",
		"lastModifiedDateTime", "expireDateTime"} {
		if ts, _ := env[key].(string); !docusignTime.MatchString(ts) {
			t.Errorf("%s = %q, want a Docusign UTC time", key, ts)
		}
	}

	fields := env["customFields"].(map[string]any)["textCustomFields"].([]any)
	if f := fields[0].(map[string]any); f["name"] != "MatterId" || f["value"] != "M-1001" {
		t.Errorf("custom field = %v, want MatterId=M-1001", f)
	}

	recipients := env["recipients"].(map[string]any)
	if recipients["recipientCount"] != "3" || recipients["currentRoutingOrder"] != "1" {
		t.Errorf("recipientCount/currentRoutingOrder = %v/%v, want 3/1",
			recipients["recipientCount"], recipients["currentRoutingOrder"])
	}
	if docs := env["envelopeDocuments"].([]any); len(docs) != 2 {
		t.Errorf("envelopeDocuments = %d entries, want 1 document and the certificate", len(docs))
	}
}

func TestGetEnvelopeUnknown(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	resp := call(t, s, token, "GET", "/envelopes/"+newGUID(), nil)
	if resp.status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400 as in Docusign's spec", resp.status)
	}
	want := "The envelope specified either does not exist or you have no rights to it."
	if got := resp.json(t); got["errorCode"] != "ENVELOPE_DOES_NOT_EXIST" || got["message"] != want {
		t.Errorf("error = %v, want ENVELOPE_DOES_NOT_EXIST with Docusign's message", got)
	}
}

func TestRecipientsRoutingStatus(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
	rec := call(t, s, token, "GET", "/envelopes/"+id+"/recipients?include_tabs=true", nil).json(t)
	signers := rec["signers"].([]any)
	first, second := signers[0].(map[string]any), signers[1].(map[string]any)
	if first["status"] != "sent" || second["status"] != "created" {
		t.Errorf("signer statuses = %v/%v, want sent/created before order 1 signs",
			first["status"], second["status"])
	}
	if first["recipientType"] != "signer" {
		t.Errorf("recipientType = %v, want signer", first["recipientType"])
	}
	if _, ok := first["tabs"]; !ok {
		t.Errorf("signer has no tabs with include_tabs=true")
	}
	cc := rec["carbonCopies"].([]any)[0].(map[string]any)
	if cc["recipientType"] != "carboncopy" || cc["status"] != "created" {
		t.Errorf("carbon copy = %v/%v, want carboncopy/created", cc["recipientType"], cc["status"])
	}
	for _, key := range []string{"agents", "editors", "witnesses", "notaries"} {
		if _, ok := rec[key].([]any); !ok {
			t.Errorf("%s is missing, want an empty array", key)
		}
	}
}

func TestListStatusChanges(t *testing.T) {
	s, clock := newSim(t, Options{})
	token := accessToken(t, s, "")
	start := clock.Now()
	var ids []string
	for i := 0; i < 5; i++ {
		body := twoSignerEnvelope("sent")
		if i == 4 {
			body["customFields"] = map[string]any{"textCustomFields": []map[string]any{
				{"name": "MatterId", "value": "M-2002"}}}
			body["emailSubject"] = "Mutual NDA with Contoso"
		}
		ids = append(ids, createEnvelope(t, s, token, body))
		clock.Add(time.Minute)
	}
	from := "&from_date=" + start.Add(-time.Second).Format(time.RFC3339)
	tests := []struct {
		name      string
		query     string
		wantIDs   []string
		wantTotal string
		wantNext  bool
	}{
		{name: "all", query: from, wantIDs: ids, wantTotal: "5"},
		{name: "first page", query: from + "&count=2", wantIDs: ids[:2], wantTotal: "5",
			wantNext: true},
		{name: "second page", query: from + "&count=2&start_position=2", wantIDs: ids[2:4],
			wantTotal: "5", wantNext: true},
		{name: "custom field", query: from + "&custom_field=MatterId%3DM-2002",
			wantIDs: ids[4:], wantTotal: "1"},
		{name: "search text", query: from + "&search_text=contoso", wantIDs: ids[4:],
			wantTotal: "1"},
		{name: "envelope ids", query: "&envelope_ids=" + ids[1] + "," + ids[3],
			wantIDs: []string{ids[1], ids[3]}, wantTotal: "2"},
		{name: "status filter", query: from + "&status=completed", wantTotal: "0"},
		{name: "created window", query: "&from_to_status=created&from_date=" +
			start.Add(90*time.Second).Format(time.RFC3339) + "&to_date=" +
			start.Add(150*time.Second).Format(time.RFC3339), wantIDs: ids[2:3], wantTotal: "1"},
		{name: "descending", query: from + "&order=desc&count=1", wantIDs: ids[4:],
			wantTotal: "5", wantNext: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, s, token, "GET", "/envelopes?include=recipients"+tt.query, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("status = %d, body %s; want 200", resp.status, resp.body)
			}
			got := resp.json(t)
			if got["totalSetSize"] != tt.wantTotal {
				t.Errorf("totalSetSize = %v, want %s", got["totalSetSize"], tt.wantTotal)
			}
			envs, _ := got["envelopes"].([]any)
			if len(envs) != len(tt.wantIDs) {
				t.Fatalf("envelopes = %d, want %d", len(envs), len(tt.wantIDs))
			}
			for i, e := range envs {
				if id := e.(map[string]any)["envelopeId"]; id != tt.wantIDs[i] {
					t.Errorf("envelope %d = %v, want %s", i, id, tt.wantIDs[i])
				}
			}
			if got["resultSetSize"] != itoa(len(tt.wantIDs)) {
				t.Errorf("resultSetSize = %v, want %d", got["resultSetSize"], len(tt.wantIDs))
			}
			next, hasNext := got["nextUri"].(string)
			if hasNext != tt.wantNext {
				t.Errorf("nextUri = %q, want present=%v", next, tt.wantNext)
			}
			if hasNext && !strings.HasPrefix(next, "/envelopes?") {
				t.Errorf("nextUri = %q, want a path relative to the account", next)
			}
		})
	}
}

func TestListStatusChangesRejects(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	tests := []struct {
		name  string
		query string
	}{
		{name: "no from_date or ids", query: "?status=sent"},
		{name: "count over 1000", query: "?from_date=2026-01-01&count=1001"},
		{name: "bad date", query: "?from_date=yesterday"},
		{name: "bad custom field", query: "?from_date=2026-01-01&custom_field=NoEquals"},
		{name: "negative start", query: "?from_date=2026-01-01&start_position=-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, s, token, "GET", "/envelopes"+tt.query, nil)
			if resp.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.status)
			}
			if code := resp.errorCode(t); code != "INVALID_REQUEST_PARAMETER" {
				t.Errorf("errorCode = %s, want INVALID_REQUEST_PARAMETER", code)
			}
		})
	}
}

func TestGetAccount(t *testing.T) {
	s, _ := newSim(t, Options{})
	token := accessToken(t, s, "")
	resp := call(t, s, token, "GET", "?include_account_settings=true", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.status)
	}
	acct := resp.json(t)
	if acct["accountIdGuid"] != s.Credentials().AccountID {
		t.Errorf("accountIdGuid = %v, want %s", acct["accountIdGuid"], s.Credentials().AccountID)
	}
	if _, ok := acct["accountSettings"].(map[string]any); !ok {
		t.Errorf("accountSettings missing with include_account_settings=true")
	}
}
