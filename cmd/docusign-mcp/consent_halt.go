package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/store"
)

// Probe modes of --consent-probe.
const (
	consentProbeAuto   = "auto"
	consentProbeManual = "manual"
)

// auditConsentResumed is the audit record kind written when a halt ends. Its Code is the
// halt's reason. The halt itself is audited as an alert whose kind is the halt's reason,
// consent_revoked or key_rejected.
const auditConsentResumed = "consent_resumed"

// consentConfig configures what serve does when Docusign consent or the key is lost.
type consentConfig struct {
	// Manual turns the automatic probes off: only 'docusign-mcp resume' (SIGUSR1) probes.
	Manual bool
	// NextKeyFile is the PEM file of the integration key's second RSA key, empty for none.
	NextKeyFile string
}

// consentFlags holds the raw consent settings.
type consentFlags struct {
	fs      *flag.FlagSet
	probe   envSetting
	nextKey envSetting
}

// addConsentFlags defines --consent-probe and --private-key-next-file on fs.
func addConsentFlags(fs *flag.FlagSet) *consentFlags {
	f := &consentFlags{fs: fs}
	f.probe = envSetting{flag: "consent-probe", env: "DOCUSIGN_MCP_CONSENT_PROBE",
		usage: "after Docusign consent is revoked or the key rejected: auto sends one token " +
			"request per minute until one succeeds; manual waits for 'docusign-mcp resume' " +
			"(default auto)"}
	f.nextKey = envSetting{flag: "private-key-next-file", env: "DOCUSIGN_PRIVATE_KEY_NEXT_FILE",
		usage: "PEM file of a second RSA key of the integration key, used when Docusign " +
			"rejects the first; see docs/consent.md for key rotation"}
	f.probe.register(fs)
	f.nextKey.register(fs)
	return f
}

// check resolves the environment and validates the settings.
func (f *consentFlags) check(getenv func(string) string) (consentConfig, []string) {
	f.probe.resolve(f.fs, getenv)
	f.nextKey.resolve(f.fs, getenv)
	var problems []string
	cfg := consentConfig{NextKeyFile: strings.TrimSpace(f.nextKey.value)}
	switch mode := strings.TrimSpace(f.probe.value); mode {
	case "", consentProbeAuto:
	case consentProbeManual:
		cfg.Manual = true
	default:
		problems = append(problems, fmt.Sprintf("%s %q is invalid: use auto or manual",
			f.probe.name(), truncate(mode, 40)))
	}
	if strings.HasPrefix(cfg.NextKeyFile, "~") {
		problems = append(problems, fmt.Sprintf("%s %q starts with ~, which serve does not "+
			"expand: use an absolute path", f.nextKey.name(), truncate(cfg.NextKeyFile, 80)))
	}
	return cfg, problems
}

// consentHalt turns the Docusign client's halts into an alert, and its resumes into a log
// line and an audit record. The alert sink starts after the client, so a halt seen before
// attach is raised when the sink arrives.
type consentHalt struct {
	logger *slog.Logger
	manual bool

	mu      sync.Mutex
	sink    *alert.Sink
	audit   *store.AuditLog
	pending []alert.Alert
}

// configureConsent loads the next key and sets the halt policy and callbacks on dsCfg.
// In simulator mode no next key is loaded.
func (a *app) configureConsent(dsCfg *docusign.Config, serve serveConfig) error {
	cfg := serve.Consent
	if !serve.Simulator {
		pemBytes, err := loadNextKey(serve)
		if err != nil {
			return err
		}
		dsCfg.NextPrivateKeyPEM = pemBytes
	}
	a.halt = &consentHalt{logger: a.logger.With("component", "consent"), manual: cfg.Manual}
	dsCfg.Halt = docusign.HaltPolicy{Manual: cfg.Manual}
	dsCfg.OnHalt = a.halt.onHalt
	dsCfg.OnResume = a.halt.onResume
	return nil
}

// secretNextPrivateKey is the secret file entry of the integration key's second RSA key.
const secretNextPrivateKey = "docusign-private-key-next"

// loadNextKey reads the next key from DOCUSIGN_PRIVATE_KEY_NEXT_FILE, else from the secret
// file's docusign-private-key-next entry when there is one. It returns nil for no next key.
func loadNextKey(serve serveConfig) ([]byte, error) {
	if path := serve.Consent.NextKeyFile; path != "" {
		pemBytes, problem := readPrivateKey(path)
		if problem != "" {
			return nil, fmt.Errorf("DOCUSIGN_PRIVATE_KEY_NEXT_FILE (--private-key-next-file) %s",
				problem)
		}
		return pemBytes, nil
	}
	if serve.SecretsFile == "" {
		return nil, nil
	}
	f, _, problem := openSecretFile(serve.SecretsFile, serve.SecretsKeyFile,
		serve.SecretsKeyHex)
	if problem != "" {
		return nil, errors.New(problem)
	}
	value, ok := f.Get(secretNextPrivateKey)
	if !ok {
		return nil, nil
	}
	pemBytes, problem := checkPrivateKey(value, "secret "+secretNextPrivateKey)
	if problem != "" {
		return nil, errors.New(problem)
	}
	return pemBytes, nil
}

