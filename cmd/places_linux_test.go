//go:build linux

package cmd_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// homeless runs the binary as a systemd unit without User=, a GCE startup
// script or `env -i` do: with no HOME and no XDG_* variable, only PATH,
// GCE_METADATA_HOST (the fake) and what a test adds. The helper must then
// find the home in the user database, as docker finds ~/.docker.
//
// The tests run as root, whose home in the user database is the real
// /root, which a test must never touch; and root ignores mode bits, so a
// chmod cannot make a directory read-only for it. So the binary runs in a
// private mount namespace (unshare --mount, torn down when it exits) where
// /etc/passwd is a copy that names home as root's home (and
// /etc/nsswitch.conf reads only that file), and where each
// directory of readOnly is a read-only bind mount of itself: a read-only
// place that root cannot write either. Where no mount namespace can be made
// (not root, no CAP_SYS_ADMIN) the tests skip and say so.
//
// Vars is the whole environment (env -i); the fake Google and the binary
// are internal/testenv's.
type homeless struct {
	*testenv.Env
	t        *testing.T
	home     string   // root's home in the namespace's user database
	readOnly []string // read-only bind mounts of themselves
	passwd   string
}

var nsProbe struct {
	once sync.Once
	err  error
}

// canUnshare reports whether this test can make a mount namespace and
// bind-mount in it.
func canUnshare() error {
	nsProbe.once.Do(func() {
		if os.Geteuid() != 0 {
			nsProbe.err = fmt.Errorf("not root")
			return
		}
		out, err := exec.Command("unshare", "--mount", "--propagation", "private",
			"sh", "-c", `d=$(mktemp -d) && mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" && ! touch "$d/x" 2>/dev/null; r=$?; umount "$d"; rmdir "$d"; exit $r`).CombinedOutput()
		if err != nil {
			nsProbe.err = fmt.Errorf("unshare --mount: %v: %s", err, out)
		}
	})
	return nsProbe.err
}

