//go:build e2e

// Package e2e proves the product the way its users use it: the real docker
// CLI, crane, skopeo and gcloud against a real registry, with Google's
// endpoints faked (see package harness).
package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakeregistry"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

var world *harness.World

func TestMain(m *testing.M) {
	// Every test names the tools it drives (needs): a missing one skips it
	// with the tool's name, or fails it in CI. The world itself needs
	// docker-registry and htpasswd; without them no test runs.
	if len(harness.Missing(harness.WorldTools...)) > 0 {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "dcg-e2e-")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	world, err = harness.Start(ctx, "..", dir)
	cancel()
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start the world:", err)
	} else {
		code = m.Run()
	}
	if world != nil {
		world.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// needs skips t, naming them, unless the world's tools and every one of
// tools are on PATH; in CI (CI set) it fails t instead: CI never skips.
func needs(t *testing.T, tools ...string) {
	t.Helper()
	testenv.Need(t, append(slices.Clone(harness.WorldTools), tools...)...)
	if world == nil {
		t.Fatal("the world did not start (see above)")
	}
}

func newUser(t *testing.T, name string) *harness.User {
	t.Helper()
	u, err := world.NewUser(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// must runs script and fails the test when it fails.
func must(t *testing.T, u *harness.User, script string) harness.Result {
	t.Helper()
	r := u.Sh(script)
	if r.Err != nil {
		t.Fatalf("%s", r)
	}
	return r
}

// pushImage pushes a fresh one-layer image to ref with crane.
func pushImage(t *testing.T, u *harness.User, ref string) {
	t.Helper()
	layer, err := u.WriteLayer("layer.tar", "hello from "+ref+" at "+time.Now().String())
	if err != nil {
		t.Fatal(err)
	}
	must(t, u, fmt.Sprintf("crane append -f %s -t %s", layer, ref))
}

// tokenAttempts returns the logins at the AR token endpoint after since:
// Basic credentials, or an OAuth2 password form (containerd's, in buildx).
func tokenAttempts(r *fakeregistry.Registry, since time.Time) []fakeregistry.AuthAttempt {
	var out []fakeregistry.AuthAttempt
	for _, a := range r.AuthLog() {
		if a.Time.After(since) && (a.Scheme == "Basic" || a.Path == fakeregistry.TokenPath && a.Method == "POST" && a.Username != "") {
			out = append(out, a)
		}
	}
	return out
}

// wantPrincipal asserts that every login at the AR token server since
// start was accepted for principal with username user, and there was one.
func wantPrincipal(t *testing.T, since time.Time, user, principal string) {
	t.Helper()
	as := tokenAttempts(world.AR, since)
	if len(as) == 0 {
		t.Fatalf("no login reached the registry's token server")
	}
	for _, a := range as {
		if !a.Accepted || a.Principal != principal || a.Username != user {
			t.Errorf("token server login = user %q principal %q accepted %v, want %q %q true", a.Username, a.Principal, a.Accepted, user, principal)
		}
	}
}

// leakScan is a scan for every secret the fakes issued and extra.
func leakScan(extra ...string) *testenv.Scan {
	s := testenv.NewScan(world.Google.Secrets)
	s.Add(extra...)
	return s
}

// noSecretIn fails when a file holds any secret the fakes issued or extra.
func noSecretIn(t *testing.T, path string, extra ...string) {
	t.Helper()
	leakScan(extra...).CheckFile(t, path)
}

// Scenario 1: configure-docker, then crane, docker and skopeo work with no
// docker login — with the VM's metadata identity, a key file, its base64.
func TestNoLogin(t *testing.T) {
	needs(t, "docker", "crane", "skopeo")
	cases := []struct {
		name, principal string
		setup           func(u *harness.User)
	}{
		{"metadata", harness.VMAccount, func(*harness.User) {}},
		{"key-file", "ci@demo-project.iam.gserviceaccount.com", func(u *harness.User) {
			key, _ := world.Google.NewServiceAccountForRealHosts("ci@demo-project.iam.gserviceaccount.com")
			p, _ := u.WriteFile("key.json", key)
			u.Setenv("GOOGLE_APPLICATION_CREDENTIALS", p)
		}},
		{"key-file-base64", "ci64@demo-project.iam.gserviceaccount.com", func(u *harness.User) {
			key, _ := world.Google.NewServiceAccountForRealHosts("ci64@demo-project.iam.gserviceaccount.com")
			p, _ := u.WriteFile("key.b64", []byte(base64.StdEncoding.EncodeToString(key)))
			u.Setenv("GOOGLE_APPLICATION_CREDENTIALS", p)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newUser(t, tc.name)
			tc.setup(u)
			must(t, u, "docker-credential-gcr configure-docker "+harness.ARHost)
			img := harness.ARHost + "/demo-project/repo/" + tc.name + ":v1"
			start := time.Now()
			pushImage(t, u, img)
			digest := strings.TrimSpace(must(t, u, "crane digest "+img).Stdout)
			if !strings.HasPrefix(digest, "sha256:") {
				t.Errorf("crane digest = %q, want sha256:...", digest)
			}
			m := must(t, u, "docker manifest inspect "+img).Stdout
			if !strings.Contains(m, `"schemaVersion": 2`) {
				t.Errorf("docker manifest inspect = %q, want a manifest", m)
			}
			s := must(t, u, "skopeo inspect docker://"+img).Stdout
			if !strings.Contains(s, digest) {
				t.Errorf("skopeo inspect = %q, want digest %s", s, digest)
			}
			wantPrincipal(t, start, "oauth2accesstoken", tc.principal)
			noSecretIn(t, filepath.Join(u.Home, ".docker", "config.json"))
		})
	}
}

// Scenario 2: print-access-token with impersonation piped to docker login,
// then a pull as the impersonated account; a refused impersonation names
// the missing role.
func TestImpersonatedLogin(t *testing.T) {
	needs(t, "docker", "crane")
	const pusher = "pusher@demo-project.iam.gserviceaccount.com"
	world.Google.AllowImpersonation(harness.VMAccount, pusher)
	u := newUser(t, "impersonate")
	must(t, u, "docker-credential-gcr configure-docker "+harness.ARHost)
	login := must(t, u, "docker-credential-gcr print-access-token --impersonate-service-account "+pusher+
		" | docker login -u oauth2accesstoken --password-stdin https://"+harness.ARHost)
	if !strings.Contains(login.Stdout+login.Stderr, "Login Succeeded") {
		t.Errorf("docker login = %s, want Login Succeeded", login)
	}
	img := harness.ARHost + "/demo-project/repo/impersonated:v1"
	start := time.Now()
	pushImage(t, u, img)
	must(t, u, "docker manifest inspect "+img)
	must(t, u, "crane pull "+img+" img.tar")
	wantPrincipal(t, start, "oauth2accesstoken", pusher)
	noSecretIn(t, filepath.Join(u.Home, ".docker", "config.json"))

	r := u.Sh("docker-credential-gcr print-access-token --impersonate-service-account nobody@demo-project.iam.gserviceaccount.com")
	if r.Err == nil || r.Stdout != "" || !strings.Contains(r.Stderr, "roles/iam.serviceAccountTokenCreator") {
		t.Errorf("refused impersonation: %s, want a failure naming roles/iam.serviceAccountTokenCreator and no stdout", r)
	}
}

// Scenario 3: docker login with a service-account key (the long-push case):
// stored by the helper, handed back by get, used for a push.
func TestJSONKeyLogin(t *testing.T) {
	needs(t, "docker", "crane")
	const sa = "longpush@demo-project.iam.gserviceaccount.com"
	u := newUser(t, "jsonkey")
	key, err := world.Google.NewServiceAccountForRealHosts(sa)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(key)
	keyFile, _ := u.WriteFile("key.b64", []byte(b64))
	must(t, u, "docker-credential-gcr configure-docker "+harness.ARHost)
	must(t, u, "docker login -u _json_key_base64 --password-stdin https://"+harness.ARHost+" < "+keyFile)
	got := must(t, u, "echo "+harness.ARHost+" | docker-credential-gcr get").Stdout
	var c struct{ Username, Secret string }
	if err := json.Unmarshal([]byte(got), &c); err != nil || c.Username != "_json_key_base64" || c.Secret != b64 {
		t.Errorf("get after docker login = user %q (secret match %v), want _json_key_base64 and the key", c.Username, c.Secret == b64)
	}
	img := harness.ARHost + "/demo-project/repo/longpush:v1"
	start := time.Now()
	pushImage(t, u, img)
	wantPrincipal(t, start, "_json_key_base64", sa)
	noSecretIn(t, filepath.Join(u.Home, ".docker", "config.json"), b64[:40])
}

// Scenario 4: a foreign registry (Naver Cloud's stand-in) with credsStore:
// docker login stores in the OS keyring, docker and crane use it, logout
// erases it — and the registry never sees a Google token.
func TestForeignRegistryKeyring(t *testing.T) {
	needs(t, "docker", "crane", "dbus-run-session", "gnome-keyring-daemon", "secret-tool")
	u := newUser(t, "ncr")
	u.WriteFile(".docker/config.json", []byte("{\n  \"credsStore\": \"gcr\"\n}\n"))
	u.Setenv("NCR_SECRET", world.ForeignSecret)
	img := harness.ForeignHost + "/repo/app:v1"
	layer, _ := u.WriteLayer("layer.tar", "ncr image")
	start := time.Now()
	script := strings.Join([]string{
		`echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1`,
		`echo "$NCR_SECRET" | docker login -u ` + harness.ForeignUser + ` --password-stdin ` + harness.ForeignHost,
		`crane append -f ` + layer + ` -t ` + img,
		`docker manifest inspect ` + img + ` >/dev/null`,
		`secret-tool search service docker-credential-gcr username ` + harness.ForeignHost + ` 2>/dev/null | grep -c '^secret = '`,
		`docker-credential-gcr list`,
		`docker logout ` + harness.ForeignHost,
		`echo ` + harness.ForeignHost + ` | docker-credential-gcr get || true`,
	}, " && ")
	u.Setenv("DBUS_SESSION_BUS_ADDRESS", "") // dbus-run-session sets it
	r := must(t, u, "dbus-run-session -- bash -o pipefail -c '"+strings.ReplaceAll(script, "'", `'\''`)+"'")
	out := r.Stdout
	for _, want := range []string{"Login Succeeded", "\n1\n", `"` + harness.ForeignHost + `":"` + harness.ForeignUser + `"`, "credentials not found in native keychain"} {
		if !strings.Contains(out, want) {
			t.Errorf("keyring scenario output lacks %q:\n%s", want, r)
		}
	}
	noSecretIn(t, filepath.Join(u.Home, ".docker", "config.json"), world.ForeignSecret)
	if _, err := os.Stat(filepath.Join(u.Home, "config", "docker-credential-gcr", "credentials.json")); err == nil {
		t.Errorf("the file fallback was used although a keyring was reachable")
	}
	accepted := 0
	for _, a := range world.Foreign.AuthLog() {
		if a.Time.Before(start) {
			continue
		}
		if a.Username == "oauth2accesstoken" || strings.Contains(a.Raw, "ya29.") {
			t.Errorf("the foreign registry received a Google credential: user %q", a.Username)
		}
		leakScan().Check(t, "what the foreign registry received", a.Raw)
		if a.Username == harness.ForeignUser && a.Accepted {
			accepted++
		}
	}
	if accepted == 0 {
		t.Errorf("the foreign registry saw no accepted login of %s", harness.ForeignUser)
	}
}

// Scenario 4b: with the helper as global credsStore and nothing stored, a
// foreign registry gets nothing from it (anonymous), never a Google token.
func TestForeignRegistryNeverGetsGoogleToken(t *testing.T) {
	needs(t, "crane")
	u := newUser(t, "anon")
	u.WriteFile(".docker/config.json", []byte(`{"credsStore": "gcr"}`))
	start := time.Now()
	r := u.Sh("crane digest " + harness.ForeignHost + "/repo/app:v1")
	if r.Err == nil {
		t.Errorf("anonymous crane digest on an htpasswd registry succeeded: %s", r)
	}
	for _, a := range world.Foreign.AuthLog() {
		if a.Time.After(start) && a.Raw != "" {
			t.Errorf("the foreign registry received credentials (%s %q) from a user who stored none", a.Scheme, a.Username)
		}
	}
}

// Scenario 5: gcloud's configure-docker and ours edit the same file, in
// both orders; both entries stay and docker keeps working.
func TestGcloudInterop(t *testing.T) {
	needs(t, "gcloud", "docker", "crane")
	for _, order := range []string{"gcloud-first", "ours-first"} {
		t.Run(order, func(t *testing.T) {
			u := newUser(t, order)
			gcloud := "gcloud auth configure-docker europe-west1-docker.pkg.dev --quiet"
			ours := "docker-credential-gcr configure-docker " + harness.ARHost
			if order == "gcloud-first" {
				must(t, u, gcloud)
				must(t, u, ours)
			} else {
				must(t, u, ours)
				must(t, u, gcloud)
			}
			b, _ := os.ReadFile(filepath.Join(u.Home, ".docker", "config.json"))
			var cfg struct{ CredHelpers map[string]string }
			if err := json.Unmarshal(b, &cfg); err != nil {
				t.Fatalf("config.json is not valid JSON after both tools: %v\n%s", err, b)
			}
			if cfg.CredHelpers[harness.ARHost] != "gcr" || cfg.CredHelpers["europe-west1-docker.pkg.dev"] != "gcloud" {
				t.Errorf("credHelpers = %v, want both entries", cfg.CredHelpers)
			}
			img := harness.ARHost + "/demo-project/repo/interop-" + order + ":v1"
			pushImage(t, u, img)
			must(t, u, "docker manifest inspect "+img)
			must(t, u, "docker-credential-gcr configure-docker "+harness.ARHost) // still parses gcloud's output
		})
	}
}
