package docusigntest

import (
	"fmt"
	"net/http"
	"time"
)

// send moves a draft to sent and starts routing at the lowest routing order.
func (s *Server) send(e *envelope, now time.Time) *Error {
	if err := checkSendable(e); err != nil {
		return err
	}
	e.setStatus(StatusSent, now)
	e.sent, e.initialSent = now, now
	e.addEvent(now, "Envelope Sent", "")
	s.publishConnect(e, EventEnvelopeSent, "")
	s.route(e, now)
	return nil
}

// route sends the envelope to every recipient of the current routing order who has not had
// it yet. Carbon copies on the way are sent too. They do not hold up routing.
func (s *Server) route(e *envelope, now time.Time) {
	current := e.currentRoutingOrder()
	if current == 0 {
		s.complete(e, now)
		return
	}
	for _, r := range e.recipients {
		if r.status == StatusCreated && r.routingOrder <= current {
			r.status = StatusSent
			r.sent = now
			e.addEvent(now, "Sent Invitations", r.id)
			s.publishConnect(e, EventRecipientSent, r.id)
		}
	}
}

// complete finishes an envelope whose signers have all signed.
func (s *Server) complete(e *envelope, now time.Time) {
	for _, r := range e.recipients {
		if r.kind == kindCarbonCopy {
			if r.sent.IsZero() {
				r.sent = now
				e.addEvent(now, "Sent Invitations", r.id)
				s.publishConnect(e, EventRecipientSent, r.id)
			}
			r.status = StatusCompleted
		}
	}
	if e.delivered.IsZero() {
		e.delivered = now
	}
	e.completed = now
	e.setStatus(StatusCompleted, now)
	e.addEvent(now, "Envelope Completed", "")
	s.publishConnect(e, EventEnvelopeCompleted, "")
}

// expireIfDue voids a sent or delivered envelope whose expiry time has passed.
func (s *Server) expireIfDue(e *envelope, now time.Time) {
	if (e.status == StatusSent || e.status == StatusDelivered) && !now.Before(e.expireDateTime()) {
		s.void(e, e.expireDateTime(), ExpiredVoidReason)
	}
}

func (s *Server) void(e *envelope, now time.Time, reason string) {
	e.voided = now
	e.voidedReason = reason
	e.setStatus(StatusVoided, now)
	e.addEvent(now, "Envelope Voided", "")
	s.publishConnect(e, EventEnvelopeVoided, "")
}

// lookupEnvelope finds an envelope of the account and applies expiry first.
func (s *Server) lookupEnvelope(accountID, id string) (*envelope, *Error) {
	e := s.state.envelopes[id]
	if e == nil || (accountID != "" && e.accountID != accountID) {
		return nil, errEnvelopeNotFound()
	}
	s.expireIfDue(e, s.now())
	return e, nil
}

func errNotInSequence(r *recipient) *Error {
	return newAPIError(http.StatusBadRequest, "RECIPIENT_NOT_IN_SEQUENCE", fmt.Sprintf(
		"Recipient %s is not in sequence: routing order %d has not been reached.",
		r.id, r.routingOrder))
}

// actingSigner checks that a recipient can act now and returns it.
func (s *Server) actingSigner(envelopeID, recipientID string) (*envelope, *recipient, *Error) {
	e, err := s.lookupEnvelope("", envelopeID)
	if err != nil {
		return nil, nil, err
	}
	if e.status != StatusSent && e.status != StatusDelivered {
		return nil, nil, errNotInProcess()
	}
	r := e.recipient(recipientID)
	if r == nil {
		return nil, nil, newAPIError(http.StatusBadRequest, "INVALID_RECIPIENT_ID",
			fmt.Sprintf("A recipient with recipientId %q is not in the envelope.", recipientID))
	}
	if r.kind != kindSigner {
		return nil, nil, newAPIError(http.StatusBadRequest, "INVALID_RECIPIENT_ID",
			fmt.Sprintf("Recipient %s is a carbon copy and cannot act.", r.id))
	}
	switch r.status {
	case StatusCreated:
		return nil, nil, errNotInSequence(r)
	case StatusCompleted, StatusDeclined:
		return nil, nil, newAPIError(http.StatusBadRequest, "RECIPIENT_HAS_ALREADY_ACTED",
			fmt.Sprintf("Recipient %s has already %s.", r.id, map[string]string{
				StatusCompleted: "signed", StatusDeclined: "declined"}[r.status]))
	}
	return e, r, nil
}

func (s *Server) open(e *envelope, r *recipient, now time.Time) {
	if r.status != StatusSent {
		return
	}
	r.status = StatusDelivered
	r.delivered = now
	e.addEvent(now, "Certified Delivered", r.id)
	s.publishConnect(e, EventRecipientDelivered, r.id)
	// Docusign marks an envelope delivered when every recipient has viewed it, so under
	// sequential routing it stays sent until the last routing order has opened it.
	for _, other := range e.recipients {
		if other.kind == kindSigner && (other.status == StatusSent || other.status == StatusCreated) {
			return
		}
	}
	if e.status == StatusSent {
		e.delivered = now
		e.setStatus(StatusDelivered, now)
		s.publishConnect(e, EventEnvelopeDelivered, "")
	}
}

