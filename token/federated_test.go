package token

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// fedWorld is a fake Google with a pool provider trusting a cluster
// issuer, reached as sts.googleapis.com and iamcredentials.googleapis.com.
type fedWorld struct {
	g   *fakegoogle.Server
	p   WorkloadProvider
	iss *fakegoogle.Issuer
	hc  *http.Client
}

func newFedWorld(t *testing.T, opts fakegoogle.Options, cfg fakegoogle.ProviderConfig) *fedWorld {
	t.Helper()
	g := fedServer(t, opts)
	p, err := ParseWorkloadProvider(fedResource, "")
	if err != nil {
		t.Fatal(err)
	}
	iss := fedCluster(t, g, "cluster", p.Audience(), cfg)
	return &fedWorld{g: g, p: p, iss: iss, hc: &http.Client{Transport: &googleHosts{servers: map[string]*fakegoogle.Server{"googleapis.com": g}}}}
}

// options are a chain's options with a cache in a temp dir and no
// environment.
func (w *fedWorld) options(t *testing.T) Options {
	return Options{HTTPClient: w.hc, Cache: CacheOptions{Dir: t.TempDir()}, Getenv: func(string) string { return "" }}
}

// static is a subject that always returns jwt, counting its calls.
func static(jwt string, calls *atomic.Int32) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		if calls != nil {
			calls.Add(1)
		}
		return jwt, nil
	}
}

// podToken is what the kubelet's per-pod identity does with a request's
// service-account token: a chain of that one federated source.
func (w *fedWorld) podToken(t *testing.T, o Options, jwt string) (*Token, error) {
	t.Helper()
	c, err := NewFederated(o, Federation{Provider: w.p, Subject: static(jwt, nil), Origin: "the pod's service-account token", Name: "pod"})
	if err != nil {
		t.Fatalf("NewFederated: %v", err)
	}
	return c.Token(t.Context(), DefaultUniverse)
}

// TestFederatedPodIdentity: the kubelet's caller. Each pod's token
// federates to its own service account's principal; pods of one service
// account share one exchange (the key is the claims' identity, never the
// JWT); a service account recreated under the same name (another uid) is
// another identity.
func TestFederatedPodIdentity(t *testing.T) {
	w := newFedWorld(t, fakegoogle.Options{}, fakegoogle.ProviderConfig{})
	o := w.options(t)
	sa := func(name, pod, uid string) string {
		tok, err := w.iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: "team", Name: name, Pod: pod, UID: uid}, []string{w.p.OIDCAudience()}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	var jwts []string
	for _, tt := range []struct{ name, pod, uid, want string }{
		{"a", "a-0", "uid-a", "system:serviceaccount:team:a"},
		{"a", "a-1", "uid-a", "system:serviceaccount:team:a"},
		{"b", "b-0", "uid-b", "system:serviceaccount:team:b"},
		{"a", "a-2", "uid-a", "system:serviceaccount:team:a"},
	} {
		jwt := sa(tt.name, tt.pod, tt.uid)
		jwts = append(jwts, jwt)
		tok, err := w.podToken(t, o, jwt)
		if err != nil {
			t.Fatalf("pod %s: Token() error = %v", tt.pod, err)
		}
		want := w.p.PoolPrincipal(tt.want)
		if got, _ := w.g.Principal(tok.AccessToken); got != want || tok.Identity != want || tok.Source != "pod" {
			t.Errorf("pod %s: principal %q, Identity %q, Source %q; want %q twice and pod", tt.pod, got, tok.Identity, tok.Source, want)
		}
	}
	if n := w.g.Count("sts"); n != 2 {
		t.Errorf("STS exchanges for 4 pods of 2 service accounts = %d, want 2", n)
	}
	if _, err := w.podToken(t, o, sa("a", "a-9", "uid-a2")); err != nil {
		t.Fatal(err)
	}
	if n := w.g.Count("sts"); n != 3 {
		t.Errorf("STS exchanges after service account a was recreated (new uid) = %d, want 3", n)
	}
	files, _ := filepath.Glob(filepath.Join(o.Cache.Dir, "*.json"))
	if len(files) != 3 {
		t.Errorf("cache files = %d, want 3 (a, b, a recreated)", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, jwt := range jwts {
			for _, part := range strings.Split(jwt, ".") {
				if strings.Contains(f, part) || strings.Contains(string(b), part) {
					t.Fatalf("cache file %s holds a piece of a subject token", filepath.Base(f))
				}
			}
		}
	}
}

// TestFederatedKeyParts: the cache key holds the provider and the claims
// that decide the principal, then the chain's impersonation, scope and
// universe; never the JWT.
func TestFederatedKeyParts(t *testing.T) {
	w := newFedWorld(t, fakegoogle.Options{}, fakegoogle.ProviderConfig{})
	o := w.options(t)
	o.Impersonate = []string{"gsa@p.iam.gserviceaccount.com"}
	jwt, err := w.iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: "team", Name: "a", UID: "uid-a", Pod: "a-0"}, []string{w.p.OIDCAudience()}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewFederated(o, Federation{Provider: w.p, Subject: static(jwt, nil), Origin: "the pod's token", Name: "pod"})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := c.sources[0].resolve(t.Context(), &c.o, DefaultUniverse)
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := ReadJWT(jwt, time.Now())
	want := []string{"v2", "source=pod", "provider=" + w.p.Audience(),
		`subject=["` + w.iss.URL + `","system:serviceaccount:team:a","team","a","uid-a","",""]`,
		"impersonate=gsa@p.iam.gserviceaccount.com", "scope=" + Scope, "universe=googleapis.com"}
	if got := c.keyParts(cs, DefaultUniverse); !slices.Equal(got, want) {
		t.Errorf("keyParts =\n  %q\nwant\n  %q", got, want)
	}
	if cs.subjectExpiry != claims.Expiry {
		t.Errorf("subjectExpiry = %v, want the JWT's exp %v", cs.subjectExpiry, claims.Expiry)
	}
}

