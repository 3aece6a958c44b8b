package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// signAll has every recipient sign, in routing order, through the simulator's control
// API. A real Docusign account has no such API: its recipients sign from their email.
func signAll(ctx context.Context, simURL, envelopeID string) error {
	url := simURL + "/sim/envelopes/" + envelopeID + "/sign-all"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return fmt.Errorf("build sign-all request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("POST %s: HTTP %d %s", url, resp.StatusCode, body)
	}
	fmt.Println("signed: every recipient, through the simulator")
	return nil
}
