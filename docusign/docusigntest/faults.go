package docusigntest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// defaultLimitReset is how far in the future a 429 fault's X-RateLimit-Reset lies when
// Fault.ResetIn is zero.
const defaultLimitReset = time.Minute

// Fault makes the next requests of one operation fail, for testing client retries and
// error handling. Faults apply before authentication and are not counted against limits.
// Delay, AfterCommit and Drop apply to REST operations only. The OAuth endpoints skip
// faults that set them.
type Fault struct {
	// Op is the operation to fail, one of the Op constants. Empty matches every REST and
	// OAuth operation.
	Op string
	// Status is the HTTP status to return, e.g. 500 or 503. Zero means 500, unless Delay or
	// Drop is set: then zero sends the operation's real response, late.
	Status int
	// ErrorCode and Message form the {"errorCode","message"} body. Both empty means
	// UNSPECIFIED_ERROR with a generic message, or HOURLY_APIINVOCATION_LIMIT_EXCEEDED for
	// status 429.
	ErrorCode string
	Message   string
	// RawBody replaces the JSON body, e.g. with an HTML error page. ContentType goes with it
	// and defaults to text/html.
	RawBody     string
	ContentType string
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// ResetIn sets X-RateLimit-Reset of a 429 fault to the simulator's time plus ResetIn,
	// with X-RateLimit-Remaining 0. Zero means one minute.
	ResetIn time.Duration
	// Times is how many requests fail. Zero means one.
	Times int

	// Delay holds the response this long, for example past the client's timeout. The wait
	// ends early when the client closes the connection. Without AfterCommit the operation
	// runs after the wait, so a create the client gave up on can still be stored.
	Delay time.Duration
	// AfterCommit runs the operation first, so a create is stored, and applies the fault to
	// its response: the client sees an error for a request that took effect.
	AfterCommit bool
	// Drop closes the connection without a response, after Delay and, with AfterCommit,
	// after the operation ran.
	Drop bool
}

// InjectFault queues a fault. Faults for the same operation apply in the order injected.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Status == 0 && f.Delay == 0 && !f.Drop {
		f.Status = http.StatusInternalServerError
	}
	s.state.faults = append(s.state.faults, &f)
}

// ClearFaults removes every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.faults = nil
}

// Faults returns copies of the queued faults, with Times set to the repetitions left.
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, 0, len(s.state.faults))
	for _, f := range s.state.faults {
		out = append(out, *f)
	}
	return out
}

// restOnly reports whether the fault needs the REST path, which can wait and drop
// connections outside the simulator's lock.
func (f *Fault) restOnly() bool { return f.Delay > 0 || f.AfterCommit || f.Drop }

