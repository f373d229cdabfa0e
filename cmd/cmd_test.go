package cmd_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/credentials"
	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/cmd"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/app"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// keyAccount is the identity of the key the in-process tests use.
const keyAccount = "ci@p.iam.gserviceaccount.com"

// env is an isolated user of internal/testenv for the commands run
// in-process through NewCmdRoot: a key of the fake Google as the only token
// source, and Vars handed to the App, never set in the process. (The
// metadata and gcloud sources are not used in-process: the metadata library
// and gcloud read the process's environment; binary_test.go drives those
// through the binary.)
type env struct {
	*testenv.Env
	t   *testing.T
	key string // the key file of keyAccount
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{Env: testenv.New(t, fakegoogle.Options{}), t: t}
	e.key = e.UseKey(keyAccount)
	return e
}

// write writes data at name under the home (0600) and returns the path.
func (e *env) write(name string, data []byte) string {
	e.t.Helper()
	return e.WriteFile(name, data, 0o600)
}

// root returns the command tree running in e's world.
func (e *env) root() *cobra.Command {
	return cmd.NewCmdRoot(app.Env{Getenv: e.Getenv, HomeDir: e.HomeDir})
}

// run executes args in-process with stdin, as the binary would but for
// Execute's exit code and the "docker-credential-gcr:" line it prints for
// err.
func (e *env) run(stdin string, args ...string) (stdout, stderr string, err error) {
	e.t.Helper()
	root := e.root()
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	var o, er bytes.Buffer
	root.SetOut(&o)
	root.SetErr(&er)
	err = root.ExecuteContext(context.Background())
	return o.String(), er.String(), err
}

// errText is err's message, or "".
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestServiceAccountKeyFile(t *testing.T) {
	e := newEnv(t)
	key, err := os.ReadFile(e.key)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"raw": key, "base64": []byte(base64.StdEncoding.EncodeToString(key))} {
		e.Vars["GOOGLE_APPLICATION_CREDENTIALS"] = e.write(name+".json", data)
		out, stderr, err := e.run("us-docker.pkg.dev", "get")
		if err != nil {
			t.Fatalf("get (%s key) = %v: %s %s", name, err, out, stderr)
		}
		var c credentials.Credentials
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatalf("get output %q: %v", out, err)
		}
		if got, _ := e.Google.Principal(c.Secret); got != keyAccount {
			t.Errorf("get (%s key): Principal = %q, want %s", name, got, keyAccount)
		}
		if stderr != "" {
			t.Errorf("get (%s key) stderr = %q, want nothing", name, stderr)
		}
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	key, err := os.ReadFile(e.key)
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
			delete(e.Vars, "GOOGLE_APPLICATION_CREDENTIALS")
			if tt.creds != nil {
				e.Vars["GOOGLE_APPLICATION_CREDENTIALS"] = e.write("creds-"+strings.ReplaceAll(tt.name, " ", "-"), tt.creds)
			}
			out, stderr, err := e.run(tt.stdin, tt.args...)
			if err == nil {
				t.Errorf("%v = nil error, want a failure", tt.args)
			}
			if !strings.Contains(out+stderr+errText(err), tt.want) {
				t.Errorf("%v output = %q / %q / %v, want it to contain %q", tt.args, out, stderr, err, tt.want)
			}
			e.Secrets.Check(t, "output of "+tt.name, out+stderr+errText(err))
		})
	}
}

func TestPrintAccessToken(t *testing.T) {
	e := newEnv(t)
	e.Google.AllowImpersonation(keyAccount, "target@p.iam.gserviceaccount.com")
	out, stderr, err := e.run("", "print-access-token")
	if err != nil || strings.Count(out, "\n") != 1 || stderr != "" {
		t.Fatalf("print-access-token = %q, %q, %v, want one line", out, stderr, err)
	}
	if got, _ := e.Google.Principal(strings.TrimSpace(out)); got != keyAccount {
		t.Errorf("print-access-token: Principal = %q, want %s", got, keyAccount)
	}

	e.Vars["DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT"] = e.Google.URL
	out, _, err = e.run("", "print-access-token", "--format=creds", "--impersonate-service-account=target@p.iam.gserviceaccount.com")
	tok, ok := strings.CutPrefix(strings.TrimSuffix(out, "\n"), "oauth2accesstoken:")
	if err != nil || !ok || strings.Contains(tok, "\n") {
		t.Fatalf("print-access-token --format=creds = %q, %v, want oauth2accesstoken:TOKEN", out, err)
	}
	if got, _ := e.Google.Principal(tok); got != "target@p.iam.gserviceaccount.com" {
		t.Errorf("impersonated token Principal = %q, want target", got)
	}

	out, stderr, err = e.run("", "print-access-token", "--impersonate-service-account=nope@p.iam.gserviceaccount.com")
	if err == nil || out != "" || !strings.Contains(errText(err), "roles/iam.serviceAccountTokenCreator") {
		t.Errorf("refused impersonation = %q, %q, %v, want an error naming the role and empty stdout", out, stderr, err)
	}
	e.Secrets.Check(t, "refused impersonation", out+stderr+errText(err))

	out, _, err = e.run("", "print-access-token", "--format=json")
	var j struct {
		AccessToken, Identity, Source string
		ExpiresIn                     int64 `json:"expires_in"`
	}
	if jerr := json.Unmarshal([]byte(out), &j); jerr != nil || err != nil || j.Identity != keyAccount || j.Source != "credentials-file" || j.ExpiresIn <= 0 {
		t.Errorf("print-access-token --format=json = %q (%v, %v), want token, identity, source, expiry", out, jerr, err)
	}
}

