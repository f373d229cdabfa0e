//go:build unix

package hardening

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// binary is the helper, built once for the package.
var binary string

func TestMain(m *testing.M) {
	// The parallel tests mostly wait out the chain's bounds (10 s each), not
	// the CPU: run them all at once unless -parallel says otherwise.
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "32")
	}
	dir, err := os.MkdirTemp("", "dcg-hardening-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "docker-credential-gcr")
	build := exec.Command("go", "build", "-o", binary, "../cmd/docker-credential-gcr")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// full reports whether the full sizes were asked for (make stress).
func full() bool { return os.Getenv("HARDENING_FULL") == "1" }

// size is n by default and fullN under HARDENING_FULL=1.
func size(n, fullN int) int {
	if full() {
		return fullN
	}
	return n
}

// figure logs a line for the README's table.
func figure(t testing.TB, format string, a ...any) {
	t.Helper()
	t.Logf("FIGURE "+format, a...)
}

// env is one isolated user: HOME, DOCKER_CONFIG, XDG_*, CLOUDSDK_CONFIG in a
// temp dir, the metadata server the fake. Processes get exactly vars as
// their environment, nothing inherited.
type env struct {
	t    testing.TB
	g    *fakegoogle.Server
	dir  string
	vars map[string]string

	mu      sync.Mutex
	secrets []string // secrets the test made up (stored passwords, a stand-in gcloud's tokens)
}

const vmAccount = "vm@p.iam.gserviceaccount.com"

func newEnv(t testing.TB, opts fakegoogle.Options) *env {
	t.Helper()
	g, err := fakegoogle.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	g.SetMetadataAccount("default", vmAccount)
	dir := t.TempDir()
	e := &env{t: t, g: g, dir: dir, vars: map[string]string{
		"PATH":              filepath.Join(dir, "bin") + ":/usr/bin:/bin",
		"HOME":              dir,
		"DOCKER_CONFIG":     filepath.Join(dir, "docker"),
		"XDG_CONFIG_HOME":   filepath.Join(dir, "xdg-config"),
		"XDG_CACHE_HOME":    filepath.Join(dir, "xdg-cache"),
		"XDG_RUNTIME_DIR":   filepath.Join(dir, "xdg-runtime"),
		"XDG_DATA_HOME":     filepath.Join(dir, "xdg-data"),
		"CLOUDSDK_CONFIG":   filepath.Join(dir, "gcloud"),
		"GCE_METADATA_HOST": strings.TrimPrefix(g.URL, "http://"),
		// gcloud and other Google clients: never 169.254.169.254.
		"GCE_METADATA_ROOT": strings.TrimPrefix(g.URL, "http://"),
		"GCE_METADATA_IP":   strings.TrimPrefix(g.URL, "http://"),
		// No keyring: credentials go to the file fallback, fast.
		"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent",
		// The fake's key files name its 127.0.0.1 endpoints.
		"DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS": "1",
	}}
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	return e
}

// closedPort returns 127.0.0.1:PORT where nothing listens.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// with returns a copy of e's variables with kv ("K", "V", ...) laid over;
// an empty value removes the variable.
func (e *env) with(kv ...string) map[string]string {
	m := make(map[string]string, len(e.vars)+len(kv)/2)
	for k, v := range e.vars {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

func (e *env) write(name string, data []byte, mode os.FileMode) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// addSecret records a secret the test made up, for the leak scans.
func (e *env) addSecret(s string) {
	e.mu.Lock()
	e.secrets = append(e.secrets, s)
	e.mu.Unlock()
}

// allSecrets is every secret the fake issued and the test made up.
func (e *env) allSecrets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append(e.g.Secrets(), e.secrets...)
}

// result is what a process did.
type result struct {
	stdout, stderr string
	code           int // -1: killed by a signal
	elapsed        time.Duration
	killed         bool // ended by a signal
}

// proc is a started process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	start          time.Time
}

// start starts the binary with vars (e.vars when nil) as its whole
// environment, in its own process group.
func (e *env) start(vars map[string]string, stdin string, args ...string) *proc {
	e.t.Helper()
	if vars == nil {
		vars = e.vars
	}
	p := &proc{cmd: exec.Command(binary, args...)}
	for k, v := range vars {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdin = strings.NewReader(stdin)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		e.t.Fatalf("start %v: %v", args, err)
	}
	return p
}

// wait waits for p, then kills whatever it left in its process group (a
// stand-in gcloud's sleep).
func (p *proc) wait() result {
	err := p.cmd.Wait()
	r := result{stdout: p.stdout.String(), stderr: p.stderr.String(), elapsed: time.Since(p.start)}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) // the group we created; ESRCH when empty
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.killed = true
		}
	default:
		r.code = -2
		r.stderr += "\nwait: " + err.Error()
	}
	return r
}

// kill sends SIGKILL to p alone.
func (p *proc) kill() { p.cmd.Process.Signal(syscall.SIGKILL) }

// run runs the binary to completion.
func (e *env) run(vars map[string]string, stdin string, args ...string) result {
	e.t.Helper()
	return e.start(vars, stdin, args...).wait()
}

// creds is the docker-credential protocol's get answer.
type creds struct {
	ServerURL, Username, Secret string
}

func parseCreds(s string) (creds, bool) {
	var c creds
	err := json.Unmarshal([]byte(s), &c)
	return c, err == nil && c.Secret != ""
}

// leaks returns a description of each secret of e found in s ("" when none).
func (e *env) leaks(s string) []string {
	var found []string
	for _, secret := range e.allSecrets() {
		if len(secret) >= 8 && strings.Contains(s, secret) {
			found = append(found, fmt.Sprintf("%.12s… (%d chars)", secret, len(secret)))
		}
	}
	return found
}

// noLeak fails when any secret appears in s.
func (e *env) noLeak(t testing.TB, what, s string) int {
	t.Helper()
	l := e.leaks(s)
	for _, x := range l {
		t.Errorf("%s leaks a secret: %s", what, x)
	}
	return len(l)
}

// scanFiles fails when a secret appears in config.json (docker's and the
// helper's settings) or in any file name under e's dir; it returns the
// number of hits.
func (e *env) scanFiles(t testing.TB) int {
	t.Helper()
	hits := 0
	for _, p := range []string{
		filepath.Join(e.dir, "docker", "config.json"),
		filepath.Join(e.dir, "xdg-config", "docker-credential-gcr", "config.json"),
		filepath.Join(e.dir, "xdg-config", "docker-credential-gcr", "keyring-index.json"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			hits += e.noLeak(t, p, string(b))
		}
	}
	var names []string
	filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			names = append(names, p)
		}
		return nil
	})
	hits += e.noLeak(t, "file names under the test's HOME", strings.Join(names, "\n"))
	return hits
}

// files lists the regular files under dir (relative names), sorted.
func files(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// panicked reports whether s looks like a Go panic or runtime crash.
func panicked(s string) bool {
	return strings.Contains(s, "panic:") || strings.Contains(s, "goroutine ") || strings.Contains(s, "fatal error:")
}

// percentile returns the p-th percentile of ds (sorted in place).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := (len(ds) - 1) * p / 100
	return ds[i]
}

// shown is a process's output for a failure message: tokens, keys and
// passwords redacted, since a test message is a log.
func shown(s string) string { return token.Redact(s) }
