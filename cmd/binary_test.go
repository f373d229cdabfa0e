package cmd_test

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// The tests below drive the binary (built once for the package by
// internal/testenv) the way docker does, as a separate process, for what
// only a process shows: the protocol's fast path and its exit codes,
// docker's own client library, PATH lookups, the metadata server and gcloud
// sources (whose libraries read the process's environment), a shell's
// completion.
func TestMain(m *testing.M) { testenv.Main(m) }

// proc is an isolated user of internal/testenv for the binary; the
// metadata server is the fake, serving testenv.VMAccount.
type proc struct {
	*testenv.Env
	t *testing.T
}

func newProc(t *testing.T) *proc {
	t.Helper()
	return &proc{Env: testenv.New(t, fakegoogle.Options{}), t: t}
}

// run executes the binary and returns its output and exit code.
func (p *proc) run(stdin string, args ...string) (stdout, stderr string, code int) {
	p.t.Helper()
	r := p.Run(stdin, args...)
	var ee *exec.ExitError
	if r.Err != nil && !errors.As(r.Err, &ee) {
		p.t.Fatalf("%s", r)
	}
	return r.Stdout, r.Stderr, r.Code
}

// program runs the binary for docker's client library
// (github.com/docker/docker-credential-helpers/client) in p's environment.
func (p *proc) program(args ...string) client.Program { return &shell{c: p.Command(nil, args...)} }

type shell struct{ c *exec.Cmd }

func (s *shell) Input(in io.Reader)      { s.c.Stdin = in }
func (s *shell) Output() ([]byte, error) { return s.c.Output() }

func TestGetThroughDockerClient(t *testing.T) {
	p := newProc(t)
	for _, url := range []string{
		"us-east1-docker.pkg.dev",
		"https://us-east1-docker.pkg.dev/",
		"us-east1-docker.pkg.dev/my-project/repo",
		"gcr.io",
		"https://EU.GCR.IO",
		"docker.us-central1.rep.pkg.dev:443",
	} {
		c, err := client.Get(p.program, url)
		if err != nil {
			t.Fatalf("client.Get(%q) error = %v", url, err)
		}
		if c.Username != "oauth2accesstoken" || c.ServerURL != url {
			t.Errorf("client.Get(%q) = user %q url %q, want oauth2accesstoken %q", url, c.Username, c.ServerURL, url)
		}
		if got, ok := p.Google.Principal(c.Secret); !ok || got != testenv.VMAccount {
			t.Errorf("client.Get(%q): Principal(secret) = %q, %v, want the VM's account", url, got, ok)
		}
	}
	before := p.Google.Count("metadata-token")
	for _, url := range []string{"docker.io", "https://index.docker.io/v1/", "ghcr.io", "evil.example.com", "gcr.io.evil.com", "localhost:5000"} {
		_, err := client.Get(p.program, url)
		if !credentials.IsErrCredentialsNotFound(err) {
			t.Errorf("client.Get(%q) error = %v, want credentials not found", url, err)
		}
	}
	if n := p.Google.Count("metadata-token") - before; n != 0 {
		t.Errorf("foreign hosts caused %d metadata token requests, want 0", n)
	}
	// An S3NS registry is Google's, but of another universe: the VM's
	// googleapis.com identity is not used for it.
	_, err := client.Get(p.program, "u-france-east1-docker.s3nsregistry.fr")
	if err == nil || !strings.Contains(err.Error(), "universe s3nsapis.fr") {
		t.Errorf("client.Get(s3ns host) error = %v, want no credentials for universe s3nsapis.fr", err)
	}
	if n := p.Google.Count("metadata-token") - before; n != 0 {
		t.Errorf("the S3NS host caused %d googleapis.com token requests, want 0", n)
	}
}

