package docusigntest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// flexString is a wire scalar. Docusign sends booleans, numbers and ids as JSON strings. On
// input it also accepts JSON numbers and booleans, as Docusign's own parser does.
type flexString string

// UnmarshalJSON accepts a JSON string, number, boolean or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case bytes.Equal(b, []byte("true")), bytes.Equal(b, []byte("false")):
		*f = flexString(b)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("invalid scalar %s: send a string", b)
		}
		*f = flexString(n)
	}
	return nil
}

// Request bodies. Only the fields the simulator acts on are declared. The rest are ignored.

type envelopeDefinitionIn struct {
	Status             flexString           `json:"status"`
	EmailSubject       flexString           `json:"emailSubject"`
	EmailBlurb         flexString           `json:"emailBlurb"`
	TemplateID         flexString           `json:"templateId"`
	Documents          []documentIn         `json:"documents"`
	Recipients         *recipientsIn        `json:"recipients"`
	TemplateRoles      []templateRoleIn     `json:"templateRoles"`
	CustomFields       *customFieldsWire    `json:"customFields"`
	Notification       *notificationIn      `json:"notification"`
	CompositeTemplates json.RawMessage      `json:"compositeTemplates"`
	EventNotification  *eventNotificationIn `json:"eventNotification"`
}

type documentIn struct {
	DocumentID     flexString `json:"documentId"`
	Name           flexString `json:"name"`
	FileExtension  flexString `json:"fileExtension"`
	DocumentBase64 flexString `json:"documentBase64"`
	RemoteURL      flexString `json:"remoteUrl"`
	Order          flexString `json:"order"`
}

type recipientIn struct {
	RecipientID  flexString      `json:"recipientId"`
	RoutingOrder flexString      `json:"routingOrder"`
	Name         flexString      `json:"name"`
	Email        flexString      `json:"email"`
	RoleName     flexString      `json:"roleName"`
	ClientUserID flexString      `json:"clientUserId"`
	Tabs         json.RawMessage `json:"tabs"`
}

// recipientsIn declares every recipient type of Docusign. The simulator supports signers
// and carbon copies and rejects the others by name.
type recipientsIn struct {
	Signers             []recipientIn     `json:"signers"`
	CarbonCopies        []recipientIn     `json:"carbonCopies"`
	Agents              []json.RawMessage `json:"agents"`
	Editors             []json.RawMessage `json:"editors"`
	Intermediaries      []json.RawMessage `json:"intermediaries"`
	CertifiedDeliveries []json.RawMessage `json:"certifiedDeliveries"`
	InPersonSigners     []json.RawMessage `json:"inPersonSigners"`
	Seals               []json.RawMessage `json:"seals"`
	Witnesses           []json.RawMessage `json:"witnesses"`
	Notaries            []json.RawMessage `json:"notaries"`
}

type templateRoleIn struct {
	RoleName     flexString      `json:"roleName"`
	Name         flexString      `json:"name"`
	Email        flexString      `json:"email"`
	ClientUserID flexString      `json:"clientUserId"`
	RoutingOrder flexString      `json:"routingOrder"`
	Tabs         json.RawMessage `json:"tabs"`
}

type notificationIn struct {
	UseAccountDefaults flexString `json:"useAccountDefaults"`
	Expirations        *struct {
		ExpireEnabled flexString `json:"expireEnabled"`
		ExpireAfter   flexString `json:"expireAfter"`
		ExpireWarn    flexString `json:"expireWarn"`
	} `json:"expirations"`
	Reminders *struct {
		ReminderEnabled   flexString `json:"reminderEnabled"`
		ReminderDelay     flexString `json:"reminderDelay"`
		ReminderFrequency flexString `json:"reminderFrequency"`
	} `json:"reminders"`
}

type envelopeUpdateIn struct {
	Status       flexString `json:"status"`
	VoidedReason flexString `json:"voidedReason"`
	EmailSubject flexString `json:"emailSubject"`
	EmailBlurb   flexString `json:"emailBlurb"`
}

// Shared request and response shapes.

type customFieldsWire struct {
	TextCustomFields []textCustomField `json:"textCustomFields"`
	ListCustomFields []listCustomField `json:"listCustomFields"`
}

