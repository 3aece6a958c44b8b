package docusigntest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// maxTemplates is how many templates Templates:list returns at most, as in Docusign.
const maxTemplates = 2000

// Template is a server template as a test or the seed data defines it.
type Template struct {
	ID           string // GUID; generated when empty
	Name         string
	Description  string
	EmailSubject string
	EmailBlurb   string
	Documents    []TemplateDocument
	Roles        []TemplateRole
}

// TemplateDocument is one document of a template. A name ending in .pdf holds PDF bytes;
// any other content is rendered as a PDF when downloaded.
type TemplateDocument struct {
	ID      string // positive integer as a string
	Name    string
	Content []byte
}

// TemplateRole is a placeholder recipient that templateRoles fill on envelope create.
type TemplateRole struct {
	RoleName     string
	RecipientID  string // positive integer as a string
	RoutingOrder int
	CarbonCopy   bool
	// Tabs is the recipient's tabs object in Docusign's wire shape, e.g.
	// {"signHereTabs":[{"anchorString":"/sig1/"}]}.
	Tabs json.RawMessage
}

type template struct {
	Template
	created  time.Time
	modified time.Time
	owner    *user
	pages    map[string]int // page count by document id, as the documents are served
}

// AddTemplate stores a template in the primary account and returns its id.
func (s *Server) AddTemplate(t Template) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.ID == "" {
		t.ID = newGUID()
	}
	if t.Name == "" {
		return "", fmt.Errorf("add template: name is empty; set Template.Name")
	}
	for _, r := range t.Roles {
		if err := checkPositiveID("recipientId", r.RecipientID); err != nil {
			return "", fmt.Errorf("add template %q role %q: %w", t.Name, r.RoleName, err)
		}
	}
	now := s.now()
	pages := map[string]int{}
	for _, d := range t.Documents {
		pages[d.ID] = documentPages(d.Name, d.Content, now)
	}
	owner := s.state.users[s.state.primaryUserID]
	s.state.templates = append(s.state.templates,
		&template{Template: t, created: now, modified: now, owner: owner, pages: pages})
	return t.ID, nil
}

func (st *state) template(id string) *template {
	for _, t := range st.templates {
		if strings.EqualFold(t.ID, id) {
			return t
		}
	}
	return nil
}

func errTemplateNotFound(id string) *Error {
	return newAPIError(http.StatusBadRequest, "TEMPLATE_ID_INVALID",
		fmt.Sprintf("Invalid template ID %q: no template with that id is in the account.", id))
}

// applyTemplate copies a template's documents, subject and roles into a new envelope.
// Roles that no templateRole fills are left out of the envelope.
func (s *Server) applyTemplate(e *envelope, def *envelopeDefinitionIn) *Error {
	t := s.state.template(string(def.TemplateID))
	if t == nil {
		return errTemplateNotFound(string(def.TemplateID))
	}
	e.templateID = t.ID
	if e.subject == "" {
		e.subject = t.EmailSubject
	}
	if e.blurb == "" {
		e.blurb = t.EmailBlurb
	}
	for i, d := range t.Documents {
		e.documents = append(e.documents, &document{
			id: d.ID, guid: newGUID(), name: d.Name, content: d.Content,
			ext: documentExtension("", d.Name, d.Content), order: i + 1,
		})
	}
	for _, role := range def.TemplateRoles {
		r, err := fillRole(t, role)
		if err != nil {
			return err
		}
		e.recipients = append(e.recipients, r)
	}
	sortRecipients(e.recipients)
	return nil
}

func fillRole(t *template, in templateRoleIn) (*recipient, *Error) {
	for _, role := range t.Roles {
		if !strings.EqualFold(role.RoleName, string(in.RoleName)) {
			continue
		}
		kind := kindSigner
		if role.CarbonCopy {
			kind = kindCarbonCopy
		}
		order := string(in.RoutingOrder)
		if order == "" {
			order = itoa(max(1, role.RoutingOrder))
		}
		tabs, err := mergeRoleTabs(role.Tabs, in.Tabs)
		if err != nil {
			return nil, err
		}
		return newRecipient(kind, recipientIn{
			RecipientID: flexString(role.RecipientID), RoutingOrder: flexString(order),
			Name: in.Name, Email: in.Email, RoleName: flexString(role.RoleName),
			ClientUserID: in.ClientUserID, Tabs: tabs,
		})
	}
	return nil, invalidParameter(fmt.Sprintf("roleName %q is not a role of template %s.",
		in.RoleName, t.ID))
}

