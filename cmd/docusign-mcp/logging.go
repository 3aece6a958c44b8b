package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/lmittmann/tint"
)

// logConfig selects the log format and level. Logs always go to stderr.
type logConfig struct {
	Format string // "auto", "json" or "text"
	Level  slog.Level
}

// logFlags registers --log-format and --log-level on fs and returns the values they
// fill. The level is kept as text so that parseLogConfig can report a bad value
// together with the other configuration problems.
func logFlags(fs *flag.FlagSet) (format, level *string) {
	format = fs.String("log-format", "auto",
		"log format on stderr: auto (colored text on a terminal, JSON otherwise), json or text")
	level = fs.String("log-level", "info", "minimum log level: debug, info, warn or error")
	return format, level
}

// parseLogConfig checks the values of --log-format and --log-level.
func parseLogConfig(format, level string) (logConfig, []string) {
	var cfg logConfig
	var problems []string
	switch format {
	case "auto", "json", "text":
		cfg.Format = format
	default:
		problems = append(problems, fmt.Sprintf(
			"--log-format %q is invalid: use auto, json or text", format))
	}
	switch strings.ToLower(level) {
	case "debug":
		cfg.Level = slog.LevelDebug
	case "info", "":
		cfg.Level = slog.LevelInfo
	case "warn", "warning":
		cfg.Level = slog.LevelWarn
	case "error":
		cfg.Level = slog.LevelError
	default:
		problems = append(problems, fmt.Sprintf(
			"--log-level %q is invalid: use debug, info, warn or error", level))
	}
	return cfg, problems
}

// newLogger returns a logger that writes to w: tint's colored text when format is
// "auto" and w is a terminal, plain text for "text", JSON otherwise.
func newLogger(w io.Writer, cfg logConfig) *slog.Logger {
	switch {
	case cfg.Format == "text" || (cfg.Format == "auto" && isTerminal(w)):
		return slog.New(tint.NewHandler(w, &tint.Options{
			Level:      cfg.Level,
			TimeFormat: time.TimeOnly,
			NoColor:    !isTerminal(w),
		}))
	default:
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.Level,
			ReplaceAttr: durationAsString}))
	}
}

// durationAsString writes a time.Duration as its String form, such as "1h0m0s", because
// slog's JSON handler writes nanoseconds, which readers of the log misread.
func durationAsString(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	if err != nil {
		return false
	}
	return info.Mode()&os.ModeCharDevice != 0
}

// minLevelHandler drops records below level, for chatty dependencies such as Badger,
// whose info lines are routine.
type minLevelHandler struct {
	slog.Handler
	level slog.Level
}

// atLeast returns a logger that passes records of level or above to logger's handler.
func atLeast(logger *slog.Logger, level slog.Level) *slog.Logger {
	return slog.New(minLevelHandler{Handler: logger.Handler(), level: level})
}

func (h minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.level && h.Handler.Enabled(ctx, level)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithAttrs(attrs), level: h.level}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithGroup(name), level: h.level}
}
