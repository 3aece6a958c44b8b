package connect

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/store"
)

// Rejected deliveries come from anyone who can reach /connect, so at most
// maxRejectReports of them per rejectWindow are logged and audited. Stats counts them all,
// and the next reported one logs how many were left out.
const (
	maxRejectReports = 20
	rejectWindow     = time.Minute
)

// guidPattern matches a Docusign GUID, the only envelope id shape that a rejected delivery
// may put into a log line.
var guidPattern = regexp.MustCompile(
	`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// rejection describes a delivery rejected with a 4xx status.
type rejection struct {
	status  int
	outcome string
	keyID   string
	// envelopeID returns the delivery's envelope id when readable. It runs only when the
	// rejection is reported, so a flood of bad requests is not parsed.
	envelopeID func() string
	err        error
}

// rejectRead rejects a body that could not be read, with 413 over the limit, else 400.
func (r *Receiver) rejectRead(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		r.reject(w, rejection{status: http.StatusRequestEntityTooLarge,
			outcome: OutcomeBodyTooLarge, err: err})
		return
	}
	r.reject(w, rejection{status: http.StatusBadRequest, outcome: OutcomeInvalidBody,
		err: err})
}

// rejectSignature rejects a delivery without a valid signature with 401.
func (r *Receiver) rejectSignature(w http.ResponseWriter, err error, body []byte,
	contentType string) {
	outcome := OutcomeBadSignature
	if errors.Is(err, ErrNoSignature) {
		outcome = OutcomeNoSignature
	}
	r.reject(w, rejection{status: http.StatusUnauthorized, outcome: outcome, err: err,
		envelopeID: func() string { return peekEnvelopeID(body, contentType) }})
}

// reject counts, reports within the rate limit, and responds with rej.status. The body of a
// rejected delivery is never logged or audited.
func (r *Receiver) reject(w http.ResponseWriter, rej rejection) {
	r.rejected.Add(1)
	if report, suppressed := r.rejects.allow(r.opts.Now()); report {
		envelopeID := ""
		if rej.envelopeID != nil {
			envelopeID = rej.envelopeID()
		}
		r.logger.Warn("connect delivery rejected", "status", rej.status,
			"outcome", rej.outcome, "envelope_id", envelopeID, "key_id", rej.keyID,
			"rejections_not_logged", suppressed, "err", rej.err)
		err := r.audit(store.AuditRecord{EnvelopeID: envelopeID, KeyID: rej.keyID,
			StatusCode: rej.status, Outcome: rej.outcome})
		if err != nil {
			r.logger.Error("audit of a rejected connect delivery failed",
				"envelope_id", envelopeID, "err", err)
		}
	}
	http.Error(w, rejectMessage(rej), rej.status)
}

// rejectMessage is the response body. A 401 gives no detail to an unauthenticated caller.
func rejectMessage(rej rejection) string {
	switch rej.status {
	case http.StatusUnauthorized:
		return "HMAC signature missing or invalid: check the Connect keys of the account"
	case http.StatusRequestEntityTooLarge:
		return "body too large: configure Connect without documents"
	}
	return "invalid Connect message: " + rej.err.Error()
}

// peekEnvelopeID returns the envelope id of an unverified body when it is a GUID, else "".
func peekEnvelopeID(body []byte, contentType string) string {
	format, err := detectFormat(body, contentType)
	if err != nil {
		return ""
	}
	var id string
	if format == FormatJSON {
		var msg struct {
			Data struct {
				EnvelopeID string `json:"envelopeId"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &msg)
		id = msg.Data.EnvelopeID
	} else {
		var msg xmlMessage
		_ = xml.NewDecoder(bytes.NewReader(body)).Decode(&msg)
		id = msg.EnvelopeStatus.EnvelopeID
	}
	if !guidPattern.MatchString(id) {
		return ""
	}
	return id
}

// rejectLimiter allows maxRejectReports reports per rejectWindow and counts the rest.
type rejectLimiter struct {
	mu          sync.Mutex
	windowStart time.Time
	reported    int
	suppressed  int
}

// allow reports whether a rejection at now may be reported, and if so how many were
// suppressed since the last report.
func (l *rejectLimiter) allow(now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.windowStart) || now.Sub(l.windowStart) >= rejectWindow {
		l.windowStart = now
		l.reported = 0
	}
	if l.reported >= maxRejectReports {
		l.suppressed++
		return false, 0
	}
	l.reported++
	suppressed := l.suppressed
	l.suppressed = 0
	return true, suppressed
}

// keyedMutex serialises work per key, such as the deliveries of one envelope.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

// lock waits for key's turn and returns the function that ends it.
func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = make(map[string]*keyLock)
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
