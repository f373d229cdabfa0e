//go:build e2e

// Package wine runs the windows/amd64 binary the release ships under wine,
// against the fake Google's metadata server on 127.0.0.1: configure-docker,
// get and the token cache (warm gets and 32 concurrent cold gets, counted at
// the fake), the Windows Credential Manager through go-keyring's wincred
// backend, a SIGKILLed configure-docker, and doctor.
//
// Wine is not Windows: it runs the same binary through the same Win32 calls
// (CreateFile, LockFileEx, MoveFileEx, CredWrite), but its files live on a
// Unix file system with no NTFS ACLs, and its Credential Manager is wine's
// own. docs/windows.md says what this proves and what it does not.
package wine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/redact"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

const (
	registry  = "us-east1-docker.pkg.dev"
	vmAccount = "vm@demo-project.iam.gserviceaccount.com"
	exeName   = "docker-credential-gcr.exe"
)

var (
	wine   *harness.Wine
	google *fakegoogle.Server
	binDir string // holds docker-credential-gcr.exe
)

func TestMain(m *testing.M) {
	if len(harness.WineMissing()) > 0 {
		// Each test says SKIP and names what is missing (newUser), or
		// fails in CI.
		os.Exit(m.Run())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	start := time.Now()
	dir, err := os.MkdirTemp("", "dcg-wine-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e/wine:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The binary builds while the prefix is prepared.
	binDir = filepath.Join(dir, "bin")
	built := make(chan error, 1)
	go func() { built <- buildWindows(ctx, filepath.Join(binDir, exeName)) }()
	wine, err = harness.NewWine(ctx, dir)
	if err == nil {
		err = <-built
	}
	if wine != nil {
		defer wine.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e/wine:", err)
		return 1
	}
	if google, err = fakegoogle.New(fakegoogle.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "e2e/wine:", err)
		return 1
	}
	defer google.Close()
	google.SetMetadataAccount("default", vmAccount)
	version, _ := harness.WineVersion(ctx)
	fmt.Fprintf(os.Stderr, "e2e/wine: %s; binary built and prefix ready in %s\n", version, time.Since(start).Round(time.Millisecond))
	code := m.Run()
	fmt.Fprintf(os.Stderr, "e2e/wine: total %s\n", time.Since(start).Round(time.Millisecond))
	return code
}

// buildWindows builds the helper for windows/amd64 as the release does.
func buildWindows(ctx context.Context, out string) error {
	return testenv.Build(ctx, out, testenv.BuildOptions{GOOS: "windows", GOARCH: "amd64", Release: true})
}

// user is one Windows user's session: a docker config dir of its own; the
// profile (%LocalAppData%, %AppData%, the Credential Manager) is the
// prefix's, shared by the tests, which run one after another.
type user struct {
	t         *testing.T
	dockerDir string // Unix path
	env       []string
}

func newUser(t *testing.T) *user {
	t.Helper()
	if missing := harness.WineMissing(); len(missing) > 0 {
		testenv.Skip(t, fmt.Sprintf("%s not installed; %s", strings.Join(missing, ", "), testenv.Hint))
	}
	if wine == nil {
		t.Fatal("the wine prefix or the binary was not made (see above)")
	}
	d := filepath.Join(t.TempDir(), "docker")
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(google.URL, "http://")
	return &user{t: t, dockerDir: d, env: []string{
		"GCE_METADATA_HOST=" + host,
		"GCE_METADATA_IP=" + host, // nothing may reach 169.254.169.254
		"DOCKER_CONFIG=" + harness.WinPath(d),
	}}
}

// onPath puts the binary's directory on the Windows %PATH%.
func (u *user) onPath() { u.env = append(u.env, "WINEPATH="+harness.WinPath(binDir)) }

// run runs the Windows binary under wine with stdin.
//
// A run that fails with no output at all is run once more: every failure of
// the helper says something (on stdout for the protocol, stderr otherwise),
// so a silent one is wine failing to start the process — seen once in about
// a hundred make-test runs, under a load of 10, never reproduced. A second
// silent failure is reported.
func (u *user) run(stdin string, args ...string) testenv.Result {
	r := u.runOnce(stdin, args...)
	if r.Err != nil && !r.Killed && r.Stdout == "" && r.Stderr == "" {
		u.t.Logf("%s exited %d with no output under wine: running it again", r.Script, r.Code)
		r = u.runOnce(stdin, args...)
	}
	return r
}

func (u *user) runOnce(stdin string, args ...string) testenv.Result {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := wine.Command(ctx, u.env, filepath.Join(binDir, exeName), args...)
	c.Stdin = strings.NewReader(stdin)
	r := testenv.Run(c)
	r.Script = strings.Join(append([]string{exeName}, args...), " ")
	return r
}

// must runs and fails the test when the run fails.
func (u *user) must(stdin string, args ...string) testenv.Result {
	u.t.Helper()
	r := u.run(stdin, args...)
	if r.Err != nil {
		u.t.Fatalf("%s", r)
	}
	return r
}

func (u *user) configJSON() []byte {
	b, err := os.ReadFile(filepath.Join(u.dockerDir, "config.json"))
	if err != nil {
		u.t.Fatalf("read config.json: %v", err)
	}
	return b
}

func credHelpers(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var c struct{ CredHelpers map[string]string }
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("config.json is not JSON: %v\n%s", err, data)
	}
	return c.CredHelpers
}

