//go:build e2e

package e2e

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

const ciPool = "projects/123456789012/locations/global/workloadIdentityPools/ci-pool"

// ciProvider registers a provider of ciPool named name trusting iss, and
// returns its resource name.
// The mapping is docs/ci.md's: google.subject=assertion.sub,
// attribute.repository=assertion.repository.
func ciProvider(t *testing.T, name string, iss *fakegoogle.Issuer, capped bool) string {
	t.Helper()
	resource := ciPool + "/providers/" + name
	mapping := func(c map[string]any) map[string]string {
		sub, _ := c["sub"].(string)
		m := map[string]string{"google.subject": sub}
		if r, ok := c["repository"].(string); ok {
			m["attribute.repository"] = r
		}
		return m
	}
	if err := world.Google.AddProvider(fakegoogle.ProviderConfig{Audience: "//iam.googleapis.com/" + resource, Issuer: iss, CapLifetime: capped, Mapping: mapping}); err != nil {
		t.Fatal(err)
	}
	return resource
}

func poolPrincipal(subject string) string {
	return "principal://iam.googleapis.com/" + ciPool + "/subject/" + subject
}

// files lists the regular files under root (relative path -> mode).
func files(t *testing.T, root string) map[string]fs.FileMode {
	t.Helper()
	out := map[string]fs.FileMode{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = fi.Mode()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Scenario (keyless CI): a job pushes with crane and docker (buildx
// imagetools, no daemon) through configure-docker alone, its identity from
// the CI's OIDC token: GitHub Actions' runner endpoint (as the runner sets
// the environment), GitLab's id_tokens: variable, a token file; GitHub
// again impersonating a service account. Afterwards the workspace holds no
// new file and HOME none but the helper's 0600 token cache (and what
// buildx itself keeps under $DOCKER_CONFIG/buildx); the runner's request
// token and the JWTs appear in no output, no --verbose trail, no cache
// file or file name.
func TestCIWorkflow(t *testing.T) {
	needs(t, "docker", "crane", "buildx")
	const pusher = "ci-pusher@demo-project.iam.gserviceaccount.com"
	type job struct {
		principal string
		secrets   []string // never shown anywhere
		short     bool     // federated tokens capped at a 5-minute JWT
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, u *harness.User) job
	}{
		{"github", func(t *testing.T, u *harness.User) job {
			gh, err := world.Google.NewGitHubActions("octo-org/web")
			if err != nil {
				t.Fatal(err)
			}
			for _, kv := range gh.Env() {
				k, v, _ := strings.Cut(kv, "=")
				u.Setenv(k, v)
			}
			u.Setenv("DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER", ciProvider(t, "github-e2e", gh.Issuer, true))
			return job{principal: poolPrincipal("repo:octo-org/web:ref:refs/heads/main"), secrets: []string{gh.RequestToken}, short: true}
		}},
		{"github-impersonated", func(t *testing.T, u *harness.User) job {
			gh, err := world.Google.NewGitHubActions("octo-org/api")
			if err != nil {
				t.Fatal(err)
			}
			for _, kv := range gh.Env() {
				k, v, _ := strings.Cut(kv, "=")
				u.Setenv(k, v)
			}
			u.Setenv("DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER", ciProvider(t, "github-sa-e2e", gh.Issuer, true))
			u.Setenv("DOCKER_CREDENTIAL_GCR_IMPERSONATE_SERVICE_ACCOUNT", pusher)
			world.Google.AllowImpersonation("principalSet://iam.googleapis.com/"+ciPool+"/attribute.repository/octo-org/api", pusher)
			return job{principal: pusher, secrets: []string{gh.RequestToken}}
		}},
		{"gitlab", func(t *testing.T, u *harness.User) job {
			iss, err := world.Google.NewIssuer("gitlab-e2e", fakegoogle.IssuerOptions{URL: "https://gitlab.com"})
			if err != nil {
				t.Fatal(err)
			}
			provider := ciProvider(t, "gitlab-e2e", iss, true)
			jwt, err := iss.Token("project_path:my-group/web:ref_type:branch:ref:main", []string{"https://iam.googleapis.com/" + provider}, time.Hour,
				map[string]any{"project_path": "my-group/web"})
			if err != nil {
				t.Fatal(err)
			}
			u.Setenv("GCP_ID_TOKEN", jwt)
			u.Setenv("DOCKER_CREDENTIAL_GCR_OIDC_TOKEN_ENV", "GCP_ID_TOKEN")
			u.Setenv("DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER", provider)
			return job{principal: poolPrincipal("project_path:my-group/web:ref_type:branch:ref:main"), secrets: []string{jwt}}
		}},
		{"file", func(t *testing.T, u *harness.User) job {
			iss, err := world.Google.NewIssuer("ci-file-e2e", fakegoogle.IssuerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			provider := ciProvider(t, "file-e2e", iss, true)
			jwt, err := iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: "ci", Name: "builder", Pod: "builder-0"}, []string{"https://iam.googleapis.com/" + provider}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			p, err := u.WriteFile("run/secrets/token", []byte(jwt+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			u.Setenv("DOCKER_CREDENTIAL_GCR_OIDC_TOKEN_FILE", p)
			u.Setenv("DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER", "//iam.googleapis.com/"+provider)
			return job{principal: poolPrincipal("system:serviceaccount:ci:builder"), secrets: []string{jwt}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newUser(t, "ci-"+tc.name)
			j := tc.setup(t, u)
			trail := filepath.Join(t.TempDir(), "trail.log")
			u.Setenv("DOCKER_CREDENTIAL_GCR_VERBOSE", trail)
			workspace := filepath.Join(u.Home, "workspace")
			u.Setenv("GITHUB_WORKSPACE", workspace)
			if _, err := u.WriteFile("workspace/Dockerfile", []byte("FROM scratch\n")); err != nil {
				t.Fatal(err)
			}
			layer, err := u.WriteLayer("layer.tar", "built by "+tc.name+" at "+time.Now().String())
			if err != nil {
				t.Fatal(err)
			}
			var outputs []string
			run := func(script string) harness.Result {
				t.Helper()
				r := must(t, u, `cd "$GITHUB_WORKSPACE" && `+script)
				outputs = append(outputs, r.Stdout, r.Stderr)
				return r
			}
			run(`mkdir -p "$DOCKER_CONFIG/cli-plugins" && ln -s "$(command -v buildx)" "$DOCKER_CONFIG/cli-plugins/docker-buildx"`)
			run("docker-credential-gcr configure-docker " + harness.ARHost)
			before := files(t, u.Home)

			img := harness.ARHost + "/demo-project/repo/ci-" + tc.name + ":v1"
			start := time.Now()
			run("crane append -f " + layer + " -t " + img)
			run("docker manifest inspect " + img + " >/dev/null")
			run("docker buildx imagetools create -t " + img + "-copy " + img)
			wantPrincipal(t, start, "oauth2accesstoken", j.principal)

			pt := run("docker-credential-gcr print-access-token --format=json " + harness.ARHost)
			var tok struct {
				Token     string `json:"access_token"`
				Expiry    string `json:"expiry"`
				ExpiresIn int64  `json:"expires_in"`
				Source    string `json:"source"`
				Note      string `json:"note"`
			}
			if err := json.Unmarshal([]byte(pt.Stdout), &tok); err != nil || tok.Expiry == "" || tok.Source != "oidc" {
				t.Errorf("print-access-token --format=json = %s, want an oidc token with its expiry", pt)
			}
			if info, ok := world.Google.TokenInfo(tok.Token); !ok || info.Principal != j.principal {
				t.Errorf("print-access-token's token acts as %q, want %q", info.Principal, j.principal)
			}
			doctor := run("docker-credential-gcr doctor " + harness.ARHost).Stdout
			if !strings.Contains(doctor, "token:            from oidc as") {
				t.Errorf("doctor = %q, want the oidc source", doctor)
			}
			if got := strings.Contains(doctor, "short-lived:") && strings.Contains(doctor, "impersonate a service account"); got != j.short || (tok.Note != "") != j.short {
				t.Errorf("doctor says short-lived: %v, print-access-token's note %q; want short-lived %v (a 5-minute JWT's token, no impersonation)", got, tok.Note, j.short)
			}

			// Nothing written but the token cache (0600).
			cacheDir := filepath.Join("cache", "docker-credential-gcr")
			var added []string
			for p, mode := range files(t, u.Home) {
				if _, ok := before[p]; ok {
					continue
				}
				added = append(added, p)
				switch {
				case strings.HasPrefix(p, cacheDir+string(filepath.Separator)):
					if mode.Perm() != 0o600 {
						t.Errorf("cache file %s has mode %v, want 0600", p, mode.Perm())
					}
				case strings.HasPrefix(p, filepath.Join(".docker", "buildx")+string(filepath.Separator)):
					// buildx's own state, not the helper's
				default:
					t.Errorf("new file %s after the job: the helper writes nothing but its token cache", p)
				}
			}
			t.Logf("new files in HOME: %q", added)
			if got := files(t, workspace); len(got) != 1 {
				t.Errorf("workspace holds %v, want only the Dockerfile", got)
			}

			// The request token and the JWTs are nowhere to be seen.
			log, err := os.ReadFile(trail)
			if err != nil || !strings.Contains(string(log), "source=oidc") {
				t.Errorf("--verbose trail = %d bytes, %v; want the oidc source in it", len(log), err)
			}
			scan := testenv.NewScan()
			scan.Add(j.secrets...)
			for _, s := range world.Google.Secrets() {
				if strings.HasPrefix(s, "eyJ") { // every JWT the fakes signed, and request tokens
					scan.Add(s)
				}
			}
			places := map[string]string{"the --verbose trail": string(log), "the docker config": readOr(filepath.Join(u.Home, ".docker", "config.json"))}
			for i, o := range outputs {
				places["output "+string(rune('a'+i%26))] = o
			}
			for p := range files(t, u.Home) {
				if strings.HasPrefix(p, cacheDir) {
					places["cache file name "+p] = p
					places["cache file "+p] = readOr(filepath.Join(u.Home, p))
				}
			}
			for where, text := range places {
				scan.Check(t, where, text)
			}
		})
	}
}

func readOr(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// Scenario (identity per registry): two registries of two identities,
// given by config --registry; each get resolves to its own principal (the
// fake's TokenInfo) and each identity makes one upstream request over
// several gets.
func TestRegistryIdentitiesE2E(t *testing.T) {
	needs(t, "crane")
	const other, pusher = "europe-west1-docker.pkg.dev", "eu-pusher@demo-project.iam.gserviceaccount.com"
	world.Google.AllowImpersonation(harness.VMAccount, pusher)
	u := newUser(t, "per-registry")
	must(t, u, "docker-credential-gcr configure-docker "+harness.ARHost+" "+other)
	must(t, u, "docker-credential-gcr config --registry="+harness.ARHost+" --impersonate-service-account="+pusher)
	if out := must(t, u, "docker-credential-gcr config").Stdout; !strings.Contains(out, `"registry_overrides"`) || !strings.Contains(out, pusher) {
		t.Errorf("config = %q, want the override listed", out)
	}
	md, iam := world.Google.Count("metadata-token"), world.Google.Count("iam")
	for range 3 {
		for host, want := range map[string]string{harness.ARHost: pusher, other: harness.VMAccount} {
			r := must(t, u, "echo "+host+" | docker-credential-gcr get")
			var c struct{ Secret string }
			if err := json.Unmarshal([]byte(r.Stdout), &c); err != nil {
				t.Fatalf("get %s = %s", host, r)
			}
			if info, ok := world.Google.TokenInfo(c.Secret); !ok || info.Principal != want {
				t.Errorf("get %s acts as %q, want %q", host, info.Principal, want)
			}
		}
	}
	// The VM's token twice (as itself; as the base of the impersonation),
	// one impersonation: one upstream mint per identity over 6 gets.
	if dm, di := world.Google.Count("metadata-token")-md, world.Google.Count("iam")-iam; dm != 2 || di != 1 {
		t.Errorf("6 gets of 2 identities: %d metadata token and %d IAM requests, want 2 and 1", dm, di)
	}
	img := harness.ARHost + "/demo-project/repo/per-registry:v1"
	start := time.Now()
	pushImage(t, u, img)
	wantPrincipal(t, start, "oauth2accesstoken", pusher)
}