// The fast path's exit codes and streams: the answer or the error on
// stdout (where docker reads it), 0 or 1; other commands' errors on stderr
// after the program's name.
func TestExitCodes(t *testing.T) {
	p := newProc(t)
	tests := []struct {
		stdin  string
		args   []string
		code   int
		stdout string // a prefix
		stderr string // a prefix
	}{
		{"gcr.io\n", []string{"get"}, 0, `{"ServerURL":"gcr.io","Username":"oauth2accesstoken","Secret":"`, ""},
		{"ghcr.io\n", []string{"get"}, 1, "credentials not found in native keychain\n", ""},
		{"{", []string{"store"}, 1, "store: unexpected EOF", ""},
		{"", []string{"list"}, 0, "{}", ""},
		{"", []string{"frobnicate"}, 1, "", `docker-credential-gcr: unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		out, stderr, code := p.run(tt.stdin, tt.args...)
		if code != tt.code || !strings.HasPrefix(out, tt.stdout) || !strings.HasPrefix(stderr, tt.stderr) || (tt.stderr == "" && stderr != "") {
			t.Errorf("%v < %q = %q, %q, exit %d; want stdout %q..., stderr %q..., exit %d", tt.args, tt.stdin, out, stderr, code, tt.stdout, tt.stderr, tt.code)
		}
	}
}

// DOCKER_CREDENTIAL_GCR_VERBOSE=1 turns the trail on for docker's calls,
// which pass no flag.
func TestVerboseOnTheFastPath(t *testing.T) {
	p := newProc(t)
	p.Vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = "1"
	out, stderr, code := p.run("gcr.io", "get")
	if code != 0 || !strings.Contains(stderr, "source=metadata") || !strings.Contains(stderr, "/computeMetadata/v1/") {
		t.Errorf("get with DOCKER_CREDENTIAL_GCR_VERBOSE=1 = exit %d, stderr %q, want the metadata source's trail", code, stderr)
	}
	p.Secrets.Check(t, "the trail", stderr)
	if !strings.HasPrefix(out, "{") {
		t.Errorf("stdout = %q, want the credential JSON alone", out)
	}
}

// With only the gcloud source and no gcloud on PATH, get says so and does
// not consult the metadata server.
func TestGcloudNotOnPath(t *testing.T) {
	p := newProc(t)
	if _, stderr, code := p.run("", "config", "--token-source=gcloud"); code != 0 {
		t.Fatalf("config --token-source=gcloud: exit %d, %s", code, stderr)
	}
	p.Vars["PATH"] = p.Home // no gcloud
	out, _, code := p.run("gcr.io", "get")
	if code == 0 || !strings.Contains(out, "gcloud is not on PATH") || strings.Contains(out, "metadata") {
		t.Errorf("get with --token-source=gcloud = %q, exit %d, want only the gcloud failure", out, code)
	}
}

// configure-docker and doctor look the helper up on PATH, as docker will.
func TestHelperOnPath(t *testing.T) {
	p := newProc(t)
	_, stderr, code := p.run("", "configure-docker", "us-east1-docker.pkg.dev")
	if code != 0 || !strings.Contains(stderr, "docker-credential-gcr is not on PATH") {
		t.Errorf("configure-docker without the helper on PATH = exit %d, %q, want the warning", code, stderr)
	}
	out, _, code := p.run("", "doctor")
	if code == 0 || !strings.Contains(out, "helper on PATH:   no") {
		t.Errorf("doctor without the helper on PATH = exit %d, %q, want the problem", code, out)
	}
	p.Vars["PATH"] = filepath.Dir(testenv.Binary(t)) + string(os.PathListSeparator) + p.Vars["PATH"]
	_, stderr, code = p.run("", "configure-docker", "us-east1-docker.pkg.dev")
	if code != 0 || strings.Contains(stderr, "not on PATH") {
		t.Errorf("configure-docker with the helper on PATH = exit %d, %q, want no warning", code, stderr)
	}
	out, _, code = p.run("", "doctor", "us-east1-docker.pkg.dev")
	if code != 0 || !strings.Contains(out, "helper on PATH:   "+testenv.Binary(t)) || !strings.Contains(out, "as "+testenv.VMAccount) {
		t.Errorf("doctor with the helper on PATH = exit %d, %q, want it found and the VM's identity", code, out)
	}
}

func TestCompletionLoadsInBash(t *testing.T) {
	testenv.Need(t, "bash")
	p := newProc(t)
	c := exec.Command("bash", "-c", `source <("$0" completion bash) && complete -p docker-credential-gcr`, testenv.Binary(t))
	c.Env = []string{"PATH=" + p.Vars["PATH"], "HOME=" + p.Home}
	out, err := c.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "docker-credential-gcr") {
		t.Errorf("bash completion: %v\n%s", err, out)
	}
}
