package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mark3labs/mcp-go/client"
)

// simulatorURL is the URL of the embedded simulator, which the server logs at start-up.
type simulatorURL chan string

// watchSimulatorURL reads the server's JSON log lines from stderr and sends the URL of its
// "simulator started" line. It keeps draining stderr so that the server never blocks on a
// full pipe.
func watchSimulatorURL(c *client.Client) simulatorURL {
	found := make(simulatorURL, 1)
	stderr, ok := client.GetStderr(c)
	if !ok {
		return found
	}
	go func() {
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			var line struct {
				Msg string `json:"msg"`
				URL string `json:"url"`
			}
			if json.Unmarshal(scanner.Bytes(), &line) == nil &&
				line.Msg == "simulator started" && line.URL != "" {
				found <- line.URL
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	return found
}

// signAll has every recipient sign, in routing order, through the simulator's control
// API. A real Docusign account has no such API: its recipients sign from their email.
func signAll(ctx context.Context, sim simulatorURL, envelopeID string) error {
	var base string
	select {
	case base = <-sim:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("the server logged no simulator URL within 30 seconds")
	case <-ctx.Done():
		return ctx.Err()
	}
	url := base + "/sim/envelopes/" + envelopeID + "/sign-all"
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
