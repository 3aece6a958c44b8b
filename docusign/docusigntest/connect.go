package docusigntest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Connect event names of the JSON SIM format that the simulator publishes.
const (
	EventEnvelopeSent       = "envelope-sent"
	EventEnvelopeResent     = "envelope-resent"
	EventEnvelopeDelivered  = "envelope-delivered"
	EventEnvelopeCompleted  = "envelope-completed"
	EventEnvelopeDeclined   = "envelope-declined"
	EventEnvelopeVoided     = "envelope-voided"
	EventRecipientSent      = "recipient-sent"
	EventRecipientResent    = "recipient-resent"
	EventRecipientDelivered = "recipient-delivered"
	EventRecipientCompleted = "recipient-completed"
	EventRecipientDeclined  = "recipient-declined"
)

// Connect message formats.
const (
	ConnectFormatJSON = "json" // JSON SIM, apiVersion v2.1
	ConnectFormatXML  = "xml"  // legacy DocuSignEnvelopeInformation XML
)

// Connect defaults. Docusign retries a failed message over hours or days. The simulator
// retries after seconds, so that tests end.
const (
	DefaultConnectMaxAttempts     = 5
	DefaultConnectRetryDelay      = time.Second
	DefaultConnectTimeout         = 10 * time.Second
	DefaultConnectConfigurationID = 1000001
)

// maxConnectKeys caps HMACKeys. NOTE: Docusign does not publish its maximum number of
// Connect keys, so 100 is a guess.
const maxConnectKeys = 100

// connectEvents are the event names Docusign documents for JSON SIM configurations. A
// configuration may list any of them. The simulator publishes the Event constants only.
var connectEvents = []string{
	"envelope-sent", "envelope-resent", "envelope-delivered", "envelope-completed",
	"envelope-declined", "envelope-voided", "envelope-corrected", "envelope-purge",
	"envelope-deleted", "envelope-discard", "recipient-sent", "recipient-resent",
	"recipient-delivered", "recipient-completed", "recipient-declined",
	"recipient-authenticationfailed", "recipient-autoresponded", "recipient-reassign",
	"recipient-delegate", "recipient-finish-later", "template-created", "template-modified",
	"template-deleted", "click-agreed", "click-declined",
}

// connectIncludeData are the includeData values of Docusign's connectEventData. The
// simulator renders recipients, tabs, custom_fields and documents and ignores the others.
var connectIncludeData = []string{
	"attachments", "custom_fields", "documents", "extensions", "folders", "payment_tabs",
	"powerform", "recipients", "tabs",
}

// ConnectConfig is an account-level Connect configuration in SIM delivery mode: the
// simulator POSTs one message per envelope or recipient event to URL.
type ConnectConfig struct {
	// URL receives the messages. It must be an http or https URL on a loopback address
	// (127.0.0.0/8, ::1 or localhost), because the simulator posts to nothing else.
	URL string
	// HMACKeys are the account's Connect keys. Each message carries one
	// X-DocuSign-Signature-N header per key: the base64 HMAC-SHA256 of the body keyed with
	// the key's bytes. Empty sends unsigned messages.
	HMACKeys []string
	// Format is ConnectFormatJSON (the default) or ConnectFormatXML.
	Format string
	// IncludeData adds data.envelopeSummary to JSON messages when not empty: "recipients",
	// "tabs", "custom_fields" and "documents" add those parts to it.
	IncludeData []string
	// Events selects the published events by name. Empty publishes every event.
	Events []string
	// MaxAttempts is how many times one message is tried, the first time included.
	// Default DefaultConnectMaxAttempts.
	MaxAttempts int
	// RetryDelay is the wait between two attempts. Default DefaultConnectRetryDelay.
	RetryDelay time.Duration
	// Timeout bounds one attempt. A receiver that responds later counts as failed.
	// Default DefaultConnectTimeout.
	Timeout time.Duration
	// ConfigurationID is the message's configurationId. Default
	// DefaultConnectConfigurationID.
	ConfigurationID int

	// Duplicate delivers every message twice with the same body, as Docusign may, for
	// tests of at-least-once receivers.
	Duplicate bool
	// DropEvents names events whose messages are recorded as dropped and never sent, for
	// tests of receivers that must reconcile lost messages.
	DropEvents []string
}

