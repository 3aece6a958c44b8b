package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/ys88io/docusign-mcp/store"
)

const (
	// DefaultWaitTimeout is how long wait_for_envelope waits when the call names no timeout.
	// It fits within the 60-second request timeout that MCP clients apply by default.
	DefaultWaitTimeout = 30 * time.Second
	// MaxWaitTimeout is the longest wait a call may ask for. A wait past the clients' default
	// 60-second timeout needs a client that resets its timeout on progress notifications.
	// Five minutes bounds how long one call holds a stdio worker and a wait slot.
	MaxWaitTimeout = 5 * time.Minute
	// maxConcurrentWaits is how many wait_for_envelope calls wait at once per server. It is
	// half the stdio transport's 32 workers, so waits cannot hold every worker.
	maxConcurrentWaits = 16
	// maxWaitsPerPrincipal is how many of those one principal may hold, so one agent cannot
	// take every slot from the others.
	maxWaitsPerPrincipal = 4
	// waitProgressInterval is how often a wait sends a progress notification while nothing
	// changes.
	waitProgressInterval = 5 * time.Second
	// progressFlushDelay is the pause between the last progress notification and the result.
	progressFlushDelay = 5 * time.Millisecond
)

// waitStatuses are the envelope statuses that wait_for_envelope accepts as targets.
var waitStatuses = []string{"sent", "delivered", "signed", "completed", "declined", "voided",
	"timedout"}

// finalStatuses are the targets of a call that names none: every status that never changes.
var finalStatuses = []string{"completed", "declined", "voided", "timedout"}

// signingPath ranks the statuses that an envelope passes through on its way to completed. A
// target on it is reached by any status at or after it.
var signingPath = map[string]int{"sent": 1, "delivered": 2, "signed": 3, "completed": 4}

type waitInput struct {
	EnvelopeID     string   `json:"envelope_id" jsonschema:"minLength=36,maxLength=36"`
	Until          []string `json:"until,omitempty" jsonschema:"minItems=1,maxItems=7"`
	TimeoutSeconds int      `json:"timeout_seconds,omitempty" jsonschema:"minimum=1,maximum=300"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (waitInput) JSONSchemaExtend(s *jsonschema.Schema) {
	setEnum(s, "until", waitStatuses...)
	describe(s, map[string]string{
		"envelope_id": "Envelope GUID, as create_envelope or list_envelopes return it.",
		"until": "Target statuses. Default: any final status (completed, declined, voided, " +
			"timedout). sent, delivered, signed and completed also count as reached by any " +
			"later status on the way to completed.",
		"timeout_seconds": "How long to wait, 1 to 300 seconds. Default 30. Past 45 seconds, " +
			"pass a progressToken and make sure the client resets its request timeout on " +
			"progress, or it gives up first.",
	})
}

type waitOutput struct {
	Reached        bool         `json:"reached"`
	Final          bool         `json:"final"`
	Until          []string     `json:"until"`
	TimeoutSeconds int          `json:"timeout_seconds"`
	WaitedMillis   int64        `json:"waited_ms"`
	Envelope       envelopeView `json:"envelope"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (waitOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"reached": "Whether the envelope reached a target status. false after the timeout, " +
			"or at once when it is in a final status that is not a target.",
		"final":     "Whether the envelope's status can no longer change.",
		"waited_ms": "How long the call waited for a change, in milliseconds.",
		"envelope":  "The envelope's known state when the call returned.",
	})
}

func newWaitForEnvelope(d *Deps) (serverTool, error) {
	slots := &waitSlots{}
	tool, err := buildTool(d, toolSpec[waitInput, waitOutput]{
		name: "wait_for_envelope",
		description: "Reads only. Waits until an envelope reaches a target status (default: " +
			"completed, declined, voided or timedout) or the timeout passes, then returns " +
			"its known state with reached true or false. Woken by Docusign Connect " +
			"messages and by any other status this server observes; it makes no Docusign " +
			"call while it waits, so it never spends the status polling limit. Sends " +
			"progress notifications when the call carries a progressToken.",
		readOnly:   true,
		idempotent: true,
		selfTimed:  true,
		validate:   validateWait,
		envelopeID: func(in *waitInput) string { return in.EnvelopeID },
		run: func(ctx context.Context, in *waitInput) (waitOutput, []content, *ToolError) {
			return waitForEnvelope(ctx, d, in, slots)
		},
	})
	if err != nil {
		return serverTool{}, err
	}
	inner := tool.Handler
	tool.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult,
		error) {
		return inner(withProgressToken(ctx, req), req)
	}
	return tool, nil
}

