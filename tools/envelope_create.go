package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
)

// Limits that create_envelope checks before calling Docusign.
const (
	// maxDocumentBytes caps the decoded size of all documents of one envelope. Docusign
	// rejects requests above about 35 MB, and base64 adds a third, so 25 MB stays below that.
	maxDocumentBytes = 25 << 20
	// maxRecipients is Docusign's limit of recipients per envelope.
	maxRecipients = 100
	// maxRoutingOrder is this server's upper bound for a routing order.
	maxRoutingOrder = 999
	// maxCustomFieldLen is Docusign's limit for custom field names and values.
	maxCustomFieldLen = 100
	// maxSubjectLen is Docusign's limit for an envelope's email subject.
	maxSubjectLen = 100
	// maxMessageLen is Docusign's limit for an envelope's email message.
	maxMessageLen = 10000
	// maxDocusignID is the largest document or recipient id Docusign accepts.
	maxDocusignID = 2147483646
	// maxEmailLen is the schema's limit for an email address.
	maxEmailLen = 100
	// maxAnchorTabs is Docusign's limit of anchor tabs per envelope.
	maxAnchorTabs = 3000
)

// anchorUnits are the units Docusign accepts for anchor offsets.
var anchorUnits = []string{"pixels", "inches", "mms", "cms"}

type createEnvelopeInput struct {
	Source string `json:"source" jsonschema:"enum=documents,enum=template"`
	Status string `json:"status" jsonschema:"enum=sent,enum=created"`

	EmailSubject string `json:"email_subject,omitempty" jsonschema:"maxLength=100"`
	EmailMessage string `json:"email_message,omitempty" jsonschema:"maxLength=10000"`

	TemplateID string      `json:"template_id,omitempty"`
	Roles      []roleInput `json:"roles,omitempty"`

	Documents    []documentInput  `json:"documents,omitempty"`
	Signers      []recipientInput `json:"signers,omitempty"`
	CarbonCopies []recipientInput `json:"carbon_copies,omitempty"`

	CustomFields []customFieldInput `json:"custom_fields,omitempty"`

	IdempotencyKey string `json:"idempotency_key,omitempty" jsonschema:"minLength=1,maxLength=100"`

	ConfirmationToken string `json:"confirmation_token,omitempty" jsonschema:"minLength=1"`

	SenderUserID string `json:"sender_user_id,omitempty" jsonschema:"minLength=36,maxLength=36"`

	Profile string       `json:"profile,omitempty" jsonschema:"minLength=1,maxLength=64"`
	Matter  *matterInput `json:"matter,omitempty"`

	// routing is the plan that expandRouting kept from the profile, nil without one.
	routing *routingPlan
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (createEnvelopeInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"source": "documents: upload files and list signers. template: use a server template and " +
			"fill its roles.",
		"status": "sent emails the recipients now. created saves a draft that emails nobody.",
		"email_subject": "Subject of the signing email. Required when sending, unless the " +
			"template has one.",
		"email_message": "Body text of the signing email.",
		"template_id":   "Template GUID, for source template. See list_templates.",
		"roles":         "People who fill the template's roles, for source template.",
		"documents":     "Files to sign, for source documents. At most 25 MB in total.",
		"signers":       "People who sign, for source documents.",
		"carbon_copies": "People who receive a copy, for source documents. Their tabs are ignored.",
		"custom_fields": "Text custom fields stored with the envelope, for later search.",
		"idempotency_key": "Unique key for this envelope, such as a UUID: letters, digits " +
			"and . _ : -. A repeated call with the same key and arguments returns the first " +
			"envelope instead of creating another. Default: a key derived from the caller " +
			"and the arguments, kept for 24 hours unless the server sets another window.",
		"confirmation_token": "Token from a confirmation_required result, after the user " +
			"approved its summary. Pass it with exactly the same other arguments.",
		"sender_user_id": "Docusign user GUID to act for. Default: the server's configured " +
			"user. The policy must allow the user.",
		"profile": "Routing profile name from list_routing_profiles. It sets the signer " +
			"roles and their routing order, required copies, the template, custom fields " +
			"from the matter, the subject, reminders and expiration.",
		"matter": "The matter behind the envelope, for profile: its id, type, fields and " +
			"the people filling each role.",
	})
}

