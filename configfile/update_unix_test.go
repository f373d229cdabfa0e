//go:build unix

package configfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUpdateUnwritableDir runs Update where it may read config.json but not
// create files beside it. Root may write anywhere, so as root the edit runs
// in a child process as nobody (uid 65534).
func TestUpdateUnwritableDir(t *testing.T) {
	skipOnWindows(t)
	base := t.TempDir()
	dir := filepath.Join(base, "docker")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.json")
	write(t, path, dockerNew, 0o644)
	write(t, path+".lock", "", 0o666) // the lock itself is not what this tests

	var msg string
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		_, _, err := Update(context.Background(), path, false, addHosts("gcr.io"))
		if err == nil {
			t.Fatal("Update() in a read-only directory = nil, want an error")
		}
		msg = err.Error()
	} else {
		// nobody must reach the test binary and the directory.
		for _, d := range []string{filepath.Dir(base), base} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		bin := filepath.Join(base, "configfile.test")
		copyFile(t, os.Args[0], bin)
		cmd := exec.Command(bin, "-test.run=^$")
		cmd.Env = append(os.Environ(), childPathEnv+"="+path, childHostEnv+"=gcr.io")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Skipf("cannot run a child as nobody: %v", err)
		}
		msg = string(bytes.TrimSpace(out))
	}
	t.Logf("error: %s", msg)
	for _, want := range []string{"update docker config: write " + path, "permission denied", "check that you can write to " + dir} {
		if !strings.Contains(msg, want) {
			t.Errorf("Update() error = %q, want it to contain %q", msg, want)
		}
	}
	if got := read(t, path); got != dockerNew {
		t.Errorf("file = %q, want it untouched", got)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("directory holds %q, want only config.json", got)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
