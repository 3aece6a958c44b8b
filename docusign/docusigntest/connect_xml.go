package docusigntest

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// The legacy XML format gives times in the account's time zone without a zone designator,
// and names the zone in TimeZone and TimeZoneOffset (hours) at the end of the message.
// NOTE: Docusign reports the account's zone with its offset on the day, daylight saving
// included. The simulator uses Pacific Standard Time at a fixed -8 hours all year.
const (
	legacyTimeZone       = "Pacific Standard Time"
	legacyTimeZoneOffset = -8
)

var legacyZone = time.FixedZone("PST", legacyTimeZoneOffset*60*60)

const (
	legacyNamespace = "http://www.docusign.net/API/3.0"
	xsdNamespace    = "http://www.w3.org/2001/XMLSchema"
	xsiNamespace    = "http://www.w3.org/2001/XMLSchema-instance"
)

type legacyInformation struct {
	XMLName        xml.Name             // legacyNamespace DocuSignEnvelopeInformation
	XSD            string               `xml:"xmlns:xsd,attr"`
	XSI            string               `xml:"xmlns:xsi,attr"`
	EnvelopeStatus legacyEnvelopeStatus `xml:"EnvelopeStatus"`
	TimeZone       string               `xml:"TimeZone"`
	TimeZoneOffset int                  `xml:"TimeZoneOffset"`
}

// legacyEnvelopeStatus lists the elements in the order of Docusign's messages.
// NOTE: Declined, Voided and VoidReason do not appear in the real samples available. Their
// names follow the legacy API's naming of the other times.
type legacyEnvelopeStatus struct {
	RecipientStatuses  []legacyRecipientStatus `xml:"RecipientStatuses>RecipientStatus"`
	TimeGenerated      string                  `xml:"TimeGenerated"`
	EnvelopeID         string                  `xml:"EnvelopeID"`
	Subject            string                  `xml:"Subject"`
	UserName           string                  `xml:"UserName"`
	Email              string                  `xml:"Email"`
	Status             string                  `xml:"Status"`
	Created            string                  `xml:"Created"`
	Sent               string                  `xml:"Sent,omitempty"`
	Delivered          string                  `xml:"Delivered,omitempty"`
	Signed             string                  `xml:"Signed,omitempty"`
	Completed          string                  `xml:"Completed,omitempty"`
	Declined           string                  `xml:"Declined,omitempty"`
	Voided             string                  `xml:"Voided,omitempty"`
	VoidReason         string                  `xml:"VoidReason,omitempty"`
	ACStatus           string                  `xml:"ACStatus"`
	ACStatusDate       string                  `xml:"ACStatusDate"`
	ACHolder           string                  `xml:"ACHolder"`
	ACHolderEmail      string                  `xml:"ACHolderEmail"`
	ACHolderLocation   string                  `xml:"ACHolderLocation"`
	SigningLocation    string                  `xml:"SigningLocation"`
	SenderIPAddress    string                  `xml:"SenderIPAddress"`
	EnvelopePDFHash    string                  `xml:"EnvelopePDFHash"`
	CustomFields       legacyCustomFields      `xml:"CustomFields"`
	AutoNavigation     string                  `xml:"AutoNavigation"`
	EnvelopeIDStamping string                  `xml:"EnvelopeIdStamping"`
	AuthoritativeCopy  string                  `xml:"AuthoritativeCopy"`
	DocumentStatuses   []legacyDocumentStatus  `xml:"DocumentStatuses>DocumentStatus"`
}

type legacyRecipientStatus struct {
	Type               string             `xml:"Type"`
	Email              string             `xml:"Email"`
	UserName           string             `xml:"UserName"`
	RoutingOrder       int                `xml:"RoutingOrder"`
	Sent               string             `xml:"Sent,omitempty"`
	Delivered          string             `xml:"Delivered,omitempty"`
	Signed             string             `xml:"Signed,omitempty"`
	Declined           string             `xml:"Declined,omitempty"`
	DeclineReason      legacyNullable     `xml:"DeclineReason"`
	Status             string             `xml:"Status"`
	RecipientIPAddress string             `xml:"RecipientIPAddress"`
	ClientUserID       string             `xml:"ClientUserId,omitempty"`
	CustomFields       legacyCustomFields `xml:"CustomFields"`
	AccountStatus      string             `xml:"AccountStatus"`
	RecipientID        string             `xml:"RecipientId"`
}

// legacyNullable is an element that is xsi:nil when it has no value.
type legacyNullable struct {
	Value string `xml:",chardata"`
	Nil   string `xml:"xsi:nil,attr,omitempty"`
}

