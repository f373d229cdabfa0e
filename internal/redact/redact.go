package redact

import (
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// NewLogger returns a logger for the --verbose trail that redacts anything
// that looks like a secret, as a second line of defence: the trail is
// written never to log one in the first place.
func NewLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if secretKey(a.Key) {
				return slog.String(a.Key, "[REDACTED]")
			}
			if a.Value.Kind() == slog.KindString {
				return slog.String(a.Key, String(a.Value.String()))
			}
			if a.Value.Kind() == slog.KindAny {
				if err, ok := a.Value.Any().(error); ok {
					return slog.String(a.Key, String(err.Error()))
				}
			}
			return a
		},
	}))
}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"token", "secret", "password", "authorization", "assertion", "private", "key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// secretPatterns are compiled on first use: only the trail and error
// descriptions need them, not docker's warm get.
var secretPatterns = sync.OnceValue(func() []*regexp.Regexp {
	return []*regexp.Regexp{
		regexp.MustCompile(`ya29\.[A-Za-z0-9._\-]+`),
		regexp.MustCompile(`(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+`),
		regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)`),
		regexp.MustCompile(`(?i)"?(access_token|refresh_token|client_secret|private_key|secret|password|assertion)"?\s*[:=]\s*"?[^"\s,}&]+`),
		regexp.MustCompile(`1//[A-Za-z0-9_\-]{20,}`), // Google refresh tokens
		// JWTs (a CI job's or a pod's subject token, GitHub's request
		// token): a base64url JSON header, a payload, maybe a signature.
		regexp.MustCompile(`eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]+\.?[A-Za-z0-9_\-]*`),
	}
})

// String masks what looks like a token, key or password in s.
func String(s string) string {
	for _, re := range secretPatterns() {
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			if i := strings.IndexAny(m, ":= "); i > 0 && i < len(m)-1 && !strings.HasPrefix(m, "ya29") && !strings.HasPrefix(m, "-----") {
				return m[:i+1] + "[REDACTED]"
			}
			return "[REDACTED]"
		})
	}
	return s
}

// TracingClient wraps base (http.DefaultClient when nil) so that every
// request is logged: method, host, path, status and time — never headers,
// query strings or bodies.
func TracingClient(base *http.Client, log *slog.Logger) *http.Client {
	if base == nil {
		base = http.DefaultClient
	}
	c := *base
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = tracingTransport{rt: rt, log: log}
	return &c
}

type tracingTransport struct {
	rt  http.RoundTripper
	log *slog.Logger
}

func (t tracingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.rt.RoundTrip(r)
	attrs := []any{"method", r.Method, "host", r.URL.Host, "path", r.URL.Path, "elapsed", time.Since(start).Round(time.Microsecond)}
	if err != nil {
		t.log.Debug("http request failed", append(attrs, "error", err)...)
		return resp, err
	}
	t.log.Debug("http request", append(attrs, "status", resp.StatusCode)...)
	return resp, nil
}
