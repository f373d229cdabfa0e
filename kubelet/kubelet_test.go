package kubelet

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	kubeletconfigv1 "k8s.io/kubelet/config/v1"
	credentialproviderv1 "k8s.io/kubelet/pkg/apis/credentialprovider/v1"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// kubeletCodecs decode like the kubelet: strictly (an unknown or duplicate
// field is an error), YAML or JSON, by apiVersion and kind.
func kubeletCodecs(t *testing.T) serializer.CodecFactory {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := credentialproviderv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := kubeletconfigv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict)
}

// kubeletRequestJSON encodes a request for image as the kubelet does.
func kubeletRequestJSON(t *testing.T, codecs serializer.CodecFactory, image string) []byte {
	t.Helper()
	info, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	if !ok {
		t.Fatal("no JSON serializer")
	}
	enc := codecs.EncoderForVersion(info.Serializer, credentialproviderv1.SchemeGroupVersion)
	b, err := runtime.Encode(enc, &credentialproviderv1.CredentialProviderRequest{Image: image})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeKubeletResponse decodes out as the kubelet does, and checks what
// it checks: apiVersion and kind.
func decodeKubeletResponse(t *testing.T, codecs serializer.CodecFactory, out []byte) *credentialproviderv1.CredentialProviderResponse {
	t.Helper()
	obj, gvk, err := codecs.UniversalDeserializer().Decode(out, nil, nil)
	if err != nil {
		t.Fatalf("the kubelet's strict decoder refuses the response %s: %v", out, err)
	}
	if gvk.GroupVersion().String() != ProviderAPIVersion || gvk.Kind != "CredentialProviderResponse" {
		t.Fatalf("response apiVersion/kind = %s, want %s CredentialProviderResponse", gvk, ProviderAPIVersion)
	}
	r, ok := obj.(*credentialproviderv1.CredentialProviderResponse)
	if !ok {
		t.Fatalf("decoded %T, want *CredentialProviderResponse", obj)
	}
	if r.CacheKeyType != credentialproviderv1.RegistryPluginCacheKeyType {
		t.Errorf("cacheKeyType = %q, want Registry", r.CacheKeyType)
	}
	return r
}

// kubeletMatches reports whether the kubelet matches image against the
// matchImages (or auth key) pattern, as the kubelet's URLsMatchStr does
// (k8s.io/kubernetes pkg/credentialprovider/keyring.go): both parse as URLs
// without a scheme; the ports are equal (no port matches only no port); the
// hosts have the same number of dot-separated labels and each label matches
// its glob ('*' never crosses a '.', partial globs such as "*-docker" are
// allowed); the pattern's path is a prefix of the image's. Its answers are
// held to the kubelet's own test cases (TestKubeletMatcherAgreesWithKubelet),
// not to cases of ours.
func kubeletMatches(pattern, image string) bool {
	p, err := url.Parse("https://" + pattern)
	if err != nil {
		return false
	}
	i, err := url.Parse("https://" + image)
	if err != nil {
		return false
	}
	if p.Port() != i.Port() {
		return false
	}
	pl, il := strings.Split(p.Hostname(), "."), strings.Split(i.Hostname(), ".")
	if len(pl) != len(il) {
		return false
	}
	for k := range pl {
		if ok, err := path.Match(pl[k], il[k]); err != nil || !ok {
			return false
		}
	}
	return strings.HasPrefix(i.Path, p.Path)
}

func matchesAny(patterns []string, image string) bool {
	for _, p := range patterns {
		if kubeletMatches(p, image) {
			return true
		}
	}
	return false
}

// The kubelet's own expectations of its matcher: every case of
// TestURLsMatch in kubernetes/kubernetes pkg/credentialprovider/keyring_test.go
// (the version that tests the exported URLsMatchStr, 18 cases), glob,
// target and expected outcome as written there. kubeletMatches must agree
// with each before TestKubeletMatchImages may rely on it.
func TestKubeletMatcherAgreesWithKubelet(t *testing.T) {
	tests := []struct {
		glob, target string
		want         bool
	}{
		// match when there is no path component
		{"*.kubernetes.io", "prefix.kubernetes.io", true},
		{"prefix.*.io", "prefix.kubernetes.io", true},
		{"prefix.kubernetes.*", "prefix.kubernetes.io", true},
		{"*-good.kubernetes.io", "prefix-good.kubernetes.io", true},
		// match with path components
		{"*.kubernetes.io/blah", "prefix.kubernetes.io/blah", true},
		{"prefix.*.io/foo", "prefix.kubernetes.io/foo/bar", true},
		// match with path components and ports
		{"*.kubernetes.io:1111/blah", "prefix.kubernetes.io:1111/blah", true},
		{"prefix.*.io:1111/foo", "prefix.kubernetes.io:1111/foo/bar", true},
		// no match when number of parts mismatch
		{"*.kubernetes.io", "kubernetes.io", false},
		{"*.*.kubernetes.io", "prefix.kubernetes.io", false},
		{"*.*.kubernetes.io", "kubernetes.io", false},
		{"*kubernetes.io", "a.kubernetes.io", false},
		// match when number of parts match
		{"*kubernetes.io", "kubernetes.io", true},
		{"*.*.*.kubernetes.io", "a.b.c.kubernetes.io", true},
		// no match when some parts mismatch
		{"kubernetes.io", "kubernetes.com", false},
		{"k*.io", "quay.io", false},
		// no match when ports mismatch
		{"*.kubernetes.io:1234/blah", "prefix.kubernetes.io:1111/blah", false},
		{"prefix.*.io/foo", "prefix.kubernetes.io:1111/foo/bar", false},
	}
	for _, tt := range tests {
		if got := kubeletMatches(tt.glob, tt.target); got != tt.want {
			t.Errorf("kubeletMatches(%q, %q) = %v, want %v (the kubelet's TestURLsMatch)", tt.glob, tt.target, got, tt.want)
		}
	}
}

// kubeletFixture is a fake Google whose metadata server is the node's
// identity, and the chain + cache that get uses, in a temp dir.
type kubeletFixture struct {
	g      *fakegoogle.Server
	dir    string
	codecs serializer.CodecFactory
}

const nodeAccount = "node@p.iam.gserviceaccount.com"

func newKubeletFixture(t *testing.T) *kubeletFixture {
	t.Helper()
	g, err := fakegoogle.New(fakegoogle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	g.SetMetadataAccount("default", nodeAccount)
	// Never probe the real metadata server: point it at the fake.
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(g.URL, "http://"))
	return &kubeletFixture{g: g, dir: t.TempDir(), codecs: kubeletCodecs(t)}
}

// tokens mints through the chain and cache that get uses, with the
// metadata server as the only source.
func (f *kubeletFixture) tokens(ctx context.Context, _, universe string) (*token.Token, error) {
	env := map[string]string{"GCE_METADATA_HOST": strings.TrimPrefix(f.g.URL, "http://")}
	c, err := token.New(token.Options{
		Sources: []string{token.SourceMetadata},
		Getenv:  func(k string) string { return env[k] },
		Gcloud:  filepath.Join(f.dir, "no-gcloud"),
		Cache:   token.CacheOptions{Dir: filepath.Join(f.dir, "cache")},
	})
	if err != nil {
		return nil, err
	}
	return c.Token(ctx, universe)
}

func (f *kubeletFixture) plugin() *Plugin {
	return &Plugin{
		Tokens:     f.tokens,
		Registries: map[string]string{"registry.example.com:5000": registry.UniverseGoogle},
		Margin:     token.DefaultRefreshMargin,
	}
}

func serve(p *Plugin, in []byte) (string, error) {
	var out bytes.Buffer
	err := p.Serve(context.Background(), bytes.NewReader(in), &out)
	return out.String(), err
}

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestKubeletRoundTrip(t *testing.T) {
	f := newKubeletFixture(t)
	p := f.plugin()
	google := []struct{ image, key string }{
		{"us-east1-docker.pkg.dev/my-project/repo/app:v1", "us-east1-docker.pkg.dev"},
		{"us-east1-docker.pkg.dev/my-project/repo/app", "us-east1-docker.pkg.dev"},
		{"gcr.io/my-project/app", "gcr.io"},
		{"eu.gcr.io/my-project/app@" + digest, "eu.gcr.io"},
		{"docker.us-central1.rep.pkg.dev/p/r/app:v1", "docker.us-central1.rep.pkg.dev"},
		{"us-docker.pkg.dev:443/p/r/app@" + digest, "us-docker.pkg.dev:443"},
		{"registry.example.com:5000/team/app@" + digest, "registry.example.com:5000"}, // registered
		// DNS ignores case; the kubelet matches the key case-sensitively,
		// so the key keeps the image's spelling.
		{"US-East1-docker.pkg.dev/my-project/repo/app", "US-East1-docker.pkg.dev"},
	}
	for _, tt := range google {
		out, err := serve(p, kubeletRequestJSON(t, f.codecs, tt.image))
		if err != nil {
			t.Fatalf("Serve(%s) error = %v", tt.image, err)
		}
		r := decodeKubeletResponse(t, f.codecs, []byte(out))
		if len(r.Auth) != 1 {
			t.Fatalf("Serve(%s) auth has %d entries, want 1 for %s", tt.image, len(r.Auth), tt.key)
		}
		a, ok := r.Auth[tt.key]
		if !ok {
			t.Fatalf("Serve(%s) auth keys = %v, want %s", tt.image, reflect.ValueOf(r.Auth).MapKeys(), tt.key)
		}
		if got, _ := f.g.Principal(a.Password); a.Username != registry.Username || got != nodeAccount {
			t.Errorf("Serve(%s) auth = user %q for %q, want oauth2accesstoken for %s", tt.image, a.Username, got, nodeAccount)
		}
		if !kubeletMatches(tt.key, tt.image) {
			t.Errorf("the kubelet would not use auth key %q for image %q", tt.key, tt.image)
		}
		// A fresh token lives 1h; the kubelet keeps it until the cache
		// would replace it (5 minutes before expiry).
		if r.CacheDuration == nil || r.CacheDuration.Duration > 55*time.Minute || r.CacheDuration.Duration < 54*time.Minute {
			t.Errorf("Serve(%s) cacheDuration = %v, want about 55m", tt.image, r.CacheDuration)
		}
	}
	if n := f.g.Count("metadata-token"); n != 1 {
		t.Errorf("%d images made %d metadata token requests, want 1 (the token cache)", len(google), n)
	}

	for _, image := range []string{
		"nginx", "nginx:1.27", "library/nginx", "user/repo:tag", "gcr/app", "docker.io/library/nginx@" + digest,
		"ghcr.io/o/r:1", "gcr.io.evil.com/x", "evil.com/gcr.io/x", "localhost/x", "localhost:5000/x",
		"us-east1-docker.pkg.dev", // no '/': a Docker Hub name
		"registry.example.com/team/app", "registry.example.com:5001/team/app", "us-east1-python.pkg.dev/p/r/pkg",
	} {
		out, err := serve(p, kubeletRequestJSON(t, f.codecs, image))
		if err != nil {
			t.Fatalf("Serve(%s) error = %v, want an empty auth", image, err)
		}
		r := decodeKubeletResponse(t, f.codecs, []byte(out))
		if len(r.Auth) != 0 || r.CacheDuration != nil {
			t.Errorf("Serve(%s) = auth for %v, cacheDuration %v, want no auth and the default duration", image, reflect.ValueOf(r.Auth).MapKeys(), r.CacheDuration)
		}
	}
	if n := f.g.Count("metadata-token"); n != 1 {
		t.Errorf("foreign images made %d more metadata token requests, want 0", n-1)
	}
}

func TestKubeletRequestFromNewerKubelet(t *testing.T) {
	f := newKubeletFixture(t)
	in := `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"gcr.io/p/app","serviceAccountToken":"eyJ...","serviceAccountAnnotations":{"a":"b"}}`
	out, err := serve(f.plugin(), []byte(in))
	if err != nil {
		t.Fatalf("Serve(request with service-account fields) error = %v", err)
	}
	if r := decodeKubeletResponse(t, f.codecs, []byte(out)); len(r.Auth) != 1 {
		t.Errorf("Serve(request with service-account fields) auth = %v, want gcr.io", r.Auth)
	}
}

// fixedTokens returns t (or err) and counts the calls.
type fixedTokens struct {
	t   *token.Token
	err error
	n   int
}

func (f *fixedTokens) tokens(context.Context, string, string) (*token.Token, error) {
	f.n++
	return f.t, f.err
}

func TestKubeletCacheDuration(t *testing.T) {
	codecs := kubeletCodecs(t)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		expiry time.Time
		margin time.Duration
		want   string
	}{
		{now.Add(time.Hour), 5 * time.Minute, "55m0s"},
		{now.Add(time.Hour), 10 * time.Minute, "50m0s"},
		{now.Add(30*time.Minute + 30500*time.Millisecond), 5 * time.Minute, "25m30s"},
		{now.Add(3 * time.Minute), 5 * time.Minute, "0s"}, // inside the margin: never negative
		{now.Add(-time.Minute), 5 * time.Minute, "0s"},    // expired (a stale token the cache served)
		{time.Time{}, 5 * time.Minute, "0s"},              // unknown expiry (a token file): do not cache
		{now.Add(5*time.Minute + time.Second), 5 * time.Minute, "1s"},
	}
	for _, tt := range tests {
		ft := &fixedTokens{t: &token.Token{AccessToken: "ya29.x", Expiry: tt.expiry}}
		p := &Plugin{Tokens: ft.tokens, Margin: tt.margin, Now: func() time.Time { return now }}
		out, err := serve(p, kubeletRequestJSON(t, codecs, "gcr.io/p/app"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, `"cacheDuration":"`+tt.want+`"`) {
			t.Errorf("expiry in %v, margin %v: response %s, want cacheDuration %q", tt.expiry.Sub(now), tt.margin, out, tt.want)
		}
		r := decodeKubeletResponse(t, codecs, []byte(out))
		if want, _ := time.ParseDuration(tt.want); r.CacheDuration == nil || r.CacheDuration.Duration != want || want < 0 {
			t.Errorf("decoded cacheDuration = %v, want %s", r.CacheDuration, tt.want)
		}
	}
}

func TestKubeletBadRequests(t *testing.T) {
	const v1 = `"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest"`
	tests := []struct{ in, want string }{
		{"", "no CredentialProviderRequest on stdin"},
		{" \n", "no CredentialProviderRequest on stdin"},
		{"gcr.io/p/app", "parse the CredentialProviderRequest"},
		{`{` + v1 + `,"image":"gcr.io/p/app"`, "parse the CredentialProviderRequest"},
		{`{` + v1 + `,"image":"gcr.io/p/app"} {}`, "parse the CredentialProviderRequest"},
		{`{` + v1 + `,"image":42}`, "parse the CredentialProviderRequest"},
		{`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","kind":"CredentialProviderRequest","image":"gcr.io/p/app"}`, `apiVersion "credentialprovider.kubelet.k8s.io/v1beta1" is not supported`},
		{`{"kind":"CredentialProviderRequest","image":"gcr.io/p/app"}`, `apiVersion "" is not supported`},
		{`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"ExecCredential","image":"gcr.io/p/app"}`, `kind "ExecCredential"`},
		{`{` + v1 + `}`, "empty image"},
		{`{` + v1 + `,"image":""}`, "empty image"},
		{`{` + v1 + `,"image":"  "}`, "empty image"},
		{`{` + v1 + `,"image":"https://gcr.io/p/app"}`, "not a host[:port]"},
		{`{` + v1 + `,"image":"user@gcr.io/p/app"}`, "not a host[:port]"},
		{`{` + v1 + `,"image":"gcr.io?x=1/p/app"}`, "not a host[:port]"},
		{`{` + v1 + `,"image":"gcr.io/p/app tag"}`, "not a container image reference"},
		{strings.Repeat(" ", maxRequest+1), "larger than 1 MiB"},
	}
	for _, tt := range tests {
		ft := &fixedTokens{t: &token.Token{AccessToken: "ya29.x"}}
		p := &Plugin{Tokens: ft.tokens}
		out, err := serve(p, []byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Serve(%.60q) error = %v, want %q", tt.in, err, tt.want)
		}
		if out != "" || ft.n != 0 {
			t.Errorf("Serve(%.60q) wrote %q and minted %d tokens, want nothing", tt.in, out, ft.n)
		}
	}
}

func TestKubeletTokenFailure(t *testing.T) {
	codecs := kubeletCodecs(t)
	ft := &fixedTokens{err: errors.New("no token source worked; run `gcloud auth application-default login`")}
	p := &Plugin{Tokens: ft.tokens}
	out, err := serve(p, kubeletRequestJSON(t, codecs, "us-docker.pkg.dev/p/r/app"))
	if err == nil || !strings.Contains(err.Error(), "credentials for us-docker.pkg.dev") || out != "" {
		t.Errorf("Serve with a failing chain = %q, %v, want an error naming the registry and no output", out, err)
	}
}

// An S3NS image on a node whose identity is of googleapis.com: the token of
// one universe is never sent to another's registry; the kubelet logs why.
func TestKubeletOtherUniverse(t *testing.T) {
	f := newKubeletFixture(t)
	out, err := serve(f.plugin(), kubeletRequestJSON(t, f.codecs, "u-france-east1-docker.s3nsregistry.fr/p/r/app:v1"))
	if err == nil || !strings.Contains(err.Error(), "s3nsapis.fr") || out != "" {
		t.Errorf("Serve(S3NS image) with a googleapis.com identity = %q, %v, want an error naming universe s3nsapis.fr", out, err)
	}
}

func TestImageRegistry(t *testing.T) {
	tests := map[string]string{
		"ubuntu":                          "docker.io",
		"ubuntu:24.04":                    "docker.io",
		"library/ubuntu":                  "docker.io",
		"user/repo@" + digest:             "docker.io",
		"docker.io/library/ubuntu":        "docker.io",
		"gcr.io/p/app":                    "gcr.io",
		"GCR.io/p/app":                    "GCR.io",
		"Registry/p/app":                  "Registry", // upper case: not a Docker Hub user
		"localhost/app":                   "localhost",
		"localhost:5000/app:v1":           "localhost:5000",
		"127.0.0.1:5000/app@" + digest:    "127.0.0.1:5000",
		"[::1]:5000/app":                  "[::1]:5000",
		"host.example.com:5000/a/b/c:tag": "host.example.com:5000",
	}
	for image, want := range tests {
		if got, err := ImageRegistry(image); got != want || err != nil {
			t.Errorf("ImageRegistry(%q) = %q, %v, want %q", image, got, err, want)
		}
	}
}

func TestKubeletConfig(t *testing.T) {
	codecs := kubeletCodecs(t)
	c := Config{
		Name:          "docker-credential-gcr",
		MatchImages:   MatchImages(map[string]string{"registry.example.com:5000": registry.UniverseGoogle, "myreg.internal": registry.UniverseGoogle, "us-docker.pkg.dev": registry.UniverseGoogle}),
		CacheDuration: DefaultCacheDuration,
	}
	for _, format := range []string{OutputYAML, OutputJSON} {
		out, err := c.Format(format)
		if err != nil {
			t.Fatalf("Format(%s) error = %v", format, err)
		}
		obj, gvk, err := codecs.UniversalDeserializer().Decode([]byte(out), nil, nil)
		if err != nil {
			t.Fatalf("the kubelet's strict decoder refuses the %s config: %v\n%s", format, err, out)
		}
		if gvk.GroupVersion().String() != ConfigAPIVersion || gvk.Kind != "CredentialProviderConfig" {
			t.Errorf("%s config is %s, want %s CredentialProviderConfig", format, gvk, ConfigAPIVersion)
		}
		cfg := obj.(*kubeletconfigv1.CredentialProviderConfig)
		if len(cfg.Providers) != 1 {
			t.Fatalf("%s config has %d providers, want 1", format, len(cfg.Providers))
		}
		p := cfg.Providers[0]
		if p.Name != "docker-credential-gcr" || p.APIVersion != ProviderAPIVersion || !reflect.DeepEqual(p.Args, []string{"kubelet-credential-provider"}) || len(p.Env) != 0 || p.TokenAttributes != nil {
			t.Errorf("%s provider = name %q apiVersion %q args %q env %v, want docker-credential-gcr, %s, [kubelet-credential-provider], none", format, p.Name, p.APIVersion, p.Args, p.Env, ProviderAPIVersion)
		}
		if p.DefaultCacheDuration == nil || p.DefaultCacheDuration.Duration != 55*time.Minute {
			t.Errorf("%s defaultCacheDuration = %v, want 55m", format, p.DefaultCacheDuration)
		}
		want := []string{"gcr.io", "*.gcr.io", "*-docker.pkg.dev", "docker.*.rep.pkg.dev", "*-docker.s3nsregistry.fr", "myreg.internal", "registry.example.com:5000"}
		if !reflect.DeepEqual(p.MatchImages, want) {
			t.Errorf("%s matchImages = %q, want %q", format, p.MatchImages, want)
		}
		for _, m := range p.MatchImages { // what the kubelet validates
			if _, err := url.Parse("https://" + m); err != nil {
				t.Errorf("matchImage %q does not parse: %v", m, err)
			}
		}
		if again, _ := c.Format(format); again != out {
			t.Errorf("Format(%s) is not stable", format)
		}
	}
	if _, err := c.Format("toml"); err == nil || !strings.Contains(err.Error(), "use yaml or json") {
		t.Errorf("Format(toml) error = %v, want one naming yaml and json", err)
	}
}

// The kubelet runs the plugin for every image of a Google registry (and of
// a registered host), and not for others: an image it runs the plugin for
// that the plugin does not serve costs an exec, a missed one a failed pull.
func TestKubeletMatchImages(t *testing.T) {
	patterns := MatchImages(map[string]string{"registry.example.com:5000": registry.UniverseGoogle, "myreg.internal": registry.UniverseGoogle})
	registered := map[string]string{"registry.example.com:5000": registry.UniverseGoogle, "myreg.internal": registry.UniverseGoogle}
	served := func(host string) bool {
		n, err := registry.NormalizeHost(host)
		_, ok := registry.Lookup(n, registered)
		return err == nil && ok
	}
	yes := []string{
		"gcr.io/p/app", "gcr.io/p/app:v1", "us.gcr.io/p/app", "eu.gcr.io/p/app@" + digest, "asia.gcr.io/p/a/b/c",
		"marketplace.gcr.io/google/app", "us-east1-docker.pkg.dev/p/r/app", "europe-west10-docker.pkg.dev/p/r/app:v1",
		"us-docker.pkg.dev/p/r/app@" + digest, "docker.us-central1.rep.pkg.dev/p/r/app", "docker.europe-west4.rep.pkg.dev/p/r/app",
		"u-france-east1-docker.s3nsregistry.fr/p/r/app", "europe-west9-docker.s3nsregistry.fr/p/r/app:v1",
		"registry.example.com:5000/team/app", "myreg.internal/team/app:v1",
	}
	no := []string{
		"gcr.io.evil.com/x", "evil.com/gcr.io/x", "a.b.gcr.io/x", "evilgcr.io/x",
		"pkg.dev/x", "us-east1-docker.pkg.dev.evil.com/x", "a.us-east1-docker.pkg.dev/x", "us-east1-python.pkg.dev/p/r/x",
		"docker.rep.pkg.dev/x", "docker.a.b.rep.pkg.dev/x", "x.docker.us.rep.pkg.dev/x", "s3nsregistry.fr/x",
		"docker.s3nsregistry.fr/x", "evil-docker.s3nsregistry.fr.evil.com/x", "ghcr.io/o/r", "docker.io/library/nginx",
		"registry.example.com/team/app", "registry.example.com:5001/team/app", "localhost:5000/x",
		"myreg.internal:5000/team/app", // registered without a port: exactly as registered
	}
	// A Google host written with an explicit port is served by the plugin,
	// but the kubelet cannot glob a port: it does not ask.
	portOnly := []string{"gcr.io:5000/x", "us.gcr.io:443/x", "us-docker.pkg.dev:443/p/r/app"}
	for _, image := range portOnly {
		if matchesAny(patterns, image) {
			t.Errorf("matchImages %q match %s; the kubelet has no port glob", patterns, image)
		}
		if key, _ := ImageRegistry(image); !matchesAny([]string{key}, image) {
			t.Errorf("auth key %q does not match %s", key, image)
		}
	}
	for _, image := range yes {
		if !matchesAny(patterns, image) {
			t.Errorf("matchImages %q do not match %s; the kubelet would pull it without credentials", patterns, image)
		}
		host, err := ImageRegistry(image)
		if err != nil || !served(host) {
			t.Errorf("the plugin does not serve %s (registry %q, %v)", image, host, err)
		}
	}
	for _, image := range no {
		if matchesAny(patterns, image) {
			t.Errorf("matchImages %q match %s; want no match", patterns, image)
		}
		if host, _ := ImageRegistry(image); served(host) {
			t.Errorf("the plugin serves %s; want not", image)
		}
	}
}
