package fakeregistry

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// tool returns the path of an external program (testenv.Tool: PATH, then
// the module's .tools/bin for crane). A missing tool skips the test, naming
// it, except in CI, which installs them all and so must never skip.
func tool(t testing.TB, name string) string {
	t.Helper()
	return testenv.Tool(t, name)
}

// startRegistry starts a registry in a temp dir, closed with the test; on
// failure its log is printed.
func startRegistry(t testing.TB, o Options) *Registry {
	t.Helper()
	tool(t, "docker-registry")
	if o.Auth == nil {
		tool(t, "htpasswd")
	}
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	r, err := Start(t.Context(), o)
	if err != nil {
		t.Fatalf("Start() error: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("docker-registry log:\n%s", r.Log())
		}
		if err := r.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	})
	return r
}

// goodAuth accepts oauth2accesstoken:good, as Artifact Registry accepts an
// access token.
func goodAuth(user, pass string) (string, bool) {
	if user == "oauth2accesstoken" && pass == "good" {
		return "alice@example.com", true
	}
	return "", false
}

// client runs registry clients as an isolated user of internal/testenv
// (HOME, DOCKER_CONFIG, XDG_* under dir; no metadata server), with TMPDIR
// in its home too.
type client struct {
	t   testing.TB
	dir string // HOME
	env []string
}

func newClient(t testing.TB, extraEnv ...string) *client {
	t.Helper()
	home := t.TempDir()
	if err := testenv.MakeDirs(home); err != nil {
		t.Fatal(err)
	}
	vars := testenv.Isolated(home, testenv.NoMetadata)
	vars["PATH"] = os.Getenv("PATH")
	vars["TMPDIR"] = home
	return &client{t: t, dir: home, env: append(testenv.Environ(vars), extraEnv...)}
}

// dockerConfig returns the DOCKER_CONFIG directory.
func (c *client) dockerConfig() string { return filepath.Join(c.dir, testenv.Layout["DOCKER_CONFIG"]) }

// setAuth writes config.json with a Basic credential for host in auths.
func (c *client) setAuth(host, user, pass string) {
	c.t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	b, err := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"auth": auth}}})
	if err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dockerConfig(), "config.json"), b, 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// run runs a program with the client's environment and stdin, returning
// its combined output.
func (c *client) run(stdin, name string, args ...string) (string, error) {
	c.t.Helper()
	cmd := exec.CommandContext(c.t.Context(), tool(c.t, name), args...)
	cmd.Env = c.env
	cmd.Dir = c.dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// must is run that fails the test on error.
func (c *client) must(name string, args ...string) string {
	c.t.Helper()
	out, err := c.run("", name, args...)
	if err != nil {
		c.t.Fatalf("%s %s = %v, want success; output:\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}

// layerTar writes a one-file layer with random content and returns its path.
func layerTar(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "layer.tar")
	if err := os.WriteFile(p, testenv.Layer("fakeregistry "+rand.Text()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// push builds a random image and pushes it to ref with crane; it returns
// the digest crane reports.
func (c *client) push(ref string) string {
	c.t.Helper()
	out := c.must("crane", "append", "-f", layerTar(c.t), "-t", ref)
	_, digest, ok := strings.Cut(out[strings.LastIndex(out, "\n")+1:], "@")
	if !ok {
		c.t.Fatalf("crane append -t %s = %q, want REF@DIGEST", ref, out)
	}
	return digest
}

// attempts returns the log entries matching keep.
func attempts(log []AuthAttempt, keep func(AuthAttempt) bool) []AuthAttempt {
	var out []AuthAttempt
	for _, a := range log {
		if keep(a) {
			out = append(out, a)
		}
	}
	return out
}

// newLoopbackServer serves h on 127.0.0.1 until the test ends and returns
// its URL.
func newLoopbackServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// decodeJSON decodes and closes a response body.
func decodeJSON(t testing.TB, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s response: %v", resp.Request.URL.Path, err)
	}
}