// onHalt raises an alert of the halt's reason, consent_revoked or key_rejected, on its own
// goroutine, because the client waits for this callback.
func (h *consentHalt) onHalt(ev docusign.HaltEvent) {
	msg := "Docusign consent was revoked for the default user " + ev.UserID +
		": every tool call fails until consent is granted at " + ev.ConsentURL
	if ev.Reason == docusign.HaltKeyRejected {
		msg = "Docusign rejected the integration's RSA key: every tool call fails until " +
			"the key's public half is uploaded in Apps and Keys or the matching key is configured"
	}
	if h.manual {
		msg += ", and then 'docusign-mcp resume' is run"
	}
	// The key names this halt, so that the sink's repeat bound never hides a later halt
	// behind an earlier one that has already resumed.
	a := alert.Alert{Kind: ev.Reason,
		Key: ev.Reason + " since " + ev.Since.UTC().Format(time.RFC3339Nano), Message: msg}
	h.mu.Lock()
	sink := h.sink
	if sink == nil {
		h.pending = append(h.pending, a)
	}
	h.mu.Unlock()
	if sink != nil {
		go sink.Raise(context.Background(), a)
	}
}

// onResume writes the audit record of a resume on its own goroutine. The client logs the
// resume itself.
func (h *consentHalt) onResume(ev docusign.ResumeEvent) {
	h.mu.Lock()
	audit := h.audit
	h.mu.Unlock()
	if audit == nil {
		return
	}
	rec := store.AuditRecord{Time: ev.Resumed, Kind: auditConsentResumed, Code: ev.Reason,
		Outcome: "ok"}
	go func() {
		if _, err := audit.Append(rec); err != nil {
			h.logger.Error("auditing the consent resume failed", "reason", ev.Reason,
				"err", err)
		}
	}()
}

// attach sets the alert sink and the audit log, and raises the alerts of halts seen before.
func (h *consentHalt) attach(sink *alert.Sink, audit *store.AuditLog) {
	h.mu.Lock()
	h.sink, h.audit = sink, audit
	pending := h.pending
	h.pending = nil
	h.mu.Unlock()
	for _, a := range pending {
		if sink != nil {
			sink.Raise(context.Background(), a)
		}
	}
}

// watchConsent attaches the alert sink, registers the consent readiness check, probes on a
// timer in auto mode and resumes on SIGUSR1 until ctx is done.
func (a *app) watchConsent(ctx context.Context) {
	if a.halt == nil || a.client == nil {
		return
	}
	a.halt.attach(a.alerts, a.audit)
	client := a.client
	a.ops.ready.register("consent", func(context.Context) error {
		return haltedReadiness(client)
	})
	if !a.halt.manual {
		go probeHaltEvery(ctx, client, docusign.DefaultProbeInterval)
	}
	listenForResume(ctx, client, a.halt.logger)
}

// haltedReadiness returns an error that starts with "halted" while client is halted.
func haltedReadiness(client *docusign.Client) error {
	halted, ok := client.Halted()
	if !ok {
		return nil
	}
	return fmt.Errorf("halted since %s (%s): %w", halted.Since.UTC().Format(time.RFC3339),
		halted.Reason, &halted)
}

// probeHaltEvery requests a probe from the client each interval, so that service resumes
// without waiting for a tool call. The client itself keeps probes at least its
// ProbeInterval apart.
func probeHaltEvery(ctx context.Context, client *docusign.Client, every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if _, halted := client.Halted(); halted {
				_ = client.ProbeHalt(ctx)
			}
		}
	}
}

// resumeNow runs one probe for a resume request and logs its outcome.
func resumeNow(ctx context.Context, client *docusign.Client, logger *slog.Logger) {
	if _, halted := client.Halted(); !halted {
		logger.Info("resume requested, but the Docusign integration is not halted")
		return
	}
	logger.Info("resume requested: probing Docusign once")
	err := client.Resume(ctx)
	var halted *docusign.HaltedError
	switch {
	case err == nil:
		return
	case errors.As(err, &halted):
		logger.Warn("resume failed: the Docusign integration stays halted", "reason",
			halted.Reason, "err", err)
	default:
		logger.Error("resume failed", "err", err)
	}
}
