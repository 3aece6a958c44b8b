package main

import (
	"context"
	"flag"
	"log/slog"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// conformanceFixturesFlag is the hidden serve flag that registers the fixtures of the
// official MCP conformance suite (@modelcontextprotocol/conformance) next to the
// Docusign tools. CI runs the suite's whole active set against that server, which keeps
// the product's middleware, transports, sessions and Origin check.
const conformanceFixturesFlag = "conformance-fixtures"

// hiddenFlags are flags that help does not list, because only CI uses them.
var hiddenFlags = map[string]bool{conformanceFixturesFlag: true}

// notificationYield is how long a fixture tool waits after its last notification before
// it returns. mcp-go v1.2.1 forwards notifications to the POST's SSE stream on another
// goroutine, so a notification sent just before the handler returns can be dropped when
// the response is written first. On a busy 2-core machine, without the wait 7 of 10 runs
// of the suite's logging scenario and 5 of 10 of its progress scenario passed, and with
// 50 ms all 10 of each passed.
const notificationYield = 50 * time.Millisecond

// addConformanceFixturesFlag defines the hidden --conformance-fixtures flag on fs.
func addConformanceFixturesFlag(fs *flag.FlagSet) *bool {
	return fs.Bool(conformanceFixturesFlag, false, "register the MCP conformance suite's "+
		"test_* tools, test:// resources and test_* prompts; only with --simulator")
}

// checkConformanceFixtures rejects --conformance-fixtures without --simulator, so that
// the fixtures never sit next to tools that reach a real Docusign account.
func checkConformanceFixtures(enabled, simulator bool) string {
	if enabled && !simulator {
		return "--" + conformanceFixturesFlag + " needs --simulator: the conformance " +
			"fixtures are for CI and never run against a real Docusign account"
	}
	return ""
}

// registerConformanceFixtures declares the capabilities that the conformance suite
// tests (logging, completions, prompts, resource subscriptions) and registers its
// fixture tools, resources and prompts on s.
//
// NOTE: mcp-go offers no way to read the capabilities back, so the resource capability
// set here replaces the product's: subscribe on, listChanged off.
func registerConformanceFixtures(s *server.MCPServer, logger *slog.Logger) {
	for _, opt := range []server.ServerOption{
		server.WithLogging(),
		server.WithCompletions(),
		server.WithPromptCapabilities(false),
		server.WithResourceCapabilities(true, false),
		server.WithPromptCompletionProvider(conformanceCompletions{}),
	} {
		opt(s)
	}
	s.EnableSampling()
	registerConformanceContentTools(s)
	registerConformanceNotificationTools(s)
	registerConformanceClientRequestTools(s)
	registerConformanceResources(s)
	registerConformancePrompts(s)
	logger.Warn("registered the MCP conformance fixtures: use this server for the " +
		"conformance suite only")
}

// conformanceCompletions completes the arguments of the fixture prompts from a fixed
// list, by prefix.
type conformanceCompletions struct{}

// conformanceCompletionValues are the candidate values of every prompt argument.
var conformanceCompletionValues = []string{"paris", "park", "party", "london", "lisbon"}

// CompletePromptArgument returns the candidates that start with the argument's value.
func (conformanceCompletions) CompletePromptArgument(_ context.Context, _ string,
	argument mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	values := []string{}
	for _, v := range conformanceCompletionValues {
		if strings.HasPrefix(v, strings.ToLower(argument.Value)) {
			values = append(values, v)
		}
	}
	return &mcp.Completion{Values: values, Total: len(values)}, nil
}

// sendNotifications sends each params as a notification of method to the caller, waiting
// gap between them and notificationYield after the last.
func sendNotifications(ctx context.Context, method string, gap time.Duration,
	params []map[string]any) error {
	s := server.ServerFromContext(ctx)
	for i, p := range params {
		if i > 0 {
			if err := sleepContext(ctx, gap); err != nil {
				return err
			}
		}
		if err := s.SendNotificationToClient(ctx, method, p); err != nil {
			return err
		}
	}
	return sleepContext(ctx, notificationYield)
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// conformanceSubscriptions returns the fixture resources that the conformance suite subscribes
// to when the fixtures are on, and nil otherwise.
func conformanceSubscriptions(fixtures bool) []string {
	if !fixtures {
		return nil
	}
	return []string{"test://watched-resource"}
}
