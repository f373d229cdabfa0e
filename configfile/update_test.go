package configfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as a child process that edits a config file, to
// prove the lock across real processes: CONFIGFILE_TEST_UPDATE=path and
// CONFIGFILE_TEST_HOST=host make TestMain add host through Update and print
// the error, if any, on stdout.
const (
	childPathEnv = "CONFIGFILE_TEST_UPDATE"
	childHostEnv = "CONFIGFILE_TEST_HOST"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(childPathEnv); path != "" {
		os.Exit(childUpdate(path, os.Getenv(childHostEnv)))
	}
	// Update's lock lives in the user cache dir, else the runtime dir, else
	// the temp dir: never the real ones in tests (a test that takes the
	// cache dir away sets TMPDIR). Children inherit this.
	cache, err := os.MkdirTemp("", "configfile-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", cache)
	os.Setenv("XDG_RUNTIME_DIR", filepath.Join(cache, "runtime"))
	code := m.Run()
	os.RemoveAll(cache)
	os.Exit(code)
}

func childUpdate(path, host string) int {
	_, _, err := Update(context.Background(), path, UpdateOptions{}, addHosts(host))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	return 0
}

func addHosts(hosts ...string) func([]byte) ([]byte, error) {
	return func(in []byte) ([]byte, error) {
		out, _, err := SetCredHelpers(in, hosts, "gcr", false)
		return out, err
	}
}

func childCmd(path, host string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childPathEnv+"="+path, childHostEnv+"="+host)
	return cmd
}

func stat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func write(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// entries lists dir without the lock file, to spot a leftover temp file.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), ".lock") {
			names = append(names, de.Name())
		}
	}
	return names
}

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("unix file modes, symlinks and users")
	}
}

func TestUpdateCreatesFile(t *testing.T) {
	skipOnWindows(t)
	dir := filepath.Join(t.TempDir(), "home", ".docker")
	path := filepath.Join(dir, "config.json")
	before, after, err := Update(context.Background(), path, UpdateOptions{}, addHosts("gcr.io"))
	if err != nil {
		t.Fatalf("Update() = %v, want nil", err)
	}
	want := "{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcr\"\n\t}\n}"
	if len(before) != 0 || string(after) != want {
		t.Errorf("Update() = %q, %q; want \"\", %q", before, after, want)
	}
	if got := read(t, path); got != want {
		t.Errorf("file = %q, want %q", got, want)
	}
	if got := stat(t, path).Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %#o, want 0600", got)
	}
	if got := stat(t, dir).Mode().Perm(); got != 0o700 {
		t.Errorf("dir mode = %#o, want 0700", got)
	}
}

func TestUpdateKeepsModeAndBytes(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "config.json")
	write(t, path, desktop, 0o640)
	if _, _, err := Update(context.Background(), path, UpdateOptions{}, addHosts("gcr.io")); err != nil {
		t.Fatalf("Update() = %v, want nil", err)
	}
	want := strings.Replace(desktop, "\t}\n}\n", "\t},\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcr\"\n\t}\n}\n", 1)
	if got := read(t, path); got != want {
		t.Errorf("file =\n%s\nwant\n%s", got, want)
	}
	if got := stat(t, path).Mode().Perm(); got != 0o640 {
		t.Errorf("mode = %#o, want 0640", got)
	}
	if got := entries(t, filepath.Dir(path)); len(got) != 1 {
		t.Errorf("directory holds %q, want only config.json", got)
	}
}

func TestUpdateFollowsSymlink(t *testing.T) {
	skipOnWindows(t)
	root := t.TempDir()
	target := filepath.Join(root, "dotfiles", "docker.json")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, target, dockerNew, 0o644)
	link := filepath.Join(root, "config.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Update(context.Background(), link, UpdateOptions{}, addHosts("gcr.io")); err != nil {
		t.Fatalf("Update() = %v, want nil", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("Lstat(%s) = %v, %v; want it still a symlink", link, fi, err)
	}
	if got := read(t, target); !strings.Contains(got, `"gcr.io": "gcr"`) || !strings.HasPrefix(got, "{\n\t\"auths\": {},\n\t\"currentContext\": \"foo\",\n") {
		t.Errorf("target = %q, want the entry added and the rest kept", got)
	}
	if got := stat(t, target).Mode().Perm(); got != 0o644 {
		t.Errorf("target mode = %#o, want 0644", got)
	}
}

func TestUpdateNoWriteWhenUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	in := "{\n  \"credHelpers\": {\n    \"gcr.io\": \"gcr\"\n  }\n}\n"
	write(t, path, in, 0o600)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	before := stat(t, path)
	_, after, err := Update(context.Background(), path, UpdateOptions{}, addHosts("gcr.io"))
	if err != nil || string(after) != in {
		t.Fatalf("Update() = %q, %v; want the input, nil", after, err)
	}
	now := stat(t, path)
	if !now.ModTime().Equal(old) || !os.SameFile(before, now) {
		t.Errorf("file rewritten: mtime %v (want %v), same file %v", now.ModTime(), old, os.SameFile(before, now))
	}
}

func TestUpdateMalformedFileUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	in := "{\n\t\"auths\": {},\n}"
	write(t, path, in, 0o600)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	_, _, err := Update(context.Background(), path, UpdateOptions{}, addHosts("gcr.io"))
	want := "update " + path + ": config.json line 3, column 1: invalid character '}' looking for beginning of object key string; fix the file or move it aside"
	if err == nil || err.Error() != want {
		t.Fatalf("Update() = %v, want %q", err, want)
	}
	if got := read(t, path); got != in {
		t.Errorf("file = %q, want it untouched %q", got, in)
	}
	if got := stat(t, path).ModTime(); !got.Equal(old) {
		t.Errorf("mtime = %v, want %v", got, old)
	}
	if got := entries(t, filepath.Dir(path)); len(got) != 1 {
		t.Errorf("directory holds %q, want only config.json", got)
	}
}

func TestUpdateDryRunWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".docker")
	path := filepath.Join(dir, "config.json")
	before, after, err := Update(context.Background(), path, UpdateOptions{DryRun: true}, addHosts("gcr.io"))
	if err != nil {
		t.Fatalf("Update(dry run) = %v, want nil", err)
	}
	if len(before) != 0 || !strings.Contains(string(after), `"gcr.io": "gcr"`) {
		t.Errorf("Update(dry run) = %q, %q; want empty and the would-be file", before, after)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat(%s) = %v, want it not created by a dry run", dir, err)
	}

	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, path, dockerNew, 0o600)
	if _, _, err := Update(context.Background(), path, UpdateOptions{DryRun: true}, addHosts("gcr.io")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, path); got != dockerNew {
		t.Errorf("file after a dry run = %q, want %q", got, dockerNew)
	}
	if got, _ := os.ReadDir(dir); len(got) != 1 {
		t.Errorf("directory after a dry run holds %v, want only config.json", got)
	}
}

// TestUpdateConcurrentProcesses starts 20 processes that each add their own
// host to one file at the same time: the lock must serialise them so that
// no edit is lost.
func TestUpdateConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	write(t, path, testdata(t, "docker-cli-28.json"), 0o600)
	const n = 20
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range n {
		cmd := childCmd(path, fmt.Sprintf("host-%02d.example.com", i))
		out := new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v: %s", i, err, outs[i])
		}
	}
	data := []byte(read(t, path))
	cfg, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(result) = %v\n%s", err, data)
	}
	for i := range n {
		if h := fmt.Sprintf("host-%02d.example.com", i); cfg.CredHelpers[h] != "gcr" {
			t.Errorf("credHelpers[%q] = %q, want \"gcr\" (an edit was lost)", h, cfg.CredHelpers[h])
		}
	}
	if len(cfg.CredHelpers) != n || cfg.CredsStore != "desktop" {
		t.Errorf("Parse(result) = %d helpers, credsStore %q; want %d, \"desktop\"", len(cfg.CredHelpers), cfg.CredsStore, n)
	}
	// Sorted inserts from an empty credHelpers leave the entries sorted.
	if !bytes.Contains(data, []byte("\"host-18.example.com\": \"gcr\",\n\t\t\"host-19.example.com\": \"gcr\"\n\t}\n}")) {
		t.Errorf("result not in the file's style:\n%s", data)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("directory holds %q, want only config.json", got)
	}
}

// A run killed between creating its temp file and the rename leaves it
// beside config.json; the next Update, holding the lock, removes it. A dry
// run takes no lock and leaves it.
func TestUpdateRemovesTempsOfKilledRuns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".config.json.tmp-123456")
	if err := os.WriteFile(stale, []byte(`{"credHelp`), 0o600); err != nil {
		t.Fatal(err)
	}
	add := func(data []byte) ([]byte, error) {
		out, _, err := SetCredHelpers(data, []string{"gcr.io"}, "gcr", false)
		return out, err
	}
	if _, _, err := Update(context.Background(), path, UpdateOptions{DryRun: true}, add); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err != nil {
		t.Errorf("a dry run removed the temp file: %v", err)
	}
	if _, _, err := Update(context.Background(), path, UpdateOptions{}, add); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Update left the temp file of a killed run: %v", err)
	}
}
