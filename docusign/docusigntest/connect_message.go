package docusigntest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// simMessage is a JSON SIM Connect message. The fields are in the order Docusign sends
// them.
type simMessage struct {
	Event             string  `json:"event"`
	APIVersion        string  `json:"apiVersion"`
	URI               string  `json:"uri"`
	RetryCount        int     `json:"retryCount"`
	ConfigurationID   int     `json:"configurationId"`
	GeneratedDateTime string  `json:"generatedDateTime"`
	Data              simData `json:"data"`
}

type simData struct {
	AccountID       string          `json:"accountId"`
	UserID          string          `json:"userId"`
	EnvelopeID      string          `json:"envelopeId"`
	RecipientID     string          `json:"recipientId,omitempty"`
	EnvelopeSummary json.RawMessage `json:"envelopeSummary,omitempty"`
}

// connectMessage renders event on envelope e for one configuration, from the envelope's
// state now. Callers hold s.mu.
func (s *Server) connectMessage(cfg ConnectConfig, e *envelope, event, recipientID string,
	generated time.Time) (*connectMessage, error) {
	m := &connectMessage{
		event: event, accountID: e.accountID, envelopeID: e.id, recipientID: recipientID,
		dropped: slices.Contains(cfg.DropEvents, event),
	}
	if cfg.Format == ConnectFormatXML {
		body, err := s.legacyMessage(e, generated)
		if err != nil {
			return nil, err
		}
		m.render = func(int) ([]byte, error) { return body, nil }
		return m, nil
	}
	msg, err := s.simMessage(cfg, e, event, recipientID, generated)
	if err != nil {
		return nil, err
	}
	m.render = func(retryCount int) ([]byte, error) {
		out := msg
		out.RetryCount = retryCount
		return json.Marshal(out)
	}
	return m, nil
}

func (s *Server) simMessage(cfg ConnectConfig, e *envelope, event, recipientID string,
	generated time.Time) (simMessage, error) {
	msg := simMessage{
		Event: event, APIVersion: "v2.1",
		URI:               "/restapi/v2.1/accounts/" + e.accountID + "/envelopes/" + e.id,
		ConfigurationID:   cfg.ConfigurationID,
		GeneratedDateTime: formatTime(generated),
		Data: simData{
			AccountID: e.accountID, UserID: e.sender.id, EnvelopeID: e.id,
			RecipientID: recipientID,
		},
	}
	if len(cfg.IncludeData) == 0 {
		return msg, nil
	}
	include := map[string]bool{}
	for _, part := range cfg.IncludeData {
		include[part] = true
	}
	summary := s.envelopeOut(e, include)
	// statusDateTime belongs to the REST envelope resource. Connect's envelopeSummary
	// carries statusChangedDateTime only.
	delete(summary, "statusDateTime")
	raw, err := json.Marshal(summary)
	if err != nil {
		return simMessage{}, fmt.Errorf("encode envelopeSummary of %s: %w", e.id, err)
	}
	msg.Data.EnvelopeSummary = raw
	return msg, nil
}

// publishConnect queues a message about event for every configuration that publishes it:
// the account-level one and the envelope's own eventNotification. recipientID is empty
// for envelope events. Callers hold s.mu.
func (s *Server) publishConnect(e *envelope, event, recipientID string) {
	h := s.connect
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	var targets []*publisher
	if h.account != nil && h.account.cfg.wants(event) {
		targets = append(targets, h.account)
	}
	if n := e.notification; n != nil && n.cfg.wants(event) {
		targets = append(targets, h.envelopePublisher(n))
	}
	if len(targets) == 0 {
		return
	}
	generated := h.generatedAt(s.now())
	for _, p := range targets {
		m, err := s.connectMessage(p.cfg, e, event, recipientID, generated)
		if err != nil {
			h.logger.Error("simulator Connect message not rendered", "event", event,
				"envelope_id", e.id, "error", err)
			continue
		}
		p.enqueue(m)
	}
}
