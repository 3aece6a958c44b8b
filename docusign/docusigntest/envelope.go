package docusigntest

import (
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// Envelope and recipient statuses as Docusign sends them.
const (
	StatusCreated   = "created"
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusCompleted = "completed"
	StatusDeclined  = "declined"
	StatusVoided    = "voided"

	kindSigner     = "signer"
	kindCarbonCopy = "carbonCopy"
)

// ExpiredVoidReason is the void reason of an envelope that expired.
// NOTE: Docusign's exact wording for expiry voids was not available. Clients should tell
// expiry apart by this text only in tests against the simulator.
const ExpiredVoidReason = "Envelope has expired."

type envelope struct {
	id              string
	accountID       string
	sender          *user
	status          string
	subject         string
	blurb           string
	templateID      string
	created         time.Time
	lastModified    time.Time
	statusChanged   time.Time
	sent            time.Time
	initialSent     time.Time
	delivered       time.Time
	completed       time.Time
	declined        time.Time
	voided          time.Time
	voidedReason    string
	expireAfterDays int
	documents       []*document
	recipients      []*recipient
	textFields      []textCustomField
	listFields      []listCustomField
	events          []Event
	counter         envelopeCounter
	// expiredEarly is when Expire made the envelope lapse before its computed expiry.
	expiredEarly time.Time
	notification *envelopeNotification // the create request's eventNotification, or nil
	// reminders are the create request's notification.reminders by wire name, or nil.
	reminders map[string]string
}

type document struct {
	id       string
	guid     string
	name     string
	ext      string
	content  []byte
	order    int
	rendered []byte // the PDF served for content, built on first use
	// attachmentTabID and attachedBy are set on a signer attachment: the tab it was
	// uploaded at and the recipient id of the signer who uploaded it.
	attachmentTabID string
	attachedBy      string
}

type recipient struct {
	kind          string
	id            string
	guid          string
	name          string
	email         string
	roleName      string
	clientUserID  string
	routingOrder  int
	status        string
	sent          time.Time
	delivered     time.Time
	signed        time.Time
	declined      time.Time
	declineReason string
	tabs          json.RawMessage
}

// Event is one entry of an envelope's history, as shown in the certificate of completion.
type Event struct {
	Time        time.Time
	Action      string // e.g. "Envelope Sent", "Signed"
	RecipientID string // empty for envelope events
}

func (e *envelope) uri() string { return "/envelopes/" + e.id }

func (e *envelope) expireDateTime() time.Time {
	if e.sent.IsZero() {
		return time.Time{}
	}
	if !e.expiredEarly.IsZero() {
		return e.expiredEarly
	}
	return e.initialSent.AddDate(0, 0, e.expireAfterDays)
}

// setStatus moves the envelope to status at now and records the change.
func (e *envelope) setStatus(status string, now time.Time) {
	e.status = status
	e.statusChanged = now
	e.lastModified = now
}

func (e *envelope) addEvent(now time.Time, action, recipientID string) {
	e.events = append(e.events, Event{Time: now, Action: action, RecipientID: recipientID})
	e.lastModified = now
}

func (e *envelope) recipient(id string) *recipient {
	for _, r := range e.recipients {
		if r.id == id {
			return r
		}
	}
	return nil
}

// currentRoutingOrder is the lowest routing order with a signer who has not signed, or 0.
func (e *envelope) currentRoutingOrder() int {
	current := 0
	for _, r := range e.recipients {
		if r.kind == kindSigner && r.status != StatusCompleted &&
			(current == 0 || r.routingOrder < current) {
			current = r.routingOrder
		}
	}
	return current
}

// envelopeFlags are the settings every simulated envelope reports, as strings.
var envelopeFlags = map[string]string{
	"signingLocation": "online", "enableWetSign": "true", "allowMarkup": "false",
	"allowReassign": "true", "allowComments": "true", "allowViewHistory": "true",
	"autoNavigation": "true", "envelopeIdStamping": "true", "is21CFRPart11": "false",
	"isSignatureProviderEnvelope": "false", "hasComments": "false",
	"hasFormDataChanged": "false", "hasWavFile": "false", "isDynamicEnvelope": "false",
	"purgeState": "unpurged", "envelopeLocation": "current_site", "brandLock": "false",
	"anySigner": "false", "authoritativeCopy": "false", "recipientsLock": "false",
	"messageLock": "false", "useDisclosure": "false", "expireEnabled": "true",
}

// envelopeOut renders the envelope resource. include selects recipients, documents,
// custom_fields and tabs.
func (s *Server) envelopeOut(e *envelope, include map[string]bool) map[string]any {
	u := e.uri()
	out := map[string]any{
		"envelopeId": e.id, "status": e.status, "emailSubject": e.subject,
		"envelopeUri": u, "documentsUri": u + "/documents", "recipientsUri": u + "/recipients",
		"attachmentsUri": u + "/attachments", "customFieldsUri": u + "/custom_fields",
		"notificationUri": u + "/notification", "templatesUri": u + "/templates",
		"documentsCombinedUri": u + "/documents/combined",
		"certificateUri":       u + "/documents/certificate",
		"sender":               s.senderOut(e), "expireAfter": itoa(e.expireAfterDays),
	}
	for key, value := range envelopeFlags {
		out[key] = value
	}
	for key, t := range e.times() {
		if !t.IsZero() {
			out[key] = formatTime(t)
		}
	}
	if e.blurb != "" {
		out["emailBlurb"] = e.blurb
	}
	if e.voidedReason != "" {
		out["voidedReason"] = e.voidedReason
	}
	if e.reminders != nil {
		// NOTE: the envelope definition has a notification property, but which include
		// value, if any, makes Docusign return it on Envelopes:get is not confirmed.
		out["notification"] = map[string]any{"useAccountDefaults": "false",
			"reminders": e.reminders}
	}
	if include["recipients"] {
		out["recipients"] = e.recipientsOut(include["tabs"])
	}
	if include["documents"] {
		out["envelopeDocuments"] = e.documentsOut(false)
	}
	if include["custom_fields"] {
		out["customFields"] = e.customFieldsOut()
	}
	return out
}

// times returns the envelope's timestamps by wire name. Unset ones are zero.
func (e *envelope) times() map[string]time.Time {
	return map[string]time.Time{
		"createdDateTime": e.created, "lastModifiedDateTime": e.lastModified,
		"statusChangedDateTime": e.statusChanged, "statusDateTime": e.statusChanged,
		"sentDateTime": e.sent, "initialSentDateTime": e.initialSent,
		"deliveredDateTime": e.delivered, "completedDateTime": e.completed,
		"declinedDateTime": e.declined, "voidedDateTime": e.voided,
		"expireDateTime": e.expireDateTime(),
	}
}

func (s *Server) senderOut(e *envelope) userInfoOut {
	return userInfoOut{
		UserName: e.sender.name, UserID: e.sender.id, AccountID: e.accountID, Email: e.sender.email,
	}
}

func (e *envelope) customFieldsOut() customFieldsWire {
	out := customFieldsWire{
		TextCustomFields: append([]textCustomField{}, e.textFields...),
		ListCustomFields: append([]listCustomField{}, e.listFields...),
	}
	return out
}

func (e *envelope) recipientsOut(withTabs bool) recipientsOut {
	out := recipientsOut{
		Signers: []recipientOut{}, Agents: []recipientOut{}, Editors: []recipientOut{},
		Intermediaries: []recipientOut{}, CarbonCopies: []recipientOut{},
		CertifiedDeliveries: []recipientOut{}, InPersonSigners: []recipientOut{},
		Seals: []recipientOut{}, Witnesses: []recipientOut{}, Notaries: []recipientOut{},
		RecipientCount: itoa(len(e.recipients)),
	}
	if order := e.currentRoutingOrder(); order > 0 {
		out.CurrentRoutingOrder = itoa(order)
	} else if len(e.recipients) > 0 {
		out.CurrentRoutingOrder = itoa(maxRoutingOrder(e.recipients))
	}
	for _, r := range e.recipients {
		ro := r.out(withTabs)
		if r.kind == kindSigner {
			out.Signers = append(out.Signers, ro)
		} else {
			out.CarbonCopies = append(out.CarbonCopies, ro)
		}
	}
	return out
}

func maxRoutingOrder(recipients []*recipient) int {
	highest := 0
	for _, r := range recipients {
		highest = max(highest, r.routingOrder)
	}
	return highest
}

func (r *recipient) out(withTabs bool) recipientOut {
	completed := "0"
	if r.status == StatusCompleted {
		completed = "1"
	}
	out := recipientOut{
		Name: r.name, Email: r.email, RecipientID: r.id, RecipientIDGUID: r.guid,
		RoutingOrder: itoa(r.routingOrder), RoleName: r.roleName, ClientUserID: r.clientUserID,
		Status: r.status, RecipientType: strings.ToLower(r.kind), DeliveryMethod: "email",
		RequireIDLookup: "false", CompletedCount: completed,
		SentDateTime: formatTime(r.sent), DeliveredDateTime: formatTime(r.delivered),
		SignedDateTime: formatTime(r.signed), DeclinedDateTime: formatTime(r.declined),
		DeclinedReason: r.declineReason,
	}
	if r.kind == kindSigner {
		out.CreationReason = "sender"
	}
	if withTabs && len(r.tabs) > 0 {
		out.Tabs = r.tabs
	}
	return out
}

// sortedEnvelopes returns the account's envelopes in creation order.
func (st *state) sortedEnvelopes(accountID string) []*envelope {
	out := make([]*envelope, 0, len(st.envelopeOrder))
	for _, id := range st.envelopeOrder {
		if e := st.envelopes[id]; e.accountID == accountID {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].created.Before(out[j].created) })
	return out
}

// includeSet parses a comma-separated include parameter.
func includeSet(value string) map[string]bool {
	set := map[string]bool{}
	for _, part := range strings.Split(value, ",") {
		if part = strings.TrimSpace(strings.ToLower(part)); part != "" {
			set[part] = true
		}
	}
	return set
}