// getToken runs get for registry and returns the token it printed.
func (u *user) getToken() string {
	u.t.Helper()
	r := u.must(registry+"\n", "get")
	var c struct{ ServerURL, Username, Secret string }
	if err := json.Unmarshal([]byte(r.Stdout), &c); err != nil || c.Username != "oauth2accesstoken" || c.Secret == "" {
		u.t.Fatalf("get printed no oauth2accesstoken credential: %s", r)
	}
	return c.Secret
}

func TestConfigureDocker(t *testing.T) {
	u := newUser(t)
	path := filepath.Join(u.dockerDir, "config.json")

	// A new file.
	r := u.must("", "configure-docker", registry)
	if got := credHelpers(t, u.configJSON()); got[registry] != "gcr" || len(got) != 1 {
		t.Errorf("credHelpers after configure-docker %s = %v, want {%s: gcr}", registry, got, registry)
	}
	if want := `updated ` + harness.WinPath(path); !strings.Contains(r.Stderr, want) {
		t.Errorf("configure-docker stderr lacks %q (the Windows path of the file): %s", want, r)
	}

	// A second host: the first entry and the file's other bytes stay.
	first := u.configJSON()
	u.must("", "configure-docker", "europe-west1-docker.pkg.dev")
	got := credHelpers(t, u.configJSON())
	if got[registry] != "gcr" || got["europe-west1-docker.pkg.dev"] != "gcr" || len(got) != 2 {
		t.Errorf("credHelpers after a second host = %v, want both hosts -> gcr", got)
	}
	second := u.configJSON()
	if bytes.Equal(first, second) {
		t.Errorf("config.json did not change for a second host")
	}

	// A dry run prints a diff and writes nothing.
	r = u.must("", "configure-docker", "--dry-run", "asia-east1-docker.pkg.dev")
	if !regexp.MustCompile(`(?m)^\+\s+"asia-east1-docker.pkg.dev": "gcr",?$`).MatchString(r.Stdout) {
		t.Errorf("dry run printed no diff adding the host: %s", r)
	}
	if !bytes.Equal(u.configJSON(), second) {
		t.Errorf("dry run changed config.json:\n%s", u.configJSON())
	}

	// --remove takes only ours away.
	u.must("", "configure-docker", "--remove", registry)
	got = credHelpers(t, u.configJSON())
	if _, ok := got[registry]; ok || got["europe-west1-docker.pkg.dev"] != "gcr" {
		t.Errorf("credHelpers after --remove %s = %v, want only europe-west1-docker.pkg.dev", registry, got)
	}
	if left := debris(t, u.dockerDir); len(left) > 0 {
		t.Errorf("configure-docker left %v in the docker config dir", left)
	}
}

