//go:build unix

package configfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
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
		_, _, err := Update(context.Background(), path, UpdateOptions{}, addHosts("gcr.io"))
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
		// nobody can use our cache dir or this temp dir: no lock
		// place at all, and no lock debris in the real temp dir.
		cmd.Env = append(os.Environ(), childPathEnv+"="+path, childHostEnv+"=gcr.io", "TMPDIR="+filepath.Join(base, "tmp"))
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

// theirLockName is the lock file's name for path in any lock dir (lockName).
func theirLockName(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(abs))
	return hex.EncodeToString(sum[:12]) + ".lock"
}

// TestUpdateLockDirOfAnotherUser: with a cache dir shared with another user
// (XDG_CACHE_HOME on a shared mount), that user's lock directory is not used:
// holding a lock in it forever must not block configure-docker.
func TestUpdateLockDirOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can give a directory to another user")
	}
	shared := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", shared)
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(t.TempDir(), "runtime"))
	t.Setenv("TMPDIR", t.TempDir())
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	write(t, path, dockerNew, 0o600)

	// The other user's lock dir, and a lock in it that they hold forever.
	theirs := filepath.Join(shared, "docker-credential-gcr", "locks")
	if err := os.MkdirAll(theirs, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{theirs, filepath.Dir(theirs)} {
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(d, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	held := filepath.Join(theirs, theirLockName(t, path))
	unlock, err := fsutil.Lock(context.Background(), held, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, _, err := Update(ctx, path, UpdateOptions{}, addHosts("gcr.io")); err != nil {
		t.Fatalf("Update() with another user's lock dir = %v, want nil (a lock in a place of our own)", err)
	}
	if got := read(t, path); !strings.Contains(got, `"gcr.io": "gcr"`) {
		t.Errorf("config.json = %q, want gcr.io added", got)
	}
	assertOnly(t, dir, "config.json")
}

// TestUpdateNoCacheDirLeavesNoDebris: without a cache dir the lock goes to
// another place of the user's own, never beside config.json (lock files are
// never removed: one there would stay forever).
func TestUpdateNoCacheDirLeavesNoDebris(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("TMPDIR", t.TempDir())
	if d, err := os.UserCacheDir(); err == nil {
		t.Skipf("a cache dir exists without HOME and XDG_CACHE_HOME: %s", d)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	write(t, path, dockerNew, 0o600)
	if _, _, err := Update(context.Background(), path, UpdateOptions{}, addHosts("gcr.io")); err != nil {
		t.Fatalf("Update() without a cache dir = %v, want nil", err)
	}
	assertOnly(t, dir, "config.json")
}

// assertOnly fails unless dir holds exactly names (lock files included).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, de := range des {
		got = append(got, de.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("entries of %s = %q, want %q", dir, got, names)
	}
}
