package testenv

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// Layout is where an isolated user's places are, relative to its home.
var Layout = map[string]string{
	"DOCKER_CONFIG":   ".docker",
	"XDG_CONFIG_HOME": "config",
	"XDG_CACHE_HOME":  "cache",
	"XDG_DATA_HOME":   "data",
	"XDG_RUNTIME_DIR": "runtime",
	"CLOUDSDK_CONFIG": "gcloud",
}

// NoMetadata is a metadata address where nothing listens, for a user who
// has no metadata server.
const NoMetadata = "127.0.0.1:1"

// Isolated is the environment of a user whose every place is under home
// (Layout), whose metadata server is at metadata (host:port) and who has
// no D-Bus session. PATH is the caller's to add.
func Isolated(home, metadata string) map[string]string {
	vars := map[string]string{
		"HOME":              home,
		"GCE_METADATA_HOST": metadata,
		"GCE_METADATA_ROOT": metadata,
		"GCE_METADATA_IP":   metadata,
		// No keyring: credentials go to the file fallback, fast; no
		// autolaunched bus left running.
		"DBUS_SESSION_BUS_ADDRESS":      "unix:path=/nonexistent",
		"CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
	}
	for k, rel := range Layout {
		vars[k] = filepath.Join(home, rel)
	}
	return vars
}

// MakeDirs creates the places of Layout under home (0700), as a user's
// machine has them; an Env leaves them to the helper to create.
func MakeDirs(home string) error {
	for _, rel := range Layout {
		if err := os.MkdirAll(filepath.Join(home, rel), 0o700); err != nil {
			return err
		}
	}
	return nil
}

// Environ is vars as a process's environment, sorted.
func Environ(vars map[string]string) []string {
	env := make([]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, k+"="+vars[k])
	}
	return env
}

// PathWithoutHelper is $PATH less any directory holding a
// docker-credential-gcr (make build puts one in ./bin; a package may have
// installed one in /usr/bin): a test decides where the helper is.
func PathWithoutHelper() string {
	var keep []string
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(d, "docker-credential-gcr"+Exe())); err != nil {
			keep = append(keep, d)
		}
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// VMAccount is the identity of the fake metadata server of an Env.
const VMAccount = "vm@p.iam.gserviceaccount.com"

// Env is one isolated user in a temp dir, with a fake Google
// (internal/fakegoogle) on 127.0.0.1 as its metadata server, serving
// VMAccount. Vars is the whole environment of the processes it runs:
// Isolated's, PATH (HOME/bin, then PathWithoutHelper) and
// DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS=1, since the fake's
// credential files name its 127.0.0.1 endpoints. A test changes Vars as it
// likes; With gives a changed copy. The places are not created: that is
// the helper's job.
type Env struct {
	Home    string
	Vars    map[string]string
	Google  *fakegoogle.Server
	Secrets *Scan // the fake's secrets and those the test adds

	t testing.TB
}

// New starts a fake Google with opts (closed with the test) and makes an
// isolated user in t.TempDir().
func New(t testing.TB, opts fakegoogle.Options) *Env {
	t.Helper()
	g, err := fakegoogle.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	g.SetMetadataAccount("default", VMAccount)
	home := t.TempDir()
	e := &Env{Home: home, Google: g, Secrets: NewScan(g.Secrets), t: t,
		Vars: Isolated(home, strings.TrimPrefix(g.URL, "http://"))}
	e.Vars["PATH"] = filepath.Join(home, "bin") + string(os.PathListSeparator) + PathWithoutHelper()
	e.Vars["DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS"] = "1"
	return e
}

// Getenv reads Vars: an App's Getenv, for the commands run in-process.
func (e *Env) Getenv(k string) string { return e.Vars[k] }

// HomeDir is Home: an App's HomeDir, for the commands run in-process.
func (e *Env) HomeDir() (string, error) { return e.Home, nil }

