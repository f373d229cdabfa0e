package cmd_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionStampedByGo: a plain `go build` in a git checkout (no
// -ldflags) prints the module version and the VCS revision Go stamped, not
// "dev (commit unknown)". -buildvcs=true undoes a GOFLAGS=-buildvcs=false
// of the machine; Go stamps nothing outside a clone with a .git directory
// (a git worktree's .git is a file), where the test skips.
func TestVersionStampedByGo(t *testing.T) {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("SKIP: not in a git checkout (git rev-parse: %v): Go stamps no VCS revision", err)
	}
	if fi, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err != nil || !fi.IsDir() {
		t.Skip("SKIP: a git worktree (its .git is a file), where Go stamps no VCS revision; run in a clone")
	}
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "docker-credential-gcr")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./docker-credential-gcr")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	short := strings.TrimSpace(string(rev))[:12]
	if err != nil || !strings.HasPrefix(string(out), "docker-credential-gcr v0.0.0-") || !strings.Contains(string(out), "(commit "+short) {
		t.Errorf("version = %q, %v, want the pseudo-version and commit %s that Go stamped", out, err, short)
	}
}
