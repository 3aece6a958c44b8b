package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/docusign"
)

// TestSecondHaltRaisesAlert guards against a defect, since fixed, in which a second consent
// halt within the alert interval (default 1h) raises no alert. The halt alert's key is the
// reason only, so the sink suppresses it as a repeat of the first halt, although the first
// one ended with a resume. An operator who restored consent then gets no alert when it is
// revoked again. Expected: each halt raises one alert. Fix: key the alert by the halt
// (reason and Since), or let onResume clear the sink's memory of the halt alert.
func TestSecondHaltRaisesAlert(t *testing.T) {
	sink, err := alert.New(alert.Options{Interval: time.Hour,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("alert.New: %v", err)
	}
	defer sink.Close()
	h := &consentHalt{logger: slog.New(slog.DiscardHandler)}
	h.attach(sink, nil)
	start := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	halt := func(since time.Time) docusign.HaltEvent {
		return docusign.HaltEvent{Reason: docusign.HaltConsentRevoked,
			UserID:     "00000000-0000-4000-8000-00000000000b",
			ConsentURL: "http://127.0.0.1:1/oauth/auth", Since: since}
	}
	seen := func() uint64 {
		st := sink.Stats()
		return st.Raised[docusign.HaltConsentRevoked] + st.Suppressed
	}

	h.onHalt(halt(start))
	waitFor(t, "the first halt alert", func() bool { return seen() == 1 })
	h.onResume(docusign.ResumeEvent{Reason: docusign.HaltConsentRevoked, Since: start,
		Resumed: start.Add(10 * time.Minute)})
	h.onHalt(halt(start.Add(30 * time.Minute)))
	waitFor(t, "the second halt alert", func() bool { return seen() == 2 })

	if got := sink.Stats().Raised[docusign.HaltConsentRevoked]; got != 2 {
		t.Errorf("consent_revoked alerts raised after two halts = %d, want 2: the second "+
			"halt was suppressed as a repeat of the first", got)
	}
}
