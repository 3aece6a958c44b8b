package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/metrics"
	"github.com/ys88io/docusign-mcp/store"
)

// Readiness timing. A Docusign access token from JWT Grant lasts an hour, so a token
// request that succeeded within tokenFresh means the client still holds a valid token and
// /readyz sends nothing to Docusign.
const (
	tokenFresh = 50 * time.Minute
	// probeInterval bounds the probes that /readyz sends when no recent token request
	// shows the state: at most one Accounts:get per interval, whatever the scrape rate.
	probeInterval = 5 * time.Minute
	// failedProbeInterval is the shorter wait after a failure, so that readiness returns
	// soon after consent is granted or the key fixed.
	failedProbeInterval = time.Minute
	probeTimeout        = 10 * time.Second
)

// serveHealth returns the /healthz handler: 200 while the process serves HTTP.
func serveHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
}

// readyCheck is one named readiness condition. check returns nil when it holds.
type readyCheck struct {
	name  string
	check func(context.Context) error
}

// readiness is the state behind /readyz: named checks that other components register, and
// what the Docusign client's calls show about its token.
type readiness struct {
	logger *slog.Logger
	now    func() time.Time

	mu     sync.Mutex
	checks []readyCheck
	// lastToken is the outcome of the last OAuth:token request, zero before any.
	lastToken tokenOutcome
	lastProbe time.Time
	probe     func(context.Context) error
	// wasReady is the outcome of the last /readyz request, so that only changes are logged
	// and a probe every few seconds does not repeat the same line.
	wasReady bool
	answered bool
}

// tokenOutcome is the result of one token request.
type tokenOutcome struct {
	at  time.Time
	err error
}

func newReadiness(logger *slog.Logger) *readiness {
	return &readiness{logger: logger, now: time.Now}
}

// register adds a check that /readyz runs on each request. check must return quickly and
// must not call Docusign; a component that halts on lost consent registers its state here.
func (r *readiness) register(name string, check func(context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, readyCheck{name: name, check: check})
}

// setProbe sets the Docusign call that /readyz sends when the token state is unknown or
// stale, such as Accounts:get, which also obtains a token when the client holds none.
func (r *readiness) setProbe(probe func(context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.probe = probe
}

// ObserveCall keeps the outcome of each token request. It makes readiness a
// docusign.Observer.
func (r *readiness) ObserveCall(rec docusign.CallRecord) {
	if rec.Operation != "OAuth:token" {
		return
	}
	var err error
	switch {
	case rec.ErrorCode == "consent_required":
		err = errors.New("consent missing: the token endpoint returned consent_required; run " +
			"'docusign-mcp consent-url' and grant consent")
	case rec.Err != nil:
		err = fmt.Errorf("token request failed: %w", rec.Err)
	case rec.StatusCode < 200 || rec.StatusCode > 299:
		err = fmt.Errorf("token request failed with HTTP %d %s", rec.StatusCode, rec.ErrorCode)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastToken = tokenOutcome{at: r.now(), err: err}
}

// docusignReady reports whether the client holds a valid token or can obtain one. It
// probes Docusign only when no token request within tokenFresh settles the question, and
// at most once per probe interval.
func (r *readiness) docusignReady(ctx context.Context) error {
	r.mu.Lock()
	last, probe, now := r.lastToken, r.probe, r.now()
	switch {
	case last.err == nil && !last.at.IsZero() && now.Sub(last.at) < tokenFresh:
		r.mu.Unlock()
		return nil
	case probe == nil:
		r.mu.Unlock()
		return last.err
	}
	wait := probeInterval
	if last.err != nil {
		wait = failedProbeInterval
	}
	if !r.lastProbe.IsZero() && now.Sub(r.lastProbe) < wait {
		r.mu.Unlock()
		return last.err
	}
	r.lastProbe = now
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	err := probe(ctx)
	if err != nil {
		r.logger.Warn("readiness probe of Docusign failed", "err", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastToken.err != nil {
		return r.lastToken.err
	}
	return err
}

// readyResult is one line of the /readyz body.
type readyResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// run runs every check, the Docusign one last.
func (r *readiness) run(ctx context.Context) ([]readyResult, bool) {
	r.mu.Lock()
	checks := append([]readyCheck(nil), r.checks...)
	r.mu.Unlock()
	checks = append(checks, readyCheck{name: "docusign", check: r.docusignReady})
	ready := true
	results := make([]readyResult, 0, len(checks))
	for _, c := range checks {
		res := readyResult{Name: c.name, OK: true}
		if err := c.check(ctx); err != nil {
			res.OK, res.Error, ready = false, err.Error(), false
		}
		results = append(results, res)
	}
	return results, ready
}

// handler returns the /readyz handler: 200 when every check holds, else 503, with a JSON
// body that names each check and the error of each failed one.
func (r *readiness) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		results, ready := r.run(req.Context())
		status := http.StatusOK
		if !ready {
			status = http.StatusServiceUnavailable
		}
		r.logChange(ready, results)
		body, _ := json.Marshal(map[string]any{"ready": ready, "checks": results})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_, _ = w.Write(append(body, '\n'))
	})
}

// logChange logs a change of readiness: the failed checks with their errors when it is
// lost, and one line when it returns.
func (r *readiness) logChange(ready bool, results []readyResult) {
	r.mu.Lock()
	changed := !r.answered || r.wasReady != ready
	r.wasReady, r.answered = ready, true
	r.mu.Unlock()
	switch {
	case !changed:
	case ready:
		r.logger.Info("ready")
	default:
		for _, res := range results {
			if !res.OK {
				r.logger.Warn("not ready", "check", res.Name, "err", res.Error)
			}
		}
	}
}

// storeProbeKey is a document key that no envelope uses, read to check that the store
// serves reads.
var storeProbeKey = store.DocumentKey{EnvelopeID: "readyz", DocumentID: "probe"}

// watch registers the readiness of the store and of the client's token. The probe is
// Accounts:get, which costs one call of the account's hourly limit and obtains a token
// when the client holds none.
func (o *opsState) watch(client *docusign.Client, s *store.Store) {
	o.metrics.Registry.NewGaugeFunc("docusign_mcp_docusign_halted",
		"1 while the Docusign client refuses calls after lost consent or a rejected key, "+
			"else 0.", nil, func() []metrics.Sample {
			value := 0.0
			if _, halted := client.Halted(); halted {
				value = 1
			}
			return []metrics.Sample{{Value: value}}
		})
	o.ready.setProbe(func(ctx context.Context) error {
		_, _, err := client.Accounts.Get(ctx)
		return err
	})
	o.ready.register("store", func(ctx context.Context) error {
		_, err := s.StatDocument(ctx, storeProbeKey)
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("store read failed: %w", err)
	})
}