type textCustomField struct {
	FieldID  flexString `json:"fieldId,omitempty"`
	Name     flexString `json:"name"`
	Value    flexString `json:"value"`
	Show     flexString `json:"show,omitempty"`
	Required flexString `json:"required,omitempty"`
}

type listCustomField struct {
	FieldID   flexString   `json:"fieldId,omitempty"`
	Name      flexString   `json:"name"`
	Value     flexString   `json:"value"`
	Show      flexString   `json:"show,omitempty"`
	Required  flexString   `json:"required,omitempty"`
	ListItems []flexString `json:"listItems,omitempty"`
}

// Response bodies.

type envelopeSummaryOut struct {
	EnvelopeID     string `json:"envelopeId"`
	URI            string `json:"uri"`
	StatusDateTime string `json:"statusDateTime"`
	Status         string `json:"status"`
}

type envelopeUpdateSummaryOut struct {
	EnvelopeID string `json:"envelopeId"`
}

type userInfoOut struct {
	UserName  string `json:"userName"`
	UserID    string `json:"userId"`
	AccountID string `json:"accountId"`
	Email     string `json:"email"`
}

type recipientOut struct {
	Name              string          `json:"name"`
	Email             string          `json:"email"`
	RecipientID       string          `json:"recipientId"`
	RecipientIDGUID   string          `json:"recipientIdGuid"`
	RoutingOrder      string          `json:"routingOrder"`
	RoleName          string          `json:"roleName,omitempty"`
	ClientUserID      string          `json:"clientUserId,omitempty"`
	Status            string          `json:"status"`
	RecipientType     string          `json:"recipientType"`
	DeliveryMethod    string          `json:"deliveryMethod"`
	CreationReason    string          `json:"creationReason,omitempty"` // signers only
	RequireIDLookup   string          `json:"requireIdLookup"`
	CompletedCount    string          `json:"completedCount"`
	SentDateTime      string          `json:"sentDateTime,omitempty"`
	DeliveredDateTime string          `json:"deliveredDateTime,omitempty"`
	SignedDateTime    string          `json:"signedDateTime,omitempty"`
	DeclinedDateTime  string          `json:"declinedDateTime,omitempty"`
	DeclinedReason    string          `json:"declinedReason,omitempty"`
	Tabs              json.RawMessage `json:"tabs,omitempty"`
}

type recipientsOut struct {
	Signers             []recipientOut `json:"signers"`
	Agents              []recipientOut `json:"agents"`
	Editors             []recipientOut `json:"editors"`
	Intermediaries      []recipientOut `json:"intermediaries"`
	CarbonCopies        []recipientOut `json:"carbonCopies"`
	CertifiedDeliveries []recipientOut `json:"certifiedDeliveries"`
	InPersonSigners     []recipientOut `json:"inPersonSigners"`
	Seals               []recipientOut `json:"seals"`
	Witnesses           []recipientOut `json:"witnesses"`
	Notaries            []recipientOut `json:"notaries"`
	RecipientCount      string         `json:"recipientCount"`
	CurrentRoutingOrder string         `json:"currentRoutingOrder,omitempty"`
}

type pageOut struct {
	PageID   string `json:"pageId"`
	Sequence string `json:"sequence"`
	Height   string `json:"height"`
	Width    string `json:"width"`
	DPI      string `json:"dpi"`
}

type documentOut struct {
	DocumentID        string    `json:"documentId"`
	DocumentIDGUID    string    `json:"documentIdGuid,omitempty"`
	Name              string    `json:"name"`
	Type              string    `json:"type"`
	AttachmentTabID   string    `json:"attachmentTabId,omitempty"`
	URI               string    `json:"uri"`
	Order             string    `json:"order"`
	Pages             []pageOut `json:"pages,omitempty"`
	Display           string    `json:"display,omitempty"`
	IncludeInDownload string    `json:"includeInDownload,omitempty"`
	SignerMustAck     string    `json:"signerMustAcknowledge,omitempty"`
	TemplateLocked    string    `json:"templateLocked,omitempty"`
	TemplateRequired  string    `json:"templateRequired,omitempty"`
	AuthoritativeCopy string    `json:"authoritativeCopy,omitempty"`
	SizeBytes         string    `json:"sizeBytes,omitempty"`
}

type envelopeDocumentsResultOut struct {
	EnvelopeID        string        `json:"envelopeId"`
	EnvelopeDocuments []documentOut `json:"envelopeDocuments"`
}
