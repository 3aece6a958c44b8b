package docusigntest

import (
	"net/http"
	"strings"
	"time"
)

func (s *Server) getEnvelope(_ http.ResponseWriter, c *restCall) (int, any, *Error) {
	e, err := s.lookupEnvelope(c.account.id, c.r.PathValue("envelopeId"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.envelopeOut(e, includeSet(c.r.URL.Query().Get("include"))), nil
}

func (s *Server) listRecipients(_ http.ResponseWriter, c *restCall) (int, any, *Error) {
	e, err := s.lookupEnvelope(c.account.id, c.r.PathValue("envelopeId"))
	if err != nil {
		return 0, nil, err
	}
	withTabs := strings.EqualFold(c.r.URL.Query().Get("include_tabs"), "true")
	return http.StatusOK, e.recipientsOut(withTabs), nil
}

// updateEnvelope serves PUT envelope: resend, void, send a draft, or edit a draft's email.
func (s *Server) updateEnvelope(_ http.ResponseWriter, c *restCall) (int, any, *Error) {
	e, err := s.lookupEnvelope(c.account.id, c.r.PathValue("envelopeId"))
	if err != nil {
		return 0, nil, err
	}
	var in envelopeUpdateIn
	if err := decodeBody(c.r, &in); err != nil {
		return 0, nil, err
	}
	now := s.now()
	switch {
	case strings.EqualFold(c.r.URL.Query().Get("resend_envelope"), "true"):
		err = s.resend(e, now)
	case in.Status == StatusVoided:
		err = s.voidRequest(e, string(in.VoidedReason), now)
	case in.Status == StatusSent:
		err = s.sendDraft(e, &in, now)
	case in.Status == "" && (in.EmailSubject != "" || in.EmailBlurb != ""):
		err = s.editDraft(e, &in, now)
	default:
		err = invalidParameter("the update must void the envelope, send a draft, " +
			"edit a draft's email or resend with resend_envelope=true.")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, envelopeUpdateSummaryOut{EnvelopeID: e.id}, nil
}

// resend sends the envelope again to the recipients whose turn it is.
// NOTE: the wrong-state error code is unconfirmed. The message is the one reported by
// Docusign users.
func (s *Server) resend(e *envelope, now time.Time) *Error {
	switch e.status {
	case StatusCreated, StatusSent, StatusDelivered:
	default:
		return newAPIError(http.StatusBadRequest, "ENVELOPE_INVALID_STATUS",
			"Only envelope in the 'Created', 'Sent' or 'Delivered' states may be resent.")
	}
	for _, r := range e.recipients {
		if r.status == StatusSent || r.status == StatusDelivered {
			r.sent = now
			e.addEvent(now, "Resent Invitations", r.id)
			s.publishConnect(e, EventRecipientResent, r.id)
		}
	}
	e.lastModified = now
	if e.status != StatusCreated {
		s.publishConnect(e, EventEnvelopeResent, "")
	}
	return nil
}

func (s *Server) voidRequest(e *envelope, reason string, now time.Time) *Error {
	if e.status != StatusSent && e.status != StatusDelivered {
		return errCannotVoid()
	}
	if strings.TrimSpace(reason) == "" && !s.opts.VoidReasonOptional {
		return invalidParameter("voidedReason is required to void an envelope.")
	}
	s.void(e, now, reason)
	return nil
}

func (s *Server) sendDraft(e *envelope, in *envelopeUpdateIn, now time.Time) *Error {
	if e.status != StatusCreated {
		return newAPIError(http.StatusBadRequest, "ENVELOPE_INVALID_STATUS",
			"Invalid envelope status. Envelope status is not one of: Created.")
	}
	if in.EmailSubject != "" {
		e.subject = string(in.EmailSubject)
	}
	if in.EmailBlurb != "" {
		e.blurb = string(in.EmailBlurb)
	}
	return s.send(e, now)
}

func (s *Server) editDraft(e *envelope, in *envelopeUpdateIn, now time.Time) *Error {
	if e.status != StatusCreated {
		return newAPIError(http.StatusBadRequest, "ENVELOPE_INVALID_STATUS",
			"Invalid envelope status. Envelope status is not one of: Created.")
	}
	if in.EmailSubject != "" {
		e.subject = string(in.EmailSubject)
	}
	if in.EmailBlurb != "" {
		e.blurb = string(in.EmailBlurb)
	}
	e.lastModified = now
	return nil
}

func (s *Server) getAccount(_ http.ResponseWriter, c *restCall) (int, any, *Error) {
	a := c.account
	now := s.now()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	sent := 0
	for _, e := range s.state.sortedEnvelopes(a.id) {
		if !e.initialSent.Before(start) {
			sent++
		}
	}
	out := map[string]any{
		"accountIdGuid": a.id, "accountName": a.name, "externalAccountId": "0",
		"planName": "DEVELOPER PRO", "planClassification": "partner",
		"currentPlanId": planID, "planStartDate": formatTime(a.created),
		"billingPeriodStartDate":     formatTime(start),
		"billingPeriodEndDate":       formatTime(start.AddDate(0, 1, 0)),
		"billingPeriodEnvelopesSent": itoa(sent), "billingPeriodEnvelopesAllowed": "unlimited",
		"billingPeriodDaysRemaining": "0", "canUpgrade": "false", "isDowngrade": "false",
		"createdDate": formatTime(a.created), "currencyCode": "USD", "paymentMethod": "free",
		"seatsAllowed": "unlimited", "seatsInUse": itoa(len(s.state.users)),
		"status21CFRPart11": "not_enabled", "suspensionStatus": "",
		"envelopeSendingBlocked": "false", "connectPermission": "full",
		"allowTransactionRooms": "false", "useDisplayAppliance": false,
	}
	if strings.EqualFold(c.r.URL.Query().Get("include_account_settings"), "true") {
		out["accountSettings"] = map[string]any{
			"allowEnvelopeCustomFields": "true", "enableSequentialSigningAPI": "true",
			"allowSigningGroups": "true",
		}
	}
	return http.StatusOK, out, nil
}

// planID is a fixed GUID for the simulated plan.
const planID = "6b2b4a5b-5c8e-4a4e-9f64-6a2b3c4d5e6f"