// With is a copy of Vars with kv ("K", "V", ...) laid over; an empty value
// removes the variable.
func (e *Env) With(kv ...string) map[string]string {
	m := maps.Clone(e.Vars)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

// WriteFile writes data at name (under Home when relative) with mode,
// making its directory (0700), and returns the path.
func (e *Env) WriteFile(name string, data []byte, mode os.FileMode) string {
	e.t.Helper()
	if !filepath.IsAbs(name) {
		name = filepath.Join(e.Home, name)
	}
	return WriteFile(e.t, name, data, mode)
}

// WriteFile writes data at path with exactly mode (whatever the umask: the
// trust tests plant files others may read or write), making its directory
// (0700), and returns path.
func WriteFile(t testing.TB, path string, data []byte, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// UseKey makes a service-account key of the fake for account, writes it
// to HOME/key.json and makes it the only token source
// (GOOGLE_APPLICATION_CREDENTIALS, DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES);
// it returns the key file's path.
func (e *Env) UseKey(account string) string {
	e.t.Helper()
	key, err := e.Google.NewServiceAccount(account)
	if err != nil {
		e.t.Fatal(err)
	}
	p := e.WriteFile("key.json", key, 0o600)
	e.Vars["GOOGLE_APPLICATION_CREDENTIALS"] = p
	e.Vars["DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES"] = "credentials-file"
	return p
}

// DockerConfig is docker's config.json.
func (e *Env) DockerConfig() string { return filepath.Join(e.Vars["DOCKER_CONFIG"], "config.json") }

// SettingsDir is the helper's settings dir (its settings, the credential
// file, the keyring index).
func (e *Env) SettingsDir() string {
	return filepath.Join(e.Vars["XDG_CONFIG_HOME"], "docker-credential-gcr")
}

// CacheDir is the helper's token cache.
func (e *Env) CacheDir() string {
	return filepath.Join(e.Vars["XDG_CACHE_HOME"], "docker-credential-gcr")
}

// Command is the binary with args and vars (Vars when nil) as its whole
// environment, run in Home.
func (e *Env) Command(vars map[string]string, args ...string) *exec.Cmd {
	e.t.Helper()
	if vars == nil {
		vars = e.Vars
	}
	c := exec.Command(Binary(e.t), args...)
	c.Env = Environ(vars)
	c.Dir = e.Home
	return c
}

// Start starts the binary with vars (Vars when nil), stdin and args.
func (e *Env) Start(vars map[string]string, stdin string, args ...string) *Proc {
	e.t.Helper()
	c := e.Command(vars, args...)
	c.Stdin = strings.NewReader(stdin)
	p, err := Start(c)
	if err != nil {
		e.t.Fatalf("start %v: %v", args, err)
	}
	return p
}

// Run runs the binary with Vars, stdin and args to completion.
func (e *Env) Run(stdin string, args ...string) Result {
	e.t.Helper()
	return e.Start(nil, stdin, args...).Wait()
}

// RunWith runs the binary with vars as its environment.
func (e *Env) RunWith(vars map[string]string, stdin string, args ...string) Result {
	e.t.Helper()
	return e.Start(vars, stdin, args...).Wait()
}

// ScanFiles fails t when a secret of e.Secrets is in docker's config.json,
// the helper's settings or keyring index, or in any file name under Home;
// it returns the number of hits.
func (e *Env) ScanFiles(t testing.TB) int {
	t.Helper()
	hits := 0
	for _, p := range []string{
		e.DockerConfig(),
		filepath.Join(e.SettingsDir(), "config.json"),
		filepath.Join(e.SettingsDir(), "keyring-index.json"),
	} {
		hits += e.Secrets.CheckFile(t, p)
	}
	var names []string
	filepath.WalkDir(e.Home, func(p string, _ os.DirEntry, err error) error {
		if err == nil {
			names = append(names, p)
		}
		return nil
	})
	return hits + e.Secrets.Check(t, "file names under the test's HOME", strings.Join(names, "\n"))
}
