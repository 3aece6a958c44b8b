package main

import (
	"context"
	"fmt"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/pipeline"
)

// startPipeline starts the alert sink, the completion archiver and the stuck envelope
// check. startApp calls it only after opening the store, so only the process that owns the
// data directory archives, posts and polls.
//
// NOTE: the archiver's and the check's Docusign calls are not checked against the tools'
// account budget, which tools.Register keeps to itself. The budget learns of them only from
// the rate-limit headers of later responses. Each archive costs one list and one download
// per document, and each check one call at most every 15 minutes.
func (a *app) startPipeline(ctx context.Context, cfg pipelineConfig) error {
	sink, err := alert.New(alert.Options{URL: cfg.AlertURL, Interval: cfg.AlertInterval,
		Audit: a.audit, Logger: a.logger.With("component", "alert")})
	if err != nil {
		return fmt.Errorf("configure alerts: %w", err)
	}
	a.alerts = sink
	a.closers = append(a.closers, sink.Close)
	if a.ops != nil {
		a.ops.registerAlertSink(sink)
	}

	archiver, err := pipeline.NewArchiver(pipeline.ArchiverOptions{Store: a.store,
		Documents: a.client.Documents, Audit: a.audit, Alerts: sink,
		Logger:     a.logger.With("component", "archiver"),
		Downstream: cfg.DownstreamURLs, DownstreamKey: []byte(cfg.DownstreamKey)})
	if err != nil {
		return fmt.Errorf("configure the completion archiver: %w", err)
	}
	archiver.Start(ctx)
	a.closers = append(a.closers, archiver.Close)
	a.logger.Info("completion archiver started", "downstream_targets",
		len(cfg.DownstreamURLs), "alert_url", cfg.AlertURL != "")

	if cfg.StuckCheckEvery <= 0 {
		a.logger.Info("stuck envelope check is off")
		return nil
	}
	checker, err := pipeline.NewStuckChecker(pipeline.StuckOptions{Store: a.store,
		Envelopes: a.client.Envelopes, Alerts: sink,
		Logger:     a.logger.With("component", "stuck_check"),
		StuckAfter: cfg.StuckAfter, Every: cfg.StuckCheckEvery})
	if err != nil {
		return fmt.Errorf("configure the stuck envelope check: %w", err)
	}
	checker.Start(ctx)
	a.closers = append(a.closers, checker.Close)
	a.logger.Info("stuck envelope check started", "every", cfg.StuckCheckEvery,
		"stuck_after", cfg.StuckAfter)
	return nil
}
