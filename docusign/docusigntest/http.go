package docusigntest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Operation names used as keys of Server.Calls. They follow the resource:method names of
// Docusign's API reference.
const (
	OpToken             = "OAuth:token"
	OpUserInfo          = "OAuth:userinfo"
	OpGetAccount        = "Accounts:get"
	OpCreateEnvelope    = "Envelopes:create"
	OpListStatusChanges = "Envelopes:listStatusChanges"
	OpGetEnvelope       = "Envelopes:get"
	OpUpdateEnvelope    = "Envelopes:update"
	OpListRecipients    = "EnvelopeRecipients:list"
	OpListDocuments     = "EnvelopeDocuments:list"
	OpGetDocument       = "EnvelopeDocuments:get"
	OpListTemplates     = "Templates:list"
	OpGetTemplate       = "Templates:get"
)

const restPrefix = "/restapi/v2.1/accounts/{accountId}"

// Error is a Docusign error response: the errorDetails body and its HTTP status. The
// signer actions return it too, so tests can check ErrorCode.
type Error struct {
	StatusCode int    `json:"-"`
	ErrorCode  string `json:"errorCode"`
	Message    string `json:"message"`
}

// Error returns the error code and message.
func (e *Error) Error() string { return e.ErrorCode + ": " + e.Message }

func newAPIError(status int, code, message string) *Error {
	return &Error{StatusCode: status, ErrorCode: code, Message: message}
}

// invalidParameter builds INVALID_REQUEST_PARAMETER with Docusign's message prefix.
func invalidParameter(detail string) *Error {
	return newAPIError(http.StatusBadRequest, "INVALID_REQUEST_PARAMETER",
		"The request contained at least one invalid parameter. "+detail)
}

func errEnvelopeNotFound() *Error {
	// Docusign's spec declares every error 400. Its general docs table says 404. The spec wins.
	return newAPIError(http.StatusBadRequest, "ENVELOPE_DOES_NOT_EXIST",
		"The envelope specified either does not exist or you have no rights to it.")
}

func errInvalidToken() *Error {
	return newAPIError(http.StatusUnauthorized, "AUTHORIZATION_INVALID_TOKEN",
		"The access token provided is expired, revoked or malformed.")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err *Error) {
	writeJSON(w, err.StatusCode, err)
}

// restCall is the request, user and account that the REST middleware passes to an
// operation handler.
type restCall struct {
	r       *http.Request
	user    *user
	account *account
}

// restHandler serves one REST operation with s.mu held. It returns the status and body to
// send as JSON, or an error. A handler that writes bytes itself returns status 0.
type restHandler func(w http.ResponseWriter, c *restCall) (int, any, *Error)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("GET /oauth/userinfo", s.handleUserInfo)
	rest := func(method, path, op string, h restHandler) {
		mux.Handle(method+" "+restPrefix+path, s.rest(op, h))
	}
	rest("GET", "", OpGetAccount, s.getAccount)
	rest("POST", "/envelopes", OpCreateEnvelope, s.createEnvelope)
	rest("GET", "/envelopes", OpListStatusChanges, s.listStatusChanges)
	rest("GET", "/envelopes/{envelopeId}", OpGetEnvelope, s.getEnvelope)
	rest("PUT", "/envelopes/{envelopeId}", OpUpdateEnvelope, s.updateEnvelope)
	rest("GET", "/envelopes/{envelopeId}/recipients", OpListRecipients, s.listRecipients)
	rest("GET", "/envelopes/{envelopeId}/documents", OpListDocuments, s.listDocuments)
	rest("GET", "/envelopes/{envelopeId}/documents/{documentId}", OpGetDocument, s.getDocument)
	rest("GET", "/templates", OpListTemplates, s.listTemplates)
	rest("GET", "/templates/{templateId}", OpGetTemplate, s.getTemplate)
	s.controlRoutes(mux)
	s.faultRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newAPIError(http.StatusNotFound, "RESOURCE_NOT_FOUND",
			"The simulator does not serve "+r.Method+" "+r.URL.Path+"."))
	})
	return s.commonHeaders(mux)
}

// commonHeaders adds the trace token, node and rate-limit headers that every Docusign
// response carries. REST responses overwrite the rate headers with their account's counters.
func (s *Server) commonHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-DocuSign-TraceToken", newGUID())
		h.Set("X-DocuSign-Node", s.node)
		s.mu.Lock()
		rw := s.state.rateFor(s.state.primaryAccountID())
		rw.roll(s.now())
		s.setRateHeaders(h, rw)
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// rest wraps an operation with authentication, account membership, limits and counting.
func (s *Server) rest(op string, h restHandler) http.Handler {
	serve := func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.serveREST(w, r, op, h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.state.calls[op]++
		f := s.takeFault(op)
		s.mu.Unlock()
		if f != nil {
			s.serveFault(w, r, op, f, serve)
			return
		}
		serve(w, r)
	})
}

// serveREST authorizes, limits and runs one operation. Callers hold s.mu.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, op string, h restHandler) {
	c, err := s.authorize(r)
	if err == nil {
		err = s.checkLimits(w, r, c.account.id)
	}
	status, body := 0, any(nil)
	if err == nil {
		status, body, err = h(w, c)
	}
	switch {
	case err != nil:
		writeError(w, err)
		s.logCall(r, op, err.StatusCode, err.ErrorCode)
	case status != 0:
		writeJSON(w, status, body)
		s.logCall(r, op, status, "")
	default:
		s.logCall(r, op, http.StatusOK, "")
	}
}

// logCall logs one served request by operation and ids. It never logs tokens or bodies.
func (s *Server) logCall(r *http.Request, op string, status int, errorCode string) {
	attrs := []any{"op", op, "method", r.Method, "status", status}
	if errorCode != "" {
		attrs = append(attrs, "error_code", errorCode)
	}
	if id := r.PathValue("envelopeId"); id != "" {
		attrs = append(attrs, "envelope_id", id)
	}
	s.opts.Logger.Debug("simulator request", attrs...)
}

func (s *Server) authorize(r *http.Request) (*restCall, *Error) {
	const prefix = "Bearer "
	auth := r.Header.Get("Authorization")
	if len(auth) <= len(prefix) || auth[:len(prefix)] != prefix {
		return nil, errInvalidToken()
	}
	tok, ok := s.state.tokens[auth[len(prefix):]]
	if !ok || !s.now().Before(tok.expires) {
		return nil, errInvalidToken()
	}
	u := s.state.users[tok.userID]
	accountID := r.PathValue("accountId")
	for _, id := range u.accountIDs {
		if id == accountID {
			return &restCall{r: r, user: u, account: s.state.account(id)}, nil
		}
	}
	return nil, newAPIError(http.StatusBadRequest, "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT",
		"The specified User is not a member of the specified Account.")
}

// formatTime renders a time as Docusign does: UTC with seven fractional digits.
// The zero time renders as "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}

func itoa(n int) string { return strconv.Itoa(n) }

func boolString(b bool) string { return strconv.FormatBool(b) }