func (s *Server) sign(e *envelope, r *recipient, now time.Time) {
	s.open(e, r, now)
	r.status = StatusCompleted
	r.signed = now
	e.addEvent(now, "Signed", r.id)
	s.publishConnect(e, EventRecipientCompleted, r.id)
	s.route(e, now)
}

func (s *Server) decline(e *envelope, r *recipient, now time.Time, reason string) {
	s.open(e, r, now)
	r.status = StatusDeclined
	r.declined = now
	r.declineReason = reason
	e.declined = now
	e.setStatus(StatusDeclined, now)
	e.addEvent(now, "Declined", r.id)
	s.publishConnect(e, EventRecipientDeclined, r.id)
	s.publishConnect(e, EventEnvelopeDeclined, "")
}

// Open records that a recipient viewed the envelope, as when a signer opens the signing
// link. The envelope becomes delivered once every signer has opened it.
func (s *Server) Open(envelopeID, recipientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, r, err := s.actingSigner(envelopeID, recipientID)
	if err != nil {
		return err
	}
	s.open(e, r, s.now())
	return nil
}

// Sign signs for a recipient whose routing turn has come, and routes the envelope on. The
// last signature completes it. A recipient out of routing order gets RECIPIENT_NOT_IN_SEQUENCE.
func (s *Server) Sign(envelopeID, recipientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, r, err := s.actingSigner(envelopeID, recipientID)
	if err != nil {
		return err
	}
	s.sign(e, r, s.now())
	return nil
}

// Decline declines for a recipient, which declines the whole envelope.
func (s *Server) Decline(envelopeID, recipientID, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, r, err := s.actingSigner(envelopeID, recipientID)
	if err != nil {
		return err
	}
	s.decline(e, r, s.now(), reason)
	return nil
}

// SignAll signs for every signer in routing order until the envelope completes.
func (s *Server) SignAll(envelopeID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Each pass completes one signer, so the loop ends within one pass per recipient. The
	// bound turns a routing bug into an error instead of a spin that holds the lock.
	for pass := 0; pass <= maxRecipients; pass++ {
		e, err := s.lookupEnvelope("", envelopeID)
		if err != nil {
			return err
		}
		if e.status == StatusCompleted {
			return nil
		}
		next := nextSigner(e)
		if next == nil {
			return errNotInProcess()
		}
		if _, _, err := s.actingSigner(envelopeID, next.id); err != nil {
			return err
		}
		s.sign(e, next, s.now())
	}
	return fmt.Errorf("docusigntest: envelope %s did not complete after signing every signer", envelopeID)
}

func nextSigner(e *envelope) *recipient {
	for _, r := range e.recipients {
		if r.kind == kindSigner && (r.status == StatusSent || r.status == StatusDelivered) {
			return r
		}
	}
	return nil
}

// Expire voids a sent or delivered envelope with ExpiredVoidReason, as Docusign does when
// an envelope reaches its expiry date, and sets its expireDateTime to now when that was later.
// Envelopes also expire by themselves when the simulator clock passes their expireDateTime.
func (s *Server) Expire(envelopeID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookupEnvelope("", envelopeID)
	if err != nil {
		return err
	}
	if e.status != StatusSent && e.status != StatusDelivered {
		return errCannotVoid()
	}
	// The expiry moves to now, so expireDateTime and voidedDateTime agree as after a real
	// expiry, and clients that compare them see an expired envelope.
	now := s.now()
	if now.Before(e.expireDateTime()) {
		e.expiredEarly = now
	}
	s.void(e, now, ExpiredVoidReason)
	return nil
}

// Status returns the envelope's status, or an error for an unknown id.
func (s *Server) Status(envelopeID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookupEnvelope("", envelopeID)
	if err != nil {
		return "", err
	}
	return e.status, nil
}

// Events returns the envelope's history, oldest first.
func (s *Server) Events(envelopeID string) ([]Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookupEnvelope("", envelopeID)
	if err != nil {
		return nil, err
	}
	return append([]Event(nil), e.events...), nil
}

func errNotInProcess() *Error {
	return newAPIError(http.StatusBadRequest, "ENVELOPE_INVALID_STATUS",
		"Invalid envelope status. Envelope status is not one of: Sent, Delivered.")
}

func errCannotVoid() *Error {
	return newAPIError(http.StatusBadRequest, "ENVELOPE_CANNOT_VOID_INVALID_STATE",
		"Only envelopes in the 'Sent' or 'Delivered' states may be voided.")
}
