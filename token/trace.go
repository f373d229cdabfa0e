package token

import (
	"context"
	"log/slog"
	"time"
)

// logger returns o's logger or one that discards.
func (o *Options) logger() *slog.Logger {
	if o.Log != nil {
		return o.Log
	}
	return discard
}

var discard = slog.New(slog.DiscardHandler)

// since logs how long an operation took.
func since(ctx context.Context, l *slog.Logger, msg string, start time.Time, attrs ...any) {
	l.DebugContext(ctx, msg, append(attrs, "elapsed", time.Since(start).Round(time.Microsecond))...)
}
