package token

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

const ciProvider = "projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github"

// ciWorld is a fake Google with a GitHub Actions job whose provider is
// registered (tokens capped at the JWT's life, as a direct federation
// token is), a GitLab issuer, and a chain environment: HOME in a temp dir,
// the metadata server the fake's, no gcloud.
type ciWorld struct {
	t      *testing.T
	g      *fakegoogle.Server
	p      WorkloadProvider
	job    *fakegoogle.GitHubActions
	gitlab *fakegoogle.Issuer
	hc     *http.Client
	env    map[string]string
	clock  *fakegoogle.Clock
}

func newCIWorld(t *testing.T) *ciWorld {
	t.Helper()
	clock := fakegoogle.NewClock(time.Now().Truncate(time.Second))
	g := fedServer(t, fakegoogle.Options{Now: clock.Now})
	p, err := ParseWorkloadProvider(ciProvider, "")
	if err != nil {
		t.Fatal(err)
	}
	job, err := g.NewGitHubActions("octo-org/app")
	if err != nil {
		t.Fatal(err)
	}
	gitlab, err := g.NewIssuer("gitlab", fakegoogle.IssuerOptions{URL: "https://gitlab.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.AddProvider(fakegoogle.ProviderConfig{Audience: p.Audience(), Issuer: job.Issuer, CapLifetime: true}); err != nil {
		t.Fatal(err)
	}
	gl, _ := ParseWorkloadProvider("projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/gitlab", "")
	if err := g.AddProvider(fakegoogle.ProviderConfig{Audience: gl.Audience(), Issuer: gitlab, CapLifetime: true}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w := &ciWorld{t: t, g: g, p: p, job: job, gitlab: gitlab, clock: clock,
		hc: &http.Client{Transport: &googleHosts{servers: map[string]*fakegoogle.Server{"googleapis.com": g}}},
		env: map[string]string{
			"HOME":              dir,
			"CLOUDSDK_CONFIG":   filepath.Join(dir, "gcloud"),
			"GCE_METADATA_HOST": strings.TrimPrefix(g.URL, "http://"),
		}}
	t.Setenv("GCE_METADATA_HOST", w.env["GCE_METADATA_HOST"])
	return w
}

// github sets the variables the runner sets for the job.
func (w *ciWorld) github() {
	w.env[EnvGitHubRequestURL], w.env[EnvGitHubRequestToken] = w.job.RequestURL, w.job.RequestToken
}

// options are the default chain with the provider set, a cache, the
// fake's clock.
func (w *ciWorld) options() Options {
	return Options{
		WorkloadProvider: ciProvider,
		Getenv:           func(k string) string { return w.env[k] },
		HTTPClient:       w.hc,
		Gcloud:           filepath.Join(w.t.TempDir(), "no-gcloud"),
		Cache:            CacheOptions{Dir: filepath.Join(w.env["HOME"], "cache")},
		Now:              w.clock.Now,
	}
}

func (w *ciWorld) get(o Options) (*Token, error) {
	w.t.Helper()
	c, err := New(o)
	if err != nil {
		w.t.Fatalf("New: %v", err)
	}
	return c.Token(context.Background(), DefaultUniverse)
}

// gitlabToken is a GitLab CI id_tokens: JWT for aud.
func (w *ciWorld) gitlabToken(aud string, life time.Duration) string {
	w.t.Helper()
	tok, err := w.gitlab.Token("project_path:my-group/web:ref_type:branch:ref:main", []string{aud}, life,
		map[string]any{"project_path": "my-group/web", "namespace_path": "my-group", "user_login": "alice"})
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

// TestOIDCGitHubActions: in a job with id-token: write, the oidc source
// asks the runner for a JWT of the provider's default audience and
// exchanges it; a warm get asks neither the runner nor STS.
func TestOIDCGitHubActions(t *testing.T) {
	w := newCIWorld(t)
	w.github()
	o := w.options()
	tok, err := w.get(o)
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	want := w.p.PoolPrincipal("repo:octo-org/app:ref:refs/heads/main")
	if got, _ := w.g.Principal(tok.AccessToken); got != want || tok.Source != SourceOIDC || tok.Identity != want {
		t.Errorf("Token() = principal %q, source %q, identity %q; want %q from oidc", got, tok.Source, tok.Identity, want)
	}
	for i := range 5 {
		again, err := w.get(o)
		if err != nil || again.AccessToken != tok.AccessToken {
			t.Fatalf("warm get %d = %v, want the cached token", i, err)
		}
	}
	if gh, sts := w.g.Count("github-oidc"), w.g.Count("sts"); gh != 1 || sts != 1 {
		t.Errorf("6 gets asked the runner %d and STS %d times, want 1 and 1", gh, sts)
	}
	if n := w.g.Count("metadata"); n != 0 {
		t.Errorf("metadata requests = %d, want 0 (oidc comes first)", n)
	}
	// Nothing but the cache was written, and nothing in it names a secret.
	files, _ := filepath.Glob(filepath.Join(w.env["HOME"], "*", "*"))
	for _, f := range files {
		if filepath.Dir(f) != o.Cache.Dir {
			t.Errorf("file written outside the cache: %s", f)
		}
		b, _ := os.ReadFile(f)
		for _, secret := range w.g.Secrets() {
			if secret != tok.AccessToken && (strings.Contains(string(b), secret) || strings.Contains(f, secret)) {
				t.Errorf("cache file %s holds a secret other than the access token", filepath.Base(f))
			}
		}
	}
}

// TestOIDCAudience: oidc_audience replaces the default audience asked of
// the runner; a provider that does not allow it refuses the token, and the
// error names the setting.
func TestOIDCAudience(t *testing.T) {
	w := newCIWorld(t)
	w.github()
	o := w.options()
	o.OIDCAudience = "https://ci.example.com/pushers"
	_, err := w.get(o)
	var h *hintError
	if err == nil || !strings.Contains(err.Error(), `aud "https://ci.example.com/pushers"`) || !errors.As(err, &h) || !strings.Contains(h.hint, "oidc_audience") {
		t.Fatalf("Token() with an audience the provider does not allow = %v, want a refusal naming the aud and oidc_audience", err)
	}
	if err := w.g.AddProvider(fakegoogle.ProviderConfig{Audience: w.p.Audience(), Issuer: w.job.Issuer, AllowedAudiences: []string{"https://ci.example.com/pushers"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.get(o); err != nil {
		t.Errorf("Token() with an allowed oidc_audience = %v", err)
	}
}

// TestOIDCGitLabAndFile: GitLab's id_tokens: variable, and a token file,
// each exchanged as read, keyed by its claims.
func TestOIDCGitLabAndFile(t *testing.T) {
	w := newCIWorld(t)
	const gitlabProvider = "projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/gitlab"
	gl, _ := ParseWorkloadProvider(gitlabProvider, "")
	jwt := w.gitlabToken(gl.OIDCAudience(), time.Hour)
	want := gl.PoolPrincipal("project_path:my-group/web:ref_type:branch:ref:main")

	o := w.options()
	o.WorkloadProvider = gitlabProvider
	o.OIDCTokenEnv = "GCP_ID_TOKEN"
	w.env["GCP_ID_TOKEN"] = jwt + "\n"
	tok, err := w.get(o)
	if err != nil {
		t.Fatalf("env form: Token() error = %v", err)
	}
	if got, _ := w.g.Principal(tok.AccessToken); got != want {
		t.Errorf("env form: principal %q, want %q", got, want)
	}

	// The file form, with its own cache: the same identity, one exchange
	// for two gets.
	o = w.options()
	o.WorkloadProvider = gitlabProvider
	o.OIDCTokenFile = filepath.Join(t.TempDir(), "token")
	o.Cache.Dir = t.TempDir()
	if err := os.WriteFile(o.OIDCTokenFile, []byte(jwt), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		tok, err := w.get(o)
		if err != nil {
			t.Fatalf("file form: Token() error = %v", err)
		}
		if got, _ := w.g.Principal(tok.AccessToken); got != want {
			t.Errorf("file form: principal %q, want %q", got, want)
		}
	}
	if n := w.g.Count("sts"); n != 2 {
		t.Errorf("STS exchanges = %d, want 2 (one per form)", n)
	}

	// The runner's variables come first.
	w.github()
	o.OIDCTokenEnv = "GCP_ID_TOKEN"
	o.WorkloadProvider = ciProvider
	tok, err = w.get(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := w.g.Principal(tok.AccessToken); got != w.p.PoolPrincipal("repo:octo-org/app:ref:refs/heads/main") {
		t.Errorf("with the runner's variables and OIDC_TOKEN_ENV: principal %q, want the GitHub job's", got)
	}
}

// TestOIDCNotConfigured: without a provider, or with one but no subject
// token, the chain moves on (here to the metadata server); in a GitHub
// job without a provider the next step says which variable to set.
func TestOIDCNotConfigured(t *testing.T) {
	w := newCIWorld(t)
	w.g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	o := w.options()
	tok, err := w.get(o)
	if err != nil || tok.Source != SourceMetadata {
		t.Fatalf("provider set, no subject token: Token() = %v, %v; want the metadata server's", tok, err)
	}
	w.github()
	o.WorkloadProvider = ""
	o.Sources = []string{SourceOIDC}
	_, err = w.get(o)
	var ce *ChainError
	if !errors.As(err, &ce) || !errors.Is(err, errNotConfigured) || !strings.Contains(ce.Hint(), envProvider) {
		t.Errorf("GitHub job without a provider: error = %v, want not configured with a next step naming %s", err, envProvider)
	}
}

// TestOIDCBadInput: each mistake is a short error naming the setting or
// variable and the fix, within the source's bound, with neither the
// runner's request token nor a JWT in it.
func TestOIDCBadInput(t *testing.T) {
	w := newCIWorld(t)
	const bound = 500 * time.Millisecond
	tests := []struct {
		name  string
		setup func(o *Options)
		want  []string // in the error or its hint
	}{
		{"malformed provider", func(o *Options) {
			w.github()
			o.WorkloadProvider = "projects/my-project/locations/global/workloadIdentityPools/ci/providers/github"
		}, []string{envProvider, "project number", "config --workload-identity-provider"}},
		{"provider as a URL", func(o *Options) { w.github(); o.WorkloadProvider = "https://iam.googleapis.com/" + ciProvider }, []string{envProvider, "URL"}},
		{"request token refused (403)", func(*Options) { w.github(); w.env[EnvGitHubRequestToken] = "wrong-token" }, []string{EnvGitHubRequestURL, "HTTP 403", "id-token: write"}},
		{"runner 500", func(*Options) {
			w.github()
			w.g.SetFault("github-oidc", fakegoogle.Fault{Status: 500, Body: `{"message":"boom"}`})
		}, []string{EnvGitHubRequestURL, "HTTP 500", "re-run"}},
		{"runner timeout", func(*Options) { w.github(); w.g.SetFault("github-oidc", fakegoogle.Fault{Delay: time.Minute}) }, []string{"GitHub Actions", "no answer within 500ms", "DOCKER_CREDENTIAL_GCR_TIMEOUT"}},
		{"runner URL not https", func(*Options) { w.github(); w.env[EnvGitHubRequestURL] = "http://runner.example.com/idtoken?x=1" }, []string{EnvGitHubRequestURL, "https"}},
		{"JWT for another audience", func(o *Options) {
			o.OIDCTokenEnv = "GCP_ID_TOKEN"
			w.env["GCP_ID_TOKEN"] = w.gitlabToken("https://gitlab.com", time.Hour)
			o.WorkloadProvider = "projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/gitlab"
		}, []string{"$GCP_ID_TOKEN", `aud "https://gitlab.com"`, "invalid_grant", "oidc_audience"}},
		{"env var named but empty", func(o *Options) { o.OIDCTokenEnv = "GCP_ID_TOKEN"; w.env["GCP_ID_TOKEN"] = "" }, []string{envTokenEnv, "GCP_ID_TOKEN", "id_tokens"}},
		{"env var not a JWT", func(o *Options) { o.OIDCTokenEnv = "GCP_ID_TOKEN"; w.env["GCP_ID_TOKEN"] = "glpat-123" }, []string{"$GCP_ID_TOKEN", "not a JWT"}},
		{"file missing", func(o *Options) { o.OIDCTokenFile = filepath.Join(t.TempDir(), "none") }, []string{envTokenFile, "no such file"}},
		{"untrusted universe", func(o *Options) { w.github(); o.WorkloadProvider = "//iam.evil.example/" + ciProvider }, []string{"evil.example", "universe_domain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k := range w.env {
				if k == EnvGitHubRequestURL || k == EnvGitHubRequestToken || k == "GCP_ID_TOKEN" {
					delete(w.env, k)
				}
			}
			w.g.SetFault("github-oidc", fakegoogle.Fault{})
			o := w.options()
			o.Sources = []string{SourceOIDC}
			o.Timeouts = Timeouts{Source: bound}
			tt.setup(&o)
			start := time.Now()
			_, err := w.get(o)
			elapsed := time.Since(start)
			var ce *ChainError
			if !errors.As(err, &ce) || len(ce.Failures) != 1 {
				t.Fatalf("Token() error = %v, want the oidc source's", err)
			}
			msg, hint := ce.Failures[0].Error(), ce.Hint()
			t.Logf("error: %s\n next step: %s", msg, hint)
			for _, s := range tt.want {
				if !strings.Contains(msg, s) && !strings.Contains(hint, s) {
					t.Errorf("error %q (next step %q) does not mention %q", msg, hint, s)
				}
			}
			if errors.Is(err, errNotConfigured) {
				t.Errorf("error %q is 'not configured'; a mistake must end the chain", msg)
			}
			if len(msg) > 500 || len(hint) > 300 {
				t.Errorf("error is %d bytes and its next step %d: want short", len(msg), len(hint))
			}
			if elapsed > bound+2*time.Second {
				t.Errorf("failed after %v, want within the %v source bound", elapsed, bound)
			}
			for _, secret := range append(w.g.Secrets(), w.job.RequestToken) {
				if len(secret) > 12 && (strings.Contains(err.Error(), secret) || strings.Contains(hint, secret)) {
					t.Errorf("the error holds a secret (%d chars)", len(secret))
				}
			}
		})
	}
}

// TestOIDCRequestTokenStaysHome: the runner's request token goes to the
// URL the runner set and nowhere else: a redirect is not followed.
func TestOIDCRequestTokenStaysHome(t *testing.T) {
	w := newCIWorld(t)
	var leaked atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
	}))
	defer elsewhere.Close()
	runner := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/steal", http.StatusFound))
	defer runner.Close()
	w.env[EnvGitHubRequestURL] = runner.URL + "/idtoken?api-version=2.0"
	w.env[EnvGitHubRequestToken] = w.job.RequestToken
	o := w.options()
	o.Sources = []string{SourceOIDC}
	o.HTTPClient = runner.Client()
	_, err := w.get(o)
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("Token() with a redirecting runner URL = %v, want a refusal to follow it", err)
	}
	if leaked.Load() {
		t.Error("the request token was sent to the redirect's target")
	}
}

// TestOIDCUniverses: an S3NS provider is exchanged at sts.s3nsapis.fr
// only, and serves S3NS registries; a googleapis.com registry moves on.
func TestOIDCUniverses(t *testing.T) {
	w := newCIWorld(t)
	s3ns := fedServer(t, fakegoogle.Options{Universe: "s3nsapis.fr", Now: w.clock.Now})
	p, _ := ParseWorkloadProvider("//iam.s3nsapis.fr/"+ciProvider, "")
	if err := s3ns.AddProvider(fakegoogle.ProviderConfig{Audience: p.Audience(), Issuer: w.gitlab}); err != nil {
		t.Fatal(err)
	}
	rt := &googleHosts{servers: map[string]*fakegoogle.Server{"googleapis.com": w.g, "s3nsapis.fr": s3ns}}
	o := w.options()
	o.HTTPClient = &http.Client{Transport: rt}
	o.WorkloadProvider = p.Audience()
	o.OIDCTokenEnv = "GCP_ID_TOKEN"
	w.env["GCP_ID_TOKEN"] = w.gitlabToken(p.OIDCAudience(), time.Hour)
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Token(t.Context(), "s3nsapis.fr")
	if err != nil {
		t.Fatalf("Token(s3nsapis.fr) error = %v", err)
	}
	if info, ok := s3ns.TokenInfo(tok.AccessToken); !ok || info.Universe != "s3nsapis.fr" || tok.Universe != "s3nsapis.fr" {
		t.Errorf("Token(s3nsapis.fr) = universe %q (fake: %+v), want s3nsapis.fr", tok.Universe, info)
	}
	if n := w.g.Count("sts"); n != 0 {
		t.Errorf("googleapis.com STS asked %d times for an S3NS provider", n)
	}
	o.Sources = []string{SourceOIDC}
	c, _ = New(o)
	if _, err := c.Token(t.Context(), DefaultUniverse); !errors.Is(err, errNotConfigured) {
		t.Errorf("Token(googleapis.com) with an S3NS provider = %v, want not configured", err)
	}
}

// TestShortLivedTokens is part 2 of issue 15 on an injected clock: 20
// gets, one every 45 s over 15 minutes. A get never returns a token with
// less than the refresh margin left when the source can mint a longer one;
// when it cannot (4-minute federated tokens, capped at 4-minute GitHub
// JWTs), it serves the longest it can have — a fresh one, as a token 45 s
// old has 45 s less — and says why; the gets of one burst share one token
// (TestCacheShortSource).
func TestShortLivedTokens(t *testing.T) {
	const margin = 5 * time.Minute
	for _, tt := range []struct {
		name        string
		jwtLife     time.Duration
		impersonate bool
		maxMints    int
		minLife     time.Duration // the least life a get may serve
		short       bool          // the source cannot do better than the margin
	}{
		{"4-minute federated tokens", 4 * time.Minute, false, 20, 3*time.Minute + 55*time.Second, true},
		{"10-minute federated tokens", 10 * time.Minute, false, 4, margin, false},
		{"4-minute JWTs, impersonated", 4 * time.Minute, true, 1, margin, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newCIWorld(t)
			w.github()
			w.job.SetLifetime(tt.jwtLife)
			o := w.options()
			if tt.impersonate {
				o.Impersonate = []string{"pusher@p.iam.gserviceaccount.com"}
				w.g.AllowImpersonation(w.p.PoolPrincipal("repo:octo-org/app:ref:refs/heads/main"), "pusher@p.iam.gserviceaccount.com")
			}
			minLife := time.Hour
			var lives []string
			for i := range 20 {
				tok, err := w.get(o)
				if err != nil {
					t.Fatalf("get %d: %v", i, err)
				}
				life := tok.Expiry.Sub(w.clock.Now())
				lives = append(lives, life.Round(time.Second).String())
				minLife = min(minLife, life)
				if (life < margin) != (tok.Note != "") {
					t.Errorf("get %d: life %v, note %q: want a note exactly when under the margin", i, life, tok.Note)
				}
				if tok.Note != "" && !strings.Contains(tok.Note, "impersonate a service account") {
					t.Errorf("get %d: note %q does not give the fix", i, tok.Note)
				}
				w.clock.Add(45 * time.Second)
			}
			mints := w.g.Count("sts")
			t.Logf("%s: 20 gets over 15 simulated minutes: %d exchanges, %d impersonations, runner asked %d times; min life served %v; lives %s",
				tt.name, mints, w.g.Count("iam"), w.g.Count("github-oidc"), minLife.Round(time.Second), strings.Join(lives, " "))
			if mints > tt.maxMints || mints < 1 {
				t.Errorf("exchanges = %d, want 1 to %d", mints, tt.maxMints)
			}
			if minLife < tt.minLife {
				t.Errorf("least life served = %v, want at least %v", minLife, tt.minLife)
			}
			if !tt.short && minLife < margin {
				t.Errorf("served a token with %v left while the source could mint a longer one", minLife)
			}
		})
	}
}

// TestShortLivedSubjectInHand: a subject token in hand (GitLab's variable)
// that expires soon: the federated token capped at it is served until
// then, without exchanging the same JWT again on every get.
func TestShortLivedSubjectInHand(t *testing.T) {
	w := newCIWorld(t)
	const gitlabProvider = "projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/gitlab"
	gl, _ := ParseWorkloadProvider(gitlabProvider, "")
	o := w.options()
	o.WorkloadProvider = gitlabProvider
	o.OIDCTokenEnv = "GCP_ID_TOKEN"
	w.env["GCP_ID_TOKEN"] = w.gitlabToken(gl.OIDCAudience(), 5*time.Minute)
	for i := range 6 {
		tok, err := w.get(o)
		if err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
		if tok.Note == "" {
			t.Errorf("get %d: a token with %v left has no note", i, tok.Expiry.Sub(w.clock.Now()))
		}
		w.clock.Add(45 * time.Second)
	}
	if n := w.g.Count("sts"); n != 1 {
		t.Errorf("exchanges of one 5-minute JWT over 6 gets = %d, want 1", n)
	}
}

// TestCacheShortSource: the cache's rule on its own (cache.go's fresh).
func TestCacheShortSource(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	c := testCache(t.TempDir(), clock)
	f := &countingFetch{life: 4 * time.Minute, now: clock}
	get := func() string {
		tok, err := c.wrap("k", tokenFunc(f.fetch), time.Time{}).Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	for _, step := range []struct {
		after time.Duration
		want  string
	}{
		{0, "tok-1"},
		{2 * time.Second, "tok-1"}, // a burst of gets shares it
		{3 * time.Second, "tok-1"},
		{time.Second, "tok-2"}, // 6 s old: a new one lives 6 s longer
		{45 * time.Second, "tok-3"},
		{4 * time.Second, "tok-3"},
	} {
		now = now.Add(step.after)
		if got := get(); got != step.want {
			t.Fatalf("at +%v: got %s, want %s", step.after, got, step.want)
		}
	}
	// A file of an older version, without "issued": the margin alone.
	os.WriteFile(c.path("old"), []byte(fmt.Sprintf(`{"version":1,"access_token":"old","expiry":%q,"source":"s","universe":"u"}`, now.Add(4*time.Minute).Format(time.RFC3339))), 0o600)
	if tok, _ := c.wrap("old", tokenFunc(f.fetch), time.Time{}).Token(context.Background()); tok.AccessToken == "old" {
		t.Error("an old-format entry under the margin was served")
	}
}
