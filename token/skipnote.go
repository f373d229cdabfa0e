package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/redact"
)

// skipFor is how long a source that timed out or could not be reached is
// skipped: docker and crane call get twice per command, and a metadata
// server that hangs (no Google credentials off Google Cloud) would cost the
// source's whole bound each time.
const skipFor = 30 * time.Second

// skipNote is what the cache dir keeps about a source that timed out or
// was unreachable, in KEY.skip beside its cache entry (named by the same
// hash, never by a secret). It holds no secret: the reason is the source's
// error, which never has one.
type skipNote struct {
	Version       int       `json:"version"`
	Reason        string    `json:"reason"`
	At            time.Time `json:"at"`
	NotConfigured bool      `json:"not_configured,omitempty"`
}

// noted is a source behind its skip note: the cache puts it around bounded
// on a miss in a usable cache dir (cachedSource.Token), so a hit never
// reads the note, and a dir that is not the user's alone is never asked. While a note
// younger than skipFor is there, the source is not asked: its token request
// fails at once with the noted reason and when it will be tried again. A
// failure that was a real one (a configured source timing out) stays one,
// so the chain still ends there rather than moving on to the next identity;
// only a source that had nothing to offer (not on Google Cloud) is skipped
// as not configured. A success forgets the note, and so does cache clear.
type noted struct {
	c   *fileCache
	key string
	ts  tokenSource
}

func (n noted) Token(ctx context.Context) (*Token, error) {
	path := n.c.notePath(n.key)
	if err := n.c.loadNote(path); err != nil {
		n.c.log.DebugContext(ctx, "source skipped", "note", short(n.key), "until", err.until)
		return nil, err
	}
	t, err := n.ts.Token(ctx)
	if err == nil {
		os.Remove(path) // forgotten: the source answers again
		return t, nil
	}
	if lasting(err) {
		n.c.storeNote(path, err)
	}
	return nil, err
}

// lasting reports whether err is a failure worth noting: the source's bound
// ran out (timeoutError), or its server could not be reached
// (unreachableError). Not a refusal, which is fast and which the user fixes.
func lasting(err error) bool {
	var te *timeoutError
	var ue *unreachableError
	return errors.As(err, &te) || errors.As(err, &ue)
}

func (c *fileCache) notePath(key string) string { return filepath.Join(c.dir, key+".skip") }

// loadNote returns the skip of the note at path when it is trustworthy (the
// user's alone, as a cached token: fsutil.ReadPrivate) and younger than
// skipFor; nil otherwise.
func (c *fileCache) loadNote(path string) *skippedError {
	b, err := fsutil.ReadPrivate(path, 4<<10)
	if err != nil {
		return nil
	}
	var n skipNote
	if json.Unmarshal(b, &n) != nil || n.Version != 1 || n.Reason == "" {
		return nil
	}
	now := c.now()
	if n.At.After(now) || !now.Before(n.At.Add(skipFor)) {
		return nil
	}
	return &skippedError{reason: shown(n.Reason, 300), at: n.At, until: n.At.Add(skipFor), notConfigured: n.NotConfigured}
}

func (c *fileCache) storeNote(path string, err error) {
	b, _ := json.Marshal(skipNote{Version: 1, Reason: err.Error(), At: c.now().UTC(), NotConfigured: errors.Is(err, errNotConfigured)})
	_ = fsutil.WriteFileAtomic(path, b, 0o600) // best effort, like the cache
}

// shown is text from outside (a server's message, a noted reason) as it
// may be printed in docker's one-line error: no control character, what
// looks like a secret (a token, a JWT, a key) masked by redact.String, at
// most n bytes.
func shown(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return truncate(redact.String(s), n)
}

// skippedError is a source skipped for its note: the noted reason, and when
// it will be tried again.
type skippedError struct {
	reason        string
	at, until     time.Time
	notConfigured bool
}

func (e *skippedError) Error() string {
	return fmt.Sprintf("%s (skipped: it failed so at %s; tried again from %s, or at once after `docker-credential-gcr cache clear`)",
		e.reason, e.at.Local().Format(time.TimeOnly), e.until.Local().Format(time.TimeOnly))
}

// Unwrap makes a skipped source that had nothing to offer not configured,
// as it was.
func (e *skippedError) Unwrap() error {
	if e.notConfigured {
		return errNotConfigured
	}
	return nil
}

// timeoutError is a source's token request that its bound (bounded) ended.
type timeoutError struct {
	bound time.Duration
	err   error
}

func (e *timeoutError) Error() string { return fmt.Sprintf("no answer within %s: %v", e.bound, e.err) }
func (e *timeoutError) Unwrap() error { return e.err }

// unreachableError is a source whose server could not be reached (the
// metadata server: no route, connection refused, not on Google Cloud).
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }
