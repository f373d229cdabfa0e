package token

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
)

// The test binary doubles as a helper process for the cross-process tests.
func TestMain(m *testing.M) {
	switch os.Getenv("TOKEN_TEST_CHILD") {
	case "get":
		os.Exit(childGet())
	case "hold":
		os.Exit(childHold())
	case "get-bounded":
		os.Exit(childGetBounded())
	}
	os.Exit(m.Run())
}

// childGet asks the metadata source (the fake, via GCE_METADATA_HOST) for a
// token through the cache in TOKEN_TEST_CACHE and prints it.
func childGet() int {
	c, err := New(Options{
		Sources:  []string{SourceMetadata},
		Cache:    CacheOptions{Dir: os.Getenv("TOKEN_TEST_CACHE")},
		Timeouts: Timeouts{LockWait: time.Hour},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t, err := c.Token(ctx, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(t.AccessToken)
	return 0
}

// childGetBounded is childGet with the chain's own bounds shortened (as
// TOKEN_TEST_TOTAL says) and the cache's lock wait left at its default.
func childGetBounded() int {
	total, err := time.ParseDuration(os.Getenv("TOKEN_TEST_TOTAL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	c, err := New(Options{
		Sources:  []string{SourceMetadata},
		Cache:    CacheOptions{Dir: os.Getenv("TOKEN_TEST_CACHE")},
		Timeouts: Timeouts{Total: total},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	t, err := c.Token(context.Background(), "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(t.AccessToken)
	return 0
}

// childHold takes the lock of the metadata cache entry and waits to be killed.
func childHold() int {
	key, err := metadataKey()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	unlock, err := fsutil.Lock(context.Background(), filepath.Join(os.Getenv("TOKEN_TEST_CACHE"), key+".json.lock"), time.Minute)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer unlock()
	fmt.Println("locked")
	time.Sleep(time.Hour)
	return 0
}

// metadataKey is the cache key a chain of the metadata source uses in this
// process's environment.
func metadataKey() (string, error) {
	c, err := New(Options{Sources: []string{SourceMetadata}})
	if err != nil {
		return "", err
	}
	cs, err := metadataSource{}.resolve(context.Background(), &c.o, "")
	if err != nil {
		return "", err
	}
	return c.cacheKey(cs, ""), nil
}

func child(t *testing.T, mode, metadataHost, cacheDir string) *exec.Cmd {
	t.Helper()
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), "TOKEN_TEST_CHILD="+mode, "TOKEN_TEST_CACHE="+cacheDir, "GCE_METADATA_HOST="+metadataHost)
	c.Stderr = os.Stderr
	return c
}

func TestCacheSingleFlightAcrossProcesses(t *testing.T) {
	g, err := fakegoogle.New(fakegoogle.Options{Latency: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	host := strings.TrimPrefix(g.URL, "http://")
	dir := filepath.Join(t.TempDir(), "cache")

	const n = 16
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := child(t, "get", host, dir).Output()
			if err != nil {
				t.Errorf("child %d: %v", i, err)
			}
			outs[i] = strings.TrimSpace(string(out))
		}()
	}
	wg.Wait()
	if got := g.Count("metadata-token"); got != 1 {
		t.Errorf("%d concurrent cold gets made %d upstream token requests, want 1", n, got)
	}
	for i, o := range outs {
		if o != outs[0] || o == "" {
			t.Errorf("child %d got a different or empty token", i)
		}
	}
	if _, ok := g.Principal(outs[0]); !ok {
		t.Errorf("Principal(cached token) not ok: the children did not get the fake's token")
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode = %v, %v, want 0700", fi.Mode().Perm(), err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Errorf("cache files = %v, want one token file", files)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("cache file %s: stat %v, want mode 0600", filepath.Base(f), err)
		}
		if strings.Contains(f, "gserviceaccount") || strings.Contains(f, "metadata") || strings.Contains(f, "default") {
			t.Errorf("cache file name %s reveals the identity", filepath.Base(f))
		}
	}
}

func TestCacheKilledHolderBlocksNobody(t *testing.T) {
	g, err := fakegoogle.New(fakegoogle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	host := strings.TrimPrefix(g.URL, "http://")
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}

	holder := startLockHolder(t, host, dir)
	holder.Process.Signal(syscall.SIGKILL)
	holder.Wait()
	// The getter waits up to an hour for a live holder; a dead one must not
	// hold it up at all (the child gives up after 60s and fails the test).
	out, err := child(t, "get", host, dir).Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("get after the holder was killed = %q, %v, want a token", out, err)
	}
}

// startLockHolder runs a child process that takes the cache lock of the
// test's key in dir and holds it; it returns once the child has it. The
// child is killed when the test ends, if it is still there.
func startLockHolder(t *testing.T, host, dir string) *exec.Cmd {
	t.Helper()
	holder := child(t, "hold", host, dir)
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		holder.Process.Kill() // a stopped process dies of SIGKILL too
		holder.Wait()
	})
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("holder said %q, want locked", line)
	}
	return holder
}

