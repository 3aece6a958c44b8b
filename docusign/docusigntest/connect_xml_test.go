package docusigntest

import (
	"encoding/xml"
	"regexp"
	"testing"
	"time"
)

// legacyRead decodes the parts of a legacy XML message that the tests check, in the
// Docusign namespace.
type legacyRead struct {
	XMLName        xml.Name `xml:"http://www.docusign.net/API/3.0 DocuSignEnvelopeInformation"`
	EnvelopeStatus struct {
		RecipientStatuses []struct {
			Type          string `xml:"Type"`
			Status        string `xml:"Status"`
			Signed        string `xml:"Signed"`
			RecipientID   string `xml:"RecipientId"`
			DeclineReason struct {
				Nil string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
			} `xml:"DeclineReason"`
		} `xml:"RecipientStatuses>RecipientStatus"`
		TimeGenerated string `xml:"TimeGenerated"`
		EnvelopeID    string `xml:"EnvelopeID"`
		Status        string `xml:"Status"`
		Created       string `xml:"Created"`
		Completed     string `xml:"Completed"`
		CustomFields  []struct {
			Name  string `xml:"Name"`
			Value string `xml:"Value"`
		} `xml:"CustomFields>CustomField"`
		DocumentStatuses []struct {
			ID   string `xml:"ID"`
			Name string `xml:"Name"`
		} `xml:"DocumentStatuses>DocumentStatus"`
	} `xml:"EnvelopeStatus"`
	TimeZone       string `xml:"TimeZone"`
	TimeZoneOffset int    `xml:"TimeZoneOffset"`
}

var (
	legacyTimePattern      = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?$`)
	legacyGeneratedPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$`)
)

func TestConnectLegacyXML(t *testing.T) {
	rc := newReceiver(t, nil)
	s, clock := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url(),
		Format: ConnectFormatXML, HMACKeys: []string{"xml-key"},
		Events: []string{EventEnvelopeSent, EventEnvelopeCompleted}}})
	_, envelopeID := sentEnvelope(t, s)
	clock.Add(90 * time.Minute)
	if err := s.SignAll(envelopeID); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	waitConnect(t, s)

	got := rc.accepted()
	if len(got) != 2 {
		t.Fatalf("received %d messages, want envelope-sent and envelope-completed", len(got))
	}
	for _, m := range got {
		if ct := m.header.Get("Content-Type"); ct != "text/xml" {
			t.Errorf("Content-Type = %q, want text/xml", ct)
		}
		if !validSignature("xml-key", m.body, m.header.Get("X-DocuSign-Signature-1")) {
			t.Errorf("X-DocuSign-Signature-1 does not verify over the XML body")
		}
	}
	sent := decodeLegacy(t, got[0].body)
	completed := decodeLegacy(t, got[1].body)
	if sent.EnvelopeStatus.Status != "Sent" || completed.EnvelopeStatus.Status != "Completed" {
		t.Errorf("statuses = %q, %q; want Sent, Completed", sent.EnvelopeStatus.Status,
			completed.EnvelopeStatus.Status)
	}
	checkLegacyEnvelope(t, completed, envelopeID)
	checkLegacyTimes(t, completed, clock.Now())
}

func decodeLegacy(t *testing.T, body []byte) legacyRead {
	t.Helper()
	var out legacyRead
	if err := xml.Unmarshal(body, &out); err != nil {
		t.Fatalf("decode legacy XML %s: %v", body, err)
	}
	return out
}

func checkLegacyEnvelope(t *testing.T, msg legacyRead, envelopeID string) {
	t.Helper()
	st := msg.EnvelopeStatus
	if st.EnvelopeID != envelopeID {
		t.Errorf("EnvelopeID = %q, want %s", st.EnvelopeID, envelopeID)
	}
	wantTypes := []string{"Signer", "Signer", "CarbonCopy"}
	if len(st.RecipientStatuses) != len(wantTypes) {
		t.Fatalf("%d RecipientStatus elements, want %d", len(st.RecipientStatuses),
			len(wantTypes))
	}
	for i, r := range st.RecipientStatuses {
		if r.Type != wantTypes[i] || r.Status != "Completed" {
			t.Errorf("recipient %d = %s %s, want %s Completed", i+1, r.Type, r.Status,
				wantTypes[i])
		}
		if r.DeclineReason.Nil != "true" {
			t.Errorf("recipient %d DeclineReason is not xsi:nil", i+1)
		}
		if len(r.RecipientID) != 36 {
			t.Errorf("recipient %d RecipientId = %q, want a GUID", i+1, r.RecipientID)
		}
	}
	if len(st.CustomFields) != 1 || st.CustomFields[0].Value != "M-1001" {
		t.Errorf("CustomFields = %+v, want MatterId M-1001", st.CustomFields)
	}
	if len(st.DocumentStatuses) != 1 || st.DocumentStatuses[0].ID != "1" {
		t.Errorf("DocumentStatuses = %+v, want document 1", st.DocumentStatuses)
	}
}

// checkLegacyTimes checks that times carry no zone and that TimeZoneOffset turns them
// back into the simulator's UTC time.
func checkLegacyTimes(t *testing.T, msg legacyRead, now time.Time) {
	t.Helper()
	st := msg.EnvelopeStatus
	if msg.TimeZone == "" {
		t.Errorf("TimeZone is empty")
	}
	for name, value := range map[string]string{"Created": st.Created,
		"Completed": st.Completed, "Signed": st.RecipientStatuses[0].Signed} {
		if !legacyTimePattern.MatchString(value) {
			t.Errorf("%s = %q, want a time without zone", name, value)
		}
	}
	if !legacyGeneratedPattern.MatchString(st.TimeGenerated) {
		t.Errorf("TimeGenerated = %q, want 7 fractional digits and no zone", st.TimeGenerated)
	}
	zone := time.FixedZone("account", msg.TimeZoneOffset*3600)
	completed, err := time.ParseInLocation("2006-01-02T15:04:05.999", st.Completed, zone)
	if err != nil {
		t.Fatalf("parse Completed %q: %v", st.Completed, err)
	}
	if !completed.Equal(now) {
		t.Errorf("Completed with TimeZoneOffset %d = %s, want %s", msg.TimeZoneOffset,
			completed.UTC(), now)
	}
}