func newHomeless(t *testing.T) *homeless {
	t.Helper()
	if err := canUnshare(); err != nil {
		t.Skipf("SKIP: needs a private mount namespace to give root a temp home and read-only mounts: %v", err)
	}
	e := testenv.New(t, fakegoogle.Options{})
	h := &homeless{Env: e, t: t, home: filepath.Join(e.Home, "home"), passwd: filepath.Join(e.Home, "passwd")}
	if err := os.Mkdir(h.home, 0o700); err != nil {
		t.Fatal(err)
	}
	line := "root:x:0:0:root:" + h.home + ":/bin/sh\n"
	if err := os.WriteFile(h.passwd, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	// Only that file: nss-systemd would answer /root for root.
	if err := os.WriteFile(h.passwd+".nss", []byte("passwd: files\ngroup: files\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	guardRealHome(t)
	h.Vars = map[string]string{
		"PATH":              filepath.Dir(testenv.Binary(t)) + string(os.PathListSeparator) + testenv.PathWithoutHelper(),
		"GCE_METADATA_HOST": e.Vars["GCE_METADATA_HOST"],
	}
	return h
}

// guardRealHome fails the test if any place of the helper appears in the
// real home of the process while it runs: a namespace that did not take
// would send the binary there.
func guardRealHome(t *testing.T) {
	real, err := os.UserHomeDir()
	if err != nil {
		return
	}
	var absent []string
	for _, p := range []string{".docker", filepath.Join(".config", "docker-credential-gcr"), filepath.Join(".cache", "docker-credential-gcr")} {
		if _, err := os.Lstat(filepath.Join(real, p)); os.IsNotExist(err) {
			absent = append(absent, filepath.Join(real, p))
		}
	}
	t.Cleanup(func() {
		for _, p := range absent {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("%s appeared in the real home during the test", p)
			}
		}
	})
}

// run executes the binary under `env -i` with h.Vars in the namespace.
func (h *homeless) run(stdin string, args ...string) (stdout, stderr string, code int) {
	h.t.Helper()
	script := `pw=$1; n=$2; shift 2
while [ "$n" -gt 0 ]; do
	mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 97
	shift; n=$((n-1))
done
mount --bind "$pw" /etc/passwd || exit 97
if [ -e /etc/nsswitch.conf ]; then mount --bind "$pw.nss" /etc/nsswitch.conf || exit 97; fi
exec env -i "$@"`
	argv := []string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", h.passwd, fmt.Sprint(len(h.readOnly))}
	argv = append(argv, h.readOnly...)
	argv = append(argv, testenv.Environ(h.Vars)...)
	argv = append(append(argv, testenv.Binary(h.t)), args...)
	c := exec.Command("unshare", argv...)
	c.Dir = h.home
	c.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"} // for unshare, sh and mount only
	c.Stdin = strings.NewReader(stdin)
	r := testenv.Run(c)
	var ee *exec.ExitError
	if r.Err != nil && !errors.As(r.Err, &ee) {
		h.t.Fatalf("run %v: %v", args, r.Err)
	}
	if r.Code == 97 {
		h.t.Fatalf("run %v: the namespace's mounts failed: %s", args, r.Stderr)
	}
	return r.Stdout, r.Stderr, r.Code
}

// mustRun runs args and fails the test (going on with the next command)
// unless they exit 0.
func (h *homeless) mustRun(stdin string, args ...string) (stdout, stderr string) {
	h.t.Helper()
	stdout, stderr, code := h.run(stdin, args...)
	if code != 0 {
		h.t.Errorf("%v (HOME unset) = exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	}
	return stdout, stderr
}

// TestHomeUnset: with HOME unset, every command finds the user's home in
// the user database (os/user), as docker finds ~/.docker: docker's config
// in ~/.docker, the settings and the credential file in ~/.config, the
// token cache in ~/.cache.
func TestHomeUnset(t *testing.T) {
	h := newHomeless(t)
	dockerConfig := filepath.Join(h.home, ".docker", "config.json")
	settingsDir := filepath.Join(h.home, ".config", "docker-credential-gcr")
	cacheDir := filepath.Join(h.home, ".cache", "docker-credential-gcr")

	_, stderr := h.mustRun("", "configure-docker", "gcr.io")
	if b, err := os.ReadFile(dockerConfig); err != nil || !strings.Contains(string(b), `"gcr.io": "gcr"`) {
		t.Errorf("configure-docker wrote %q, %v; want ~/.docker/config.json with gcr.io (stderr %q)", b, err, stderr)
	}

	out, _ := h.mustRun("gcr.io", "get")
	var c struct{ Username, Secret string }
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.Username != "oauth2accesstoken" {
		t.Errorf("get = %q, %v; want an oauth2accesstoken credential", out, err)
	} else if p, _ := h.Google.Principal(c.Secret); p != testenv.VMAccount {
		t.Errorf("get: token of %q, want the VM's", p)
	}
	if des, err := os.ReadDir(cacheDir); err != nil || len(des) == 0 {
		t.Errorf("token cache %s: %v entries, %v; want the cached token there", cacheDir, len(des), err)
	}

	out, _ = h.mustRun("", "print-access-token")
	if p, _ := h.Google.Principal(strings.TrimSpace(out)); p != testenv.VMAccount {
		t.Errorf("print-access-token = a token of %q, want the VM's", p)
	}

	out, _ = h.mustRun("", "doctor", "gcr.io")
	for _, want := range []string{dockerConfig, filepath.Join(settingsDir, "config.json"), cacheDir, "as " + testenv.VMAccount, "result:           ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor = %q, want it to contain %q", out, want)
		}
	}

	_, stderr = h.mustRun("", "config", "--token-source=metadata")
	if b, err := os.ReadFile(filepath.Join(settingsDir, "config.json")); err != nil || !strings.Contains(string(b), "metadata") {
		t.Errorf("config wrote %q, %v (stderr %q); want the settings in ~/.config", b, err, stderr)
	}

	out, _ = h.mustRun("", "cache", "clear")
	if !strings.HasPrefix(out, "removed ") || strings.HasPrefix(out, "removed 0 ") || !strings.Contains(out, " cached token(s) from "+cacheDir) {
		t.Errorf("cache clear = %q, want the cached tokens removed from %s", out, cacheDir)
	}

	h.mustRun(`{"ServerURL":"registry.example.com","Username":"me","Secret":"pa55word"}`, "store")
	if _, err := os.Stat(filepath.Join(settingsDir, "credentials.json")); err != nil {
		t.Errorf("store: %v; want the credential file beside the settings (no keyring without a D-Bus session)", err)
	}
	out, _ = h.mustRun("", "list")
	var m map[string]string
	if err := json.Unmarshal([]byte(out), &m); err != nil || m["registry.example.com"] != "me" || m["gcr.io"] != "oauth2accesstoken" {
		t.Errorf("list = %q, %v; want registry.example.com (stored) and gcr.io (configured)", out, err)
	}
	out, _ = h.mustRun("registry.example.com", "get")
	if !strings.Contains(out, `"Secret":"pa55word"`) {
		t.Errorf("get of the stored host = %q, want what store saved", out)
	}
	h.mustRun("registry.example.com", "erase")
	if out, _, code := h.run("registry.example.com", "get"); code == 0 || !strings.Contains(out, "credentials not found") {
		t.Errorf("get after erase = %q, exit %d; want not found", out, code)
	}
}

// TestReadOnlyHome: on a read-only home (a read-only root file system, a
// locked-down service account) get works but fetches every time, and doctor
// says so in one line with the fix; store and config fail with one error
// that names the directory and what to set, and store does not first
// announce a file it then cannot write; configure-docker on a writable
// DOCKER_CONFIG leaves nothing beside config.json though no lock place is
// usable. Setting the cache dir somewhere writable brings the cache back.
func TestReadOnlyHome(t *testing.T) {
	h := newHomeless(t)
	h.Vars["HOME"] = h.home
	writeFile(t, filepath.Join(h.home, ".docker", "config.json"), `{"credHelpers": {"gcr.io": "gcr"}}`)
	tmp := filepath.Join(filepath.Dir(h.home), "tmp") // no lock place there either
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	h.Vars["TMPDIR"] = tmp
	h.readOnly = []string{h.home, tmp}
	settingsDir := filepath.Join(h.home, ".config", "docker-credential-gcr")
	cacheDir := filepath.Join(h.home, ".cache", "docker-credential-gcr")

	before := h.Google.Count("metadata-token")
	for range 2 {
		if out, _ := h.mustRun("gcr.io", "get"); !strings.Contains(out, `"Username":"oauth2accesstoken"`) {
			t.Errorf("get on a read-only home = %q, want a token", out)
		}
	}
	if n := h.Google.Count("metadata-token") - before; n != 2 {
		t.Errorf("two gets on a read-only home made %d token requests, want 2 (no cache)", n)
	}

	out, _ := h.mustRun("", "doctor", "gcr.io")
	line := outputLine(out, "token cache:")
	for _, want := range []string{"not writable, every get fetches", cacheDir, "DOCKER_CREDENTIAL_GCR_CACHE_DIR"} {
		if !strings.Contains(line, want) {
			t.Errorf("doctor's cache line = %q, want it to contain %q\n%s", line, want, out)
		}
	}

	out, stderr, code := h.run(`{"ServerURL":"registry.example.com","Username":"me","Secret":"pa55word"}`, "store")
	t.Logf("store on a read-only home: %s", out)
	if code == 0 {
		t.Errorf("store on a read-only home = exit 0, want a failure")
	}
	for _, want := range []string{settingsDir, "read-only file system", "DOCKER_CREDENTIAL_GCR_CREDENTIAL_STORE=keyring", "DOCKER_CREDENTIAL_GCR_CONFIG"} {
		if !strings.Contains(out, want) {
			t.Errorf("store on a read-only home said %q, want it to contain %q", out, want)
		}
	}
	if strings.Contains(stderr, "keeping credentials in") || strings.Contains(out, "pa55word") {
		t.Errorf("store on a read-only home: stderr %q, stdout %q; want no announcement of a file it cannot write, no secret", stderr, out)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("store on a read-only home said %q, want one line", out)
	}

	_, stderr, code = h.run("", "config", "--token-source=metadata")
	t.Logf("config on a read-only home: %s", stderr)
	if code == 0 || !strings.Contains(stderr, filepath.Join(settingsDir, "config.json")) || !strings.Contains(stderr, "DOCKER_CREDENTIAL_GCR_CONFIG") {
		t.Errorf("config on a read-only home = exit %d, %q; want an error naming the settings file and DOCKER_CREDENTIAL_GCR_CONFIG", code, stderr)
	}

	dockerDir := filepath.Join(filepath.Dir(h.home), "docker")
	writeFile(t, filepath.Join(dockerDir, "config.json"), "{}")
	h.Vars["DOCKER_CONFIG"] = dockerDir
	h.mustRun("", "configure-docker", "gcr.io")
	if got := names(t, dockerDir); strings.Join(got, ",") != "config.json" {
		t.Errorf("configure-docker without a usable cache dir left %q in the docker dir, want only config.json", got)
	}

	// The fix doctor gives: a cache dir somewhere writable.
	h.Vars["DOCKER_CREDENTIAL_GCR_CACHE_DIR"] = filepath.Join(filepath.Dir(h.home), "cache")
	before = h.Google.Count("metadata-token")
	h.mustRun("gcr.io", "get")
	h.mustRun("gcr.io", "get")
	if n := h.Google.Count("metadata-token") - before; n != 1 {
		t.Errorf("two gets with DOCKER_CREDENTIAL_GCR_CACHE_DIR made %d token requests, want 1", n)
	}
	out, _ = h.mustRun("", "doctor", "gcr.io")
	if line := outputLine(out, "token cache:"); strings.Contains(line, "not writable") {
		t.Errorf("doctor with a writable cache dir: %q", line)
	}
}
