package token

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// deadlines is a source that records the deadline of the context its
// resolve and its token request get; with hang, the request waits for its
// context to end.
type deadlines struct {
	resolved, asked time.Time
	hang            bool
}

func (*deadlines) name() string { return "recorder" }

func (d *deadlines) resolve(ctx context.Context, _ *Options, _ string) (*configured, error) {
	d.resolved, _ = ctx.Deadline()
	return &configured{name: "recorder", identity: "recorder", tokenSource: tokenFunc(func(ctx context.Context) (*Token, error) {
		d.asked, _ = ctx.Deadline()
		if d.hang {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return &Token{AccessToken: "t", Expiry: time.Now().Add(time.Hour)}, nil
	})}, nil
}

// chainOf is a chain of o whose only source is s.
func chainOf(t *testing.T, o Options, s source) *Chain {
	t.Helper()
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c.sources = []source{s}
	return c
}

// within reports whether got is want after start, give or take a second.
func within(got, start time.Time, want time.Duration) bool {
	d := got.Sub(start)
	return d > want-time.Second && d <= want+time.Second
}

// TestDefaultTimeouts: with Timeouts unset the chain bounds a source at
// DefaultSourceTimeout (10 s), resolve and token request each, and the
// whole chain at DefaultTotalTimeout (15 s); the cache waits
// DefaultLockWait (5 s) for another process and replaces a token
// DefaultRefreshMargin (5 min) before its expiry. Read from the deadlines
// the source is given, without waiting them out.
func TestDefaultTimeouts(t *testing.T) {
	if DefaultSourceTimeout != 10*time.Second || DefaultTotalTimeout != 15*time.Second || DefaultLockWait != 5*time.Second || DefaultRefreshMargin != 5*time.Minute {
		t.Errorf("defaults = %s per source, %s in all, %s lock wait, %s margin; want the documented 10s, 15s, 5s, 5m",
			DefaultSourceTimeout, DefaultTotalTimeout, DefaultLockWait, DefaultRefreshMargin)
	}
	d := &deadlines{}
	start := time.Now()
	if _, err := chainOf(t, Options{}, d).Token(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if !within(d.resolved, start, DefaultSourceTimeout) || !within(d.asked, start, DefaultSourceTimeout) {
		t.Errorf("source deadlines = resolve +%s, request +%s; want +%s", d.resolved.Sub(start), d.asked.Sub(start), DefaultSourceTimeout)
	}
	// A source bound past the chain's: the chain's bound shows.
	d = &deadlines{}
	start = time.Now()
	if _, err := chainOf(t, Options{Timeouts: Timeouts{Source: time.Hour}}, d).Token(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if !within(d.asked, start, DefaultTotalTimeout) {
		t.Errorf("request deadline with a 1h source bound = +%s, want the chain's +%s", d.asked.Sub(start), DefaultTotalTimeout)
	}
	c := newCache(&Options{Cache: CacheOptions{Dir: t.TempDir()}}).(*fileCache)
	if c.lockWait != DefaultLockWait || c.margin != DefaultRefreshMargin {
		t.Errorf("cache lock wait %s, margin %s; want %s, %s", c.lockWait, c.margin, DefaultLockWait, DefaultRefreshMargin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTotalTimeout)
	defer cancel()
	if w := c.lockWaitFor(ctx); w > DefaultLockWait || w < DefaultLockWait-time.Second {
		t.Errorf("lock wait inside the chain's default bound = %s, want %s", w, DefaultLockWait)
	}
}

// TestTimeoutsSet: Options.Timeouts replace the defaults; a source that
// hangs ends at its bound with an error that says so.
func TestTimeoutsSet(t *testing.T) {
	o := Options{Timeouts: Timeouts{Source: 100 * time.Millisecond, Total: 150 * time.Millisecond, LockWait: 20 * time.Millisecond}, Cache: CacheOptions{Dir: t.TempDir()}}
	d := &deadlines{hang: true}
	start := time.Now()
	_, err := chainOf(t, o, d).Token(context.Background(), "")
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "no answer within 100ms") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Token() with a hanging source = %v, want 'no answer within 100ms'", err)
	}
	if elapsed < 100*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("Token() with a hanging source took %s, want its 100ms bound", elapsed)
	}
	if got := d.resolved.Sub(start); got > 150*time.Millisecond || got <= 0 {
		t.Errorf("resolve deadline = +%s, want within the source's 100ms", got)
	}
	if c := newCache(&o).(*fileCache); c.lockWait != 20*time.Millisecond {
		t.Errorf("cache lock wait = %s, want Timeouts.LockWait 20ms", c.lockWait)
	}
	d = &deadlines{}
	start = time.Now()
	if _, err := chainOf(t, Options{Timeouts: Timeouts{Source: time.Hour, Total: 150 * time.Millisecond}}, d).Token(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if got := d.asked.Sub(start); got > 200*time.Millisecond || got <= 0 {
		t.Errorf("request deadline with Total 150ms = +%s, want within 150ms", got)
	}
}