// TestConfigureDockerNotOnPath: docker needs docker-credential-gcr.exe on
// %PATH%; the warning (and doctor) says so in Windows terms, and, for a
// binary that go install put in %USERPROFILE%\go\bin, to add that
// directory to Path; no warning when it is on %PATH%.
func TestConfigureDockerNotOnPath(t *testing.T) {
	u := newUser(t)
	r := u.must("", "configure-docker", registry)
	for _, want := range []string{"warning: docker-credential-gcr.exe is not on %PATH%", "put docker-credential-gcr.exe in a directory on %PATH%"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("configure-docker with the binary off %%PATH%% lacks %q: %s", want, r)
		}
	}
	if strings.Contains(r.Stderr, "/usr/local/bin") {
		t.Errorf("configure-docker tells a Windows user about /usr/local/bin: %s", r)
	}
	d := u.run("", "doctor") // exits 1: a problem
	if d.Err == nil || !strings.Contains(d.Stdout, "helper on PATH:   no: docker-credential-gcr.exe is not on %PATH%") {
		t.Errorf("doctor with the binary off %%PATH%%: %s", d)
	}

	// Where go install puts it: %USERPROFILE%\go\bin.
	gobin := filepath.Join(wine.Profile(), "go", "bin")
	if err := os.MkdirAll(gobin, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(binDir, exeName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gobin, exeName), b, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := wine.Command(ctx, u.env, filepath.Join(gobin, exeName), "configure-docker", "europe-west1-docker.pkg.dev")
	out, err := c.CombinedOutput()
	want := "`go install` put it in C:\\users\\" + wine.User + "\\go\\bin: add that directory to your Path"
	if err != nil || !strings.Contains(string(out), want) {
		t.Errorf("configure-docker run from %%USERPROFILE%%\\go\\bin = %v\n%s\nwant %q", err, redact.String(string(out)), want)
	}

	u.onPath()
	r = u.must("", "configure-docker", "asia-east1-docker.pkg.dev")
	if strings.Contains(r.Stderr, "not on") {
		t.Errorf("configure-docker with the binary on %%PATH%% warned: %s", r)
	}
}

// TestGet: a token from the fake metadata server, for the VM's account.
func TestGet(t *testing.T) {
	u := newUser(t)
	u.must("", "cache", "clear")
	tok := u.getToken()
	if who, ok := google.Principal(tok); !ok || who != vmAccount {
		t.Errorf("get's token belongs to %q (known %v), want %s", who, ok, vmAccount)
	}
	if r := u.run("docker.io\n", "get"); r.Err == nil || !strings.Contains(r.Stdout, "credentials not found in native keychain") {
		t.Errorf("get docker.io = %s, want exit 1 and the not-found text", r)
	}
}

// TestWarmGetsMakeNoUpstreamRequest is the token cache on Windows: after
// one get fills it, gets are served from %LocalAppData% and the fake
// metadata server sees nothing.
func TestWarmGetsMakeNoUpstreamRequest(t *testing.T) {
	u := newUser(t)
	u.must("", "cache", "clear")
	before := google.Count("metadata-token")
	first := u.getToken()
	if n := google.Count("metadata-token") - before; n != 1 {
		t.Errorf("a cold get made %d metadata token requests, want 1", n)
	}
	const warm = 5
	before = google.Count("metadata-token")
	for range warm {
		if tok := u.getToken(); tok != first {
			t.Errorf("a warm get returned another token than the cached one")
		}
	}
	if n := google.Count("metadata-token") - before; n != 0 {
		t.Errorf("%d warm gets made %d metadata token requests, want 0 (the cache file under %%LocalAppData%% was not trusted?)", warm, n)
	}
	t.Logf("warm gets: %d upstream requests for %d gets", google.Count("metadata-token")-before, warm)
}

// TestConcurrentColdGets: 32 gets at once on an empty cache make one
// upstream request — LockFileEx on the key's lock file, as wine does it.
func TestConcurrentColdGets(t *testing.T) {
	const n = 32
	u := newUser(t)
	u.must("", "cache", "clear")
	before := google.Count("metadata-token")
	start := time.Now()
	results := make([]testenv.Result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = u.run(registry+"\n", "get") })
	}
	wg.Wait()
	wall := time.Since(start)
	for _, r := range results {
		if r.Err != nil || !strings.Contains(r.Stdout, `"Username":"oauth2accesstoken"`) {
			t.Errorf("a concurrent get failed: %s", r)
		}
	}
	got := google.Count("metadata-token") - before
	if got != 1 {
		t.Errorf("%d concurrent cold gets made %d metadata token requests, want 1", n, got)
	}
	t.Logf("%d concurrent cold gets: %d upstream request(s) in %s", n, got, wall.Round(time.Millisecond))
}

// cacheFiles returns the token cache's files under %LocalAppData%.
func cacheFiles(t *testing.T) []string {
	t.Helper()
	fs, err := filepath.Glob(filepath.Join(wine.LocalAppData(), "docker-credential-gcr", "*.json"))
	if err != nil || len(fs) == 0 {
		t.Fatalf("no token cache file under %s (%v)", wine.LocalAppData(), err)
	}
	return fs
}

