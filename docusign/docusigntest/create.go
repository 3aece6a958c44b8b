package docusigntest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

const (
	maxRecipients    = 100
	maxCustomField   = 100
	maxRequestBytes  = 35_651_584 // Docusign's per-request limit
	maxPositiveInt32 = 2_147_483_647
)

func errBadBody(err error) *Error {
	return newAPIError(http.StatusBadRequest, "INVALID_REQUEST_BODY",
		fmt.Sprintf("The request body is missing or improperly formatted. %v", err))
}

func decodeBody(r *http.Request, v any) *Error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRequestBytes))
	if err != nil {
		return errBadBody(err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return errBadBody(fmt.Errorf("the body is empty"))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errBadBody(err)
	}
	return nil
}

func (s *Server) createEnvelope(_ http.ResponseWriter, c *restCall) (int, any, *Error) {
	var def envelopeDefinitionIn
	if err := decodeBody(c.r, &def); err != nil {
		return 0, nil, err
	}
	now := s.now()
	e, err := s.buildEnvelope(&def, c, now)
	if err != nil {
		return 0, nil, err
	}
	e.addEvent(now, "Envelope Created", "")
	switch string(def.Status) {
	case "", StatusCreated:
	case StatusSent:
		if err := s.send(e, now); err != nil {
			return 0, nil, err
		}
	default:
		return 0, nil, invalidParameter(fmt.Sprintf(
			"status %q cannot be set on create; use \"created\" or \"sent\".", def.Status))
	}
	s.state.envelopes[e.id] = e
	s.state.envelopeOrder = append(s.state.envelopeOrder, e.id)
	return http.StatusCreated, envelopeSummaryOut{
		EnvelopeID: e.id, URI: e.uri(), StatusDateTime: formatTime(e.statusChanged),
		Status: e.status,
	}, nil
}

// buildEnvelope validates an envelope definition and returns the draft it describes.
func (s *Server) buildEnvelope(def *envelopeDefinitionIn, c *restCall,
	now time.Time) (*envelope, *Error) {
	if len(def.CompositeTemplates) > 0 && string(def.CompositeTemplates) != "null" {
		return nil, invalidParameter(
			"compositeTemplates are not supported by the simulator; use templateId or documents.")
	}
	e := &envelope{
		id: newGUID(), accountID: c.account.id, sender: c.user, status: StatusCreated,
		subject: string(def.EmailSubject), blurb: string(def.EmailBlurb),
		created: now, lastModified: now, statusChanged: now, expireAfterDays: defaultExpireDays,
	}
	if def.TemplateID != "" {
		if err := s.applyTemplate(e, def); err != nil {
			return nil, err
		}
	}
	docs, err := parseDocuments(def.Documents, len(e.documents))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if e.document(d.id) != nil {
			return nil, invalidParameter(fmt.Sprintf(
				"documentId %q is already used by a document of the template.", d.id))
		}
	}
	e.documents = append(e.documents, docs...)
	if def.Recipients != nil {
		recipients, err := parseRecipients(def.Recipients)
		if err != nil {
			return nil, err
		}
		e.recipients = append(e.recipients, recipients...)
	}
	if err := checkRecipientSet(e.recipients); err != nil {
		return nil, err
	}
	if err := setCustomFields(e, def.CustomFields); err != nil {
		return nil, err
	}
	if e.notification, err = parseEventNotification(def.EventNotification); err != nil {
		return nil, err
	}
	if err := applyExpiration(e, def.Notification); err != nil {
		return nil, err
	}
	return e, applyReminders(e, def.Notification)
}

