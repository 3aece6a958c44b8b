package docusigntest

import (
	"fmt"
	"strings"
)

// eventNotificationIn is the eventNotification of an envelope definition. The simulator
// reads the fields below and ignores the rest, such as requireAcknowledgment.
type eventNotificationIn struct {
	URL          flexString   `json:"url"`
	Events       []flexString `json:"events"`
	IncludeHMAC  flexString   `json:"includeHMAC"`
	DeliveryMode flexString   `json:"deliveryMode"`
	EventData    *struct {
		Format      flexString   `json:"format"`
		Version     flexString   `json:"version"`
		IncludeData []flexString `json:"includeData"`
	} `json:"eventData"`
	EnvelopeEvents []struct {
		EnvelopeEventStatusCode flexString `json:"envelopeEventStatusCode"`
	} `json:"envelopeEvents"`
	RecipientEvents []struct {
		RecipientEventStatusCode flexString `json:"recipientEventStatusCode"`
	} `json:"recipientEvents"`
}

// envelopeNotification is an envelope's own Connect configuration. With includeHMAC its
// messages are signed with the keys of the account-level configuration at the time of
// each attempt, as Docusign signs them with the account's Connect keys.
type envelopeNotification struct {
	cfg         ConnectConfig
	includeHMAC bool
}

// parseEventNotification validates an envelope's eventNotification. It returns nil when
// the definition has none.
//
// Events come from events (JSON SIM names) and from the status codes of envelopeEvents
// and recipientEvents ("Completed" becomes envelope-completed or recipient-completed).
// With none of the three, every event is published. eventData.version "restv2.1" makes
// JSON the default format. Any other version is legacy, which Docusign sends as XML only.
// NOTE: deliveryMode "aggregate" is accepted but delivered like SIM.
func parseEventNotification(in *eventNotificationIn) (*envelopeNotification, *Error) {
	if in == nil {
		return nil, nil
	}
	cfg := ConnectConfig{URL: string(in.URL), Format: ConnectFormatXML}
	if in.EventData != nil {
		format, err := notificationFormat(string(in.EventData.Format),
			string(in.EventData.Version))
		if err != nil {
			return nil, err
		}
		cfg.Format = format
		for _, part := range in.EventData.IncludeData {
			cfg.IncludeData = append(cfg.IncludeData, string(part))
		}
	}
	cfg.Events = notificationEvents(in)
	cfg = cfg.withDefaults()
	// NOTE: the configurationId of envelope-level messages is not documented. The
	// simulator sends 0, because no account configuration sent them.
	cfg.ConfigurationID = 0
	if err := cfg.validate(); err != nil {
		return nil, invalidParameter("eventNotification: " + err.Error() + ".")
	}
	return &envelopeNotification{cfg: cfg,
		includeHMAC: strings.EqualFold(string(in.IncludeHMAC), "true")}, nil
}

func notificationFormat(format, version string) (string, *Error) {
	format = strings.ToLower(format)
	if strings.EqualFold(version, "restv2.1") {
		if format == "" {
			return ConnectFormatJSON, nil
		}
		return format, nil
	}
	if format != "" && format != ConnectFormatXML {
		return "", invalidParameter(fmt.Sprintf("eventNotification: eventData.format %q "+
			"needs eventData.version \"restv2.1\"; the legacy version sends XML only.", format))
	}
	return ConnectFormatXML, nil
}

func notificationEvents(in *eventNotificationIn) []string {
	var events []string
	for _, name := range in.Events {
		events = append(events, strings.ToLower(string(name)))
	}
	for _, ev := range in.EnvelopeEvents {
		events = append(events, "envelope-"+strings.ToLower(string(ev.EnvelopeEventStatusCode)))
	}
	for _, ev := range in.RecipientEvents {
		events = append(events,
			"recipient-"+strings.ToLower(string(ev.RecipientEventStatusCode)))
	}
	return events
}
