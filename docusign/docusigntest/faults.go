package docusigntest

import (
	"net/http"
)

// Fault makes the next requests of one operation fail, for testing client retries and
// error handling. Faults apply before authentication and are not counted against limits.
type Fault struct {
	// Op is the operation to fail, one of the Op constants. Empty matches every REST and
	// OAuth operation.
	Op string
	// Status is the HTTP status to return, e.g. 500 or 503.
	Status int
	// ErrorCode and Message form the {"errorCode","message"} body. Both empty means
	// UNSPECIFIED_ERROR with a generic message.
	ErrorCode string
	Message   string
	// RawBody replaces the JSON body, e.g. with an HTML error page. ContentType goes with it
	// and defaults to text/html.
	RawBody     string
	ContentType string
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Times is how many requests fail. Zero means one.
	Times int
}

// InjectFault queues a fault. Faults for the same operation apply in the order injected.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	s.state.faults = append(s.state.faults, &f)
}

// takeFault returns the first queued fault for op and uses up one of its repetitions;
// callers hold s.mu.
func (s *Server) takeFault(op string) *Fault {
	for i, f := range s.state.faults {
		if f.Op != "" && f.Op != op {
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
	if code == "" && message == "" {
		code = "UNSPECIFIED_ERROR"
		message = "An unexpected error occurred (fault injected by the simulator)."
	}
	writeError(w, newAPIError(f.Status, code, message))
}