// testCache is the file cache Options{Cache: {Dir: dir}} makes, on clock
// (time.Now when nil).
func testCache(dir string, clock func() time.Time) *fileCache {
	c := newCache(&Options{Cache: CacheOptions{Dir: dir}}).(*fileCache)
	c.clock = clock
	return c
}

// tokenFunc is a function as a tokenSource: the tests' stand-in for a
// source.
type tokenFunc func(ctx context.Context) (*Token, error)

func (f tokenFunc) Token(ctx context.Context) (*Token, error) { return f(ctx) }

// countingFetch returns tokens that expire after life, counting calls.
type countingFetch struct {
	n    int
	life time.Duration
	now  func() time.Time
	err  error
}

func (f *countingFetch) fetch(context.Context) (*Token, error) {
	f.n++
	if f.err != nil {
		return nil, f.err
	}
	return &Token{AccessToken: fmt.Sprintf("tok-%d", f.n), Expiry: f.now().Add(f.life), Source: "test", Universe: DefaultUniverse}, nil
}

func TestCacheRefreshMargin(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	c := testCache(t.TempDir(), clock)
	f := &countingFetch{life: time.Hour, now: clock}
	ctx := context.Background()

	first, _ := c.wrap("k", tokenFunc(f.fetch), time.Time{}).Token(ctx)
	now = now.Add(54 * time.Minute) // 6 minutes left: reused
	again, _ := c.wrap("k", tokenFunc(f.fetch), time.Time{}).Token(ctx)
	if again.AccessToken != first.AccessToken || f.n != 1 {
		t.Errorf("token with 6m left: got %s after %d fetches, want the cached %s after 1", again.AccessToken, f.n, first.AccessToken)
	}
	now = now.Add(2 * time.Minute) // 4 minutes left: refreshed
	fresh, _ := c.wrap("k", tokenFunc(f.fetch), time.Time{}).Token(ctx)
	if fresh.AccessToken == first.AccessToken || f.n != 2 {
		t.Errorf("token with 4m left: got %s after %d fetches, want a fresh one after 2", fresh.AccessToken, f.n)
	}

	// A transient failure serves the still-valid token; an expired one never.
	now = now.Add(57 * time.Minute) // the fresh token has 3 minutes left
	f.err = errors.New("upstream down")
	stale, err := c.wrap("k", tokenFunc(f.fetch), time.Time{}).Token(ctx)
	if err != nil || stale.AccessToken != fresh.AccessToken {
		t.Errorf("failure with a valid cached token = %v, %v, want the cached token", stale, err)
	}
	now = now.Add(4 * time.Minute) // expired
	if got, err := c.wrap("k", tokenFunc(f.fetch), time.Time{}).Token(ctx); err == nil {
		t.Errorf("failure with an expired cached token = %s, want the error", got.AccessToken)
	}
}

