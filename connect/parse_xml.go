package connect

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// XMLNamespace is the namespace of the legacy DocuSignEnvelopeInformation document.
const XMLNamespace = "http://www.docusign.net/API/3.0"

// maxZoneOffsetHours bounds TimeZoneOffset to the offsets that real time zones use.
const maxZoneOffsetHours = 14

// xmlMessage is the part of a legacy message that Parse reads. Child elements match in any
// namespace, as Docusign writes them all in the default namespace of the root.
type xmlMessage struct {
	XMLName        xml.Name `xml:"http://www.docusign.net/API/3.0 DocuSignEnvelopeInformation"`
	EnvelopeStatus struct {
		TimeGenerated string `xml:"TimeGenerated"`
		EnvelopeID    string `xml:"EnvelopeID"`
		Status        string `xml:"Status"`
	} `xml:"EnvelopeStatus"`
	TimeZoneOffset string `xml:"TimeZoneOffset"`
}

// parseXML reads a legacy message. Its statuses are capitalised (Completed) and its times have
// no zone, so TimeZoneOffset, in hours from UTC, places them.
func parseXML(body []byte) (Event, error) {
	var msg xmlMessage
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&msg); err != nil {
		return Event{}, fmt.Errorf("connect XML message is invalid: want a "+
			"DocuSignEnvelopeInformation document in namespace %s: %w", XMLNamespace, err)
	}
	st := msg.EnvelopeStatus
	status := strings.ToLower(strings.TrimSpace(st.Status))
	if status == "" {
		return Event{}, fmt.Errorf("connect XML message has no EnvelopeStatus/Status")
	}
	zone, err := parseZoneOffset(msg.TimeZoneOffset)
	if err != nil {
		return Event{}, err
	}
	generated, err := parseLocalTime(st.TimeGenerated, zone)
	if err != nil {
		return Event{}, err
	}
	return Event{Name: "envelope-" + status, EnvelopeID: strings.TrimSpace(st.EnvelopeID),
		Status: status, GeneratedAt: generated, Format: FormatXML}, nil
}

// parseZoneOffset reads TimeZoneOffset, a number of hours such as -7 or 5.5. A missing
// offset means UTC.
func parseZoneOffset(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.UTC, nil
	}
	hours, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(hours) || math.Abs(hours) > maxZoneOffsetHours {
		return nil, fmt.Errorf("connect XML message TimeZoneOffset %q is invalid: want hours "+
			"from UTC, such as -7", truncate(s, 20))
	}
	return time.FixedZone("", int(math.Round(hours*3600))), nil
}

// parseLocalTime reads TimeGenerated, such as 2020-03-28T23:57:15.1085476, in zone. A time
// that carries its own zone keeps it.
func parseLocalTime(s string, zone *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("connect XML message has no TimeGenerated, so its " +
			"order and identity are unknown")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("connect XML message TimeGenerated %q is invalid: "+
			"want ISO-8601 such as 2020-03-28T23:57:15.1085476", truncate(s, 40))
	}
	return t.UTC(), nil
}
