package metrics

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/docusign"
)

// Outcomes of a tool call besides the error codes of isError results.
const (
	OutcomeOK = "ok"
	// OutcomeProtocolError is a call whose handler returned a Go error, which the client
	// receives as a JSON-RPC error.
	OutcomeProtocolError = "protocol_error"
	// OutcomeError is an isError result without a JSON error code.
	OutcomeError = "error"
)

// NoPrincipal labels Docusign calls made outside a tool call, such as start-up
// reconciliation or a readiness probe.
const NoPrincipal = "none"

// Server holds the metrics of one docusign-mcp process. It is safe for concurrent use.
type Server struct {
	// Registry contains every family; serve it with Registry.Handler.
	Registry *Registry

	toolCalls       *CounterVec
	toolLatency     *HistogramVec
	docusignCalls   *CounterVec
	docusignLatency *HistogramVec
	docusignErrors  *CounterVec
	principalCalls  *CounterVec

	mu   sync.Mutex
	rate rateLimitState
}

// rateLimitState is the last rate-limit headers seen on a Docusign response.
type rateLimitState struct {
	seen bool
	rl   docusign.RateLimit
}

// NewServer registers the server's families on a new registry. version labels
// docusign_mcp_build_info.
func NewServer(version string, started time.Time) *Server {
	r := NewRegistry()
	s := &Server{Registry: r}
	s.toolCalls = r.NewCounterVec("docusign_mcp_tool_calls_total",
		"MCP tool calls by tool and outcome: ok, the error code of an isError result, "+
			"or protocol_error.", "tool", "outcome")
	s.toolLatency = r.NewHistogramVec("docusign_mcp_tool_call_duration_seconds",
		"Duration of MCP tool calls by tool and outcome.", DefaultLatencyBuckets,
		"tool", "outcome")
	s.docusignCalls = r.NewCounterVec("docusign_mcp_docusign_calls_total",
		"HTTP requests to Docusign by operation and status code (0: no response), "+
			"retries and token requests included.", "operation", "status")
	s.docusignLatency = r.NewHistogramVec("docusign_mcp_docusign_call_duration_seconds",
		"Duration of HTTP requests to Docusign by operation.", DefaultLatencyBuckets,
		"operation")
	s.docusignErrors = r.NewCounterVec("docusign_mcp_docusign_errors_total",
		"Failed HTTP requests to Docusign by operation and Docusign or OAuth error code.",
		"operation", "error_code")
	s.principalCalls = r.NewCounterVec("docusign_mcp_docusign_calls_by_principal_total",
		"HTTP requests to Docusign by the principal whose tool call caused them ("+
			NoPrincipal+": outside a tool call).", "principal")
	r.NewGaugeFunc("docusign_mcp_docusign_rate_limit_remaining",
		"Calls left in the account's rate-limit window, from the last Docusign response "+
			"that carried the headers: window hourly (X-RateLimit-Remaining) or burst "+
			"(X-BurstLimit-Remaining).", []string{"window"}, s.rateRemaining)
	r.NewGaugeFunc("docusign_mcp_docusign_rate_limit_limit",
		"The account's rate limit per window, from the last Docusign response that carried "+
			"the headers.", []string{"window"}, s.rateLimits)
	r.NewGaugeFunc("docusign_mcp_docusign_rate_limit_reset_timestamp_seconds",
		"When the hourly rate-limit window restarts (X-RateLimit-Reset), in Unix seconds.",
		nil, s.rateReset)
	r.NewGaugeFunc("docusign_mcp_build_info", "Version of the running binary; the value "+
		"is always 1.", []string{"version"}, func() []Sample {
		return []Sample{{LabelValues: []string{version}, Value: 1}}
	})
	start := float64(started.Unix())
	r.NewGaugeFunc("docusign_mcp_start_time_seconds", "Start time of the process in Unix "+
		"seconds.", nil, func() []Sample { return []Sample{{Value: start}} })
	return s
}