type roleInput struct {
	RoleName     string          `json:"role_name" jsonschema:"minLength=1"`
	Name         string          `json:"name" jsonschema:"minLength=1,maxLength=100"`
	Email        string          `json:"email" jsonschema:"minLength=3,maxLength=100"`
	RoutingOrder *int            `json:"routing_order,omitempty" jsonschema:"minimum=1,maximum=999"`
	Tabs         []tabValueInput `json:"tabs,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (roleInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"role_name": "Role name exactly as get_template lists it.",
		"routing_order": "Order in which recipients receive the envelope; 1 is first. Default: " +
			"the template's.",
		"tabs": "Values for the role's tabs, matched by tab label.",
	})
}

type tabValueInput struct {
	Label string `json:"label" jsonschema:"minLength=1"`
	Value string `json:"value"`
}

type documentInput struct {
	DocumentID    int    `json:"document_id,omitempty" jsonschema:"minimum=1"`
	Name          string `json:"name" jsonschema:"minLength=1,maxLength=100"`
	FileExtension string `json:"file_extension" jsonschema:"enum=pdf,enum=docx"`
	ContentBase64 string `json:"content_base64" jsonschema:"minLength=1"`

	data []byte
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (documentInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"document_id":    "Positive integer id, unique in the envelope. Default: the next free id.",
		"name":           "File name shown to recipients.",
		"content_base64": "The file's bytes in standard base64.",
	})
}

type recipientInput struct {
	RecipientID  int        `json:"recipient_id,omitempty" jsonschema:"minimum=1"`
	Name         string     `json:"name" jsonschema:"minLength=1,maxLength=100"`
	Email        string     `json:"email" jsonschema:"minLength=3,maxLength=100"`
	RoutingOrder *int       `json:"routing_order,omitempty" jsonschema:"minimum=1,maximum=999"`
	Role         string     `json:"role,omitempty" jsonschema:"minLength=1,maxLength=100"`
	Tabs         []tabInput `json:"tabs,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (recipientInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"recipient_id": "Positive integer id, unique across signers and carbon copies. " +
			"Default: the next free id.",
		"routing_order": "Order in which recipients receive the envelope; 1 is first. Default 1.",
		"tabs":          "Fields for this signer, anchored to text or placed at a position.",
		"role": "Role of the routing profile that this recipient fills, with profile " +
			"only. Each signer needs one.",
	})
}

type tabInput struct {
	Type  string `json:"type"`
	Label string `json:"label,omitempty"`
	Value string `json:"value,omitempty"`

	AnchorString  string `json:"anchor_string,omitempty"`
	AnchorXOffset int    `json:"anchor_x_offset,omitempty"`
	AnchorYOffset int    `json:"anchor_y_offset,omitempty"`
	AnchorUnits   string `json:"anchor_units,omitempty"`

	DocumentID int `json:"document_id,omitempty" jsonschema:"minimum=1"`
	Page       int `json:"page,omitempty" jsonschema:"minimum=1"`
	X          int `json:"x,omitempty" jsonschema:"minimum=0"`
	Y          int `json:"y,omitempty" jsonschema:"minimum=0"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (tabInput) JSONSchemaExtend(s *jsonschema.Schema) {
	setEnum(s, "type", creatableTabNames...)
	setEnum(s, "anchor_units", anchorUnits...)
	describe(s, map[string]string{
		"label": "Tab label, to find the tab later.",
		"value": "Prefilled value, for text tabs only.",
		"anchor_string": "Text in the document to anchor the tab to. Set this, or document_id, " +
			"page, x and y.",
		"anchor_units": "Unit of the anchor offsets. Default pixels.",
		"document_id":  "Document to place the tab on, for a placed tab.",
		"x":            "Pixels from the left edge of the page.",
		"y":            "Pixels from the top edge of the page.",
	})
}

type customFieldInput struct {
	Name  string `json:"name" jsonschema:"minLength=1,maxLength=100"`
	Value string `json:"value" jsonschema:"maxLength=100"`
	Show  bool   `json:"show,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (customFieldInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"show": "Whether recipients see the field.",
	})
}

