//go:build unix

package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// otherUID owns the files "someone else" planted.
const otherUID = 65534

func chownOther(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("only root can give a file to another user")
	}
	if err := os.Lchown(path, otherUID, otherUID); err != nil {
		t.Fatal(err)
	}
}

func writeMode(t *testing.T, path string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

func TestTrustRules(t *testing.T) {
	tests := []struct {
		name          string
		perm          os.FileMode
		foreign, root bool
		private       string // "" when CheckPrivate accepts, else a part of its error
		notWritable   string // the same for CheckNotWritableByOthers
	}{
		{name: "0600 mine", perm: 0o600},
		{name: "0400 mine", perm: 0o400},
		{name: "0644 mine", perm: 0o644, private: "chmod 600"},
		{name: "0640 mine", perm: 0o640, private: "readable or writable by group or others (mode 0640)"},
		{name: "0620 mine", perm: 0o620, private: "chmod 600", notWritable: "writable by group or others (mode 0620)"},
		{name: "0666 mine", perm: 0o666, private: "chmod 600", notWritable: "chmod go-w"},
		{name: "0600 foreign", perm: 0o600, foreign: true, private: "belongs to uid 65534", notWritable: "belongs to uid 65534"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			writeMode(t, path, tt.perm)
			if tt.foreign {
				chownOther(t, path)
			}
			fi, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			check := func(name string, err error, want string) {
				t.Helper()
				switch {
				case want == "" && err != nil:
					t.Errorf("%s(%s) = %v, want nil", name, tt.name, err)
				case want != "" && (!errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path)):
					t.Errorf("%s(%s) = %v, want an ErrUntrusted naming %s and %q", name, tt.name, err, path, want)
				}
			}
			check("CheckPrivate", CheckPrivate(path, fi), tt.private)
			check("CheckNotWritableByOthers", CheckNotWritableByOthers(path, fi), tt.notWritable)
			_, err = ReadPrivate(path, 10)
			check("ReadPrivate", err, tt.private)
			_, err = ReadNotWritableByOthers(path, 10)
			check("ReadNotWritableByOthers", err, tt.notWritable)
		})
	}
}

func TestTrustSymlinkAndRoot(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	writeMode(t, target, 0o600)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Lstat(link)
	if err := CheckPrivate(link, fi); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("CheckPrivate(symlink, Lstat) = %v, want ErrUntrusted", err)
	}
	if _, err := OpenAppend(link); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("OpenAppend(symlink) = %v, want ErrUntrusted", err)
	}
	// Reading follows a symlink and checks its target.
	if _, err := ReadPrivate(link, 10); err != nil {
		t.Errorf("ReadPrivate(symlink to a private file) = %v, want nil", err)
	}
	if os.Geteuid() != 0 {
		// A file of root steers a user's helper (an admin's settings file).
		if fi, err := os.Stat("/etc/passwd"); err == nil {
			if err := CheckNotWritableByOthers("/etc/passwd", fi); err != nil {
				t.Errorf("CheckNotWritableByOthers(root's 0644 file) = %v, want nil", err)
			}
		}
	}
}

func TestOpenAppend(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.log")
	f, err := OpenAppend(path)
	if err != nil {
		t.Fatalf("OpenAppend(new) = %v, want nil", err)
	}
	f.Close()
	if got := mode(t, path); got != 0o600 {
		t.Errorf("OpenAppend(new) created mode %#o, want 0600", got)
	}
	loose := filepath.Join(dir, "loose.log")
	writeMode(t, loose, 0o666)
	if _, err := OpenAppend(loose); !errors.Is(err, ErrUntrusted) {
		t.Errorf("OpenAppend(0666) = %v, want ErrUntrusted", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err == nil {
		if _, err := OpenAppend(fifo); err == nil {
			t.Errorf("OpenAppend(FIFO) = nil, want an error")
		}
	}
	foreign := filepath.Join(dir, "foreign.log")
	writeMode(t, foreign, 0o600)
	chownOther(t, foreign)
	if _, err := OpenAppend(foreign); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Errorf("OpenAppend(foreign) = %v, want ErrUntrusted naming the owner", err)
	}
}

func TestEnsurePrivateDir(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b")
	if err := EnsurePrivateDir(dir); err != nil {
		t.Fatalf("EnsurePrivateDir(new) = %v, want nil", err)
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if got := mode(t, d); got != 0o700 {
			t.Errorf("mode of %s = %#o, want 0700", d, got)
		}
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := EnsurePrivateDir(dir); err != nil || mode(t, dir) != 0o700 {
		t.Errorf("EnsurePrivateDir(my 0777 dir) = %v, mode %#o, want nil and 0700", err, mode(t, dir))
	}
	file := filepath.Join(base, "file")
	writeMode(t, file, 0o600)
	if err := EnsurePrivateDir(file); err == nil {
		t.Errorf("EnsurePrivateDir(a file) = nil, want an error")
	}
	foreign := filepath.Join(base, "foreign")
	if err := os.Mkdir(foreign, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(foreign, 0o777); err != nil {
		t.Fatal(err)
	}
	chownOther(t, foreign)
	if err := EnsurePrivateDir(foreign); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Errorf("EnsurePrivateDir(foreign) = %v, want ErrUntrusted naming the owner", err)
	}
	if got := mode(t, foreign); got != 0o777 {
		t.Errorf("EnsurePrivateDir changed a foreign dir's mode to %#o", got)
	}
}

func TestWritePrivateTightens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.json")
	writeMode(t, path, 0o644)
	if err := WritePrivate(path, []byte("new")); err != nil {
		t.Fatalf("WritePrivate() = %v, want nil", err)
	}
	if got := mode(t, path); got != 0o600 {
		t.Errorf("mode after WritePrivate over a 0644 file = %#o, want 0600", got)
	}
}