func TestVersion(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, _, err := e.run("", args...)
		if err != nil || !strings.HasPrefix(out, "docker-credential-gcr ") || !strings.Contains(out, "(commit ") {
			t.Errorf("%v = %q, %v, want 'docker-credential-gcr VERSION (commit ...'", args, out, err)
		}
	}
}

func TestConfigTokenSource(t *testing.T) {
	e := newEnv(t)
	out, stderr, err := e.run("", "config", `--token-source=env, gcloud`)
	if err != nil || !strings.Contains(out, `"env"`) {
		t.Fatalf("config --token-source = %q, %v", out, err)
	}
	settingsFile := filepath.Join(e.SettingsDir(), "config.json")
	if !strings.Contains(stderr, "settings: "+settingsFile) {
		t.Errorf("config stderr = %q, want it to name %s", stderr, settingsFile)
	}
	settings, err := os.ReadFile(settingsFile)
	if err != nil || !strings.Contains(string(settings), "gcloud") {
		t.Fatalf("settings file = %q, %v, want the token sources", settings, err)
	}
	if _, _, err := e.run("", "config", "--token-source=env,bogus"); err == nil || !strings.Contains(err.Error(), "bogus") || !strings.Contains(err.Error(), "gcloud") {
		t.Errorf("config --token-source=env,bogus = %v, want an error listing valid names", err)
	}
	if out, _, err := e.run("", "config", "--unset-all"); err != nil || strings.Contains(out, "token_sources") {
		t.Errorf("config --unset-all = %q, %v, want the sources reset", out, err)
	}
}

func TestConfigureDocker(t *testing.T) {
	e := newEnv(t)
	cfg := e.DockerConfig()
	orig := "{\n  \"auths\": {\n    \"ghcr.io\": {}\n  },\n  \"credsStore\": \"desktop\",\n  \"x-unknown\": [1, 2]\n}\n"
	e.write(cfg, []byte(orig))
	if err := os.Chmod(cfg, 0o640); err != nil {
		t.Fatal(err)
	}

	_, stderr, err := e.run("", "configure-docker", "us-east1-docker.pkg.dev", "--registries=eu.gcr.io")
	if err != nil {
		t.Fatalf("configure-docker = %v: %s", err, stderr)
	}
	want := "{\n  \"auths\": {\n    \"ghcr.io\": {}\n  },\n  \"credsStore\": \"desktop\",\n  \"x-unknown\": [1, 2],\n  \"credHelpers\": {\n    \"eu.gcr.io\": \"gcr\",\n    \"us-east1-docker.pkg.dev\": \"gcr\"\n  }\n}\n"
	got, err := os.ReadFile(cfg)
	if err != nil || string(got) != want {
		t.Errorf("config.json =\n%s\n%v, want\n%s", got, err, want)
	}
	if fi, err := os.Stat(cfg); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("config.json mode = %v, %v, want 0640 kept", fi, err)
	}
	for _, line := range []string{"added        us-east1-docker.pkg.dev -> gcr", "credsStore is \"desktop\""} {
		if !strings.Contains(stderr, line) {
			t.Errorf("configure-docker stderr = %q, want %q", stderr, line)
		}
	}

	// A run that changes nothing does not write.
	fi1, err := os.Stat(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := e.run("", "configure-docker", "us-east1-docker.pkg.dev"); err != nil || !strings.Contains(stderr, "already set") {
		t.Errorf("second configure-docker = %q, %v", stderr, err)
	}
	if fi2, err := os.Stat(cfg); err != nil || !fi2.ModTime().Equal(fi1.ModTime()) {
		t.Errorf("a no-op configure-docker rewrote config.json (%v)", err)
	}

	// Refusals leave the file as it was, and say why.
	for _, tt := range []struct{ arg, want string }{
		{"--registries=gcr.io,,us.gcr.io", "empty registry host"},
		{"gcr.io/my-project", "has a path"},
		{"*.gcr.io", "wildcard"},
		{"ghcr.io", "gcr.io, *.gcr.io, LOCATION-docker.pkg.dev, docker.LOCATION.rep.pkg.dev, LOCATION-docker.s3nsregistry.fr"},
	} {
		if _, _, err := e.run("", "configure-docker", tt.arg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("configure-docker %s = %v, want a refusal saying %q", tt.arg, err, tt.want)
		}
	}
	if got2, err := os.ReadFile(cfg); err != nil || string(got2) != string(got) {
		t.Errorf("a refused configure-docker changed config.json (%v)", err)
	}

	// A custom host needs the explicit flag, and then get serves it.
	if _, stderr, err := e.run("", "configure-docker", "--allow-custom-host", "registry.example.com"); err != nil {
		t.Fatalf("--allow-custom-host = %v: %s", err, stderr)
	}
	out, _, err := e.run("registry.example.com", "get")
	var c credentials.Credentials
	if jerr := json.Unmarshal([]byte(out), &c); jerr != nil || err != nil || c.Username != "oauth2accesstoken" {
		t.Errorf("get registry.example.com after --allow-custom-host = %q, %v", out, err)
	}

	// --dry-run prints a diff and writes nothing; --remove removes only ours.
	out, _, err = e.run("", "configure-docker", "--dry-run", "us.gcr.io")
	if err != nil || !strings.Contains(out, "+    \"us.gcr.io\": \"gcr\"") {
		t.Errorf("--dry-run = %q, %v, want a unified diff adding us.gcr.io", out, err)
	}
	if b, err := os.ReadFile(cfg); err != nil || strings.Contains(string(b), "us.gcr.io") {
		t.Errorf("--dry-run wrote the file (%v)", err)
	}
	if _, stderr, err := e.run("", "configure-docker", "--remove", "eu.gcr.io"); err != nil || !strings.Contains(stderr, "removed      eu.gcr.io") {
		t.Errorf("--remove = %q, %v", stderr, err)
	}
	if b, err := os.ReadFile(cfg); err != nil || strings.Contains(string(b), "eu.gcr.io") {
		t.Errorf("--remove left eu.gcr.io in %s (%v)", b, err)
	}
}

