package main

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// maxInitAllocs bounds the allocations of each of our packages' init. Docker
// runs the helper for every image, so init runs on every warm get: a
// package-level regexp.MustCompile or a table built at init is paid each
// time (the federation groundwork's patterns once cost 2552 allocations and
// half a millisecond). Build such things on first use (sync.OnceValue).
// The count is deterministic, unlike a time.
const maxInitAllocs = 50

func TestMain(m *testing.M) { testenv.Main(m) }

// TestInitIsCheap runs the built binary with GODEBUG=inittrace=1 and checks
// the allocations of every package of this module.
func TestInitIsCheap(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: builds the binary (-short)")
	}
	bin := testenv.Binary(t)
	vars := testenv.Isolated(t.TempDir(), testenv.NoMetadata)
	vars["GODEBUG"] = "inittrace=1"
	vars["PATH"] = os.Getenv("PATH")
	cmd := exec.Command(bin, "version")
	cmd.Env = testenv.Environ(vars)
	r := testenv.Run(cmd)
	if r.Err != nil {
		t.Fatalf("%s", r)
	}
	stderr := strings.NewReader(r.Stderr)
	module := testenv.Module
	seen := 0
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		// init PKG @1.4 ms, 0.006 ms clock, 336 bytes, 9 allocs
		f := strings.Fields(sc.Text())
		if len(f) < 11 || f[0] != "init" || !strings.HasPrefix(f[1], module) {
			continue
		}
		seen++
		allocs, err := strconv.Atoi(f[9])
		if err != nil || f[10] != "allocs" {
			t.Fatalf("cannot read inittrace line %q", sc.Text())
		}
		if allocs > maxInitAllocs {
			t.Errorf("init of %s = %d allocations, want at most %d: build package-level tables and regexps on first use", f[1], allocs, maxInitAllocs)
		}
	}
	if seen == 0 {
		t.Fatalf("no init line of %s in the inittrace output:\n%s", module, r.Stderr)
	}
}
