package cmd_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// binary is the helper built once for the package: tests drive it the way
// docker does, as a separate process.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dcg-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "docker-credential-gcr")
	// -buildvcs=false: the same version line ("dev") on every machine;
	// TestVersionStampedByGo builds its own with what Go stamps.
	build := exec.Command("go", "build", "-buildvcs=false", "-o", binary, "../cmd/docker-credential-gcr")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is an isolated environment: HOME, DOCKER_CONFIG, XDG_* and gcloud's
// config in a temp dir; the metadata server is the fake.
type env struct {
	t    *testing.T
	g    *fakegoogle.Server
	dir  string
	vars map[string]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	g, err := fakegoogle.New(fakegoogle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	dir := t.TempDir()
	e := &env{t: t, g: g, dir: dir, vars: map[string]string{
		"PATH":              pathWithoutHelper(),
		"HOME":              dir,
		"DOCKER_CONFIG":     filepath.Join(dir, "docker"),
		"XDG_CONFIG_HOME":   filepath.Join(dir, "xdg-config"),
		"XDG_CACHE_HOME":    filepath.Join(dir, "xdg-cache"),
		"XDG_RUNTIME_DIR":   filepath.Join(dir, "xdg-runtime"),
		"CLOUDSDK_CONFIG":   filepath.Join(dir, "gcloud"),
		"GCE_METADATA_HOST": strings.TrimPrefix(g.URL, "http://"),
		// The fake's key files name its 127.0.0.1 endpoints.
		"DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS": "1",
	}}
	// client.NewShellProgramFunc inherits this process's environment.
	for k, v := range e.vars {
		t.Setenv(k, v)
	}
	for _, k := range []string{"GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE", "CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT", "DBUS_SESSION_BUS_ADDRESS"} {
		t.Setenv(k, "")
	}
	return e
}

// pathWithoutHelper is $PATH less any dir holding a docker-credential-gcr
// (make build puts one in ./bin): tests decide where the helper is.
func pathWithoutHelper() string {
	var keep []string
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(d, "docker-credential-gcr")); err != nil {
			keep = append(keep, d)
		}
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

func (e *env) write(name string, data []byte) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	os.MkdirAll(filepath.Dir(p), 0o700)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// run executes the binary with only e's environment.
func (e *env) run(stdin string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	c := exec.Command(binary, args...)
	for k, v := range e.vars {
		c.Env = append(c.Env, k+"="+v)
	}
	c.Stdin = strings.NewReader(stdin)
	var o, er bytes.Buffer
	c.Stdout, c.Stderr = &o, &er
	err := c.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run %v: %v", args, err)
	}
	return o.String(), er.String(), code
}

// noLeak fails when any secret the fake issued appears in s.
func (e *env) noLeak(what, s string) {
	e.t.Helper()
	for _, secret := range e.g.Secrets() {
		if len(secret) >= 8 && strings.Contains(s, secret) {
			e.t.Errorf("%s leaks a secret of the fake (%d chars)", what, len(secret))
		}
	}
}

