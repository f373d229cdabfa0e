package token

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// clockChain is a chain of o whose cache reads *now as its clock.
func clockChain(t *testing.T, o Options, now *time.Time) *Chain {
	t.Helper()
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c.cache.(*fileCache).clock = func() time.Time { return *now }
	return c
}

// timed runs c.Token for any universe and says how long it took.
func timed(c *Chain) (*Token, error, time.Duration) {
	start := time.Now()
	tok, err := c.Token(context.Background(), "")
	return tok, err, time.Since(start)
}

func notes(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.skip"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSkipNoteHangingMetadata: a metadata server that hangs costs the
// source's bound once; the gets of the next 30 s skip it at once with the
// same reason and when it is tried again (a 0600 note named by a hash in
// the cache dir, holding no secret); after 30 s it is tried again; a
// success forgets the note, and so does cache clear.
func TestSkipNoteHangingMetadata(t *testing.T) {
	f := newFixture(t)
	f.g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	f.g.SetFault("metadata", fakegoogle.Fault{Delay: time.Hour}) // hangs until the helper gives up
	const bound = 500 * time.Millisecond
	o := f.cached(f.options(SourceMetadata))
	o.Timeouts = Timeouts{Source: bound, Total: 2 * bound}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.Local)
	now := start
	c := clockChain(t, o, &now)

	_, err, took := timed(c)
	if err == nil || !strings.Contains(err.Error(), "no answer within 500ms") || took < bound {
		t.Fatalf("first Token() = %v after %s; want the bound's failure after %s", err, took, bound)
	}
	reason := err.(*ChainError).Failures[0].Err.Error()
	asked := f.g.Count("metadata")
	ns := notes(t, o.Cache.Dir)
	if len(ns) != 1 {
		t.Fatalf("skip notes = %v, want one", ns)
	}
	if name := filepath.Base(ns[0]); len(name) != 40+len(".skip") || strings.Trim(strings.TrimSuffix(name, ".skip"), "0123456789abcdef") != "" {
		t.Errorf("note name = %q, want a hash", name)
	}
	if fi, err := os.Stat(ns[0]); err != nil || (fi.Mode().Perm() != 0o600 && runtime.GOOS != "windows") {
		t.Errorf("note mode = %v, %v; want 0600", fi.Mode(), err)
	}

	for _, later := range []time.Duration{time.Second, 29 * time.Second} {
		now = start.Add(later)
		_, err, took = timed(c)
		if err == nil || took > bound/2 || f.g.Count("metadata") != asked {
			t.Fatalf("Token() %s later = %v after %s, %d more requests; want the note's failure at once", later, err, took, f.g.Count("metadata")-asked)
		}
		msg := err.Error()
		for _, want := range []string{reason, "skipped", "10:00:30", "cache clear"} {
			if !strings.Contains(msg, want) {
				t.Errorf("Token() %s later = %q, want it to hold %q", later, msg, want)
			}
		}
	}

	// 30 s after the failure: tried again, and noted again.
	now = start.Add(skipFor)
	if _, err, took = timed(c); err == nil || took < bound || f.g.Count("metadata") == asked {
		t.Fatalf("Token() 30s later = %v after %s; want the source tried again", err, took)
	}

	// A success forgets the note.
	f.g.SetFault("metadata", fakegoogle.Fault{})
	now = now.Add(31 * time.Second)
	if tok, err, _ := timed(c); err != nil || tok.Identity != "vm@p.iam.gserviceaccount.com" {
		t.Fatalf("Token() once the server answers = %v, %v; want the VM's token", tok, err)
	}
	if ns := notes(t, o.Cache.Dir); len(ns) != 0 {
		t.Errorf("skip notes after a success = %v, want none", ns)
	}

	// cache clear forgets it too.
	if _, err := ClearCache(o.Cache.Dir); err != nil {
		t.Fatal(err)
	}
	f.g.SetFault("metadata", fakegoogle.Fault{Delay: time.Hour})
	timed(c)
	if len(notes(t, o.Cache.Dir)) != 1 {
		t.Fatal("no note after the server hangs again")
	}
	for _, s := range f.g.Secrets() {
		if b, _ := os.ReadFile(notes(t, o.Cache.Dir)[0]); strings.Contains(string(b), s) {
			t.Errorf("the note holds a secret of the fake")
		}
	}
	if _, err := ClearCache(o.Cache.Dir); err != nil {
		t.Fatal(err)
	}
	if ns := notes(t, o.Cache.Dir); len(ns) != 0 {
		t.Errorf("skip notes after cache clear = %v, want none", ns)
	}
	if _, err, took = timed(c); err == nil || took < bound {
		t.Errorf("Token() after cache clear = %v after %s; want the source tried again", err, took)
	}
}

