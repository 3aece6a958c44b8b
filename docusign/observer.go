package docusign

import (
	"context"
	"log/slog"
	"time"
)

// Observer receives one CallRecord per HTTP request the client sends, retries, token requests
// and userinfo included. ObserveCall runs synchronously on the goroutine that sent the request,
// often on several goroutines at once, so it must be quick and safe for concurrent use.
type Observer interface {
	ObserveCall(CallRecord)
}

// ObserverFunc adapts a function to the Observer interface.
type ObserverFunc func(CallRecord)

// ObserveCall calls f(rec).
func (f ObserverFunc) ObserveCall(rec CallRecord) { f(rec) }

// CallRecord describes one HTTP request. It never contains a token, a request or response
// body, or an email address.
type CallRecord struct {
	// Operation is Docusign's name of the operation, such as "Envelopes:get" or "OAuth:token".
	Operation string
	// Action distinguishes client methods that share an operation: "void", "resend", or
	// "reread" for the envelope read before repeating a void or resend. It is empty otherwise.
	Action string
	Method string
	// PathTemplate is the path with placeholders, such as
	// /v2.1/accounts/{accountId}/envelopes/{envelopeId}.
	PathTemplate string
	EnvelopeID   string
	// StatusCode is 0 when no HTTP response arrived.
	StatusCode int
	// ErrorCode is Docusign's errorCode, or the OAuth error code for the token endpoint.
	ErrorCode  string
	TraceToken string
	Latency    time.Duration
	// Attempt is 1 for the first request of a call and counts up with each retry.
	Attempt int
	// Err is the attempt's error, nil on success.
	Err error
	// Tag is the CallTag of the request's context, zero when the caller set none.
	Tag CallTag
}

// CallTag names who caused a request and through which tool, so that an Observer can
// attribute the call. Callers attach it with WithCallTag. It must not contain an email
// address or a secret, because observers log and store it.
type CallTag struct {
	// Caller is the authenticated principal, such as a user or agent id.
	Caller string
	// Tool is the MCP tool being run, empty outside a tool call.
	Tool string
}

type callTagKey struct{}

// WithCallTag returns a context whose requests report tag in CallRecord.Tag. A token
// request started for that context carries the tag too, although it serves later callers.
func WithCallTag(ctx context.Context, tag CallTag) context.Context {
	return context.WithValue(ctx, callTagKey{}, tag)
}

// CallTagFrom returns the CallTag stored by WithCallTag, or the zero CallTag.
func CallTagFrom(ctx context.Context) CallTag {
	tag, _ := ctx.Value(callTagKey{}).(CallTag)
	return tag
}

// LogObserver is an Observer that logs each CallRecord through Logger: failed calls at
// slog.LevelWarn, the others at Level.
type LogObserver struct {
	Logger *slog.Logger
	Level  slog.Level
}

// ObserveCall logs rec.
func (o LogObserver) ObserveCall(rec CallRecord) {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	level := o.Level
	if rec.Err != nil {
		level = slog.LevelWarn
	}
	logger.LogAttrs(context.Background(), level, "docusign call", rec.attrs()...)
}

// attrs returns rec as log attributes, leaving out empty ones.
func (rec CallRecord) attrs() []slog.Attr {
	attrs := []slog.Attr{
		slog.String("operation", rec.Operation),
		slog.String("method", rec.Method),
		slog.String("path", rec.PathTemplate),
		slog.Int("status", rec.StatusCode),
		slog.Int64("latency_ms", rec.Latency.Milliseconds()),
		slog.Int("attempt", rec.Attempt),
	}
	optional := []struct{ key, value string }{
		{"action", rec.Action},
		{"envelope_id", rec.EnvelopeID},
		{"error_code", rec.ErrorCode},
		{"trace_token", rec.TraceToken},
		{"caller", rec.Tag.Caller},
		{"tool", rec.Tag.Tool},
	}
	for _, o := range optional {
		if o.value != "" {
			attrs = append(attrs, slog.String(o.key, o.value))
		}
	}
	if rec.Err != nil {
		attrs = append(attrs, slog.String("error", rec.Err.Error()))
	}
	return attrs
}

// observe reports rec to the configured Observer and logs it at debug level.
func (c *Client) observe(rec CallRecord) {
	c.logger.LogAttrs(context.Background(), slog.LevelDebug, "docusign call", rec.attrs()...)
	if c.cfg.Observer != nil {
		c.cfg.Observer.ObserveCall(rec)
	}
}