func nullable(value string) legacyNullable {
	if value == "" {
		return legacyNullable{Nil: "true"}
	}
	return legacyNullable{Value: value}
}

type legacyCustomFields struct {
	Fields []legacyCustomField `xml:"CustomField"`
}

type legacyCustomField struct {
	Name            string `xml:"Name"`
	Show            string `xml:"Show"`
	Required        string `xml:"Required"`
	Value           string `xml:"Value"`
	CustomFieldType string `xml:"CustomFieldType"`
}

type legacyDocumentStatus struct {
	ID           string `xml:"ID"`
	Name         string `xml:"Name"`
	TemplateName string `xml:"TemplateName"`
	Sequence     int    `xml:"Sequence"`
}

// legacyMessage renders the envelope's current state as a legacy XML Connect message.
// Callers hold s.mu.
func (s *Server) legacyMessage(e *envelope, generated time.Time) ([]byte, error) {
	info := legacyInformation{
		XMLName: xml.Name{Space: legacyNamespace, Local: "DocuSignEnvelopeInformation"},
		XSD:     xsdNamespace, XSI: xsiNamespace,
		EnvelopeStatus: legacyEnvelope(e, generated),
		TimeZone:       legacyTimeZone, TimeZoneOffset: legacyTimeZoneOffset,
	}
	body, err := xml.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode legacy Connect message of %s: %w", e.id, err)
	}
	return append([]byte(xml.Header), body...), nil
}

func legacyEnvelope(e *envelope, generated time.Time) legacyEnvelopeStatus {
	out := legacyEnvelopeStatus{
		TimeGenerated: generated.In(legacyZone).Format("2006-01-02T15:04:05.0000000"),
		EnvelopeID:    e.id, Subject: e.subject, UserName: e.sender.name,
		Email: e.sender.email, Status: legacyStatus(e.status),
		Created: legacyTime(e.created), Sent: legacyTime(e.sent),
		Delivered: legacyTime(e.delivered), Completed: legacyTime(e.completed),
		Signed: legacyTime(e.completed), Declined: legacyTime(e.declined),
		Voided: legacyTime(e.voided), VoidReason: e.voidedReason,
		ACStatus: "Original", ACStatusDate: legacyTime(e.created), ACHolder: e.sender.name,
		ACHolderEmail: e.sender.email, ACHolderLocation: "DocuSign", SigningLocation: "Online",
		CustomFields:   legacyFields(e),
		AutoNavigation: "true", EnvelopeIDStamping: "true", AuthoritativeCopy: "false",
	}
	for _, r := range e.recipients {
		out.RecipientStatuses = append(out.RecipientStatuses, legacyRecipient(r))
	}
	for _, d := range e.documents {
		out.DocumentStatuses = append(out.DocumentStatuses,
			legacyDocumentStatus{ID: d.id, Name: d.name, Sequence: d.order})
	}
	return out
}

func legacyRecipient(r *recipient) legacyRecipientStatus {
	kind := "Signer"
	if r.kind == kindCarbonCopy {
		kind = "CarbonCopy"
	}
	return legacyRecipientStatus{
		Type: kind, Email: r.email, UserName: r.name, RoutingOrder: r.routingOrder,
		Sent: legacyTime(r.sent), Delivered: legacyTime(r.delivered),
		Signed: legacyTime(r.signed), Declined: legacyTime(r.declined),
		DeclineReason: nullable(r.declineReason), Status: legacyStatus(r.status),
		ClientUserID: r.clientUserID, AccountStatus: "Active", RecipientID: r.guid,
	}
}

func legacyFields(e *envelope) legacyCustomFields {
	var out legacyCustomFields
	for _, f := range e.textFields {
		out.Fields = append(out.Fields, legacyCustomField{Name: string(f.Name),
			Show: flagOr(string(f.Show), "true"), Required: flagOr(string(f.Required), "false"),
			Value: string(f.Value), CustomFieldType: "Text"})
	}
	for _, f := range e.listFields {
		out.Fields = append(out.Fields, legacyCustomField{Name: string(f.Name),
			Show: flagOr(string(f.Show), "true"), Required: flagOr(string(f.Required), "false"),
			Value: string(f.Value), CustomFieldType: "List"})
	}
	return out
}

func flagOr(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// legacyStatus capitalises a status, as the legacy format does: "sent" becomes "Sent".
func legacyStatus(status string) string {
	if status == "" {
		return ""
	}
	return strings.ToUpper(status[:1]) + status[1:]
}

// legacyTime renders a time in the legacy zone with up to three fractional digits and no
// zone designator, as in "2020-03-28T23:56:33.89". The zero time renders as "".
func legacyTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(legacyZone).Format("2006-01-02T15:04:05.999")
}