func TestGetThroughDockerClient(t *testing.T) {
	e := newEnv(t)
	prog := client.NewShellProgramFunc(binary)
	for _, url := range []string{
		"us-east1-docker.pkg.dev",
		"https://us-east1-docker.pkg.dev/",
		"us-east1-docker.pkg.dev/my-project/repo",
		"gcr.io",
		"https://EU.GCR.IO",
		"docker.us-central1.rep.pkg.dev:443",
	} {
		c, err := client.Get(prog, url)
		if err != nil {
			t.Fatalf("client.Get(%q) error = %v", url, err)
		}
		if c.Username != "oauth2accesstoken" || c.ServerURL != url {
			t.Errorf("client.Get(%q) = user %q url %q, want oauth2accesstoken %q", url, c.Username, c.ServerURL, url)
		}
		if got, ok := e.g.Principal(c.Secret); !ok || got != "vm@p.iam.gserviceaccount.com" {
			t.Errorf("client.Get(%q): Principal(secret) = %q, %v, want the VM's account", url, got, ok)
		}
	}
	before := e.g.Count("metadata-token")
	for _, url := range []string{"docker.io", "https://index.docker.io/v1/", "ghcr.io", "evil.example.com", "gcr.io.evil.com", "localhost:5000"} {
		_, err := client.Get(prog, url)
		if !credentials.IsErrCredentialsNotFound(err) {
			t.Errorf("client.Get(%q) error = %v, want credentials not found", url, err)
		}
	}
	if n := e.g.Count("metadata-token") - before; n != 0 {
		t.Errorf("foreign hosts caused %d metadata token requests, want 0", n)
	}
	// An S3NS registry is Google's, but of another universe: the VM's
	// googleapis.com identity is not used for it.
	_, err := client.Get(prog, "u-france-east1-docker.s3nsregistry.fr")
	if err == nil || !strings.Contains(err.Error(), "universe s3nsapis.fr") {
		t.Errorf("client.Get(s3ns host) error = %v, want no credentials for universe s3nsapis.fr", err)
	}
	if n := e.g.Count("metadata-token") - before; n != 0 {
		t.Errorf("the S3NS host caused %d googleapis.com token requests, want 0", n)
	}
}

func TestNotFoundText(t *testing.T) {
	e := newEnv(t)
	out, _, code := e.run("ghcr.io\n", "get")
	if out != "credentials not found in native keychain\n" || code != 1 {
		t.Errorf("get ghcr.io = %q, exit %d, want the literal not-found text, exit 1", out, code)
	}
}

