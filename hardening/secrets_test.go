//go:build unix

package hardening

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// TestSecrets runs the success paths and the input errors of every command
// with the verbose trail on, and scans whatever is not the command's answer
// (stderr and the trail always; stdout except where it is the credential)
// for every secret the fakes issued and the test stored. TestFaults does
// the same for every upstream failure. Then it checks the modes of
// everything secret: 0600 files in 0700 dirs.
func TestSecrets(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{})
	e.Google.AllowImpersonation(testenv.VMAccount, targetSA)
	key, err := e.Google.NewServiceAccount(ciAccount)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := e.WriteFile("key.json", key, 0o600)
	// On PATH, as docker needs it (doctor checks).
	if err := os.MkdirAll(filepath.Join(e.Home, "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testenv.Binary(t), filepath.Join(e.Home, "bin", "docker-credential-gcr")); err != nil {
		t.Fatal(err)
	}
	trail := filepath.Join(e.Home, "trail.log")
	verbose := e.With("DOCKER_CREDENTIAL_GCR_VERBOSE", "1", "DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT", e.Google.URL)
	toFile := e.With("DOCKER_CREDENTIAL_GCR_VERBOSE", trail, "DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT", e.Google.URL)
	withKey := e.With("DOCKER_CREDENTIAL_GCR_VERBOSE", "1", "GOOGLE_APPLICATION_CREDENTIALS", keyFile)
	password := "pw-naver-" + fmt.Sprint(len(key)) + "-Zq8Xr2Lm9Vt4"
	e.Secrets.Add(password)
	keyB64 := base64.StdEncoding.EncodeToString(key)
	e.Secrets.Add(keyB64)

	type call struct {
		vars         map[string]string
		stdin        string
		args         []string
		answerOnOut  bool // stdout is the credential or token: not scanned
		wantExitZero bool
	}
	calls := []call{
		{verbose, registry, []string{"get"}, true, true},
		{verbose, "https://gcr.io/v2/", []string{"get"}, true, true},
		{withKey, registry + "/project/repo", []string{"get"}, true, true},
		{toFile, registry, []string{"get"}, true, true},
		{verbose, "", []string{"print-access-token"}, true, true},
		{verbose, "", []string{"print-access-token", "--format=json"}, true, true},
		{verbose, "", []string{"print-access-token", "--format=creds", "--impersonate-service-account=" + targetSA}, true, true},
		{verbose, "", []string{"print-access-token", "--format=docker-config", registry}, true, true},
		{verbose, "", []string{"print-access-token", "--impersonate-service-account=denied@p.iam.gserviceaccount.com"}, false, false},
		{verbose, fmt.Sprintf(`{"ServerURL":"abc.kr.ncr.ntruss.com","Username":"AKIDNAVER","Secret":%q}`, password), []string{"store"}, false, true},
		{verbose, fmt.Sprintf(`{"ServerURL":"europe-docker.pkg.dev","Username":"_json_key_base64","Secret":%q}`, keyB64), []string{"store"}, false, true},
		{verbose, "abc.kr.ncr.ntruss.com", []string{"get"}, true, true},
		{verbose, "europe-docker.pkg.dev", []string{"get"}, true, true},
		{verbose, "", []string{"list"}, false, true},
		{verbose, "", []string{"configure-docker", registry, "europe-docker.pkg.dev"}, false, true},
		{verbose, "", []string{"doctor", registry}, false, true},
		{verbose, "", []string{"doctor", "europe-docker.pkg.dev"}, false, true},
		{verbose, "", []string{"configure-docker", "--allow-custom-host", "registry.example.com"}, false, true},
		{verbose, "", []string{"config", "--token-source=env,gcloud"}, false, true},
		{verbose, "", []string{"config", "--unset-all"}, false, true},
		{verbose, "{not json " + password, []string{"store"}, false, false},
		{verbose, fmt.Sprintf(`{"ServerURL":"","Username":"u","Secret":%q}`, password), []string{"store"}, false, false},
		{verbose, "abc.kr.ncr.ntruss.com", []string{"erase"}, false, true},
		{verbose, "europe-docker.pkg.dev", []string{"erase"}, false, true},
		{verbose, "", []string{"cache", "clear"}, false, true},
	}
	runs := 0
	for _, c := range calls {
		r := e.RunWith(c.vars, c.stdin, c.args...)
		runs++
		what := strings.Join(c.args, " ")
		if (r.Code == 0) != c.wantExitZero {
			t.Errorf("%s: exit %d, want success %v\nstdout %s\nstderr %s", what, r.Code, c.wantExitZero, shown(r.Stdout), shown(r.Stderr))
		}
		if panicked(r.Stderr) {
			t.Errorf("%s crashed: %s", what, shown(r.Stderr))
		}
		if !c.answerOnOut {
			e.Secrets.Check(t, what+" stdout", r.Stdout)
		} else if r.Code == 0 && !strings.Contains(what, "docker-config") && len(e.Secrets.Find(r.Stdout)) == 0 {
			// The answer holds a secret in clear: the scan must see it, or it sees nothing.
			t.Errorf("%s: the scan does not recognise the secret in the answer %.60q", what, shown(r.Stdout))
		}
		e.Secrets.Check(t, what+" stderr and verbose trail", r.Stderr)
	}
	b, err := os.ReadFile(trail)
	if err != nil || !strings.Contains(string(b), "token source served") {
		t.Errorf("verbose trail file = %q, %v; want the trail", b, err)
	}
	e.Secrets.Check(t, "verbose trail file", string(b))
	e.ScanFiles(t)
	figure(t, "secrets: %d process runs with the verbose trail (plus every fault of TestFaults), %d secrets known to the scan, 0 hits required", runs, len(e.Secrets.All()))

	// Modes of everything secret.
	settingsDir := e.SettingsDir()
	checkMode(t, settingsDir, 0o700)
	checkMode(t, filepath.Join(settingsDir, "config.json"), 0o600)
	checkMode(t, filepath.Join(settingsDir, "credentials.json"), 0o600)
	checkMode(t, trail, 0o600)
	checkMode(t, e.Vars["DOCKER_CONFIG"], 0o700)
	checkMode(t, e.DockerConfig(), 0o600)
	checkModes(t, e.CacheDir(), 0o700, 0o600)
	for _, f := range files(settingsDir) {
		checkMode(t, filepath.Join(settingsDir, f), 0o600)
	}
}

