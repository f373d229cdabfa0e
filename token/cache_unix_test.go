//go:build unix

package token

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// TestCacheStoppedHolderBlocksNobody: a lock holder that is alive but
// stopped (SIGSTOP, a debugger, a laptop lid) never makes a get fail: the
// wait for the lock ends well inside the chain's bound, then the waiter asks
// upstream on its own.
func TestCacheStoppedHolderBlocksNobody(t *testing.T) {
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
	if err := holder.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// The chain's bound is 3 s here (15 s by default); the lock wait, left
	// at its default, must end well inside it.
	const total = 3 * time.Second
	get := child(t, "get-bounded", host, dir)
	get.Env = append(get.Env, "TOKEN_TEST_TOTAL="+total.String())
	start := time.Now()
	out, err := get.Output()
	elapsed := time.Since(start)
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("get while the lock holder is stopped = %v after %s, want a token", err, elapsed.Round(time.Millisecond))
	}
	if elapsed > total*2/3 {
		t.Errorf("get while the lock holder is stopped took %s, want well under the chain's %s", elapsed.Round(time.Millisecond), total)
	}
	if got := g.Count("metadata-token"); got != 1 {
		t.Errorf("upstream token requests = %d, want 1 (the waiter's own)", got)
	}
}
