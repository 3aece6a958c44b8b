package tools

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// envelopeWatcher is the store's feed of envelope state changes. *store.Store implements it.
type envelopeWatcher interface {
	OnEnvelopeChange(fn store.EnvelopeListener) (remove func())
}

var _ envelopeWatcher = (*store.Store)(nil)

// errSessionEnded stops the waits of a session that the transport closed, as it does when
// the server shuts down.
var errSessionEnded = errors.New("the MCP session ended")

// waitForEnvelope returns the envelope's state once it reaches a target or the timeout
// passes. It reads Docusign at most once, at the start, and only when the store has no view
// of the envelope.
func waitForEnvelope(ctx context.Context, d *Deps, in *waitInput, slots *waitSlots) (
	waitOutput, []content, *ToolError) {
	watcher, ok := d.Envelopes.(envelopeWatcher)
	if !ok {
		return waitOutput{}, nil, &ToolError{Code: CodeUnavailable,
			Message:  "wait_for_envelope needs the server's envelope store, which is not set",
			NextStep: "call get_envelope_status instead"}
	}
	// The listener is in place before the first read, so no change slips between them.
	changed := make(chan struct{}, 1)
	remove := watcher.OnEnvelopeChange(func(state store.EnvelopeState) {
		if state.EnvelopeID == in.EnvelopeID {
			select {
			case changed <- struct{}{}:
			default:
			}
		}
	})
	defer remove()
	ctx, stop := d.waits.track(ctx)
	defer stop()

	start := time.Now()
	view, terr := d.startingEnvelope(ctx, in.EnvelopeID)
	if terr != nil {
		return waitOutput{}, nil, terr
	}
	if out, done := waitResult(view, in, 0); done {
		return out, nil, nil
	}
	// Only a call that waits takes a slot, so a state that already decides always returns.
	release, terr := slots.acquire(policy.PrincipalFrom(ctx), in.EnvelopeID)
	if terr != nil {
		return waitOutput{}, nil, terr
	}
	defer release()
	progress := newProgressReporter(ctx, float64(in.TimeoutSeconds))
	defer progress.flush()
	progress.send(waitMessage(view, in))
	out, terr := awaitChange(ctx, d, in, view, changed, progress, start)
	return out, nil, terr
}

// startingEnvelope returns the state a wait starts from: the stored state when it is final or
// carries the envelope's view, however old. Otherwise, when nothing is stored or only the
// status that create_envelope stores, it reads the envelope as get_envelope_status does,
// which would read Docusign for such a state too. A failed read falls back to a stored state
// when there is one.
func (d *Deps) startingEnvelope(ctx context.Context, envelopeID string) (envelopeView,
	*ToolError) {
	state, stored := d.cachedEnvelope(ctx, envelopeID)
	if stored && (store.IsFinalStatus(state.Status) || len(state.Snapshot) > 0) {
		return d.viewOf(ctx, state), nil
	}
	view, terr := d.readEnvelope(ctx, envelopeID)
	if terr != nil && stored {
		d.Logger.Warn("reading the envelope status before a wait failed, so the wait starts "+
			"from the stored status", "envelope_id", envelopeID, "code", terr.Code)
		return d.viewOf(ctx, state), nil
	}
	return view, terr
}

// awaitChange waits for changes of the envelope's state until one reaches a target, the
// timeout passes or ctx ends.
func awaitChange(ctx context.Context, d *Deps, in *waitInput, view envelopeView,
	changed <-chan struct{}, progress *progressReporter, start time.Time) (waitOutput,
	*ToolError) {
	timer := time.NewTimer(time.Duration(in.TimeoutSeconds) * time.Second)
	defer timer.Stop()
	ticker := time.NewTicker(waitProgressInterval)
	defer ticker.Stop()
	for {
		select {
		case <-changed:
			if state, ok := d.cachedEnvelope(ctx, in.EnvelopeID); ok {
				view = d.viewOf(ctx, state)
			}
			if out, done := waitResult(view, in, time.Since(start)); done {
				progress.send("envelope is " + view.Status)
				return out, nil
			}
			progress.send(waitMessage(view, in))
		case <-ticker.C:
			progress.send(waitMessage(view, in))
		case <-timer.C:
			out, _ := waitResult(view, in, time.Since(start))
			progress.send("timed out; envelope is " + view.Status)
			return out, nil
		case <-ctx.Done():
			return waitOutput{}, waitInterrupted(ctx)
		}
	}
}

