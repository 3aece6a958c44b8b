package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/connect"
	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/metrics"
)

// metricsTokenEnv names the bearer token that /metrics requires. It has no flag because it
// is a secret.
const metricsTokenEnv = "DOCUSIGN_MCP_METRICS_TOKEN"

// opsState is the state behind the operations endpoints: the metrics and the readiness
// checks. startApp creates it before the Docusign client, so that the client reports to it.
type opsState struct {
	metrics *metrics.Server
	ready   *readiness
	logger  *slog.Logger
	// rejections bounds the log lines about /metrics requests without the token.
	rejections rejectionLog
}

// rejectionLog logs a rejected request at most once per minute, with the number of
// rejections it left out since the last line, so that a scanner cannot flood the log.
type rejectionLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func (l *rejectionLog) log(logger *slog.Logger, msg, remote string) {
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < time.Minute {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed := l.suppressed
	l.last, l.suppressed = now, 0
	l.mu.Unlock()
	logger.Warn(msg, "remote", remote, "suppressed_since_last", suppressed)
}

func newOpsState(logger *slog.Logger) *opsState {
	m := metrics.NewServer(buildVersion(), time.Now())
	return &opsState{metrics: m, ready: newReadiness(logger), logger: logger}
}

// instrument makes the Docusign client report every call to the metrics and the readiness
// state, besides cfg's own observer, and keeps the rate-limit headers of each response.
func (o *opsState) instrument(cfg *docusign.Config) {
	observers := []docusign.Observer{o.metrics, o.ready}
	if cfg.Observer != nil {
		observers = append(observers, cfg.Observer)
	}
	cfg.Observer = docusign.ObserverFunc(func(rec docusign.CallRecord) {
		for _, obs := range observers {
			obs.ObserveCall(rec)
		}
	})
	if cfg.HTTPClient != nil {
		cfg.HTTPClient.Transport = o.metrics.Transport(transportOrDefault(cfg.HTTPClient))
		return
	}
	client := docusign.NewHTTPClient()
	transport, ok := client.Transport.(*http.Transport)
	if !ok {
		// NOTE: the client's default transport changed type, so the rate-limit gauges stay
		// empty rather than losing the configured trusted CAs.
		o.logger.Warn("rate-limit metrics are off: the Docusign HTTP client has no " +
			"*http.Transport")
		return
	}
	if cfg.RootCAs != nil {
		transport.TLSClientConfig.RootCAs = cfg.RootCAs
	}
	client.Transport = o.metrics.Transport(transport)
	cfg.HTTPClient = client
}

func transportOrDefault(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// routes returns the operations endpoints that the HTTP listener mounts outside bearer
// authentication: /healthz, /readyz and /metrics. addr is the listen address.
func (o *opsState) routes(addr string, getenv func(string) string) map[string]http.Handler {
	return map[string]http.Handler{
		"/healthz": serveHealth(),
		"/readyz":  o.ready.handler(),
		"/metrics": o.metricsHandler(addr, strings.TrimSpace(getenv(metricsTokenEnv))),
	}
}

// metricsHandler serves the metrics. With a token it requires "Authorization: Bearer
// TOKEN". Without one it serves only on a loopback listener, because the metrics name the
// principals and their call volumes.
func (o *opsState) metricsHandler(addr, token string) http.Handler {
	next := o.metrics.Registry.Handler()
	host, _, _ := net.SplitHostPort(addr)
	loopback := isLoopbackHost(host)
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case token != "":
			presented, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			got := sha256.Sum256([]byte(strings.TrimSpace(presented)))
			if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				o.rejections.log(o.logger, "rejected a /metrics request without the "+
					"metrics token", r.RemoteAddr)
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "missing or wrong bearer token: send the token of "+
					metricsTokenEnv, http.StatusUnauthorized)
				return
			}
		case !loopback:
			http.Error(w, "/metrics is served without a token only on a loopback address: "+
				"set "+metricsTokenEnv+" and scrape with that bearer token",
				http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// opsRoutes exports the counts of the components that startApp started, then returns the
// operations endpoints.
func (a *app) opsRoutes(addr string, getenv func(string) string) map[string]http.Handler {
	if a.connect != nil && a.connect.receiver != nil {
		a.ops.registerConnectReceiver(a.connect.receiver)
	}
	return a.ops.routes(addr, getenv)
}

// registerConnectReceiver exports the Connect receiver's delivery counts.
func (o *opsState) registerConnectReceiver(r *connect.Receiver) {
	o.metrics.RegisterWebhookStats(func() metrics.WebhookStats {
		st := r.Stats()
		return metrics.WebhookStats{Accepted: st.Accepted, Duplicate: st.Duplicate,
			Rejected: st.Rejected}
	})
}

// registerAlertSink exports the alert sink's counts of raised alerts by kind.
func (o *opsState) registerAlertSink(s *alert.Sink) {
	o.metrics.RegisterAlertStats(func() map[string]uint64 { return s.Stats().Raised })
}
