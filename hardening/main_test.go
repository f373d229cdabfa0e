//go:build unix

package hardening

import (
	"encoding/json"
	"flag"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/redact"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

func TestMain(m *testing.M) {
	// The parallel tests mostly wait out the chain's bounds, not the CPU:
	// run them all at once unless -parallel says otherwise.
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "32")
	}
	testenv.Main(m) // the helper is built once, by the first test that runs it
}

// full reports whether the full sizes were asked for (make stress).
func full() bool { return os.Getenv("HARDENING_FULL") == "1" }

// size is n by default and fullN under HARDENING_FULL=1.
func size(n, fullN int) int {
	if full() {
		return fullN
	}
	return n
}

// figure logs a line for the README's table.
func figure(t testing.TB, format string, a ...any) {
	t.Helper()
	t.Logf("FIGURE "+format, a...)
}

// closedPort returns 127.0.0.1:PORT where nothing listens.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// creds is the docker-credential protocol's get answer.
type creds struct {
	ServerURL, Username, Secret string
}

func parseCreds(s string) (creds, bool) {
	var c creds
	err := json.Unmarshal([]byte(s), &c)
	return c, err == nil && c.Secret != ""
}

// files lists the regular files under dir (relative names), sorted.
func files(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// panicked reports whether s looks like a Go panic or runtime crash.
func panicked(s string) bool {
	return strings.Contains(s, "panic:") || strings.Contains(s, "goroutine ") || strings.Contains(s, "fatal error:")
}

// percentile returns the p-th percentile of ds (sorted in place).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := (len(ds) - 1) * p / 100
	return ds[i]
}

// shown is a process's output for a failure message: tokens, keys and
// passwords redacted, since a test message is a log.
func shown(s string) string { return redact.String(s) }
