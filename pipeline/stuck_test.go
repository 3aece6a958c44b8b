package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/store"
)

func TestStuckCheckerOneCallPerRun(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	stuckID := env.sendEnvelope(t)
	doneID := env.completeEnvelope(t)
	for _, id := range []string{stuckID, doneID} {
		_, _, err := env.store.PutEnvelope(ctx, store.EnvelopeState{EnvelopeID: id,
			Status: "sent", Source: store.SourceCreate})
		if err != nil {
			t.Fatalf("PutEnvelope(%s): %v", id, err)
		}
	}
	// Both envelopes were sent just now, so the checker's clock runs 80 hours ahead.
	clock := &fakeClock{now: time.Now().Add(80 * time.Hour)}
	audit := &recordingAudit{}
	sink, err := alert.New(alert.Options{Interval: time.Hour, Audit: audit, Now: clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("alert.New: %v", err)
	}
	defer sink.Close()
	checker, err := NewStuckChecker(StuckOptions{Store: env.store,
		Envelopes: env.client.Envelopes, Alerts: sink, Now: clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewStuckChecker: %v", err)
	}
	env.sim.ResetCalls()

	report, err := checker.Run(ctx)
	if err != nil {
		t.Fatalf("first Run: %v", err)
	}
	if got := env.sim.Calls()[docusigntest.OpListStatusChanges]; got != 1 {
		t.Errorf("listStatusChanges calls after one run = %d, want 1", got)
	}
	if !slices.Equal(report.Stuck, []string{stuckID}) {
		t.Errorf("stuck = %v, want only the unsigned envelope %s", report.Stuck, stuckID)
	}
	state, err := env.store.GetEnvelope(ctx, doneID)
	if err != nil {
		t.Fatalf("GetEnvelope(%s): %v", doneID, err)
	}
	if state.Status != "completed" || state.Source != store.SourceDocusign {
		t.Errorf("reconciled state = %s from %s, want completed from docusign", state.Status,
			state.Source)
	}

	if _, err := checker.Run(ctx); !errors.Is(err, ErrTooSoon) {
		t.Errorf("second Run at once: err %v, want ErrTooSoon", err)
	}
	if got := env.sim.Calls()[docusigntest.OpListStatusChanges]; got != 1 {
		t.Errorf("listStatusChanges calls after a rejected run = %d, want still 1", got)
	}
	clock.Advance(MinStuckCheckInterval)
	if _, err := checker.Run(ctx); err != nil {
		t.Fatalf("Run after 15 minutes: %v", err)
	}
	calls := env.sim.Calls()
	if got := calls[docusigntest.OpListStatusChanges]; got != 2 {
		t.Errorf("listStatusChanges calls after two runs = %d, want 2", got)
	}
	if got := calls[docusigntest.OpUpdateEnvelope]; got != 0 {
		t.Errorf("envelope updates = %d, want 0: the check must never void", got)
	}
	stats := sink.Stats()
	if got := stats.Raised[AlertStuckEnvelope]; got != 1 {
		t.Errorf("stuck alerts raised = %d, want 1 within the alert interval", got)
	}
	if got := len(audit.byKind(alert.AuditKind)); got != 1 {
		t.Errorf("alert audit records = %d, want 1", got)
	}
}

func TestStuckCheckerIntervalFloor(t *testing.T) {
	c, err := NewStuckChecker(StuckOptions{Store: &store.Store{},
		Envelopes: &docusign.EnvelopesService{}, Every: time.Minute})
	if err != nil {
		t.Fatalf("NewStuckChecker: %v", err)
	}
	if c.opts.Every != MinStuckCheckInterval {
		t.Errorf("Every = %s, want the 15-minute floor", c.opts.Every)
	}
}

func TestStuckCheckerRunPersistsAcrossRestart(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	clock := newFakeClock()
	newChecker := func(s *store.Store) *StuckChecker {
		c, err := NewStuckChecker(StuckOptions{Store: s, Envelopes: env.client.Envelopes,
			Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("NewStuckChecker: %v", err)
		}
		return c
	}
	if _, err := newChecker(env.store).Run(ctx); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	if err := env.store.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	reopened := openStore(t, env.dir)
	if _, err := newChecker(reopened).Run(ctx); !errors.Is(err, ErrTooSoon) {
		t.Errorf("Run after a restart within 15 minutes: err %v, want ErrTooSoon", err)
	}
}

func TestStuckCheckerSkipsForeignAndFinal(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	foreignID := env.sendEnvelope(t)
	finalID := env.sendEnvelope(t)
	openID := env.sendEnvelope(t)
	// Connect stored completed for finalID, which Docusign still lists as sent.
	states := []store.EnvelopeState{
		{EnvelopeID: finalID, Status: "completed", Source: store.SourceWebhook},
		{EnvelopeID: openID, Status: "sent", Source: store.SourceCreate},
	}
	for _, st := range states {
		if _, _, err := env.store.PutEnvelope(ctx, st); err != nil {
			t.Fatalf("PutEnvelope(%s): %v", st.EnvelopeID, err)
		}
	}
	clock := &fakeClock{now: time.Now().Add(80 * time.Hour)}
	checker, err := NewStuckChecker(StuckOptions{Store: env.store,
		Envelopes: env.client.Envelopes, Now: clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("NewStuckChecker: %v", err)
	}

	report, err := checker.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !slices.Equal(report.Stuck, []string{openID}) {
		t.Errorf("stuck = %v, want only the tracked open envelope %s", report.Stuck, openID)
	}
	if _, err := env.store.GetEnvelope(ctx, foreignID); !errors.Is(err,
		store.ErrEnvelopeNotFound) {
		t.Errorf("GetEnvelope of an envelope this server never knew = %v, want not found",
			err)
	}
	state, err := env.store.GetEnvelope(ctx, finalID)
	if err != nil {
		t.Fatalf("GetEnvelope(%s): %v", finalID, err)
	}
	if state.Status != "completed" {
		t.Errorf("stored status of %s = %s, want completed kept", finalID, state.Status)
	}
}