// ConnectDelivery is one attempt to deliver a Connect message, as ConnectDeliveries
// returns it.
type ConnectDelivery struct {
	ConfigurationID int
	URL             string
	Format          string
	Event           string
	EnvelopeID      string
	RecipientID     string // recipient events only
	Attempt         int    // 1 for the first attempt
	RetryCount      int    // the message's retryCount: Attempt - 1
	StatusCode      int    // 0 when no response came
	Err             string // the transport error, if any
	Dropped         bool   // a DropEvents message that was never sent
	Duplicate       bool   // the second copy of a Duplicate delivery
	Body            []byte // the exact bytes posted
}

// OK reports whether the receiver responded with a 2xx status.
func (d ConnectDelivery) OK() bool { return d.StatusCode >= 200 && d.StatusCode < 300 }

// withDefaults returns the configuration with its zero fields set to their defaults.
func (c ConnectConfig) withDefaults() ConnectConfig {
	if c.Format == "" {
		c.Format = ConnectFormatJSON
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultConnectMaxAttempts
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = DefaultConnectRetryDelay
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultConnectTimeout
	}
	if c.ConfigurationID == 0 {
		c.ConfigurationID = DefaultConnectConfigurationID
	}
	c.HMACKeys = slices.Clone(c.HMACKeys)
	c.IncludeData = slices.Clone(c.IncludeData)
	c.Events = slices.Clone(c.Events)
	c.DropEvents = slices.Clone(c.DropEvents)
	return c
}

// validate checks a configuration after withDefaults.
func (c ConnectConfig) validate() error {
	if err := checkConnectURL(c.URL); err != nil {
		return err
	}
	if c.Format != ConnectFormatJSON && c.Format != ConnectFormatXML {
		return fmt.Errorf("invalid Connect format %q: use %q or %q",
			c.Format, ConnectFormatJSON, ConnectFormatXML)
	}
	if len(c.HMACKeys) > maxConnectKeys {
		return fmt.Errorf("too many Connect HMAC keys: %d, at most %d", len(c.HMACKeys),
			maxConnectKeys)
	}
	for i, key := range c.HMACKeys {
		if key == "" {
			return fmt.Errorf("HMAC key %d of the Connect configuration is empty: "+
				"remove it or set a value", i+1)
		}
	}
	if err := checkNames("event", c.Events, connectEvents); err != nil {
		return err
	}
	if err := checkNames("event", c.DropEvents, connectEvents); err != nil {
		return err
	}
	return checkNames("includeData value", c.IncludeData, connectIncludeData)
}

func checkNames(kind string, names, known []string) error {
	for _, name := range names {
		if !slices.Contains(known, name) {
			return fmt.Errorf("unknown Connect %s %q: use one of %s", kind, name,
				strings.Join(known, ", "))
		}
	}
	return nil
}

// checkConnectURL accepts http and https URLs whose host is a loopback address.
func checkConnectURL(raw string) error {
	if raw == "" {
		return errors.New("missing Connect URL: set the receiver's URL, such as " +
			"http://127.0.0.1:8080/connect")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid Connect URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("invalid Connect URL %q: use http or https", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("connect URL %q is not on loopback: the simulator posts only "+
			"to 127.0.0.1, ::1 or localhost", raw)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// wants reports whether the configuration publishes event.
func (c ConnectConfig) wants(event string) bool {
	return len(c.Events) == 0 || slices.Contains(c.Events, event)
}

// SetConnect turns on account-level Connect with cfg, replacing any earlier configuration.
// Messages queued for the earlier configuration get one more attempt each before it stops.
func (s *Server) SetConnect(cfg ConnectConfig) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	return s.connect.setAccount(&cfg)
}

// ClearConnect turns account-level Connect off. Envelope-level notifications go on.
func (s *Server) ClearConnect() {
	_ = s.connect.setAccount(nil)
}

// Connect returns the account-level Connect configuration and whether one is set.
func (s *Server) Connect() (ConnectConfig, bool) {
	return s.connect.accountConfig()
}

// ConnectDeliveries returns every delivery attempt so far, oldest first, across the
// account-level and envelope-level configurations. It keeps the latest
// maxConnectDeliveries attempts.
func (s *Server) ConnectDeliveries() []ConnectDelivery {
	return s.connect.deliveriesCopy()
}
