package docusign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// voidRequest is the Envelopes:update body that voids an envelope.
type voidRequest struct {
	Status       string `json:"status"`
	VoidedReason string `json:"voidedReason"`
}

// Void voids an envelope that is sent or delivered, with reason shown to its recipients
// (Envelopes:update, PUT /v2.1/accounts/{accountId}/envelopes/{envelopeId} with
// {"status":"voided","voidedReason":reason}). Docusign rejects other states with
// ENVELOPE_CANNOT_VOID_INVALID_STATE. Before repeating a failed request the client re-reads
// the envelope: if it is already voided, Void returns a summary with only EnvelopeID set and
// the re-read's Response, and sends nothing more.
func (s *EnvelopesService) Void(ctx context.Context, envelopeID, reason string) (
	*EnvelopeUpdateSummary, *Response, error) {
	if err := checkID("Envelopes:update", "envelope id", envelopeID); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, nil, errors.New("docusign Envelopes:update: void reason is missing: pass " +
			"the reason recipients will see")
	}
	body, err := json.Marshal(voidRequest{Status: "voided", VoidedReason: reason})
	if err != nil {
		return nil, nil, fmt.Errorf("docusign Envelopes:update: encode void request: %w", err)
	}
	var out EnvelopeUpdateSummary
	ep := s.updateEndpoint("void", envelopeID, body)
	ep.prepare = s.rereadBeforeRepeat(envelopeID, "void", voidPending(envelopeID, &out))
	resp, err := s.client.call(ctx, ep, nil, decodeJSON(&out, maxJSONBody), envelopeID)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// Resend sends an envelope's notification emails again to its current recipients
// (Envelopes:update, PUT /v2.1/accounts/{accountId}/envelopes/{envelopeId}
// ?resend_envelope=true with an empty object). Before repeating a failed request the client
// re-reads the envelope and gives up when its status no longer allows a resend.
func (s *EnvelopesService) Resend(ctx context.Context, envelopeID string) (
	*EnvelopeUpdateSummary, *Response, error) {
	if err := checkID("Envelopes:update", "envelope id", envelopeID); err != nil {
		return nil, nil, err
	}
	var out EnvelopeUpdateSummary
	ep := s.updateEndpoint("resend", envelopeID, []byte("{}"))
	ep.prepare = s.rereadBeforeRepeat(envelopeID, "resend", resendPending)
	query := url.Values{"resend_envelope": {"true"}}
	resp, err := s.client.call(ctx, ep, query, decodeJSON(&out, maxJSONBody), envelopeID)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

func (s *EnvelopesService) updateEndpoint(action, envelopeID string, body []byte) *endpoint {
	return &endpoint{
		operation:    "Envelopes:update",
		action:       action,
		method:       http.MethodPut,
		pathTemplate: envelopePath,
		envelopeID:   envelopeID,
		body:         body,
		contentType:  "application/json",
		mode:         modeReread,
	}
}

// pendingCheck inspects a re-read envelope status. repeat=true sends the update again,
// done=true ends the call successfully, and neither means that the update cannot apply.
type pendingCheck func(status string) (repeat, done bool)

// voidPending repeats a void while the envelope is sent or delivered, and ends the call
// successfully once it is voided, filling out with the envelope id.
func voidPending(envelopeID string, out *EnvelopeUpdateSummary) pendingCheck {
	return func(status string) (bool, bool) {
		switch status {
		case "sent", "delivered":
			return true, false
		case "voided":
			*out = EnvelopeUpdateSummary{EnvelopeID: envelopeID}
			return false, true
		}
		return false, false
	}
}

// resendPending repeats a resend while the envelope is in a state Docusign resends from.
func resendPending(status string) (bool, bool) {
	switch status {
	case "created", "sent", "delivered", "correct":
		return true, false
	}
	return false, false
}

// rereadBeforeRepeat returns the prepare step of void and resend: it reads the envelope's
// status and lets check decide whether the update is sent again.
func (s *EnvelopesService) rereadBeforeRepeat(envelopeID, action string,
	check pendingCheck) prepareFunc {
	return func(ctx context.Context, lastErr error) (*Response, bool, error) {
		env, resp, err := s.get(ctx, envelopeID, nil, "reread")
		if err != nil {
			markUpdateAmbiguous(lastErr)
			return resp, true, fmt.Errorf("docusign Envelopes:update: %s failed (%w) and "+
				"re-reading the envelope failed: %w", action, lastErr, err)
		}
		repeat, done := check(env.Status)
		switch {
		case done:
			return resp, true, nil
		case repeat:
			return nil, false, nil
		}
		return resp, true, fmt.Errorf("docusign Envelopes:update: %s failed (%w) and the "+
			"envelope is now %q, which does not allow it", action, lastErr, env.Status)
	}
}

// markUpdateAmbiguous flags a 5xx or 408 response to an update whose effect could not be
// checked.
func markUpdateAmbiguous(err error) {
	var rateErr *RateLimitError
	if errors.As(err, &rateErr) {
		return
	}
	if apiErr, ok := asAPIError(err); ok && apiErr.StatusCode >= 500 ||
		ok && apiErr.StatusCode == http.StatusRequestTimeout {
		apiErr.Ambiguous = true
	}
}