func parseDocuments(in []documentIn, offset int) ([]*document, *Error) {
	seen := map[string]bool{}
	out := make([]*document, 0, len(in))
	for i, d := range in {
		id := string(d.DocumentID)
		if err := checkPositiveID("documentId", id); err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, invalidParameter(fmt.Sprintf("documentId %q is used twice.", id))
		}
		seen[id] = true
		if d.Name == "" {
			return nil, invalidParameter(fmt.Sprintf("document %s has no name.", id))
		}
		if d.DocumentBase64 == "" {
			return nil, invalidParameter(fmt.Sprintf(
				"document %s has no documentBase64; remoteUrl is not supported.", id))
		}
		content, err := base64.StdEncoding.DecodeString(string(d.DocumentBase64))
		if err != nil || len(content) == 0 {
			return nil, invalidParameter(fmt.Sprintf(
				"documentBase64 of document %s is not valid base64.", id))
		}
		out = append(out, &document{
			id: id, guid: newGUID(), name: string(d.Name), content: content,
			ext:   documentExtension(string(d.FileExtension), string(d.Name), content),
			order: documentOrder(string(d.Order), offset+i+1),
		})
	}
	return out, nil
}

func documentExtension(ext, name string, content []byte) string {
	ext = strings.ToLower(strings.TrimPrefix(ext, "."))
	if ext == "" {
		ext = strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	}
	if ext == "" && strings.HasPrefix(string(content), "%PDF-") {
		ext = "pdf"
	}
	return ext
}

func documentOrder(value string, fallback int) int {
	if n, err := strconv.Atoi(value); err == nil && n > 0 {
		return n
	}
	return fallback
}

func checkPositiveID(field, value string) *Error {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n <= 0 || n >= maxPositiveInt32 {
		return invalidParameter(fmt.Sprintf(
			"%s %q must be a string that holds a positive integer below %d.",
			field, value, maxPositiveInt32))
	}
	return nil
}