// TestSkipNoteUnreachableMetadata: a metadata address where nothing
// listens is noted as unreachable, and skipped the same way.
func TestSkipNoteUnreachableMetadata(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	t.Setenv("GCE_METADATA_HOST", closed)
	f.env["GCE_METADATA_HOST"] = closed
	o := f.cached(f.options(SourceMetadata))
	o.Timeouts = Timeouts{Source: 5 * time.Second}
	now := time.Now()
	c := clockChain(t, o, &now)
	_, err, _ = timed(c)
	if err == nil || !strings.Contains(err.Error(), "metadata server unreachable") {
		t.Fatalf("Token() = %v, want the server unreachable", err)
	}
	_, err, took := timed(c)
	if err == nil || !strings.Contains(err.Error(), "metadata server unreachable") || !strings.Contains(err.Error(), "skipped") || took > time.Second {
		t.Errorf("second Token() = %v after %s, want the note's failure at once", err, took)
	}
}

// TestSkipNoteEndsTheChain: a configured source that timed out and is
// skipped for its note still ends the chain, as it did when it timed out:
// the next source, another identity, is never asked instead.
func TestSkipNoteEndsTheChain(t *testing.T) {
	f := newFixture(t)
	f.g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	o := f.cached(f.options())
	o.Timeouts = Timeouts{Source: 200 * time.Millisecond}
	now := time.Now()
	c := clockChain(t, o, &now)
	c.sources = []source{&deadlines{hang: true}, metadataSource{}}
	for i := range 2 {
		_, err, _ := timed(c)
		var ce *ChainError
		if !errors.As(err, &ce) || len(ce.Failures) != 1 || errors.Is(err, errNotConfigured) {
			t.Errorf("Token() #%d = %v; want the hanging source's failure alone", i+1, err)
		}
	}
	if n := f.g.Count("metadata-token"); n != 0 {
		t.Errorf("the metadata server was asked %d times after a configured source failed, want 0", n)
	}
	if !strings.Contains(func() string { _, err, _ := timed(c); return err.Error() }(), "skipped") {
		t.Errorf("the hanging source was not skipped")
	}
}

// TestSkipNoteNotOnTheWarmPath: a cached token is served while a note
// stands, and a note that is not the user's alone is not trusted.
func TestSkipNoteNotOnTheWarmPath(t *testing.T) {
	f := newFixture(t)
	f.g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	o := f.cached(f.options(SourceMetadata))
	now := time.Now()
	c := clockChain(t, o, &now)
	if _, err, _ := timed(c); err != nil {
		t.Fatal(err)
	}
	s, _ := c.newSource(SourceMetadata)
	cs, _ := s.resolve(context.Background(), &c.o, "")
	fc := c.cache.(*fileCache)
	note := fc.notePath(c.cacheKey(cs, ""))
	fc.storeNote(note, &timeoutError{bound: time.Second, err: context.DeadlineExceeded})
	if tok, err, _ := timed(c); err != nil || tok.Identity != "vm@p.iam.gserviceaccount.com" {
		t.Errorf("Token() with a fresh cached token and a note = %v, %v; want the cached token", tok, err)
	}
	if fc.loadNote(note) == nil {
		t.Fatal("the stored note is not read back")
	}
	if runtime.GOOS != "windows" { // the trust rule there is the ACL's
		if err := os.Chmod(note, 0o644); err != nil {
			t.Fatal(err)
		}
		if fc.loadNote(note) != nil {
			t.Errorf("a note others can read was trusted")
		}
	}
}
