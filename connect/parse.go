package connect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"
)

// Formats of a Connect message.
const (
	FormatJSON = "json" // JSON SIM, the restv2.1 event format
	FormatXML  = "xml"  // the legacy DocuSignEnvelopeInformation document
)

// maxIDLength bounds envelope, account and recipient ids, because Docusign's are 36-character
// GUIDs or short numbers.
const maxIDLength = 100

// Event is the part of one Connect message that the receiver uses.
type Event struct {
	// Name is the event, such as envelope-completed or recipient-delivered. A legacy XML
	// message has none, so Parse names it envelope-<status>.
	Name       string
	EnvelopeID string
	// AccountID is the account GUID of a JSON message, empty for XML.
	AccountID string
	// RecipientID is set on recipient events.
	RecipientID string
	// TemplateID is set on template events of a JSON message.
	TemplateID string
	// Status is the envelope status in lower case, such as completed. It is empty when the
	// message carries none, such as a recipient event without the envelope summary.
	Status string
	// GeneratedAt is when Docusign generated the message, in UTC.
	GeneratedAt time.Time
	// RetryCount is 0 on the first delivery and counts Docusign's redeliveries.
	RetryCount int
	// Format is FormatJSON or FormatXML.
	Format string
	// Snapshot is data.envelopeSummary of a JSON message when Connect includes it, else empty.
	Snapshot json.RawMessage
}

// eventStatuses maps envelope events to the status they report when the message carries no
// envelope summary. Other events, such as envelope-corrected or envelope-purge, report no
// status change.
var eventStatuses = map[string]string{
	"envelope-created":   "created",
	"envelope-sent":      "sent",
	"envelope-resent":    "sent",
	"envelope-delivered": "delivered",
	"envelope-completed": "completed",
	"envelope-declined":  "declined",
	"envelope-voided":    "voided",
}

// Parse reads a Connect message in the JSON SIM or legacy XML format. contentType picks the
// format. When it names neither, the first non-space byte does.
func Parse(body []byte, contentType string) (Event, error) {
	// A UTF-8 byte order mark is valid before XML but not before JSON.
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	format, err := detectFormat(body, contentType)
	if err != nil {
		return Event{}, err
	}
	var ev Event
	if format == FormatJSON {
		ev, err = parseJSON(body)
	} else {
		ev, err = parseXML(body)
	}
	if err != nil {
		return Event{}, err
	}
	if err := ev.validate(); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// detectFormat returns the format that contentType names, or the one that body starts like.
func detectFormat(body []byte, contentType string) (string, error) {
	media, _, _ := mime.ParseMediaType(contentType)
	switch {
	case media == "application/json" || strings.HasSuffix(media, "+json"):
		return FormatJSON, nil
	case media == "text/xml" || media == "application/xml" || strings.HasSuffix(media, "+xml"):
		return FormatXML, nil
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		return FormatJSON, nil
	case len(trimmed) > 0 && trimmed[0] == '<':
		return FormatXML, nil
	}
	return "", fmt.Errorf("connect message with Content-Type %q is neither JSON nor XML: "+
		"configure Connect with eventData format json or xml", truncate(contentType, 60))
}

// simMessage is the JSON SIM envelope of a Connect message.
type simMessage struct {
	Event             string          `json:"event"`
	RetryCount        json.RawMessage `json:"retryCount"`
	GeneratedDateTime string          `json:"generatedDateTime"`
	Data              struct {
		AccountID       string          `json:"accountId"`
		EnvelopeID      string          `json:"envelopeId"`
		RecipientID     string          `json:"recipientId"`
		TemplateID      string          `json:"templateId"`
		EnvelopeSummary json.RawMessage `json:"envelopeSummary"`
	} `json:"data"`
}

// envelopeSummary is the part of data.envelopeSummary that Parse checks.
type envelopeSummary struct {
	Status     string `json:"status"`
	EnvelopeID string `json:"envelopeId"`
}

func parseJSON(body []byte) (Event, error) {
	var msg simMessage
	if err := json.Unmarshal(body, &msg); err != nil {
		return Event{}, fmt.Errorf("connect JSON message is invalid: %w", err)
	}
	ev := Event{Name: strings.ToLower(strings.TrimSpace(msg.Event)), Format: FormatJSON,
		EnvelopeID:  strings.TrimSpace(msg.Data.EnvelopeID),
		AccountID:   strings.TrimSpace(msg.Data.AccountID),
		RecipientID: strings.TrimSpace(msg.Data.RecipientID),
		TemplateID:  strings.TrimSpace(msg.Data.TemplateID)}
	var err error
	if ev.RetryCount, err = parseRetryCount(msg.RetryCount); err != nil {
		return Event{}, err
	}
	if ev.GeneratedAt, err = parseGeneratedTime(msg.GeneratedDateTime); err != nil {
		return Event{}, err
	}
	if err := ev.applySummary(msg.Data.EnvelopeSummary); err != nil {
		return Event{}, err
	}
	if ev.Status == "" {
		ev.Status = eventStatuses[ev.Name]
	}
	return ev, nil
}

// applySummary takes the status and the snapshot from data.envelopeSummary when present.
func (ev *Event) applySummary(raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var summary envelopeSummary
	if err := json.Unmarshal(raw, &summary); err != nil {
		return fmt.Errorf("connect message data.envelopeSummary is invalid: %w", err)
	}
	id := strings.TrimSpace(summary.EnvelopeID)
	if id != "" && ev.EnvelopeID != "" && !strings.EqualFold(id, ev.EnvelopeID) {
		return fmt.Errorf("connect message names envelope %q in data.envelopeId but %q in "+
			"its envelope summary", truncate(ev.EnvelopeID, 60), truncate(id, 60))
	}
	if ev.EnvelopeID == "" {
		ev.EnvelopeID = id
	}
	ev.Status = strings.ToLower(strings.TrimSpace(summary.Status))
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return fmt.Errorf("connect message data.envelopeSummary is invalid: %w", err)
	}
	ev.Snapshot = json.RawMessage(compact.Bytes())
	return nil
}

