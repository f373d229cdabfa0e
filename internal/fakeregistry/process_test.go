//go:build unix

package fakeregistry

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// running returns the pids pgrep finds running "docker-registry serve" on
// the config in dir; zombies have no command line and do not count.
func running(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command(tool(t, "pgrep"), "-f", "docker-registry serve "+filepath.Join(dir, "config.yml")).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return "" // no match
	}
	if err != nil {
		t.Fatalf("pgrep: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// gone waits up to 5 s for the registry of dir to disappear; the kernel
// delivers Pdeathsig asynchronously.
func gone(t *testing.T, dir string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := running(t, dir)
		if pids == "" || time.Now().After(deadline) {
			return pids
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killAll kills the leftover children a failed check found, by pid.
func killAll(t *testing.T, pids string) {
	for f := range strings.FieldsSeq(pids) {
		if pid, err := strconv.Atoi(f); err == nil {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Logf("kill %d: %v", pid, err)
			}
		}
	}
}

func TestCloseStopsChild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := startRegistry(t, Options{Users: map[string]string{"u": "p"}, Dir: dir})
	if pids := running(t, dir); pids == "" {
		t.Fatalf("pgrep docker-registry serve %s/config.yml = none, want the running child", dir)
	}
	start := time.Now()
	if err := r.Close(); err != nil {
		t.Errorf("Close() = %v, want nil", err)
	}
	if d := time.Since(start); d >= closeGrace {
		t.Errorf("Close() took %v, want under the %v grace: docker-registry should stop on SIGTERM", d, closeGrace)
	}
	if pids := running(t, dir); pids != "" {
		t.Errorf("pgrep after Close() = %s, want none", pids)
		killAll(t, pids)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.yml")); err != nil {
		t.Errorf("Close() removed the caller's Dir: %v", err)
	}
}

func TestCloseRemovesOwnDir(t *testing.T) {
	t.Parallel()
	tool(t, "docker-registry")
	r, err := Start(t.Context(), Options{Auth: goodAuth})
	if err != nil {
		t.Fatalf("Start() error: %v", err)
	}
	dir := r.Dir()
	if err := r.Close(); err != nil {
		t.Errorf("Close() = %v, want nil", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat(%s) after Close() = %v, want not exist", dir, err)
	}
}

// TestNoLeftoverChild re-runs this test binary as a test that starts a
// registry and then fails (Close runs in Cleanup) or exits without any
// cleanup (Pdeathsig): either way no docker-registry may survive it.
func TestNoLeftoverChild(t *testing.T) {
	t.Parallel()
	tool(t, "docker-registry")
	tool(t, "htpasswd")
	for _, mode := range []string{"fail", "exit"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			if mode == "exit" && runtime.GOOS != "linux" {
				t.Skip("only Linux kills the child with its parent (Pdeathsig)")
			}
			dir := t.TempDir()
			cmd := exec.CommandContext(t.Context(), os.Args[0])
			cmd.Env = append(os.Environ(), "FAKEREGISTRY_HELPER="+mode, "FAKEREGISTRY_HELPER_DIR="+dir)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("helper %s exited 0, want a failure; output:\n%s", mode, out)
			}
			if !strings.Contains(string(out), "helper: registry up") {
				t.Fatalf("helper %s never started its registry; output:\n%s", mode, out)
			}
			if pids := gone(t, dir); pids != "" {
				t.Errorf("pgrep after the helper %s = %s, want none; output:\n%s", mode, pids, out)
				killAll(t, pids)
			}
		})
	}
}

// TestMain makes this test binary TestNoLeftoverChild's child process
// when FAKEREGISTRY_HELPER is set: it runs helperRegistry alone, as a test
// of its own (a failed test's Cleanup runs, as in any test), and never
// shows among the parent's tests.
func TestMain(m *testing.M) {
	if os.Getenv("FAKEREGISTRY_HELPER") != "" {
		all := func(string, string) (bool, error) { return true, nil }
		testing.Main(all, []testing.InternalTest{{Name: "HelperRegistry", F: helperRegistry}}, nil, nil)
	}
	os.Exit(m.Run())
}

// helperRegistry is the body of TestNoLeftoverChild's child process.
func helperRegistry(t *testing.T) {
	mode, dir := os.Getenv("FAKEREGISTRY_HELPER"), os.Getenv("FAKEREGISTRY_HELPER_DIR")
	r := startRegistry(t, Options{Users: map[string]string{"u": "p"}, Dir: dir})
	t.Logf("helper: registry up at %s", r.Host)
	os.Stdout.WriteString("helper: registry up\n")
	switch mode {
	case "fail":
		t.Fatal("deliberate failure: Cleanup must still stop docker-registry")
	case "exit":
		os.Exit(3) // no Cleanup runs
	}
}
