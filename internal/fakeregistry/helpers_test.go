package fakeregistry

import (
	"archive/tar"
	"bytes"
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
)

// installHint says how to get every tool these tests run.
const installHint = "install with ./scripts/install-test-deps.sh " +
	"(apt-get install -y docker-registry apache2-utils skopeo procps; docker CLI 28; " +
	"GOBIN=$PWD/.tools/bin go install github.com/google/go-containerregistry/cmd/crane@v0.22.1)"

// tool returns the path of an external program: PATH first, then the
// module's .tools/bin for crane. A missing tool skips the test, except in
// CI, which installs them all and so must never skip.
func tool(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p, err := filepath.Abs(filepath.Join("..", "..", ".tools", "bin", name)); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found and CI must not skip; %s", name, installHint)
	}
	t.Skipf("%s not found; %s", name, installHint)
	return ""
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

// client runs registry clients with an isolated HOME and DOCKER_CONFIG.
type client struct {
	t   testing.TB
	dir string // HOME; DOCKER_CONFIG is dir/.docker
	env []string
}

func newClient(t testing.TB, extraEnv ...string) *client {
	t.Helper()
	home := t.TempDir()
	for _, d := range []string{".docker", "run", ".config"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"DOCKER_CONFIG=" + filepath.Join(home, ".docker"),
		"XDG_RUNTIME_DIR=" + filepath.Join(home, "run"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"TMPDIR=" + home,
	}
	return &client{t: t, dir: home, env: append(env, extraEnv...)}
}

// dockerConfig returns the DOCKER_CONFIG directory.
func (c *client) dockerConfig() string { return filepath.Join(c.dir, ".docker") }

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
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := []byte("fakeregistry " + rand.Text() + "\n")
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "layer.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
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
