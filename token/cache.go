package token

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
)

// cacheVersion is the cache file format; a file of another version is a miss.
const cacheVersion = 1

// cache keeps tokens: wrap returns a tokenSource that serves key's token
// from the cache while it is fresh and asks ts otherwise, as
// oauth2.ReuseTokenSource does within a process. subjectExpiry is the exp
// of the subject token ts exchanges, when one is in hand (zero otherwise).
type cache interface {
	wrap(key string, ts tokenSource, subjectExpiry time.Time) tokenSource
}

// newCache is the cache o configures: a fileCache, or nullCache when off.
func newCache(o *Options) cache {
	if o.Cache.Dir == "" {
		return nullCache{}
	}
	return &fileCache{
		dir:      o.Cache.Dir,
		margin:   orDefault(o.Cache.Margin, DefaultRefreshMargin),
		lockWait: orDefault(o.Timeouts.LockWait, DefaultLockWait),
		clock:    o.Now,
		log:      o.logger(),
	}
}

// nullCache is the cache turned off: every Token asks the source.
type nullCache struct{}

func (nullCache) wrap(_ string, ts tokenSource, _ time.Time) tokenSource { return ts }

// fileCache is a token cache shared by every process of the user: one file
// per (source, identity, impersonation chain, scope, universe), named by a
// hash of them, 0600 in a 0700 directory. A miss takes an OS file lock so
// that N concurrent processes make one upstream request; the lock dies with
// its holder, and the wait is bounded.
type fileCache struct {
	dir      string
	margin   time.Duration
	lockWait time.Duration    // see Timeouts.LockWait
	clock    func() time.Time // time.Now when nil
	log      *slog.Logger
}

// lockWaitFor is how long to wait for the lock: lockWait, and at most a
// third of the time left before ctx's deadline, so that the waiter can
// still fetch on its own inside the chain's bound.
func (c *fileCache) lockWaitFor(ctx context.Context) time.Duration {
	wait := c.lockWait
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl)/3)
	}
	return wait
}

type cacheEntry struct {
	Version     int       `json:"version"`
	AccessToken string    `json:"access_token"`
	Expiry      time.Time `json:"expiry"`
	Identity    string    `json:"identity,omitempty"`
	Source      string    `json:"source"`
	Universe    string    `json:"universe"`
	// Issued is when it was fetched, written only for a token that had
	// less than the refresh margin left then: its source could do no
	// better, so it is shared by the gets of a burst (fresh).
	Issued time.Time `json:"issued,omitzero"`
}

// Key names a cache file: a hash, never an identity or a secret in clear.
func cacheKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:40]
}

func (c *fileCache) now() time.Time {
	if c.clock != nil {
		return c.clock()
	}
	return time.Now()
}

func (c *fileCache) path(key string) string { return filepath.Join(c.dir, key+".json") }

// wrap puts ts behind the cache, and on a miss in a usable cache dir behind
// its skip note (skipnote.go): a hit never reads the note, and a dir that
// is not the user's alone is not asked about one.
func (c *fileCache) wrap(key string, ts tokenSource, subjectExpiry time.Time) tokenSource {
	return cachedSource{c: c, key: key, ts: ts, subjectExpiry: subjectExpiry}
}

// cachedSource is ts behind the cache entry key.
type cachedSource struct {
	c             *fileCache
	key           string
	ts            tokenSource
	subjectExpiry time.Time
}

// Token returns the cached token while it is fresh (fresh), else asks the
// source under the key's lock and stores its token. A cache that cannot be
// read or written never fails: it is a miss. When the source fails, a
// cached token that is still valid (inside the margin) is served.
func (s cachedSource) Token(ctx context.Context) (*Token, error) {
	c, key, log := s.c, s.key, s.c.log
	if t := s.fresh(c.load(key)); t != nil {
		log.DebugContext(ctx, "cache hit", "file", short(key), "expires_in", t.Expiry.Sub(c.now()).Round(time.Second))
		return t, nil
	}
	if err := c.ensureDir(); err != nil {
		log.DebugContext(ctx, "cache unusable, fetching without it", "dir", c.dir, "error", err)
		return s.ts.Token(ctx) // no usable cache dir: serve without it, and without its notes
	}
	ts := noted{c: c, key: key, ts: s.ts}
	start := time.Now()
	timeout := c.lockWaitFor(ctx)
	unlock, t, err := s.lockOrWait(ctx, timeout)
	switch {
	case t != nil:
		since(ctx, log, "cache filled by another process", start, "file", short(key))
		return t, nil
	case err == nil:
		defer unlock()
	case ctx.Err() != nil:
		return nil, ctx.Err()
	default:
		log.DebugContext(ctx, "cache lock not taken, fetching anyway", "error", err)
	}
	log.DebugContext(ctx, "cache miss", "file", short(key))
	t, err = ts.Token(ctx)
	if err != nil {
		// A transient failure: a token that is still valid beats none.
		if stale := c.load(key); stale != nil {
			log.DebugContext(ctx, "upstream failed, serving the cached token", "error", err)
			return stale.Token, nil
		}
		return nil, err
	}
	if !t.Expiry.IsZero() {
		c.store(key, t)
	}
	return t, nil
}