type createEnvelopeOutput struct {
	EnvelopeID     string `json:"envelope_id,omitempty"`
	Status         string `json:"status"`
	StatusAt       string `json:"status_at,omitempty"`
	Source         string `json:"source"`
	IdempotencyKey string `json:"idempotency_key"`
	Replayed       bool   `json:"replayed"`
	RetryAfter     int    `json:"retry_after,omitempty"`

	ConfirmationToken string `json:"confirmation_token,omitempty"`
	Summary           string `json:"summary,omitempty"`
	ExpiresAt         string `json:"expires_at,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (createEnvelopeOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"envelope_id": "Envelope GUID. Missing while status is pending.",
		"status": "Docusign's status when the envelope was created or found: sent or " +
			"created, or a later status for an envelope found again. pending means the " +
			"create is still running: call again with the same idempotency_key and " +
			"arguments after retry_after seconds to get the envelope. " +
			"confirmation_required means nothing was sent: show summary to the user and, " +
			"if they approve, call again with confirmation_token and the same arguments.",
		"retry_after": "Seconds to wait before calling again, when status is pending.",
		"status_at":   "RFC 3339 time of the status.",
		"idempotency_key": "The key this call used: the caller's idempotency_key, or the " +
			"derived one. Pass it again to retry this call safely.",
		"replayed": "True when the envelope was created by an earlier call with the same " +
			"key and this call sent nothing.",
		"confirmation_token": "Single-use token that approves this exact call, when status " +
			"is confirmation_required.",
		"summary": "What the call will do, to show the user, when status is " +
			"confirmation_required.",
		"expires_at": "RFC 3339 time when confirmation_token expires.",
	})
}

const createEnvelopeDescription = "Sends a real signature request by email to every recipient " +
	"when status is sent; use status created to save a draft that emails nobody. Confirm " +
	"recipients and documents with the user before sending. Creates an envelope from uploaded " +
	"PDF or DOCX documents (source documents, with signers, carbon copies and tabs) or from a " +
	"server template (source template, with people for its roles and tab values by label). " +
	"Safe to retry: a repeated call with the same idempotency_key and arguments returns the " +
	"first envelope marked replayed and sends nothing, and the same key with other " +
	"arguments fails with idempotency_conflict. Without a key, the same arguments from the " +
	"same caller within the server's window (24 hours by default) are a replay, so to send " +
	"an identical envelope again on purpose (for example after voiding one), pass a new " +
	"idempotency_key. Returns the envelope id, status, the idempotency_key used and whether " +
	"the result is a replay. Sending may need the user's approval (confirmation_required)."

func newCreateEnvelope(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[createEnvelopeInput, createEnvelopeOutput]{
		name:        "create_envelope",
		description: createEnvelopeDescription,
		destructive: true,
		write:       true,
		validate: func(in *createEnvelopeInput) *ToolError {
			return validateRoutedCreate(d, in)
		},
		sender: func(in *createEnvelopeInput) string { return in.SenderUserID },
		approve: func(ctx context.Context, call mcp.CallToolRequest,
			in *createEnvelopeInput) (*mcp.CallToolResult, *ToolError) {
			return approveSend(ctx, d, call, in)
		},
		run: func(ctx context.Context, in *createEnvelopeInput) (createEnvelopeOutput,
			[]content, *ToolError) {
			return createEnvelope(ctx, d, in)
		},
		pending: func(ctx context.Context, in *createEnvelopeInput) (createEnvelopeOutput,
			bool) {
			return pendingCreate(ctx, d, in)
		},
		policyDetails: createPolicyRequest,
	})
}

// pendingCreate is the result of a create that outlives the call budget. It names the
// idempotency key, so that the next call with it returns the envelope. Without an idempotency
// store a later call cannot find the envelope, so there is no pending result.
func pendingCreate(ctx context.Context, d *Deps, in *createEnvelopeInput) (
	createEnvelopeOutput, bool) {
	if _, ok := d.Store.(IdempotencyStore); !ok {
		return createEnvelopeOutput{}, false
	}
	req, err := newIdempotencyRequest(ctx, in)
	if err != nil {
		return createEnvelopeOutput{}, false
	}
	return createEnvelopeOutput{Status: "pending", Source: in.Source, IdempotencyKey: req.key,
		RetryAfter: pendingRetryAfter}, true
}

// validateRoutedCreate expands the routing profile, if any, and checks the expanded input.
func validateRoutedCreate(d *Deps, in *createEnvelopeInput) *ToolError {
	if terr := expandRouting(d, in); terr != nil {
		return terr
	}
	return validateCreate(in)
}

func validateCreate(in *createEnvelopeInput) *ToolError {
	if terr := checkSender(in.SenderUserID); terr != nil {
		return terr
	}
	if in.Status != "sent" && in.Status != "created" {
		return invalidArgument("status", "status %q is invalid: pass sent to send now or "+
			"created to save a draft", truncate(in.Status, 20))
	}
	if terr := checkText("email_subject", in.EmailSubject, false, maxSubjectLen); terr != nil {
		return terr
	}
	if terr := checkText("email_message", in.EmailMessage, false, maxMessageLen); terr != nil {
		return terr
	}
	if terr := validateCustomFields(in.CustomFields); terr != nil {
		return terr
	}
	if terr := validateIdempotencyKey(in.IdempotencyKey); terr != nil {
		return terr
	}
	switch in.Source {
	case "documents":
		return validateDocumentSource(in)
	case "template":
		return validateTemplateSource(in)
	}
	return invalidArgument("source", "source %q is invalid: pass documents to upload files "+
		"or template to use a server template", truncate(in.Source, 20))
}

func validateDocumentSource(in *createEnvelopeInput) *ToolError {
	if in.TemplateID != "" || len(in.Roles) > 0 {
		return invalidArgument("template_id", "template_id and roles apply only to source "+
			"template: remove them, or set source to template")
	}
	if in.Status == "sent" && strings.TrimSpace(in.EmailSubject) == "" {
		return invalidArgument("email_subject", "email_subject is missing: a sent envelope "+
			"needs the subject of its signing email")
	}
	if terr := validateDocuments(in.Documents); terr != nil {
		return terr
	}
	return validateRecipients(in)
}

func validateTemplateSource(in *createEnvelopeInput) *ToolError {
	if len(in.Documents) > 0 || len(in.Signers) > 0 || len(in.CarbonCopies) > 0 {
		return invalidArgument("documents", "documents, signers and carbon_copies apply only "+
			"to source documents: remove them and fill the template's roles instead")
	}
	if terr := checkGUID("template_id", in.TemplateID, "template id"); terr != nil {
		return terr
	}
	if len(in.Roles) == 0 {
		return invalidArgument("roles", "roles is empty: name at least one person for a "+
			"role of the template (get_template lists the roles)")
	}
	if len(in.Roles) > maxRecipients {
		return invalidArgument("roles", "roles has %d entries: an envelope allows at most %d "+
			"recipients", len(in.Roles), maxRecipients)
	}
	seen := map[string]bool{}
	for i, role := range in.Roles {
		field := indexed("roles", i)
		if terr := validateRole(field, role); terr != nil {
			return terr
		}
		if seen[role.RoleName] {
			return invalidArgument(field+".role_name", "role %q is filled twice: list each "+
				"role once", truncate(role.RoleName, 40))
		}
		seen[role.RoleName] = true
	}
	return nil
}

func validateRole(field string, role roleInput) *ToolError {
	if terr := checkText(field+".role_name", role.RoleName, true, 100); terr != nil {
		return terr
	}
	if terr := checkText(field+".name", role.Name, true, 100); terr != nil {
		return terr
	}
	if terr := checkText(field+".email", role.Email, false, maxEmailLen); terr != nil {
		return terr
	}
	if terr := checkEmail(field+".email", role.Email); terr != nil {
		return terr
	}
	if role.RoutingOrder != nil {
		if terr := checkRoutingOrder(field+".routing_order", *role.RoutingOrder); terr != nil {
			return terr
		}
	}
	for j, tab := range role.Tabs {
		labelField := indexed(field+".tabs", j) + ".label"
		if terr := checkText(labelField, tab.Label, true, 100); terr != nil {
			return terr
		}
	}
	return nil
}

func validateDocuments(docs []documentInput) *ToolError {
	if len(docs) == 0 {
		return invalidArgument("documents", "documents is empty: attach at least one PDF or "+
			"DOCX file")
	}
	var total int
	ids := map[int]bool{}
	for i := range docs {
		doc := &docs[i]
		field := indexed("documents", i)
		if terr := checkText(field+".name", doc.Name, true, 100); terr != nil {
			return terr
		}
		if doc.FileExtension != "pdf" && doc.FileExtension != "docx" {
			return invalidArgument(field+".file_extension", "%s.file_extension %q is not "+
				"supported: pass pdf or docx", field, truncate(doc.FileExtension, 10))
		}
		if terr := checkID(field+".document_id", doc.DocumentID, ids); terr != nil {
			return terr
		}
		data, terr := decodeDocument(field+".content_base64", doc.FileExtension, doc.ContentBase64)
		if terr != nil {
			return terr
		}
		doc.data = data
		total += len(data)
	}
	if total > maxDocumentBytes {
		return &ToolError{Code: CodeTooLarge, Field: "documents", Message: fmt.Sprintf(
			"documents total %d bytes, over the limit of %d bytes", total, maxDocumentBytes),
			NextStep: "send fewer or smaller documents, or split them over several envelopes"}
	}
	assignIDs(docs, ids, func(d *documentInput) *int { return &d.DocumentID })
	return nil
}

// checkID checks an optional id and records it in seen. Zero means "assign one later".
func checkID(field string, id int, seen map[int]bool) *ToolError {
	if id == 0 {
		return nil
	}
	if id < 0 || id > maxDocusignID {
		return invalidArgument(field, "%s is %d: pass a positive integer below 2147483647",
			field, id)
	}
	if seen[id] {
		return invalidArgument(field, "%s %d is used twice: give each one a unique id, or "+
			"leave it out to have one assigned", field, id)
	}
	seen[id] = true
	return nil
}

// assignIDs gives every item whose id is zero the lowest id not in used.
func assignIDs[T any](items []T, used map[int]bool, id func(*T) *int) {
	next := 1
	for i := range items {
		p := id(&items[i])
		if *p != 0 {
			continue
		}
		for used[next] {
			next++
		}
		*p = next
		used[next] = true
	}
}

func validateRecipients(in *createEnvelopeInput) *ToolError {
	total := len(in.Signers) + len(in.CarbonCopies)
	if total == 0 {
		return invalidArgument("signers", "signers and carbon_copies are empty: add at least "+
			"one recipient")
	}
	if total > maxRecipients {
		return invalidArgument("signers", "the envelope has %d recipients: Docusign allows "+
			"at most %d", total, maxRecipients)
	}
	ids := map[int]bool{}
	docIDs := map[int]bool{}
	for _, doc := range in.Documents {
		docIDs[doc.DocumentID] = true
	}
	for i, r := range in.Signers {
		if terr := validateRecipient(indexed("signers", i), r, ids, docIDs); terr != nil {
			return terr
		}
	}
	for i, r := range in.CarbonCopies {
		if terr := validateRecipient(indexed("carbon_copies", i), r, ids, nil); terr != nil {
			return terr
		}
	}
	if terr := checkAnchorTabCount(in.Signers); terr != nil {
		return terr
	}
	recipientID := func(r *recipientInput) *int { return &r.RecipientID }
	assignIDs(in.Signers, ids, recipientID)
	assignIDs(in.CarbonCopies, ids, recipientID)
	return nil
}

// validateRecipient checks one recipient. docIDs is nil for carbon copies, whose tabs are
// ignored.
func validateRecipient(field string, r recipientInput, ids, docIDs map[int]bool) *ToolError {
	if terr := checkText(field+".name", r.Name, true, 100); terr != nil {
		return terr
	}
	if terr := checkText(field+".email", r.Email, false, maxEmailLen); terr != nil {
		return terr
	}
	if terr := checkEmail(field+".email", r.Email); terr != nil {
		return terr
	}
	if terr := checkID(field+".recipient_id", r.RecipientID, ids); terr != nil {
		return terr
	}
	if r.RoutingOrder != nil {
		if terr := checkRoutingOrder(field+".routing_order", *r.RoutingOrder); terr != nil {
			return terr
		}
	}
	if docIDs == nil {
		return nil
	}
	for j, tab := range r.Tabs {
		if terr := validateTab(indexed(field+".tabs", j), tab, docIDs); terr != nil {
			return terr
		}
	}
	return nil
}

func validateTab(field string, tab tabInput, docIDs map[int]bool) *ToolError {
	if !slices.Contains(creatableTabNames, tab.Type) {
		return invalidArgument(field+".type", "%s.type %q is not supported: pass sign_here, "+
			"date_signed, full_name, initial_here or text", field, truncate(tab.Type, 20))
	}
	if tab.Value != "" && tab.Type != "text" {
		return invalidArgument(field+".value", "%s.value is set on a %s tab: only text tabs "+
			"take a value", field, tab.Type)
	}
	if tab.AnchorUnits != "" && !slices.Contains(anchorUnits, tab.AnchorUnits) {
		return invalidArgument(field+".anchor_units", "%s.anchor_units %q is not supported: "+
			"pass pixels, inches, mms or cms", field, truncate(tab.AnchorUnits, 20))
	}
	placed := tab.DocumentID != 0 || tab.Page != 0 || tab.X != 0 || tab.Y != 0
	if tab.AnchorString != "" {
		if placed {
			return invalidArgument(field+".anchor_string", "%s sets both anchor_string and a "+
				"position: keep one of them", field)
		}
		return nil
	}
	if !docIDs[tab.DocumentID] {
		return invalidArgument(field+".document_id", "%s has no anchor_string and its "+
			"document_id %d is not a document of this envelope: set anchor_string, or "+
			"document_id, page, x and y", field, tab.DocumentID)
	}
	if tab.Page < 1 {
		return invalidArgument(field+".page", "%s.page is %d: pass a page number from 1",
			field, tab.Page)
	}
	if tab.X < 0 || tab.Y < 0 {
		return invalidArgument(field+".x", "%s has a negative position: x and y count pixels "+
			"from the top-left corner and must be 0 or more", field)
	}
	return nil
}

func validateCustomFields(fields []customFieldInput) *ToolError {
	seen := map[string]bool{}
	for i, f := range fields {
		field := indexed("custom_fields", i)
		if terr := checkText(field+".name", f.Name, true, maxCustomFieldLen); terr != nil {
			return terr
		}
		if terr := checkText(field+".value", f.Value, false, maxCustomFieldLen); terr != nil {
			return terr
		}
		if seen[f.Name] {
			return invalidArgument(field+".name", "custom field %q is set twice: set each "+
				"name once", truncate(f.Name, 40))
		}
		if f.Name == IdempotencyFieldName {
			return invalidArgument(field+".name", "custom field %s is reserved for the "+
				"idempotency key: pass the key as idempotency_key instead", IdempotencyFieldName)
		}
		seen[f.Name] = true
	}
	return nil
}

// validateIdempotencyKey checks an optional caller key. The characters are limited so the key
// reads the same in logs, in Docusign's custom_field filter and in the record store.
func validateIdempotencyKey(key string) *ToolError {
	if key == "" {
		return nil
	}
	if len(key) > maxIdempotencyKeyLen {
		return invalidArgument("idempotency_key", "idempotency_key has %d characters: "+
			"pass at most %d, such as a UUID", len(key), maxIdempotencyKeyLen)
	}
	for _, r := range key {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '.' || r == '_' || r == ':' || r == '-'
		if !ok {
			return invalidArgument("idempotency_key", "idempotency_key %q contains %q: use "+
				"only letters, digits and . _ : -", truncate(key, 40), r)
		}
	}
	return nil
}

// checkAnchorTabCount rejects more anchor tabs than Docusign allows in one envelope, naming the
// signer whose tabs pass the limit.
func checkAnchorTabCount(signers []recipientInput) *ToolError {
	total := 0
	for i, r := range signers {
		for _, tab := range r.Tabs {
			if tab.AnchorString != "" {
				total++
			}
		}
		if total > maxAnchorTabs {
			field := indexed("signers", i) + ".tabs"
			return invalidArgument(field, "the envelope has more than %d anchor tabs, "+
				"Docusign's limit, at %s: use fewer anchor tabs or split the envelope",
				maxAnchorTabs, field)
		}
	}
	return nil
}