// TestFederatedImpersonation: the federated principal impersonates a
// service account through the existing code, delegates included, and a
// refusal names the missing role.
func TestFederatedImpersonation(t *testing.T) {
	w := newFedWorld(t, fakegoogle.Options{}, fakegoogle.ProviderConfig{})
	jwt := ksa(t, w.iss, "team", "a", w.p.OIDCAudience(), time.Hour)
	principal := w.p.PoolPrincipal("system:serviceaccount:team:a")
	const delegate, gsa = "hop@p.iam.gserviceaccount.com", "puller@p.iam.gserviceaccount.com"
	o := w.options(t)
	o.Impersonate = []string{delegate, gsa}

	if _, err := w.podToken(t, o, jwt); err == nil || !strings.Contains(err.Error(), "roles/iam.workloadIdentityUser") {
		t.Fatalf("Token() without the grant = %v, want a refusal naming roles/iam.workloadIdentityUser (a federated caller)", err)
	}
	w.g.AllowImpersonation(principal, delegate)
	w.g.AllowImpersonation(delegate, gsa)
	tok, err := w.podToken(t, o, jwt)
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	if got, _ := w.g.Principal(tok.AccessToken); got != gsa || tok.Identity != gsa {
		t.Errorf("impersonated token: principal %q, Identity %q; want %s", got, tok.Identity, gsa)
	}
	if life := time.Until(tok.Expiry); life < 59*time.Minute {
		t.Errorf("impersonated token lives %v, want an hour", life)
	}
}

// TestFederatedFailsClosed: a chain built from a federated source has no
// other source: a subject that fails, a provider of an untrusted universe
// or of another universe than the registry's is an error, never another
// identity (the metadata server is never asked).
func TestFederatedFailsClosed(t *testing.T) {
	w := newFedWorld(t, fakegoogle.Options{}, fakegoogle.ProviderConfig{})
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(w.g.URL, "http://"))
	o := w.options(t)
	fail := func(context.Context) (string, error) { return "", errors.New("no token in the request") }
	evil, err := ParseWorkloadProvider("//iam.evil.example/"+fedResource, "")
	if err != nil {
		t.Fatal(err)
	}
	s3ns, _ := ParseWorkloadProvider("//iam.s3nsapis.fr/"+fedResource, "")
	jwt := ksa(t, w.iss, "team", "a", w.p.OIDCAudience(), time.Hour)
	for _, tt := range []struct {
		name     string
		f        Federation
		universe string
		want     string
	}{
		{"subject fails", Federation{Provider: w.p, Subject: fail, Origin: "the pod's token"}, DefaultUniverse, "no token in the request"},
		{"not a JWT", Federation{Provider: w.p, Subject: static("not-a-jwt", nil), Origin: "the pod's token"}, DefaultUniverse, "the pod's token: subject token is not a JWT"},
		{"untrusted universe", Federation{Provider: evil, Subject: static(jwt, nil), Origin: "the pod's token"}, "", "does not trust"},
		{"registry of another universe", Federation{Provider: s3ns, Subject: static(jwt, nil), Origin: "the pod's token"}, DefaultUniverse, "universe s3nsapis.fr, the registry needs googleapis.com"},
	} {
		c, err := NewFederated(o, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Token(t.Context(), tt.universe)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Token() error = %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
	if n := w.g.Count("metadata"); n != 0 {
		t.Errorf("metadata requests = %d, want 0: a federated chain never falls back", n)
	}
	if _, err := NewFederated(o, Federation{Provider: w.p}); err == nil {
		t.Error("NewFederated without a subject = nil error")
	}
	if _, err := NewFederated(o, Federation{Subject: fail}); err == nil {
		t.Error("NewFederated without a provider = nil error")
	}
}

// TestFederatedSubjectKey: with a SubjectKey, a warm Token asks the
// subject nothing, and the key holds the SubjectKey, not claims.
func TestFederatedSubjectKey(t *testing.T) {
	w := newFedWorld(t, fakegoogle.Options{}, fakegoogle.ProviderConfig{})
	o := w.options(t)
	var calls atomic.Int32
	jwt := ksa(t, w.iss, "team", "a", w.p.OIDCAudience(), time.Hour)
	f := Federation{Provider: w.p, Subject: static(jwt, &calls), SubjectKey: "job:" + digest("test", []byte("job-1")), Origin: "the job's token"}
	for i := range 3 {
		c, err := NewFederated(o, f)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := c.Token(t.Context(), DefaultUniverse)
		if err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
		if want := w.p.PoolPrincipal("system:serviceaccount:team:a"); tok.Identity != want {
			t.Errorf("get %d: Identity = %q, want %q", i, tok.Identity, want)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("subject asked %d times for 3 gets, want 1 (the cold one)", n)
	}
	if n := w.g.Count("sts"); n != 1 {
		t.Errorf("STS exchanges = %d, want 1", n)
	}
}
