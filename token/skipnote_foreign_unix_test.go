//go:build unix

package token

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// countingStub yields a token and counts its requests.
type countingStub struct{ n *atomic.Int32 }

func (countingStub) name() string { return "stub" }

func (s countingStub) resolve(context.Context, *Options, string) (*configured, error) {
	return &configured{name: "stub", identity: "stub@p.iam.gserviceaccount.com", key: []string{"stub"},
		tokenSource: tokenFunc(func(context.Context) (*Token, error) {
			s.n.Add(1)
			return &Token{AccessToken: "ya29.stub", Expiry: time.Now().Add(time.Hour)}, nil
		})}, nil
}

// TestSkipNoteNotReadInAForeignCacheDir: a cache dir that is not the
// user's alone (another user's, on a shared XDG_CACHE_HOME) is not used
// for tokens, and not for skip notes either: a note there is never read
// (it would make every get fail at once), and nothing is written to or
// removed from that dir; the source is asked.
func TestSkipNoteNotReadInAForeignCacheDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIP: needs root to give the cache dir to another user")
	}
	f := newFixture(t)
	o := f.cached(f.options())
	var n atomic.Int32
	stub := countingStub{n: &n}
	c := chainOf(t, o, stub)
	cs, _ := stub.resolve(context.Background(), &c.o, "")
	fc := c.cache.(*fileCache)
	if err := os.MkdirAll(fc.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	note := fc.notePath(c.cacheKey(cs, ""))
	fc.storeNote(note, &timeoutError{bound: time.Second, err: context.DeadlineExceeded})
	if fc.loadNote(note) == nil {
		t.Fatal("the note is not read back in the user's own dir")
	}
	if err := os.Chown(fc.dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(fc.dir)
	tok, err := c.Token(context.Background(), "")
	if err != nil || tok.AccessToken != "ya29.stub" || n.Load() != 1 {
		t.Errorf("Token() with a note in another user's cache dir = %v, %v after %d requests; want the source's token, asked once", tok, err, n.Load())
	}
	if after, _ := os.ReadDir(fc.dir); len(after) != len(before) {
		t.Errorf("another user's cache dir went from %d to %d entries; want it left alone", len(before), len(after))
	}
	if _, err := os.Stat(note); err != nil {
		t.Errorf("the note in another user's cache dir was removed: %v", err)
	}
}
