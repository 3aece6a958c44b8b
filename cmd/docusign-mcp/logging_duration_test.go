package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

func TestJSONLogDurationsAsStrings(t *testing.T) {
	var buf bytes.Buffer
	logger := newLogger(&buf, logConfig{Format: "json", Level: slog.LevelInfo})
	logger.Info("stuck envelope check started", "every", time.Hour,
		slog.Group("retry", slog.Duration("backoff", 1500*time.Millisecond)))
	var line struct {
		Every string `json:"every"`
		Retry struct {
			Backoff string `json:"backoff"`
		} `json:"retry"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line %q does not decode with durations as strings: %v", buf.String(), err)
	}
	if line.Every != "1h0m0s" {
		t.Errorf("every = %q, want 1h0m0s", line.Every)
	}
	if line.Retry.Backoff != "1.5s" {
		t.Errorf("retry.backoff = %q, want 1.5s", line.Retry.Backoff)
	}
}