func TestCacheUntrustedFiles(t *testing.T) {
	clock := time.Now
	valid := `{"version":1,"access_token":"planted","expiry":"2999-01-01T00:00:00Z","source":"x","universe":"googleapis.com"}`
	tests := map[string]func(path string) error{
		"corrupt":        func(p string) error { return os.WriteFile(p, []byte("{garbage"), 0o600) },
		"world-readable": func(p string) error { return writeMode(p, []byte(valid), 0o644) },
		"group-readable": func(p string) error { return writeMode(p, []byte(valid), 0o640) },
		"old version": func(p string) error {
			return os.WriteFile(p, []byte(strings.Replace(valid, `"version":1`, `"version":99`, 1)), 0o600)
		},
		"symlink": func(p string) error {
			target := p + ".target"
			if err := os.WriteFile(target, []byte(valid), 0o600); err != nil {
				return err
			}
			return os.Symlink(target, p)
		},
	}
	if os.Geteuid() == 0 {
		tests["foreign owner"] = func(p string) error {
			if err := os.WriteFile(p, []byte(valid), 0o600); err != nil {
				return err
			}
			return os.Chown(p, 65534, 65534)
		}
	}
	for name, plant := range tests {
		t.Run(name, func(t *testing.T) {
			c := testCache(t.TempDir(), clock)
			if err := plant(c.path("k")); err != nil {
				if name == "symlink" && runtime.GOOS == "windows" {
					t.Skipf("no symlink without the privilege: %v", err)
				}
				t.Fatalf("plant the %s file: %v", name, err)
			}
			f := &countingFetch{life: time.Hour, now: clock}
			got, err := c.wrap("k", tokenFunc(f.fetch), time.Time{}).Token(context.Background())
			if err != nil || got.AccessToken == "planted" || f.n != 1 {
				t.Fatalf("token() = %v, %v after %d fetches, want a fetched token", got, err, f.n)
			}
			// Replaced by a trustworthy file: the next call is a hit.
			again, _ := c.wrap("k", tokenFunc(f.fetch), time.Time{}).Token(context.Background())
			if again.AccessToken != got.AccessToken || f.n != 1 {
				t.Errorf("second token() = %s after %d fetches, want the replaced cache entry", again.AccessToken, f.n)
			}
		})
	}
}

// writeMode writes b to p with exactly mode (os.WriteFile's is masked by
// the umask).
func writeMode(p string, b []byte, mode os.FileMode) error {
	if err := os.WriteFile(p, b, mode); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

func TestCacheUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c := testCache(filepath.Join(file, "cache"), nil) // cannot be created
	f := &countingFetch{life: time.Hour, now: time.Now}
	for range 2 {
		if _, err := c.wrap("k", tokenFunc(f.fetch), time.Time{}).Token(context.Background()); err != nil {
			t.Fatalf("token() with an unwritable cache = %v, want a token", err)
		}
	}
	if f.n != 2 {
		t.Errorf("fetches = %d, want 2 (no cache)", f.n)
	}
}

// What store writes is read without encoding/json (the warm path's
// largest cost of its own), and reads back the same.
func TestCacheFileCompactForm(t *testing.T) {
	expiry := time.Date(2026, 11, 24, 12, 15, 9, 758117560, time.UTC)
	for _, e := range []cacheEntry{
		{Version: cacheVersion, AccessToken: "ya29.a-b_c", Expiry: expiry, Identity: "sa@p.iam.gserviceaccount.com", Source: SourceMetadata, Universe: "googleapis.com"},
		{Version: cacheVersion, AccessToken: "t", Expiry: expiry, Source: SourceTokenFile, Universe: "s3nsapis.fr"}, // no identity: omitted
		{Version: cacheVersion, AccessToken: "t", Expiry: expiry, Identity: "<é&>"},                                 // escaped by json.Marshal
	} {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeCacheEntry(b)
		if err != nil || !sameEntry(got, e) {
			t.Errorf("decodeCacheEntry(%s) = %+v, %v; want %+v", b, got, err, e)
		}
		_, fast := decodeCompactEntry(b)
		if wantFast := !strings.Contains(string(b), `\`); fast != wantFast {
			t.Errorf("decodeCompactEntry(%s) took the fast path: %v, want %v", b, fast, wantFast)
		}
	}
	for _, bad := range []string{"", "{", `{"version":1,"expiry":"tomorrow"}`, `{"version":"1"}`, `[]`} {
		if _, err := decodeCacheEntry([]byte(bad)); err == nil {
			t.Errorf("decodeCacheEntry(%q) = nil error, want one", bad)
		}
	}
}
