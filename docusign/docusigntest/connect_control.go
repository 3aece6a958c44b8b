package docusigntest

import (
	"net/http"
	"time"
)

// connectConfigWire is the JSON of /sim/connect. GET reports hmacKeyCount and never the
// keys. PUT takes hmacKeys.
type connectConfigWire struct {
	Enabled         bool     `json:"enabled"`
	URL             string   `json:"url,omitempty"`
	HMACKeys        []string `json:"hmacKeys,omitempty"`
	HMACKeyCount    int      `json:"hmacKeyCount"`
	Format          string   `json:"format,omitempty"`
	IncludeData     []string `json:"includeData,omitempty"`
	Events          []string `json:"events,omitempty"`
	MaxAttempts     int      `json:"maxAttempts,omitempty"`
	RetryDelayMs    int64    `json:"retryDelayMs,omitempty"`
	TimeoutMs       int64    `json:"timeoutMs,omitempty"`
	ConfigurationID int      `json:"configurationId,omitempty"`
	Duplicate       bool     `json:"duplicate,omitempty"`
	DropEvents      []string `json:"dropEvents,omitempty"`
}

// connectDeliveryWire is one delivery attempt in GET /sim/connect/deliveries.
type connectDeliveryWire struct {
	ConfigurationID int    `json:"configurationId"`
	Event           string `json:"event"`
	EnvelopeID      string `json:"envelopeId"`
	RecipientID     string `json:"recipientId,omitempty"`
	Format          string `json:"format"`
	Attempt         int    `json:"attempt"`
	RetryCount      int    `json:"retryCount"`
	StatusCode      int    `json:"statusCode"`
	Error           string `json:"error,omitempty"`
	Dropped         bool   `json:"dropped,omitempty"`
	Duplicate       bool   `json:"duplicate,omitempty"`
}

// connectRoutes serves the account-level Connect configuration:
//
//	GET    /sim/connect              the configuration, without the keys
//	PUT    /sim/connect              set it (connectConfigWire)
//	DELETE /sim/connect              turn it off
//	GET    /sim/connect/deliveries   ConnectDeliveries(), without the bodies
func (s *Server) connectRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sim/connect", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.connectWire())
	})
	mux.HandleFunc("PUT /sim/connect", s.putConnect)
	mux.HandleFunc("DELETE /sim/connect", func(w http.ResponseWriter, r *http.Request) {
		s.ClearConnect()
		s.opts.Logger.Info("simulator control request", "method", r.Method,
			"path", r.URL.Path)
		writeJSON(w, http.StatusOK, s.connectWire())
	})
	mux.HandleFunc("GET /sim/connect/deliveries", func(w http.ResponseWriter, _ *http.Request) {
		deliveries := s.ConnectDeliveries()
		out := make([]connectDeliveryWire, 0, len(deliveries))
		for _, d := range deliveries {
			out = append(out, connectDeliveryWire{
				ConfigurationID: d.ConfigurationID, Event: d.Event, EnvelopeID: d.EnvelopeID,
				RecipientID: d.RecipientID, Format: d.Format, Attempt: d.Attempt,
				RetryCount: d.RetryCount, StatusCode: d.StatusCode, Error: d.Err,
				Dropped: d.Dropped, Duplicate: d.Duplicate,
			})
		}
		writeJSON(w, http.StatusOK, out)
	})
}

func (s *Server) putConnect(w http.ResponseWriter, r *http.Request) {
	var in connectConfigWire
	if err := decodeBody(r, &in); err != nil {
		writeError(w, err)
		return
	}
	cfg := ConnectConfig{
		URL: in.URL, HMACKeys: in.HMACKeys, Format: in.Format, IncludeData: in.IncludeData,
		Events: in.Events, MaxAttempts: in.MaxAttempts,
		RetryDelay:      time.Duration(in.RetryDelayMs) * time.Millisecond,
		Timeout:         time.Duration(in.TimeoutMs) * time.Millisecond,
		ConfigurationID: in.ConfigurationID, Duplicate: in.Duplicate, DropEvents: in.DropEvents,
	}
	if err := s.SetConnect(cfg); err != nil {
		s.opts.Logger.Warn("simulator control request failed", "method", r.Method,
			"path", r.URL.Path, "error", err)
		writeError(w, invalidParameter(err.Error()+"."))
		return
	}
	s.opts.Logger.Info("simulator control request", "method", r.Method, "path", r.URL.Path)
	writeJSON(w, http.StatusOK, s.connectWire())
}

// connectWire renders the account-level configuration without its keys.
func (s *Server) connectWire() connectConfigWire {
	cfg, ok := s.Connect()
	if !ok {
		return connectConfigWire{}
	}
	return connectConfigWire{
		Enabled: true, URL: cfg.URL, HMACKeyCount: len(cfg.HMACKeys), Format: cfg.Format,
		IncludeData: cfg.IncludeData, Events: cfg.Events, MaxAttempts: cfg.MaxAttempts,
		RetryDelayMs: cfg.RetryDelay.Milliseconds(), TimeoutMs: cfg.Timeout.Milliseconds(),
		ConfigurationID: cfg.ConfigurationID, Duplicate: cfg.Duplicate,
		DropEvents: cfg.DropEvents,
	}
}