func validateWait(in *waitInput) *ToolError {
	if terr := checkGUID("envelope_id", in.EnvelopeID, "envelope id"); terr != nil {
		return terr
	}
	// Docusign and the store write envelope ids in lower case, and the wait compares ids.
	in.EnvelopeID = strings.ToLower(in.EnvelopeID)
	for i, status := range in.Until {
		if !slices.Contains(waitStatuses, strings.ToLower(status)) {
			return invalidArgument(indexed("until", i), "status %q is not one wait_for_envelope "+
				"accepts: use %s", truncate(status, 40), strings.Join(waitStatuses, ", "))
		}
		in.Until[i] = strings.ToLower(status)
	}
	if len(in.Until) == 0 {
		in.Until = slices.Clone(finalStatuses)
	}
	in.Until = slices.Compact(slices.Sorted(slices.Values(in.Until)))
	limit := int(MaxWaitTimeout / time.Second)
	if in.TimeoutSeconds < 0 || in.TimeoutSeconds > limit {
		return invalidArgument("timeout_seconds", "timeout_seconds %d is out of range: pass "+
			"1 to %d, or leave it out for %d", in.TimeoutSeconds, limit,
			int(DefaultWaitTimeout/time.Second))
	}
	if in.TimeoutSeconds == 0 {
		in.TimeoutSeconds = int(DefaultWaitTimeout / time.Second)
	}
	return nil
}

// reaches reports whether an envelope in status has reached target.
func reaches(status, target string) bool {
	status = strings.ToLower(status)
	if status == target {
		return true
	}
	statusRank, onPath := signingPath[status]
	targetRank, targetOnPath := signingPath[target]
	return onPath && targetOnPath && statusRank >= targetRank
}

// reachesAny reports whether an envelope in status has reached one of targets.
func reachesAny(status string, targets []string) bool {
	return slices.ContainsFunc(targets, func(t string) bool { return reaches(status, t) })
}

// waitResult returns the output for view, or false while the wait goes on.
func waitResult(view envelopeView, in *waitInput, waited time.Duration) (waitOutput, bool) {
	out := waitOutput{
		Reached: reachesAny(view.Status, in.Until), Final: store.IsFinalStatus(view.Status),
		Until: in.Until, TimeoutSeconds: in.TimeoutSeconds, WaitedMillis: waited.Milliseconds(),
		Envelope: view,
	}
	return out, out.Reached || out.Final
}

// waitSlots bounds the waits that run at once, per server and per principal.
type waitSlots struct {
	mu          sync.Mutex
	total       int
	byPrincipal map[string]int
}

// acquire takes a slot for principal and returns the function that releases it, or the
// error of a full server or a principal at its bound.
func (w *waitSlots) acquire(principal, envelopeID string) (func(), *ToolError) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var reason string
	switch {
	case w.total >= maxConcurrentWaits:
		reason = fmt.Sprintf("this server already runs %d waits, its max", maxConcurrentWaits)
	case w.byPrincipal[principal] >= maxWaitsPerPrincipal:
		reason = fmt.Sprintf("principal %q already runs %d waits, the max per principal",
			principal, maxWaitsPerPrincipal)
	}
	if reason != "" {
		return nil, &ToolError{Code: CodeUnavailable, Retryable: true,
			RetryAfter: int(waitProgressInterval / time.Second), Message: reason,
			NextStep: "call again when one of the running waits has returned, or " +
				"subscribe to the resource " + envelopeURI(envelopeID)}
	}
	if w.byPrincipal == nil {
		w.byPrincipal = map[string]int{}
	}
	w.total++
	w.byPrincipal[principal]++
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.total--
		w.byPrincipal[principal]--
		if w.byPrincipal[principal] == 0 {
			delete(w.byPrincipal, principal)
		}
	}, nil
}