// fresh returns e's token when it may be served without asking the
// source: while it has more than the margin left; or, with less, while
// the source cannot do better (ci.md section 6), which is when
//   - the subject token in hand expires no later than it (give or take
//     subjectSlack): exchanging that token again cannot outlive it;
//   - its source gave it a life no longer than the margin (a federated
//     token capped at a 5-minute CI token: store records when it fetched
//     such a token) and it was fetched at most shortReuse ago: a new one
//     would live about as long as it did then, so it would not live
//     noticeably longer than this one. Later gets ask the source again,
//     each for nearly the whole life a fresh token has (BuildKit keeps an
//     answer 4 m 50 s).
//
// nil for none.
func (s cachedSource) fresh(e *cacheHit) *Token {
	if e == nil {
		return nil
	}
	c := s.c
	left := e.Expiry.Sub(c.now())
	switch {
	case left > c.margin:
		return e.Token
	case left <= 0:
		return nil
	case !s.subjectExpiry.IsZero() && !e.Expiry.Before(s.subjectExpiry.Add(-subjectSlack)):
		return e.Token
	case !e.issued.IsZero() && c.now().Sub(e.issued) <= shortReuse:
		return e.Token
	}
	return nil
}

// lockOrWait takes the key's lock, or returns the token another process
// stored while this one waited: between short lock attempts it looks at
// the cache file, so that N waiters do not take the lock one after another
// just to read what the first one stored.
func (s cachedSource) lockOrWait(ctx context.Context, timeout time.Duration) (func() error, *Token, error) {
	c, key := s.c, s.key
	deadline := time.Now().Add(timeout)
	for {
		unlock, err := fsutil.Lock(ctx, c.path(key)+".lock", 20*time.Millisecond)
		if err == nil {
			if t := s.fresh(c.load(key)); t != nil {
				unlock()
				return nil, t, nil
			}
			return unlock, nil, nil
		}
		if !errors.Is(err, fsutil.ErrLockTimeout) {
			return nil, nil, err
		}
		if t := s.fresh(c.load(key)); t != nil {
			return nil, t, nil
		}
		if time.Now().After(deadline) {
			return nil, nil, err
		}
	}
}

// subjectSlack is how much sooner than its subject token a federated
// token capped at it may expire: STS says expires_in in whole seconds less
// one, counted from when it answered.
const subjectSlack = 30 * time.Second

// shortReuse is how long a token shorter than the margin is served before
// its source is asked for a fresh one: the gets of one push come within a
// second or two, concurrent clients wait on the lock for milliseconds, and
// a token so short is worth re-minting for any more life than that. With
// 5-minute GitHub JWTs a get then hands out at least 4 m 54 s, more than
// the 4 m 50 s BuildKit keeps an answer.
const shortReuse = 5 * time.Second

// cacheHit is a cached token and when it was fetched.
type cacheHit struct {
	*Token
	issued time.Time // zero when the file does not say
}

// load returns the entry for key when it is trustworthy and not expired.
func (c *fileCache) load(key string) *cacheHit {
	path := c.path(key)
	fi, err := os.Lstat(path)
	if err != nil || fsutil.CheckPrivate(path, fi) != nil {
		return nil // absent, or not ours alone: never trusted
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 64<<10 {
		return nil
	}
	e, err := decodeCacheEntry(b)
	if err != nil || e.Version != cacheVersion || e.AccessToken == "" || e.Expiry.IsZero() {
		return nil
	}
	if !c.now().Before(e.Expiry) {
		return nil
	}
	return &cacheHit{Token: &Token{AccessToken: e.AccessToken, Expiry: e.Expiry, Identity: e.Identity, Source: e.Source, Universe: e.Universe}, issued: e.Issued}
}

func (c *fileCache) store(key string, t *Token) {
	e := cacheEntry{Version: cacheVersion, AccessToken: t.AccessToken, Expiry: t.Expiry.UTC(), Identity: t.Identity, Source: t.Source, Universe: t.Universe}
	if now := c.now(); t.Expiry.Sub(now) <= c.margin {
		e.Issued = now.UTC()
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	path := c.path(key)
	// A foreign or loose file is replaced, never written through.
	if fi, err := os.Lstat(path); err == nil && fsutil.CheckPrivate(path, fi) != nil {
		os.Remove(path)
	}
	_ = fsutil.WriteFileAtomic(path, b, 0o600) // best effort: a cache never fails get
}

// ensureDir creates the cache dir 0700, refuses one that is not ours and
// closes one of ours that others can enter (fsutil.EnsurePrivateDir).
func (c *fileCache) ensureDir() error {
	return fsutil.EnsurePrivateDir(c.dir)
}

// ClearCache removes every cached token from dir (CacheOptions.Dir) and
// the cache's skip notes, lock and temp files. It returns how many tokens it
// removed.
func ClearCache(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".lock") || strings.HasSuffix(name, ".skip") || (strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")) {
			if err := os.Remove(filepath.Join(dir, name)); err == nil && strings.HasSuffix(name, ".json") {
				n++
			}
		}
	}
	return n, nil
}

// short abbreviates a cache key for the trail.
func short(key string) string {
	if len(key) > 8 {
		return key[:8]
	}
	return key
}