// TestTrustRule: the one file-trust rule, as Windows sees it — owner SID
// and DACL. Wine shows a file's unix owner as its owner SID (another uid:
// S-1-5-7) and its mode bits for others as an Everyone entry of its DACL,
// so changing them from the unix side makes a file that a Windows user
// would see shared with Everyone, or owned by someone else.
func TestTrustRule(t *testing.T) {
	u := newUser(t)
	upstream := func(f func()) int {
		before := google.Count("metadata-token")
		f()
		return google.Count("metadata-token") - before
	}
	t.Run("cache file Everyone may read", func(t *testing.T) {
		u.must("", "cache", "clear")
		u.getToken()
		for _, f := range cacheFiles(t) {
			os.Chmod(f, 0o644)
		}
		if n := upstream(func() { u.getToken() }); n != 1 {
			t.Errorf("get with a cache file Everyone may read made %d upstream requests, want 1 (refused and replaced)", n)
		}
		if n := upstream(func() { u.getToken() }); n != 0 {
			t.Errorf("get after the cache file was replaced made %d upstream requests, want 0", n)
		}
	})
	t.Run("cache file of another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("chown needs root")
		}
		u.must("", "cache", "clear")
		u.getToken()
		for _, f := range cacheFiles(t) {
			if err := os.Chown(f, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}
		if n := upstream(func() { u.getToken() }); n != 1 {
			t.Errorf("get with a cache file of another owner made %d upstream requests, want 1 (refused and replaced)", n)
		}
		if n := upstream(func() { u.getToken() }); n != 0 {
			t.Errorf("get after the cache file was replaced made %d upstream requests, want 0", n)
		}
	})
	t.Run("settings file Everyone may change", func(t *testing.T) {
		u.must("", "config", "--token-source=metadata")
		defer u.run("", "config", "--unset-all")
		path := filepath.Join(wine.RoamingAppData(), "docker-credential-gcr", "config.json")
		u.getToken() // the user's own settings file is trusted
		if err := os.Chmod(path, 0o666); err != nil {
			t.Fatal(err)
		}
		r := u.run(registry+"\n", "get")
		if r.Err == nil || !strings.Contains(r.Stdout+r.Stderr, "settings file refused") || !strings.Contains(r.Stdout+r.Stderr, "Everyone") {
			t.Errorf("get with a settings file Everyone may change = %s, want a refusal naming Everyone", r)
		}
		if strings.Contains(r.Stdout+r.Stderr, "chmod") {
			t.Errorf("the refusal tells a Windows user to chmod: %s", r)
		}
		t.Logf("the refusal: %s", strings.TrimSpace(r.Stdout+r.Stderr))
		os.Chmod(path, 0o600)
		u.getToken()
	})
}

// TestWincred: store, get, list and erase through the Windows Credential
// Manager (go-keyring's wincred backend), never the file fallback.
func TestWincred(t *testing.T) {
	const host = "myreg.ncr.fin-ntruss.com"
	u := newUser(t)
	secret := "ncr-secret-" + fmt.Sprint(time.Now().UnixNano())
	cred := fmt.Sprintf(`{"ServerURL":%q,"Username":"NCRACCESSKEY","Secret":%q}`, host, secret)
	r := u.must(cred, "store")
	if strings.Contains(r.Stderr, "file") {
		t.Errorf("store fell back to a file: %s", r)
	}
	var got struct{ ServerURL, Username, Secret string }
	r = u.must(host+"\n", "get")
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || got.Username != "NCRACCESSKEY" || got.Secret != secret {
		t.Errorf("get after store = user %q (secret match %v), want NCRACCESSKEY and the secret", got.Username, got.Secret == secret)
	}
	r = u.must("", "list")
	var list map[string]string
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || list[host] != "NCRACCESSKEY" {
		t.Errorf("list = %s, want %s: NCRACCESSKEY", r, host)
	}
	// The credential is in wine's Credential Manager, the secret not in
	// clear there nor in any file of the profile.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reg, err := wine.Command(ctx, nil, "reg", "query", `HKCU\Software\Wine\Credential Manager`, "/s").Output()
	if err != nil {
		t.Fatalf("reg query the Credential Manager: %v", err)
	}
	if !strings.Contains(string(reg), "Generic: docker-credential-gcr:"+host) {
		t.Errorf("wine's Credential Manager holds no generic credential docker-credential-gcr:%s after store:\n%s", host, reg)
	}
	if strings.Contains(string(reg), secret) {
		t.Errorf("the Credential Manager's registry holds the secret in clear")
	}
	for _, f := range files(t, wine.Profile()) {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the stored secret in clear", f)
		}
	}
	if _, err := os.Stat(filepath.Join(wine.RoamingAppData(), "docker-credential-gcr", "credentials.json")); err == nil {
		t.Errorf("store used the file fallback although the Credential Manager is there")
	}
	u.must(host+"\n", "erase")
	r = u.run(host+"\n", "get")
	if r.Err == nil || !strings.Contains(r.Stdout, "credentials not found in native keychain") {
		t.Errorf("get after erase = %s, want exit 1 and the not-found text", r)
	}
}