func TestVerboseTrailRedacted(t *testing.T) {
	e := newEnv(t)
	e.Google.AllowImpersonation(keyAccount, "target@p.iam.gserviceaccount.com")
	e.Vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = "1"
	e.Vars["DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT"] = e.Google.URL
	out, stderr, err := e.run("gcr.io", "get")
	if err != nil {
		t.Fatalf("get = %v: %s %s", err, out, stderr)
	}
	for _, want := range []string{"token source served", "source=credentials-file", "http request", "cache miss"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("verbose trail lacks %q:\n%s", want, stderr)
		}
	}
	_, stderr2, _ := e.run("gcr.io", "get")
	if !strings.Contains(stderr2, "cache hit") {
		t.Errorf("second get's trail lacks the cache hit:\n%s", stderr2)
	}
	delete(e.Vars, "DOCKER_CREDENTIAL_GCR_VERBOSE")
	_, stderr3, _ := e.run("", "--verbose", "print-access-token", "--impersonate-service-account=target@p.iam.gserviceaccount.com")
	_, stderr4, err4 := e.run("", "-v", "print-access-token", "--impersonate-service-account=denied@p.iam.gserviceaccount.com")
	for _, s := range []string{stderr3, stderr4} {
		if !strings.Contains(s, "http request") {
			t.Errorf("--verbose / -v trail = %q, want the requests", s)
		}
	}
	log := filepath.Join(e.Home, "trail.log")
	e.Vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = log
	if _, _, err := e.run("eu.gcr.io", "get"); err != nil {
		t.Fatal(err)
	}
	fileTrail, err := os.ReadFile(log)
	if err != nil || !strings.Contains(string(fileTrail), "token source served") {
		t.Errorf("DOCKER_CREDENTIAL_GCR_VERBOSE=FILE wrote %q, %v, want the trail", fileTrail, err)
	}
	e.Secrets.Check(t, "verbose trail", stderr+stderr2+stderr3+stderr4+errText(err4)+string(fileTrail))
}

func TestCompletionOtherShells(t *testing.T) {
	e := newEnv(t)
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if out, _, err := e.run("", "completion", shell); err != nil || len(out) < 100 {
			t.Errorf("completion %s = %v, %d bytes", shell, err, len(out))
		}
	}
}

// Every command, however deep, has an example in its --help: the tree is
// walked, so a new command cannot be missed.
func TestEveryCommandHasAnExample(t *testing.T) {
	e := newEnv(t)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.Name() == "help" || sub.Name() == "completion" || sub.HasParent() && sub.Parent().Name() == "completion" {
				continue
			}
			n++
			args := append(strings.Fields(sub.CommandPath())[1:], "--help")
			out, _, err := e.run("", args...)
			if err != nil || !strings.Contains(out, "Examples:") {
				t.Errorf("%s --help has no example (%v)", sub.CommandPath(), err)
			}
			walk(sub)
		}
	}
	walk(e.root())
	if n < 13 {
		t.Errorf("walked %d commands, want every one (13 or more, the kubelet's included)", n)
	}
}