func waitMessage(view envelopeView, in *waitInput) string {
	return fmt.Sprintf("envelope is %s; waiting for %s", view.Status,
		strings.Join(in.Until, " or "))
}

// waitInterrupted is the error of a wait whose context ended before it did.
func waitInterrupted(ctx context.Context) *ToolError {
	if errors.Is(context.Cause(ctx), errSessionEnded) {
		return &ToolError{Code: CodeUnavailable, Retryable: true, cause: context.Cause(ctx),
			Message:  "the wait stopped because the server is shutting down or closed the session",
			NextStep: "call wait_for_envelope again once the server is back"}
	}
	return &ToolError{Code: CodeUnavailable, Retryable: true, cause: ctx.Err(),
		Message:  "the wait was cancelled",
		NextStep: "call wait_for_envelope again to keep waiting"}
}

// progressTokenKey is the context key of the call's progress token.
type progressTokenKey struct{}

// withProgressToken returns ctx with the progress token of req, when it has one.
func withProgressToken(ctx context.Context, req mcp.CallToolRequest) context.Context {
	if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
		return ctx
	}
	return context.WithValue(ctx, progressTokenKey{}, req.Params.Meta.ProgressToken)
}

// progressReporter sends notifications/progress for a call that carries a progress token,
// with progress in seconds since the wait began, always increasing.
type progressReporter struct {
	ctx   context.Context
	token mcp.ProgressToken
	total float64
	start time.Time
	last  float64
	sent  bool
}

func newProgressReporter(ctx context.Context, total float64) *progressReporter {
	token, _ := ctx.Value(progressTokenKey{}).(mcp.ProgressToken)
	return &progressReporter{ctx: ctx, token: token, total: total, start: time.Now(),
		last: -1}
}

// send sends one progress notification with message. A failure to send is ignored, because
// progress is advisory and the result follows anyway.
func (p *progressReporter) send(message string) {
	s := server.ServerFromContext(p.ctx)
	if p.token == nil || s == nil {
		return
	}
	value := math.Round(time.Since(p.start).Seconds()*1000) / 1000
	value = max(value, p.last+0.001)
	p.last = value
	err := s.SendNotificationToClient(p.ctx, string(mcp.MethodNotificationProgress),
		map[string]any{"progressToken": p.token, "progress": value, "total": p.total,
			"message": message})
	p.sent = p.sent || err == nil
}

// flush lets the last notification out before the result.
// HACK: mcp-go v1.2.1's streamable HTTP transport can drop a notification sent just before
// the handler returns, because the response write races the notification forwarder. A 5 ms
// pause lets the forwarder win; over stdio it costs only the pause.
func (p *progressReporter) flush() {
	if p.sent {
		time.Sleep(progressFlushDelay)
	}
}

// waitSessions tracks the running waits by MCP session, so that a closed session, as at
// server shutdown, ends its waits at once. Requests of the 2026-07-28 revision have no
// session id and end only with their own context.
type waitSessions struct {
	mu      sync.Mutex
	next    uint64
	cancels map[string]map[uint64]context.CancelCauseFunc
}

// track returns ctx bound to its session's lifetime and the function that stops tracking.
func (w *waitSessions) track(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	session := server.ClientSessionFromContext(ctx)
	if w == nil || session == nil || session.SessionID() == "" {
		return ctx, func() { cancel(nil) }
	}
	sessionID := session.SessionID()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancels == nil {
		w.cancels = map[string]map[uint64]context.CancelCauseFunc{}
	}
	if w.cancels[sessionID] == nil {
		w.cancels[sessionID] = map[uint64]context.CancelCauseFunc{}
	}
	id := w.next
	w.next++
	w.cancels[sessionID][id] = cancel
	return ctx, func() {
		cancel(nil)
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.cancels[sessionID], id)
		if len(w.cancels[sessionID]) == 0 {
			delete(w.cancels, sessionID)
		}
	}
}

// endSession stops every wait of the session sessionID.
func (w *waitSessions) endSession(sessionID string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, cancel := range w.cancels[sessionID] {
		cancel(errSessionEnded)
	}
}