func parseRecipients(in *recipientsIn) ([]*recipient, *Error) {
	unsupported := map[string]int{
		"agents": len(in.Agents), "editors": len(in.Editors),
		"intermediaries": len(in.Intermediaries), "certifiedDeliveries": len(in.CertifiedDeliveries),
		"inPersonSigners": len(in.InPersonSigners), "seals": len(in.Seals),
		"witnesses": len(in.Witnesses), "notaries": len(in.Notaries),
	}
	for kind, n := range unsupported {
		if n > 0 {
			return nil, invalidParameter(fmt.Sprintf(
				"recipient type %s is not supported by the simulator; use signers or carbonCopies.",
				kind))
		}
	}
	out := make([]*recipient, 0, len(in.Signers)+len(in.CarbonCopies))
	for kind, list := range map[string][]recipientIn{
		kindSigner: in.Signers, kindCarbonCopy: in.CarbonCopies,
	} {
		for _, r := range list {
			rec, err := newRecipient(kind, r)
			if err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
	}
	sortRecipients(out)
	return out, nil
}

func newRecipient(kind string, in recipientIn) (*recipient, *Error) {
	id := string(in.RecipientID)
	if err := checkPositiveID("recipientId", id); err != nil {
		return nil, err
	}
	order, err := routingOrder(string(in.RoutingOrder))
	if err != nil {
		return nil, err
	}
	if in.Name == "" || !strings.Contains(string(in.Email), "@") {
		return nil, invalidParameter(fmt.Sprintf(
			"recipient %s needs a name and a valid email address.", id))
	}
	return &recipient{
		kind: kind, id: id, guid: newGUID(), name: string(in.Name), email: string(in.Email),
		roleName: string(in.RoleName), clientUserID: string(in.ClientUserID),
		routingOrder: order, status: StatusCreated, tabs: in.Tabs,
	}, nil
}

func routingOrder(value string) (int, *Error) {
	if value == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n <= 0 || n > 999 {
		return 0, invalidParameter(fmt.Sprintf(
			"routingOrder %q must be a string that holds an integer from 1 to 999.", value))
	}
	return n, nil
}

// sortRecipients orders recipients by routing order, then by recipient id.
func sortRecipients(list []*recipient) {
	less := func(a, b *recipient) bool {
		if a.routingOrder != b.routingOrder {
			return a.routingOrder < b.routingOrder
		}
		ai, _ := strconv.Atoi(a.id)
		bi, _ := strconv.Atoi(b.id)
		return ai < bi
	}
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && less(list[j], list[j-1]); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

func checkRecipientSet(list []*recipient) *Error {
	if len(list) > maxRecipients {
		return invalidParameter(fmt.Sprintf(
			"an envelope can have at most %d recipients, got %d.", maxRecipients, len(list)))
	}
	seen := map[string]bool{}
	for _, r := range list {
		if seen[r.id] {
			return invalidParameter(fmt.Sprintf("recipientId %q is used twice.", r.id))
		}
		seen[r.id] = true
	}
	return nil
}

func setCustomFields(e *envelope, in *customFieldsWire) *Error {
	if in == nil {
		return nil
	}
	next := 1
	for _, f := range in.TextCustomFields {
		if err := checkCustomField(f.Name, f.Value); err != nil {
			return err
		}
		f.FieldID = flexString(itoa(next))
		next++
		e.textFields = append(e.textFields, f)
	}
	for _, f := range in.ListCustomFields {
		if err := checkCustomField(f.Name, f.Value); err != nil {
			return err
		}
		f.FieldID = flexString(itoa(next))
		next++
		e.listFields = append(e.listFields, f)
	}
	return nil
}

func checkCustomField(name, value flexString) *Error {
	if name == "" {
		return invalidParameter("a custom field has no name.")
	}
	if len([]rune(string(name))) > maxCustomField || len([]rune(string(value))) > maxCustomField {
		return invalidParameter(fmt.Sprintf(
			"custom field %q: name and value can have at most %d characters.",
			name, maxCustomField))
	}
	return nil
}

// applyExpiration reads notification.expirations, which Docusign honours only together with
// useAccountDefaults "false". Otherwise the account default of 120 days applies.
func applyExpiration(e *envelope, n *notificationIn) *Error {
	if n == nil || n.Expirations == nil || n.UseAccountDefaults != "false" ||
		n.Expirations.ExpireEnabled != "true" {
		return nil
	}
	days, err := strconv.Atoi(string(n.Expirations.ExpireAfter))
	if err != nil || days <= 0 || days > 999 {
		return invalidParameter(fmt.Sprintf(
			"expireAfter %q must hold a number of days from 1 to 999.",
			n.Expirations.ExpireAfter))
	}
	e.expireAfterDays = days
	return nil
}

// applyReminders keeps notification.reminders, which Docusign honours only together with
// useAccountDefaults "false", and echoes them on Envelopes:get.
func applyReminders(e *envelope, n *notificationIn) *Error {
	if n == nil || n.Reminders == nil || n.UseAccountDefaults != "false" {
		return nil
	}
	r := n.Reminders
	for name, value := range map[string]flexString{"reminderDelay": r.ReminderDelay,
		"reminderFrequency": r.ReminderFrequency} {
		if days, err := strconv.Atoi(string(value)); value != "" &&
			(err != nil || days < 0 || days > 999) {
			return invalidParameter(fmt.Sprintf(
				"%s %q must hold a number of days from 0 to 999.", name, value))
		}
	}
	e.reminders = map[string]string{"reminderEnabled": string(r.ReminderEnabled),
		"reminderDelay": string(r.ReminderDelay), "reminderFrequency": string(r.ReminderFrequency)}
	return nil
}

// checkSendable applies the rules of a sent envelope: a subject, a document and a recipient.
func checkSendable(e *envelope) *Error {
	var missing []string
	if strings.TrimSpace(e.subject) == "" {
		missing = append(missing, "an emailSubject")
	}
	if len(e.documents) == 0 {
		missing = append(missing, "at least one document")
	}
	if len(e.recipients) == 0 {
		missing = append(missing, "at least one recipient")
	}
	if len(missing) == 0 {
		return nil
	}
	return newAPIError(http.StatusBadRequest, "ENVELOPE_IS_INCOMPLETE",
		"The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, "+
			"Tabs, and a Subject Line. Missing: "+strings.Join(missing, ", ")+".")
}