func (s *Server) listTemplates(_ http.ResponseWriter, c *restCall) (int, any, *Error) {
	v := c.r.URL.Query()
	page, err := parsePage(v, maxTemplates)
	if err != nil {
		return 0, nil, err
	}
	text := strings.ToLower(strings.TrimSpace(v.Get("search_text")))
	if utf8.RuneCountInString(text) > 48 {
		return 0, nil, invalidParameter("search_text can have at most 48 characters.")
	}
	var matched []*template
	for _, t := range s.state.templates {
		if c.account.id == s.state.primaryAccountIDOf(t) && templateMatches(t, text) {
			matched = append(matched, t)
		}
	}
	include := includeSet(v.Get("include"))
	items, info := paginate(matched, page, maxTemplates, c.r.URL)
	out := make([]map[string]any, 0, len(items))
	for _, t := range items {
		out = append(out, s.templateOut(t, c.account.id, include))
	}
	if len(out) > 0 {
		info["envelopeTemplates"] = out
	}
	return http.StatusOK, info, nil
}

// primaryAccountIDOf returns the account a template belongs to: its owner's default.
func (st *state) primaryAccountIDOf(t *template) string { return t.owner.accountIDs[0] }

func templateMatches(t *template, text string) bool {
	return text == "" || strings.Contains(strings.ToLower(t.Name), text) ||
		strings.Contains(strings.ToLower(t.Description), text)
}

func (s *Server) getTemplate(_ http.ResponseWriter, c *restCall) (int, any, *Error) {
	id := c.r.PathValue("templateId")
	t := s.state.template(id)
	if t == nil || s.state.primaryAccountIDOf(t) != c.account.id {
		return 0, nil, errTemplateNotFound(id)
	}
	// Templates:get returns recipients always, and tabs and documents only when include
	// names them, as Docusign's include parameter describes.
	include := includeSet(c.r.URL.Query().Get("include"))
	include["recipients"] = true
	return http.StatusOK, s.templateOut(t, c.account.id, include), nil
}

func (s *Server) templateOut(t *template, accountID string,
	include map[string]bool) map[string]any {
	pages := 0
	for _, d := range t.Documents {
		pages += t.pages[d.ID]
	}
	out := map[string]any{
		"templateId": t.ID, "name": t.Name, "description": t.Description,
		"shared": "false", "uri": "/templates/" + t.ID, "folderName": "Templates",
		"emailSubject": t.EmailSubject, "emailBlurb": t.EmailBlurb,
		"created": formatTime(t.created), "lastModified": formatTime(t.modified),
		"pageCount": itoa(pages), "passwordProtected": "false", "autoMatch": "true",
		"owner": userInfoOut{UserName: t.owner.name, UserID: t.owner.id,
			AccountID: accountID, Email: t.owner.email},
	}
	if include["documents"] {
		out["documents"] = templateDocumentsOut(t)
	}
	if include["recipients"] {
		out["recipients"] = templateRecipientsOut(t, include["tabs"])
	}
	return out
}

func templateDocumentsOut(t *template) []map[string]any {
	docs := make([]map[string]any, 0, len(t.Documents))
	for i, d := range t.Documents {
		docs = append(docs, map[string]any{
			"documentId": d.ID, "name": d.Name, "order": itoa(i + 1),
			"pages":         itoa(t.pages[d.ID]),
			"fileExtension": strings.TrimPrefix(path.Ext(d.Name), "."),
			"uri":           "/templates/" + t.ID + "/documents/" + d.ID,
			"display":       "inline", "includeInDownload": "true",
			"templateLocked": "false", "templateRequired": "false",
		})
	}
	return docs
}

func templateRecipientsOut(t *template, withTabs bool) recipientsOut {
	e := &envelope{}
	for _, role := range t.Roles {
		kind := kindSigner
		if role.CarbonCopy {
			kind = kindCarbonCopy
		}
		e.recipients = append(e.recipients, &recipient{
			kind: kind, id: role.RecipientID, guid: roleGUID(t.ID, role.RecipientID),
			roleName: role.RoleName, routingOrder: max(1, role.RoutingOrder),
			status: StatusCreated, tabs: role.Tabs,
		})
	}
	sortRecipients(e.recipients)
	return e.recipientsOut(withTabs)
}

// roleGUID derives a stable recipientIdGuid for a template role from the template id.
func roleGUID(templateID, recipientID string) string {
	if len(templateID) != 36 || len(recipientID) > 12 {
		return newGUID()
	}
	return templateID[:24] + strings.Repeat("0", 12-len(recipientID)) + recipientID
}