func TestServiceAccountKeyFile(t *testing.T) {
	e := newEnv(t)
	key, err := e.g.NewServiceAccount("ci@p.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"raw": key, "base64": []byte(base64.StdEncoding.EncodeToString(key))} {
		e.vars["GOOGLE_APPLICATION_CREDENTIALS"] = e.write(name+".json", data)
		out, stderr, code := e.run("us-docker.pkg.dev", "get")
		if code != 0 {
			t.Fatalf("get (%s key) exit %d: %s %s", name, code, out, stderr)
		}
		var c credentials.Credentials
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatalf("get output %q: %v", out, err)
		}
		if got, _ := e.g.Principal(c.Secret); got != "ci@p.iam.gserviceaccount.com" {
			t.Errorf("get (%s key): Principal = %q, want ci@p.iam.gserviceaccount.com", name, got)
		}
		if stderr != "" {
			t.Errorf("get (%s key) stderr = %q, want nothing", name, stderr)
		}
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	key, err := e.g.NewServiceAccount("ci@p.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	unknownType := strings.Replace(string(key), `"service_account"`, `"magic"`, 1)
	tests := []struct {
		name, stdin string
		args        []string
		creds       []byte // GOOGLE_APPLICATION_CREDENTIALS content, when set
		want        string
	}{
		{name: "empty stdin", stdin: "", args: []string{"get"}, want: "no credentials server URL"},
		{name: "10 MB stdin", stdin: strings.Repeat("a", 10<<20), args: []string{"get"}, want: "larger than 1 MiB"},
		{name: "garbage url", stdin: "::::/\x00\x01", args: []string{"get"}, want: "credentials not found"},
		{name: "unknown command", args: []string{"frobnicate"}, want: "unknown command"},
		{name: "store garbage", stdin: "{not json", args: []string{"store"}, want: "invalid character"},
		{name: "creds not json", stdin: "gcr.io", args: []string{"get"}, creds: []byte("not json, at all!"), want: "neither JSON nor base64"},
		{name: "creds base64 garbage", stdin: "gcr.io", args: []string{"get"}, creds: []byte(base64.StdEncoding.EncodeToString([]byte("garbage"))), want: "does not decode to a JSON object"},
		{name: "creds unknown type", stdin: "gcr.io", args: []string{"get"}, creds: []byte(unknownType), want: `unsupported credential type "magic"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delete(e.vars, "GOOGLE_APPLICATION_CREDENTIALS")
			e.vars["DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES"] = "credentials-file"
			if tt.creds != nil {
				e.vars["GOOGLE_APPLICATION_CREDENTIALS"] = e.write("creds-"+strings.ReplaceAll(tt.name, " ", "-"), tt.creds)
			}
			out, stderr, code := e.run(tt.stdin, tt.args...)
			if code == 0 {
				t.Errorf("%v exit 0, want non-zero", tt.args)
			}
			if !strings.Contains(out+stderr, tt.want) {
				t.Errorf("%v output = %q / %q, want it to contain %q", tt.args, out, stderr, tt.want)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
				t.Errorf("%v panicked: %s", tt.args, stderr)
			}
			e.noLeak("output of "+tt.name, out+stderr)
		})
	}
}

func TestPrintAccessToken(t *testing.T) {
	e := newEnv(t)
	e.g.AllowImpersonation("vm@p.iam.gserviceaccount.com", "target@p.iam.gserviceaccount.com")
	out, stderr, code := e.run("", "print-access-token")
	if code != 0 || strings.Count(out, "\n") != 1 || stderr != "" {
		t.Fatalf("print-access-token = %q, %q, exit %d, want one line", out, stderr, code)
	}
	if got, _ := e.g.Principal(strings.TrimSpace(out)); got != "vm@p.iam.gserviceaccount.com" {
		t.Errorf("print-access-token: Principal = %q, want the VM's account", got)
	}

	e.vars["DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT"] = e.g.URL
	out, _, code = e.run("", "print-access-token", "--format=creds", "--impersonate-service-account=target@p.iam.gserviceaccount.com")
	tok, ok := strings.CutPrefix(strings.TrimSuffix(out, "\n"), "oauth2accesstoken:")
	if code != 0 || !ok || strings.Contains(tok, "\n") {
		t.Fatalf("print-access-token --format=creds = %q, exit %d, want oauth2accesstoken:TOKEN", out, code)
	}
	if got, _ := e.g.Principal(tok); got != "target@p.iam.gserviceaccount.com" {
		t.Errorf("impersonated token Principal = %q, want target", got)
	}

	out, stderr, code = e.run("", "print-access-token", "--impersonate-service-account=nope@p.iam.gserviceaccount.com")
	if code == 0 || out != "" || !strings.Contains(stderr, "roles/iam.serviceAccountTokenCreator") {
		t.Errorf("refused impersonation = %q, %q, exit %d, want an error naming the role and empty stdout", out, stderr, code)
	}
	e.noLeak("refused impersonation", out+stderr)

	out, _, code = e.run("", "print-access-token", "--format=json")
	var j struct {
		AccessToken, Identity, Source string
		ExpiresIn                     int64 `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != 0 || j.Identity != "vm@p.iam.gserviceaccount.com" || j.Source != "metadata" || j.ExpiresIn <= 0 {
		t.Errorf("print-access-token --format=json = %q (%v), want token, identity, source, expiry", out, err)
	}
}

func TestVersion(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, _, code := e.run("", args...)
		if code != 0 || !strings.HasPrefix(out, "docker-credential-gcr dev ") {
			t.Errorf("%v = %q, exit %d, want 'docker-credential-gcr dev ...'", args, out, code)
		}
	}
}

func TestConfigTokenSource(t *testing.T) {
	e := newEnv(t)
	out, _, code := e.run("", "config", `--token-source=env, gcloud`)
	if code != 0 || !strings.Contains(out, `"env"`) {
		t.Fatalf("config --token-source = %q, exit %d", out, code)
	}
	settings, err := os.ReadFile(filepath.Join(e.dir, "xdg-config", "docker-credential-gcr", "config.json"))
	if err != nil || !strings.Contains(string(settings), "gcloud") {
		t.Fatalf("settings file = %q, %v, want the token sources", settings, err)
	}
	if _, stderr, code := e.run("", "config", "--token-source=env,bogus"); code == 0 || !strings.Contains(stderr, "bogus") || !strings.Contains(stderr, "gcloud") {
		t.Errorf("config --token-source=env,bogus = %q, exit %d, want an error listing valid names", stderr, code)
	}
	// "gcloud" alone: the metadata server is not consulted any more.
	e.run("", "config", "--token-source=gcloud")
	e.vars["PATH"] = e.dir // no gcloud
	out, _, code = e.run("gcr.io", "get")
	if code == 0 || !strings.Contains(out, "gcloud is not on PATH") || strings.Contains(out, "metadata") {
		t.Errorf("get with --token-source=gcloud = %q, exit %d, want only the gcloud failure", out, code)
	}
	if out, _, code := e.run("", "config", "--unset-all"); code != 0 || strings.Contains(out, "token_sources") {
		t.Errorf("config --unset-all = %q, exit %d, want the sources reset", out, code)
	}
}

func TestConfigureDocker(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.dir, "docker", "config.json")
	orig := "{\n  \"auths\": {\n    \"ghcr.io\": {}\n  },\n  \"credsStore\": \"desktop\",\n  \"x-unknown\": [1, 2]\n}\n"
	e.write("docker/config.json", []byte(orig))
	os.Chmod(cfg, 0o640)

	_, stderr, code := e.run("", "configure-docker", "us-east1-docker.pkg.dev", "--registries=eu.gcr.io")
	if code != 0 {
		t.Fatalf("configure-docker exit %d: %s", code, stderr)
	}
	want := "{\n  \"auths\": {\n    \"ghcr.io\": {}\n  },\n  \"credsStore\": \"desktop\",\n  \"x-unknown\": [1, 2],\n  \"credHelpers\": {\n    \"eu.gcr.io\": \"gcr\",\n    \"us-east1-docker.pkg.dev\": \"gcr\"\n  }\n}\n"
	got, _ := os.ReadFile(cfg)
	if string(got) != want {
		t.Errorf("config.json =\n%s\nwant\n%s", got, want)
	}
	if fi, _ := os.Stat(cfg); fi.Mode().Perm() != 0o640 {
		t.Errorf("config.json mode = %v, want 0640 kept", fi.Mode().Perm())
	}
	for _, line := range []string{"added        us-east1-docker.pkg.dev -> gcr", "credsStore is \"desktop\"", "not on PATH"} {
		if !strings.Contains(stderr, line) {
			t.Errorf("configure-docker stderr = %q, want %q", stderr, line)
		}
	}

	// A run that changes nothing does not write.
	fi1, _ := os.Stat(cfg)
	if _, stderr, code := e.run("", "configure-docker", "us-east1-docker.pkg.dev"); code != 0 || !strings.Contains(stderr, "already set") {
		t.Errorf("second configure-docker = %q, exit %d", stderr, code)
	}
	if fi2, _ := os.Stat(cfg); !fi2.ModTime().Equal(fi1.ModTime()) {
		t.Errorf("a no-op configure-docker rewrote config.json")
	}

	// Refusals leave the file as it was.
	for _, args := range [][]string{
		{"configure-docker", "--registries=gcr.io,,us.gcr.io"},
		{"configure-docker", "gcr.io/my-project"},
		{"configure-docker", "*.gcr.io"},
		{"configure-docker", "ghcr.io"},
	} {
		if _, stderr, code := e.run("", args...); code == 0 {
			t.Errorf("%v exit 0, want a refusal (%s)", args, stderr)
		}
	}
	if got2, _ := os.ReadFile(cfg); string(got2) != string(got) {
		t.Errorf("a refused configure-docker changed config.json")
	}

	// A custom host needs the explicit flag, and then get serves it.
	if _, stderr, code := e.run("", "configure-docker", "--allow-custom-host", "registry.example.com"); code != 0 {
		t.Fatalf("--allow-custom-host exit %d: %s", code, stderr)
	}
	out, _, code := e.run("registry.example.com", "get")
	var c credentials.Credentials
	if err := json.Unmarshal([]byte(out), &c); err != nil || code != 0 || c.Username != "oauth2accesstoken" {
		t.Errorf("get registry.example.com after --allow-custom-host = %q, exit %d", out, code)
	}

	// --dry-run prints a diff and writes nothing; --remove removes only ours.
	out, _, code = e.run("", "configure-docker", "--dry-run", "us.gcr.io")
	if code != 0 || !strings.Contains(out, "+    \"us.gcr.io\": \"gcr\"") {
		t.Errorf("--dry-run = %q, want a unified diff adding us.gcr.io", out)
	}
	if b, _ := os.ReadFile(cfg); strings.Contains(string(b), "us.gcr.io") {
		t.Errorf("--dry-run wrote the file")
	}
	if _, stderr, code := e.run("", "configure-docker", "--remove", "eu.gcr.io"); code != 0 || !strings.Contains(stderr, "removed      eu.gcr.io") {
		t.Errorf("--remove = %q, exit %d", stderr, code)
	}
	if b, _ := os.ReadFile(cfg); strings.Contains(string(b), "eu.gcr.io") {
		t.Errorf("--remove left eu.gcr.io in %s", b)
	}
}

func TestVerboseTrailRedacted(t *testing.T) {
	e := newEnv(t)
	e.g.AllowImpersonation("vm@p.iam.gserviceaccount.com", "target@p.iam.gserviceaccount.com")
	e.vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = "1"
	e.vars["DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT"] = e.g.URL
	out, stderr, code := e.run("gcr.io", "get")
	if code != 0 {
		t.Fatalf("get exit %d: %s %s", code, out, stderr)
	}
	for _, want := range []string{"token source served", "source=metadata", "http request", "/computeMetadata/v1/", "cache miss"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("verbose trail lacks %q:\n%s", want, stderr)
		}
	}
	_, stderr2, _ := e.run("gcr.io", "get")
	if !strings.Contains(stderr2, "cache hit") {
		t.Errorf("second get's trail lacks the cache hit:\n%s", stderr2)
	}
	_, stderr3, _ := e.run("", "--verbose", "print-access-token", "--impersonate-service-account=target@p.iam.gserviceaccount.com")
	_, stderr4, _ := e.run("", "-v", "print-access-token", "--impersonate-service-account=denied@p.iam.gserviceaccount.com")
	log := filepath.Join(e.dir, "trail.log")
	e.vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = log
	e.run("eu.gcr.io", "get")
	fileTrail, _ := os.ReadFile(log)
	if !strings.Contains(string(fileTrail), "token source served") {
		t.Errorf("DOCKER_CREDENTIAL_GCR_VERBOSE=FILE wrote %q, want the trail", fileTrail)
	}
	e.noLeak("verbose trail", stderr+stderr2+stderr3+stderr4+string(fileTrail))
}

func TestCompletionLoadsInBash(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	e := newEnv(t)
	c := exec.Command("bash", "-c", `source <("$0" completion bash) && complete -p docker-credential-gcr`, binary)
	c.Env = []string{"PATH=" + e.vars["PATH"], "HOME=" + e.dir}
	out, err := c.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "docker-credential-gcr") {
		t.Errorf("bash completion: %v\n%s", err, out)
	}
	for _, shell := range []string{"zsh", "fish", "powershell"} {
		if out, _, code := e.run("", "completion", shell); code != 0 || len(out) < 100 {
			t.Errorf("completion %s exit %d, %d bytes", shell, code, len(out))
		}
	}
}

func TestEveryCommandHasAnExample(t *testing.T) {
	e := newEnv(t)
	for _, c := range []string{"get", "store", "erase", "list", "version", "print-access-token", "config", "doctor", "cache", "cache clear", "configure-docker"} {
		out, _, code := e.run("", append(strings.Fields(c), "--help")...)
		if code != 0 || !strings.Contains(out, "Examples:") {
			t.Errorf("%s --help has no example (exit %d)", c, code)
		}
	}
}