// takeFault returns the first queued fault for op and uses up one of its repetitions.
// Callers hold s.mu.
func (s *Server) takeFault(op string) *Fault {
	oauth := op == OpToken || op == OpUserInfo
	for i, f := range s.state.faults {
		if f.Op != "" && f.Op != op {
			continue
		}
		if oauth && f.restOnly() {
			continue
		}
		f.Times--
		if f.Times == 0 {
			s.state.faults = append(s.state.faults[:i], s.state.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// serveFault serves one REST request that drew fault f. It runs without s.mu, so that a
// held response does not block other requests. serve runs the operation.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, op string, f *Fault,
	serve http.HandlerFunc) {
	var committed *httptest.ResponseRecorder
	if f.AfterCommit {
		committed = httptest.NewRecorder()
		serve(committed, r)
	}
	if f.Delay > 0 && !sleepContext(r, f.Delay) {
		s.logFault(r, op, "client closed the connection during the delay")
		return
	}
	switch {
	case f.Drop:
		dropConnection(w)
		s.logFault(r, op, "connection dropped")
	case f.Status != 0:
		s.sendFault(w, f)
		s.logCall(r, op, f.Status, f.ErrorCode)
	case committed != nil:
		copyRecorded(w, committed)
	default:
		serve(w, r)
	}
}

// sleepContext waits for d and reports false when the request's context ends first.
func sleepContext(r *http.Request, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// dropConnection closes the client's connection without writing a response. When the
// connection cannot be taken over, as with HTTP/2, it aborts the handler, which resets the
// stream.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for name, values := range rec.Header() {
		w.Header()[name] = values
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (s *Server) logFault(r *http.Request, op, what string) {
	s.opts.Logger.Info("docusigntest: injected fault", "op", op, "method", r.Method,
		"fault", what)
}

// sendFault sends a fault response, with the rate-limit headers of an exhausted hourly
// limit for status 429.
func (s *Server) sendFault(w http.ResponseWriter, f *Fault) {
	if f.Status == http.StatusTooManyRequests {
		s.setExhaustedLimitHeaders(w.Header(), f.ResetIn)
	}
	writeFault(w, f)
}

func (s *Server) setExhaustedLimitHeaders(h http.Header, resetIn time.Duration) {
	if resetIn <= 0 {
		resetIn = defaultLimitReset
	}
	s.mu.Lock()
	reset := s.now().Add(resetIn)
	s.mu.Unlock()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.HourlyLimit))
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
}

// writeFault sends a fault response.
func writeFault(w http.ResponseWriter, f *Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.RawBody != "" {
		contentType := f.ContentType
		if contentType == "" {
			contentType = "text/html; charset=utf-8"
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.RawBody))
		return
	}
	code, message := f.ErrorCode, f.Message
	switch {
	case code != "" || message != "":
	case f.Status == http.StatusTooManyRequests:
		code, message = "HOURLY_APIINVOCATION_LIMIT_EXCEEDED", limitMessage
	default:
		code = "UNSPECIFIED_ERROR"
		message = "An unexpected error occurred (fault injected by the simulator)."
	}
	writeError(w, newAPIError(f.Status, code, message))
}

// faultJSON is a Fault in the /sim/faults control API, with durations in milliseconds.
type faultJSON struct {
	Op          string `json:"op,omitempty"`
	Status      int    `json:"status,omitempty"`
	ErrorCode   string `json:"errorCode,omitempty"`
	Message     string `json:"message,omitempty"`
	RawBody     string `json:"rawBody,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	RetryAfter  string `json:"retryAfter,omitempty"`
	ResetInMS   int64  `json:"resetInMs,omitempty"`
	Times       int    `json:"times,omitempty"`
	DelayMS     int64  `json:"delayMs,omitempty"`
	AfterCommit bool   `json:"afterCommit,omitempty"`
	Drop        bool   `json:"drop,omitempty"`
}

func (j faultJSON) fault() Fault {
	return Fault{Op: j.Op, Status: j.Status, ErrorCode: j.ErrorCode, Message: j.Message,
		RawBody: j.RawBody, ContentType: j.ContentType, RetryAfter: j.RetryAfter,
		ResetIn: time.Duration(j.ResetInMS) * time.Millisecond, Times: j.Times,
		Delay:       time.Duration(j.DelayMS) * time.Millisecond,
		AfterCommit: j.AfterCommit, Drop: j.Drop}
}

func faultToJSON(f Fault) faultJSON {
	return faultJSON{Op: f.Op, Status: f.Status, ErrorCode: f.ErrorCode, Message: f.Message,
		RawBody: f.RawBody, ContentType: f.ContentType, RetryAfter: f.RetryAfter,
		ResetInMS: f.ResetIn.Milliseconds(), Times: f.Times, DelayMS: f.Delay.Milliseconds(),
		AfterCommit: f.AfterCommit, Drop: f.Drop}
}

// faultRoutes serves the faults over HTTP, for tests that drive the standalone simulator:
//
//	POST   /sim/faults   queue one fault, a JSON object with the Fault fields in camelCase
//	                     and delayMs and resetInMs in milliseconds
//	GET    /sim/faults   the queued faults
//	DELETE /sim/faults   remove every queued fault
func (s *Server) faultRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var body faultJSON
		if err := decodeOptional(r, &body); err != nil {
			writeControlError(w, err)
			return
		}
		if err := checkFaultJSON(body); err != nil {
			writeError(w, err)
			return
		}
		s.InjectFault(body.fault())
		s.writeFaults(w)
	})
	mux.HandleFunc("GET /sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.writeFaults(w)
	})
	mux.HandleFunc("DELETE /sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		s.writeFaults(w)
	})
}

func checkFaultJSON(f faultJSON) *Error {
	switch {
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return invalidParameter("status " + itoa(f.Status) + " is not an error: pass 400 to 599.")
	case f.DelayMS < 0 || f.ResetInMS < 0 || f.Times < 0:
		return invalidParameter("delayMs, resetInMs and times must be 0 or more.")
	}
	return nil
}

func (s *Server) writeFaults(w http.ResponseWriter) {
	faults := s.Faults()
	out := make([]faultJSON, 0, len(faults))
	for _, f := range faults {
		out = append(out, faultToJSON(f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"faults": out})
}
