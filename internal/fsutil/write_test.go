package fsutil

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("unix file modes and symlinks")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestWriteFileAtomicKeepsMode(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("new"), 0o600); err != nil {
		t.Fatalf("WriteFileAtomic() = %v, want nil", err)
	}
	if got := readFile(t, path); got != "new" {
		t.Errorf("content = %q, want %q", got, "new")
	}
	if got := mode(t, path); got != 0o640 {
		t.Errorf("mode = %#o, want %#o", got, 0o640)
	}
	assertOnlyEntries(t, filepath.Dir(path), "config.json")
}

func TestWriteFileAtomicNewFile(t *testing.T) {
	skipOnWindows(t)
	dir := filepath.Join(t.TempDir(), "home", ".docker")
	path := filepath.Join(dir, "config.json")
	if err := WriteFileAtomic(path, []byte("{}"), 0o600); err != nil {
		t.Fatalf("WriteFileAtomic() = %v, want nil", err)
	}
	if got := readFile(t, path); got != "{}" {
		t.Errorf("content = %q, want %q", got, "{}")
	}
	if got := mode(t, path); got != 0o600 {
		t.Errorf("file mode = %#o, want %#o", got, 0o600)
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if got := mode(t, d); got != 0o700 {
			t.Errorf("mode of %s = %#o, want %#o", d, got, 0o700)
		}
	}
}

func TestWriteFileAtomicFollowsSymlink(t *testing.T) {
	skipOnWindows(t)
	root := t.TempDir()
	target := filepath.Join(root, "dotfiles", "docker-config.json")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "config.json")
	if err := os.Symlink("dotfiles/docker-config.json", link); err != nil {
		t.Fatal(err)
	}

	if err := WriteFileAtomic(link, []byte("new"), 0o600); err != nil {
		t.Fatalf("WriteFileAtomic() = %v, want nil", err)
	}
	fi, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s is no longer a symlink (mode %v)", link, fi.Mode())
	}
	if got := readFile(t, target); got != "new" {
		t.Errorf("target content = %q, want %q", got, "new")
	}
	if got := mode(t, target); got != 0o644 {
		t.Errorf("target mode = %#o, want %#o", got, 0o644)
	}
	assertOnlyEntries(t, filepath.Dir(target), "docker-config.json")
}

func TestWriteFileAtomicDanglingSymlink(t *testing.T) {
	skipOnWindows(t)
	root := t.TempDir()
	link := filepath.Join(root, "config.json")
	target := filepath.Join(root, "elsewhere", "config.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(link, []byte("new"), 0o600); err != nil {
		t.Fatalf("WriteFileAtomic() = %v, want nil", err)
	}
	if got := readFile(t, target); got != "new" {
		t.Errorf("target content = %q, want %q", got, "new")
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("Lstat(%s) = %v, %v; want a symlink", link, fi, err)
	}
}

func TestWriteFileAtomicRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFileAtomic(dir, []byte("x"), 0o600); err == nil {
		t.Fatalf("WriteFileAtomic(%s) = nil, want an error for a directory", dir)
	}
	assertOnlyEntries(t, filepath.Dir(dir), filepath.Base(dir))
}

func assertOnlyEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(want) {
		t.Fatalf("entries of %s = %q, want %q (a temp file left behind?)", dir, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("entries of %s = %q, want %q", dir, got, want)
		}
	}
}

// TestRemoveTemps: the temp files that killed writers left beside the
// target go (a partial copy; an empty one older than tempGrace); a
// directory, another file's temp and other names stay. On unix a fresh
// empty one stays too: a writer may not have locked it yet.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "config.json")
	if err := os.WriteFile(target, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{".config.json.tmp-1": `{"auths": {"ghcr.io": {"auth": "c2Vj`, ".config.json.tmp-22": "", ".config.json.tmp-333": "",
		".other.json.tmp-3": "x", "config.json.bak": "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(filepath.Join(dir, ".config.json.tmp-22"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, ".config.json.tmp-dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	wantN, wantLeft := 2, ".config.json.tmp-333 .config.json.tmp-dir .other.json.tmp-3 config.json config.json.bak"
	if runtime.GOOS == "windows" {
		wantN, wantLeft = 3, ".config.json.tmp-dir .other.json.tmp-3 config.json config.json.bak"
	}
	n, err := RemoveTemps(target)
	if n != wantN || err != nil {
		t.Errorf("RemoveTemps() = %d, %v, want %d, nil", n, err, wantN)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if got := strings.Join(left, " "); got != wantLeft {
		t.Errorf("left %q, want %q", got, wantLeft)
	}
}
