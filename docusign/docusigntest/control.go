package docusigntest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// controlRoutes serves the signer actions and test helpers over HTTP under /sim/, for the
// standalone simulator and the demo. They need no token: the simulator listens on loopback.
//
//	POST /sim/envelopes/{id}/recipients/{rid}/open
//	POST /sim/envelopes/{id}/recipients/{rid}/sign
//	POST /sim/envelopes/{id}/recipients/{rid}/decline   {"reason": "..."}
//	POST /sim/envelopes/{id}/sign-all
//	POST /sim/envelopes/{id}/expire
//	GET  /sim/envelopes/{id}                            status and recipients
//	GET  /sim/calls                                     Calls()
//	GET  /sim/violations                                Violations()
//	POST /sim/clock/advance                             {"seconds": 3600}
//	POST /sim/envelopes/{id}/recipients/{rid}/attachments  see attachRoute
//	GET, PUT, DELETE /sim/connect                       see connectRoutes
func (s *Server) controlRoutes(mux *http.ServeMux) {
	const env = "/sim/envelopes/{envelopeId}"
	const rcp = env + "/recipients/{recipientId}"
	mux.HandleFunc("POST "+rcp+"/open", s.control(func(r *http.Request) error {
		return s.Open(r.PathValue("envelopeId"), r.PathValue("recipientId"))
	}))
	mux.HandleFunc("POST "+rcp+"/sign", s.control(func(r *http.Request) error {
		return s.Sign(r.PathValue("envelopeId"), r.PathValue("recipientId"))
	}))
	mux.HandleFunc("POST "+rcp+"/decline", s.control(func(r *http.Request) error {
		var body struct {
			Reason string `json:"reason"`
		}
		if err := decodeOptional(r, &body); err != nil {
			return err
		}
		return s.Decline(r.PathValue("envelopeId"), r.PathValue("recipientId"), body.Reason)
	}))
	mux.HandleFunc("POST "+env+"/sign-all", s.control(func(r *http.Request) error {
		return s.SignAll(r.PathValue("envelopeId"))
	}))
	mux.HandleFunc("POST "+env+"/expire", s.control(func(r *http.Request) error {
		return s.Expire(r.PathValue("envelopeId"))
	}))
	mux.HandleFunc("GET "+env, s.control(func(*http.Request) error { return nil }))
	mux.HandleFunc("GET /sim/calls", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Calls())
	})
	mux.HandleFunc("POST /sim/clock/advance", s.advanceClock)
	mux.HandleFunc("GET /sim/violations", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Violations())
	})
	s.attachRoute(mux)
	s.connectRoutes(mux)
}

// control runs a signer action and responds with the envelope's status and recipients.
func (s *Server) control(action func(*http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := action(r); err != nil {
			s.opts.Logger.Warn("simulator control request failed", "method", r.Method,
				"path", r.URL.Path, "error", err)
			writeControlError(w, err)
			return
		}
		if r.Method != http.MethodGet {
			s.opts.Logger.Info("simulator control request", "method", r.Method,
				"path", r.URL.Path)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		e, err := s.lookupEnvelope("", r.PathValue("envelopeId"))
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"envelopeId": e.id, "status": e.status, "recipients": e.recipientsOut(false),
		})
	}
}

func writeControlError(w http.ResponseWriter, err error) {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		writeError(w, apiErr)
		return
	}
	writeError(w, invalidParameter(err.Error()))
}

func decodeOptional(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 64<<10))
	if err != nil || len(body) == 0 {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errBadBody(err)
	}
	return nil
}

func (s *Server) advanceClock(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Seconds int64 `json:"seconds"`
	}
	if err := decodeOptional(r, &body); err != nil {
		writeControlError(w, err)
		return
	}
	maxSeconds := int64(maxClockOffset / time.Second)
	if body.Seconds <= 0 || body.Seconds > maxSeconds {
		writeError(w, invalidParameter(fmt.Sprintf("seconds must be between 1 and %d "+
			"(100 years).", maxSeconds)))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := time.Duration(body.Seconds) * time.Second
	if s.clockOffset+d > maxClockOffset {
		writeError(w, invalidParameter(fmt.Sprintf("the clock is already %d seconds ahead, "+
			"and the simulator moves it at most %d seconds (100 years) ahead.",
			int64(s.clockOffset/time.Second), maxSeconds)))
		return
	}
	s.clockOffset += d
	writeJSON(w, http.StatusOK, map[string]string{"now": formatTime(s.now())})
}
