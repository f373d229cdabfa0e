//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

const plantedStore = `{"myreg.example.com": {"username": "planted", "secret": "planted-secret", "stored_at": "2026-01-01T00:00:00Z"}}`

// TestFileStoreTightensLooseFile: a credentials file of the user's that
// others may read is 0600 once a secret is written into it (nobody else could
// have written it, so its content is kept).
func TestFileStoreTightensLooseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "credentials.json")
	testenv.WriteFile(t, path, []byte(plantedStore), 0o644)
	s := NewFile(path)
	if err := s.Put("ghcr.io", &Credential{Username: "u", Secret: "new-secret", StoredAt: time.Now()}); err != nil {
		t.Fatalf("Put over a 0644 file of mine = %v, want nil", err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of %s after Put = %v, %v, want 0600", path, fi.Mode().Perm(), err)
	}
	if c, err := s.Get("myreg.example.com"); err != nil || c.Username != "planted" {
		t.Errorf("Get(kept entry) = %+v, %v, want the entry kept", c, err)
	}
}

// TestFileStoreRefusesUntrusted: a credentials file that others may write,
// or that belongs to someone else, is refused (never read, never written
// through, never silently replaced: it may hold someone's credentials).
func TestFileStoreRefusesUntrusted(t *testing.T) {
	tests := []struct {
		name    string
		perm    os.FileMode
		foreign bool
		want    string
	}{
		{name: "0666 mine", perm: 0o666, want: "chmod 600"},
		{name: "0620 mine", perm: 0o620, want: "chmod 600"},
		{name: "0600 foreign", perm: 0o600, foreign: true, want: "belongs to uid 65534"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "credentials.json")
			testenv.WriteFile(t, path, []byte(plantedStore), tt.perm)
			if tt.foreign {
				if os.Geteuid() != 0 {
					t.Skip("only root can give a file to another user")
				}
				if err := os.Chown(path, 65534, 65534); err != nil {
					t.Fatal(err)
				}
			}
			s := NewFile(path)
			c, err := s.Get("myreg.example.com")
			if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("Get(%s) = %+v, %v, want a refusal naming %s and %q", tt.name, c, err, path, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "planted-secret") {
				t.Errorf("Get(%s) error holds the secret: %v", tt.name, err)
			}
			if err := s.Put("ghcr.io", &Credential{Username: "u", Secret: "new-secret"}); err == nil {
				t.Errorf("Put(%s) = nil, want a refusal", tt.name)
			}
			if _, err := s.List(); err == nil {
				t.Errorf("List(%s) = nil error, want a refusal", tt.name)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			st := fi.Sys().(*syscall.Stat_t)
			if string(b) != plantedStore || fi.Mode().Perm() != tt.perm || tt.foreign && st.Uid != 65534 {
				t.Errorf("after Put(%s): %s is mode %v uid %d with %q, want it untouched", tt.name, path, fi.Mode().Perm(), st.Uid, b)
			}
		})
	}
}

// TestPutUnwritableDir: where the store's directory cannot be written (a
// read-only home), Put fails with one *NotWritableError that names the
// directory, says why the keyring was not used and what to set; the
// fallback notice ("keeping credentials in ...") is not printed for a file
// that was never written, and nothing is left behind. Root may write
// anywhere, so as root Put runs in a child process as nobody (uid 65534)
// in a directory of root's (cmd's TestReadOnlyHome proves a read-only
// mount on the binary).
func TestPutUnwritableDir(t *testing.T) {
	if dir := os.Getenv("STORE_TEST_UNWRITABLE_DIR"); dir != "" {
		putUnwritableChild(dir)
		return
	}
	base := t.TempDir()
	dir := filepath.Join(base, "cfg")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var out string
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		out = putUnwritable(dir)
	} else {
		for _, d := range []string{filepath.Dir(base), base} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		bin := filepath.Join(base, "store.test")
		b, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-test.run=^TestPutUnwritableDir$")
		cmd.Env = []string{"STORE_TEST_UNWRITABLE_DIR=" + dir}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		o, err := cmd.CombinedOutput()
		if err != nil {
			t.Skipf("cannot run a child as nobody: %v: %s", err, o)
		}
		out = string(o)
	}
	t.Logf("%s", out)
	for _, want := range []string{"not-writable: true", "cannot keep credentials in " + dir + " (", "permission denied", "no OS keyring (", "DOCKER_CREDENTIAL_GCR_CONFIG=", "DOCKER_CREDENTIAL_GCR_CREDENTIAL_STORE=keyring", "notice: \n"} {
		if !strings.Contains(out, want) {
			t.Errorf("Put in an unwritable dir: %q, want it to contain %q", out, want)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("Put's error holds the secret")
	}
	if des, _ := os.ReadDir(dir); len(des) != 0 {
		t.Errorf("Put in an unwritable dir left %d file(s)", len(des))
	}
}

func putUnwritableChild(dir string) {
	os.Stdout.WriteString(putUnwritable(dir))
	os.Exit(0)
}

// putUnwritable stores a credential with the auto store in dir and says
// what came of it.
func putUnwritable(dir string) string {
	var notice strings.Builder
	s, err := Open(Options{Dir: dir, Getenv: func(string) string { return "" }, Notice: &notice})
	if err != nil {
		return "open: " + err.Error()
	}
	err = s.Put("myreg.example.com", &Credential{Username: "me", Secret: "s3cret", StoredAt: time.Now()})
	var nw *NotWritableError
	return fmt.Sprintf("not-writable: %v\nerror: %v\nnotice: %s\n", errors.As(err, &nw), err, notice.String())
}