// parseRetryCount reads retryCount as a JSON number or a string of digits. A missing value
// is 0.
func parseRetryCount(raw json.RawMessage) (int, error) {
	text := strings.Trim(string(bytes.TrimSpace(raw)), `"`)
	if text == "" || text == "null" {
		return 0, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("connect message retryCount %q is not a count", truncate(text, 20))
	}
	return n, nil
}

// parseGeneratedTime reads generatedDateTime, which Docusign writes in UTC with seven
// fraction digits, such as 2022-09-22T15:22:53.4580747Z.
func parseGeneratedTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("connect message has no generatedDateTime, so its " +
			"order and identity are unknown")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("connect message generatedDateTime %q is invalid: "+
			"want ISO-8601 with a zone, such as 2022-09-22T15:22:53.4580747Z", truncate(s, 40))
	}
	return t.UTC(), nil
}

// validate checks the fields that become store keys and audit fields.
func (ev Event) validate() error {
	if ev.Name == "" {
		return errors.New("connect message has no event name")
	}
	if len(ev.Name) > maxIDLength || strings.IndexFunc(ev.Name, notEventRune) >= 0 {
		return fmt.Errorf("connect message event %q is invalid: want lower-case words "+
			"joined by hyphens, such as envelope-completed", truncate(ev.Name, 60))
	}
	if len(ev.Status) > maxIDLength || strings.IndexFunc(ev.Status, notStatusRune) >= 0 {
		return fmt.Errorf("connect message envelope status %q is invalid: want a word "+
			"such as completed", truncate(ev.Status, 60))
	}
	needsEnvelope := strings.HasPrefix(ev.Name, "envelope-") ||
		strings.HasPrefix(ev.Name, "recipient-")
	if needsEnvelope && ev.EnvelopeID == "" {
		return fmt.Errorf("connect message %s has no envelope id", ev.Name)
	}
	for _, id := range []struct{ field, value string }{{"envelope id", ev.EnvelopeID},
		{"account id", ev.AccountID}, {"recipient id", ev.RecipientID},
		{"template id", ev.TemplateID}} {
		if len(id.value) > maxIDLength || strings.IndexFunc(id.value, notIDRune) >= 0 {
			return fmt.Errorf("connect message %s %q is invalid: want a GUID or a number",
				id.field, truncate(id.value, 60))
		}
	}
	return nil
}

func notStatusRune(r rune) bool { return r < 'a' || r > 'z' }

func notEventRune(r rune) bool {
	return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_'
}

// notIDRune rejects everything but letters, digits and hyphens, so an id can become part
// of a store key or a log line as it is.
func notIDRune(r rune) bool {
	return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-'
}