// TestCacheRefusesLooseFiles: a cache file that group or others can read,
// or a cache dir others can enter, is never trusted or kept loose.
func TestCacheRefusesLooseFiles(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{})
	first := e.RunWith(nil, registry, "get")
	if _, ok := parseCreds(first.Stdout); !ok {
		t.Fatalf("get = %q", shown(first.Stdout))
	}
	cache := e.CacheDir()
	var entries []string
	for _, f := range files(cache) {
		if strings.HasSuffix(f, ".json") && !strings.Contains(f, string(filepath.Separator)) {
			entries = append(entries, f)
		}
	}
	if len(entries) != 1 {
		t.Fatalf("cache files = %v, want one token file", files(cache))
	}
	// A forged token in a world-readable file: ignored and replaced.
	forged := "ya29.forged-" + strings.Repeat("x", 40)
	p := filepath.Join(cache, entries[0])
	if err := os.WriteFile(p, []byte(`{"version":1,"access_token":"`+forged+`","expiry":"2999-01-01T00:00:00Z","source":"metadata","universe":"googleapis.com"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	r := e.RunWith(nil, registry, "get")
	c2, _ := parseCreds(r.Stdout)
	if c2.Secret == forged || r.Code != 0 {
		t.Errorf("get with a world-readable cache file = %.80q, exit %d; want it ignored", shown(r.Stdout), r.Code)
	}
	if p, valid := e.Google.Principal(c2.Secret); !valid || p != testenv.VMAccount {
		t.Errorf("get served a token acting as %q (valid %v), want %s", p, valid, testenv.VMAccount)
	}
	checkModes(t, cache, 0o700, 0o600)
}
