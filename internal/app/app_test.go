package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/configure"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
	"github.com/docker-credential-gcr/docker-credential-gcr/kubelet"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
)

// world is an isolated user of internal/testenv whose only token source is
// a key of the fake Google, with the settings file the test gives. The
// process's own environment and HOME are never read.
type world struct {
	*testenv.Env
}

const keyAccount = "node@p.iam.gserviceaccount.com"

func newWorld(t *testing.T, settingsJSON string) *world {
	t.Helper()
	w := &world{testenv.New(t, fakegoogle.Options{})}
	w.UseKey(keyAccount)
	if settingsJSON != "" {
		w.writeSettings(t, w.Vars["XDG_CONFIG_HOME"], settingsJSON)
	}
	return w
}

func (w *world) writeSettings(t *testing.T, configDir, settingsJSON string) {
	t.Helper()
	dir := filepath.Join(configDir, "docker-credential-gcr")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(settingsJSON), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (w *world) app(stderr *bytes.Buffer) *App {
	return New(Env{
		Getenv:  w.Getenv,
		HomeDir: func() (string, error) { return "", errors.New("the user database is not asked in this test") },
		Stderr:  stderr,
	})
}

// The kubelet plugin reads the registered hosts and the refresh margin
// from the settings, as get does, and its config lists the hosts.
func TestKubeletFromSettings(t *testing.T) {
	w := newWorld(t, `{"registries":["registry.example.com:5000"],"refresh_margin":"10m"}`)
	a := w.app(&bytes.Buffer{})
	var out bytes.Buffer
	in := `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"registry.example.com:5000/team/app:v1"}`
	if err := a.ServeKubelet(context.Background(), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	var r struct {
		CacheDuration string
		Auth          map[string]struct{ Username, Password string }
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("ServeKubelet() wrote %q: %v", out.String(), err)
	}
	a0 := r.Auth["registry.example.com:5000"]
	if p, _ := w.Google.Principal(a0.Password); a0.Username != registry.Username || p != keyAccount {
		t.Errorf("registered host: auth = user %q for %q, want oauth2accesstoken for %s", a0.Username, p, keyAccount)
	}
	if d, err := time.ParseDuration(r.CacheDuration); err != nil || d > 50*time.Minute || d < 49*time.Minute {
		t.Errorf("cacheDuration with a 10m margin = %q, want about 50m", r.CacheDuration)
	}
	var cfg bytes.Buffer
	if err := a.KubeletConfig(&cfg, KubeletConfigOptions{Output: kubelet.OutputYAML, CacheDuration: kubelet.DefaultCacheDuration}); err != nil ||
		!strings.Contains(cfg.String(), `- "registry.example.com:5000"`) || !strings.Contains(cfg.String(), `name: "docker-credential-gcr"`) {
		t.Errorf("KubeletConfig() = %q, %v, want the registered host and the binary's name", cfg.String(), err)
	}
}

// Without HOME (a kubelet started by systemd runs its plugins so), the
// user's home comes from Env.HomeDir: the settings file, docker's config
// and the token cache are found there. Nothing touches the process's HOME.
func TestHomeFromUserDatabase(t *testing.T) {
	w := newWorld(t, "")
	home := w.Home
	delete(w.Vars, "HOME")
	for k := range testenv.Layout { // DOCKER_CONFIG, XDG_*: the defaults under the home
		delete(w.Vars, k)
	}
	w.writeSettings(t, filepath.Join(home, ".config"), `{"registries":["registry.example.com"]}`)
	asked := 0
	a := New(Env{
		Getenv:  func(k string) string { return w.Vars[k] },
		HomeDir: func() (string, error) { asked++; return home, nil },
	})
	var cfg bytes.Buffer
	if err := a.KubeletConfig(&cfg, KubeletConfigOptions{Output: kubelet.OutputJSON, CacheDuration: kubelet.DefaultCacheDuration}); err != nil || !strings.Contains(cfg.String(), `"registry.example.com"`) {
		t.Errorf("KubeletConfig() without HOME = %q, %v, want the host registered in the home's settings file", cfg.String(), err)
	}
	if err := a.ConfigureDocker(context.Background(), configure.Options{Hosts: []string{"gcr.io"}, Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(home, ".docker", "config.json")); err != nil || !strings.Contains(string(b), `"gcr.io": "gcr"`) {
		t.Errorf("configure-docker without HOME wrote %q, %v, want ~/.docker/config.json with gcr.io", b, err)
	}
	var out bytes.Buffer
	if err := a.ClearCache(&out); err != nil || !strings.Contains(out.String(), filepath.Join(home, ".cache", "docker-credential-gcr")) {
		t.Errorf("cache clear without HOME = %q, %v, want the cache in the home", out.String(), err)
	}
	if asked != 1 {
		t.Errorf("the user database was asked %d times, want once", asked)
	}
	// With HOME set, it is not asked at all.
	w.Vars["HOME"] = home
	asked = 0
	if err := New(Env{Getenv: func(k string) string { return w.Vars[k] }, HomeDir: func() (string, error) { asked++; return "/elsewhere", nil }}).ClearCache(&bytes.Buffer{}); err != nil || asked != 0 {
		t.Errorf("with HOME set: ClearCache() = %v, user database asked %d times, want 0", err, asked)
	}
}

// The settings file is read once per App, however many pieces are built.
func TestSettingsReadOnce(t *testing.T) {
	w := newWorld(t, `{"registries":["one.example.com"]}`)
	a := w.app(&bytes.Buffer{})
	var first bytes.Buffer
	if err := a.KubeletConfig(&first, KubeletConfigOptions{Output: kubelet.OutputJSON, CacheDuration: time.Minute}); err != nil {
		t.Fatal(err)
	}
	w.writeSettings(t, w.Vars["XDG_CONFIG_HOME"], `{"registries":["two.example.com"]}`)
	var second bytes.Buffer
	if err := a.KubeletConfig(&second, KubeletConfigOptions{Output: kubelet.OutputJSON, CacheDuration: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if second.String() != first.String() || !strings.Contains(second.String(), "one.example.com") {
		t.Errorf("a second read of the settings: %s, want the first read's (one.example.com)", second.String())
	}
}

// --verbose (Env.Verbose) turns the trail on, on Env.Stderr, whatever the
// settings say; nothing is set in the process's environment.
func TestVerbose(t *testing.T) {
	w := newWorld(t, `{"verbose":"0"}`)
	var stderr bytes.Buffer
	a := w.app(&stderr)
	a.env.Verbose = true
	before := os.Getenv("DOCKER_CREDENTIAL_GCR_VERBOSE")
	var out bytes.Buffer
	if err := a.Protocol(context.Background(), "get", strings.NewReader("gcr.io"), &out); err != nil {
		t.Fatalf("get = %v, %s", err, out.String())
	}
	if !strings.Contains(stderr.String(), "token source served") {
		t.Errorf("stderr = %q, want the trail", stderr.String())
	}
	if os.Getenv("DOCKER_CREDENTIAL_GCR_VERBOSE") != before {
		t.Errorf("the process's DOCKER_CREDENTIAL_GCR_VERBOSE was set")
	}
}