// TestKillConfigureDocker: SIGKILL (the wine process running the program)
// at random moments of configure-docker on a large config.json; after each,
// the file is the old or the new one, never damaged.
func TestKillConfigureDocker(t *testing.T) {
	u := newUser(t)
	var b strings.Builder
	b.WriteString("{\n  \"auths\": {\n    \"ghcr.io\": {}\n  },\n  \"x-unknown\": [1, 2, {\"nested\": true}],\n  \"credHelpers\": {\n")
	for i := range 300 {
		fmt.Fprintf(&b, "    \"r%03d-docker.pkg.dev\": \"gcloud\",\n", i)
	}
	b.WriteString("    \"zz.gcr.io\": \"gcr\"\n  },\n  \"psFormat\": \"table {{.ID}}\"\n}\n")
	path := filepath.Join(u.dockerDir, "config.json")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// Calibrate: how long an unkilled run takes; kills land between 0 and
	// 1.5 times the median, before, during and after the write.
	var walls []time.Duration
	for i := range 5 {
		walls = append(walls, u.must("", "configure-docker", fmt.Sprintf("calib%d-docker.pkg.dev", i)).Elapsed)
	}
	slices.Sort(walls)
	span := walls[2] * 3 / 2
	const runs = 20
	killed := 0
	for i := range runs {
		prev := u.configJSON()
		host := fmt.Sprintf("k%02d-docker.pkg.dev", i)
		delay := span * time.Duration(i+1) / runs // spread over the run
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		p, err := testenv.Start(wine.Command(ctx, u.env, filepath.Join(binDir, exeName), "configure-docker", host))
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		time.Sleep(delay)
		p.Kill() // SIGKILL
		r := p.Wait()
		cancel()
		if r.Err != nil {
			killed++
		}
		now := u.configJSON()
		if bytes.Equal(now, prev) {
			continue // the old file
		}
		got, want := credHelpers(t, now), credHelpers(t, prev)
		want[host] = "gcr"
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("run %d (killed after %s): config.json is neither the old nor the new file:\n%.400s", i, delay, now)
		}
		if !bytes.Contains(now, []byte(`"psFormat": "table {{.ID}}"`)) || !bytes.Contains(now, []byte(`"x-unknown": [1, 2, {"nested": true}]`)) {
			t.Errorf("run %d: keys other than credHelpers changed", i)
		}
	}
	left := len(debris(t, u.dockerDir))
	if killed == 0 {
		t.Errorf("no run was killed mid-run: the kills came too late (span %s)", span)
	}
	// A writer killed between creating its temp file and the rename leaves
	// the temp file (a kill lands there rarely: one is planted as well); the
	// next configure-docker, under the lock, removes it.
	if err := os.WriteFile(filepath.Join(u.dockerDir, ".config.json.tmp-4242"), []byte(`{"credHel`), 0o600); err != nil {
		t.Fatal(err)
	}
	u.must("", "configure-docker", "after-docker.pkg.dev")
	if got := debris(t, u.dockerDir); len(got) > 0 {
		t.Errorf("after the killed runs and one that finished, the docker config dir holds %v, want only config.json", got)
	}
	t.Logf("SIGKILL configure-docker under wine: %d runs, %d killed mid-run, kills spread over %s; 0 damaged files; temp files the kills left: %d", runs, killed, span, left)
}

// TestDoctor: doctor explains the setup in Windows terms and prints no
// secret.
func TestDoctor(t *testing.T) {
	u := newUser(t)
	u.onPath()
	u.must("", "configure-docker", registry)
	u.getToken()
	r := u.must("", "doctor", registry)
	out := r.Stdout + r.Stderr
	for _, want := range []string{
		"docker config:    " + harness.WinPath(filepath.Join(u.dockerDir, "config.json")),
		registry + " -> gcr (this helper)",
		`helper on PATH:   ` + harness.WinPath(filepath.Join(binDir, exeName)),
		vmAccount,
		`token cache:      C:\users\` + wine.User + `\AppData\Local\docker-credential-gcr`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q: %s", want, r)
		}
	}
	testenv.NewScan(google.Secrets).Check(t, "doctor's output", out)
}

// debris is what a writer left in dir besides config.json: temp files.
func debris(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range files(t, dir) {
		if filepath.Base(f) != "config.json" {
			out = append(out, filepath.Base(f))
		}
	}
	return out
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}