// ObserveCall counts a Docusign request. It makes Server a docusign.Observer.
func (s *Server) ObserveCall(rec docusign.CallRecord) {
	status := strconv.Itoa(rec.StatusCode)
	s.docusignCalls.Inc(rec.Operation, status)
	s.docusignLatency.Observe(rec.Latency.Seconds(), rec.Operation)
	if rec.ErrorCode != "" {
		s.docusignErrors.Inc(rec.Operation, rec.ErrorCode)
	}
	principal := rec.Tag.Caller
	if principal == "" {
		principal = NoPrincipal
	}
	s.principalCalls.Inc(principal)
}

// ObserveRateLimit keeps rl when the response carried any rate-limit header.
func (s *Server) ObserveRateLimit(rl docusign.RateLimit) {
	if rl.Remaining < 0 && rl.BurstRemaining < 0 && rl.Limit < 0 && rl.BurstLimit < 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = rateLimitState{seen: true, rl: rl}
}

// RateLimit returns the last rate-limit headers seen, and false before any.
func (s *Server) RateLimit() (docusign.RateLimit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rate.rl, s.rate.seen
}

func (s *Server) rateRemaining() []Sample {
	rl, ok := s.RateLimit()
	if !ok {
		return nil
	}
	return windowSamples(rl.Remaining, rl.BurstRemaining)
}

func (s *Server) rateLimits() []Sample {
	rl, ok := s.RateLimit()
	if !ok {
		return nil
	}
	return windowSamples(rl.Limit, rl.BurstLimit)
}

func (s *Server) rateReset() []Sample {
	rl, ok := s.RateLimit()
	if !ok || rl.Reset.IsZero() {
		return nil
	}
	return []Sample{{Value: float64(rl.Reset.Unix())}}
}

// windowSamples returns the hourly and burst values that are known (not negative).
func windowSamples(hourly, burst int) []Sample {
	var out []Sample
	if hourly >= 0 {
		out = append(out, Sample{LabelValues: []string{"hourly"}, Value: float64(hourly)})
	}
	if burst >= 0 {
		out = append(out, Sample{LabelValues: []string{"burst"}, Value: float64(burst)})
	}
	return out
}

// Transport returns a RoundTripper that sends through next and keeps the rate-limit
// headers of each response. Put it in the Docusign client's HTTP client.
func (s *Server) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil {
			s.ObserveRateLimit(docusign.ParseRateLimit(resp.Header))
		}
		return resp, err
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// ToolMiddleware returns an mcp-go middleware that counts each tool call and its duration
// by tool and outcome.
func (s *Server) ToolMiddleware() server.ToolHandlerMiddleware {
	return func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			start := time.Now()
			res, err := next(ctx, req)
			outcome := ToolOutcome(res, err)
			s.toolCalls.Inc(req.Params.Name, outcome)
			s.toolLatency.Observe(time.Since(start).Seconds(), req.Params.Name, outcome)
			return res, err
		}
	}
}

// ToolOutcome classifies a tool call's result: OutcomeOK, the code of an isError result's
// JSON line, OutcomeError for an isError result without one, or OutcomeProtocolError.
func ToolOutcome(res *mcp.CallToolResult, err error) string {
	switch {
	case err != nil:
		return OutcomeProtocolError
	case res == nil || !res.IsError:
		return OutcomeOK
	}
	for _, c := range res.Content {
		var text string
		switch c := c.(type) {
		case mcp.TextContent:
			text = c.Text
		case *mcp.TextContent:
			text = c.Text
		default:
			continue
		}
		var body struct {
			Code string `json:"code"`
		}
		if json.Unmarshal([]byte(text), &body) == nil && body.Code != "" {
			return body.Code
		}
	}
	return OutcomeError
}

// ToolCalls returns the count of tool calls with that tool and outcome, for tests.
func (s *Server) ToolCalls(tool, outcome string) float64 {
	return s.toolCalls.Value(tool, outcome)
}
