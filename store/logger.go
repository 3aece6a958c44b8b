package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// slogAdapter passes Badger's printf-style log lines to slog, so they never reach stdout (which
// is the stdio transport). A nil logger discards them.
type slogAdapter struct{ logger *slog.Logger }

func (a slogAdapter) Errorf(format string, args ...any) { a.log(slog.LevelError, format, args) }

func (a slogAdapter) Warningf(format string, args ...any) { a.log(slog.LevelWarn, format, args) }

func (a slogAdapter) Infof(format string, args ...any) { a.log(slog.LevelInfo, format, args) }

func (a slogAdapter) Debugf(format string, args ...any) { a.log(slog.LevelDebug, format, args) }

func (a slogAdapter) log(level slog.Level, format string, args []any) {
	if a.logger == nil || !a.logger.Enabled(context.Background(), level) {
		return
	}
	msg := strings.TrimSpace(fmt.Sprintf(format, args...))
	a.logger.Log(context.Background(), level, msg, slog.String("component", "badger"))
}
