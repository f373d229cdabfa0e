package kubelet

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	credentialproviderv1 "k8s.io/kubelet/pkg/apis/credentialprovider/v1"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

const (
	testProvider = "projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod"
	testAudience = "https://iam.googleapis.com/" + testProvider
	testGSA      = "puller@my-project.iam.gserviceaccount.com"
)

// podRequestJSON encodes a request as the kubelet does for a provider with
// tokenAttributes: through the real k8s.io/kubelet type.
func podRequestJSON(t *testing.T, codecs serializer.CodecFactory, image, saToken string, annotations map[string]string) []byte {
	t.Helper()
	info, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	if !ok {
		t.Fatal("no JSON serializer")
	}
	enc := codecs.EncoderForVersion(info.Serializer, credentialproviderv1.SchemeGroupVersion)
	b, err := runtime.Encode(enc, &credentialproviderv1.CredentialProviderRequest{Image: image, ServiceAccountToken: saToken, ServiceAccountAnnotations: annotations})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// podTokens stands in for the federated source: it records each pod it is
// asked for and mints a token naming it.
type podTokens struct {
	pods   []Pod
	err    error
	expiry time.Time
}

func (f *podTokens) tokens(_ context.Context, pod Pod, _, universe string) (*token.Token, error) {
	f.pods = append(f.pods, pod)
	if f.err != nil {
		return nil, f.err
	}
	who := "principal:" + pod.Claims.Subject
	if pod.ServiceAccount != "" {
		who = pod.ServiceAccount
	}
	return &token.Token{AccessToken: "ya29.pod-" + who, Expiry: f.expiry, Universe: universe}, nil
}

type podFixture struct {
	*kubeletFixture
	iss  *fakegoogle.Issuer
	now  time.Time
	node *fixedTokens
	pods *podTokens
}

func newPodFixture(t *testing.T) *podFixture {
	t.Helper()
	f := newKubeletFixture(t)
	iss, err := f.g.NewIssuer("cluster", fakegoogle.IssuerOptions{URL: "https://kubernetes.default.svc.cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	return &podFixture{
		kubeletFixture: f, iss: iss, now: now,
		node: &fixedTokens{t: &token.Token{AccessToken: "ya29.node", Expiry: now.Add(time.Hour)}},
		pods: &podTokens{expiry: now.Add(time.Hour)},
	}
}

func (f *podFixture) plugin(id Identity) *Plugin {
	return &Plugin{
		Tokens: f.node.tokens, PodTokens: f.pods.tokens, Identity: id,
		Audiences: []string{testAudience, "//iam.googleapis.com/" + testProvider},
		Margin:    token.DefaultRefreshMargin, Now: func() time.Time { return f.now },
	}
}

// saToken is a bound token of ns/name for the provider's audience.
func (f *podFixture) saToken(t *testing.T, ns, name string, life time.Duration) string {
	t.Helper()
	tok, err := f.iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: ns, Name: name, Pod: name + "-pod"}, []string{testAudience}, life)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Who pulls as whom, per mode: the node, the federated principal, the GSA,
// or an error — and an error never falls back to the node.
func TestKubeletPodIdentity(t *testing.T) {
	f := newPodFixture(t)
	tok := f.saToken(t, "shop", "frontend", time.Hour)
	gsa := map[string]string{AnnotationServiceAccount: testGSA}
	wi := map[string]string{AnnotationEnableImagePull: "true"}
	const fed = "ya29.pod-principal:system:serviceaccount:shop:frontend"
	tests := []struct {
		name        string
		id          Identity
		token       string
		annotations map[string]string
		want        string // the password, or "error: substring"
	}{
		{"node ignores the token", IdentityNode, tok, gsa, "ya29.node"},
		{"node, no token", IdentityNode, "", nil, "ya29.node"},
		{"annotated, unannotated", IdentityAnnotated, tok, nil, "ya29.node"},
		{"annotated, static pod", IdentityAnnotated, "", nil, "ya29.node"},
		{"annotated, opt-out", IdentityAnnotated, tok, map[string]string{AnnotationEnableImagePull: "false"}, "ya29.node"},
		{"annotated, GSA", IdentityAnnotated, tok, gsa, "ya29.pod-" + testGSA},
		{"annotated, federated", IdentityAnnotated, tok, wi, fed},
		{"annotated, both: the GSA", IdentityAnnotated, tok, map[string]string{AnnotationServiceAccount: testGSA, AnnotationEnableImagePull: "true"}, "ya29.pod-" + testGSA},
		{"pod, unannotated", IdentityPod, tok, nil, fed},
		{"pod, GSA", IdentityPod, tok, gsa, "ya29.pod-" + testGSA},
		{"pod, no token", IdentityPod, "", nil, "error: has no serviceAccountToken"},
		{"annotated, GSA, no token", IdentityAnnotated, "", gsa, "error: has no serviceAccountToken"},
		{"annotated, opt-in not a boolean", IdentityAnnotated, tok, map[string]string{AnnotationEnableImagePull: "yes"}, `error: "yes"; it takes "true"`},
		{"annotated, user email", IdentityAnnotated, tok, map[string]string{AnnotationServiceAccount: "alice@example.com"}, `error: "alice@example.com", which is not a Google service account's email`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.node.n, f.pods.pods = 0, nil
			out, err := serve(f.plugin(tt.id), podRequestJSON(t, f.codecs, "us-docker.pkg.dev/p/r/app:v1", tt.token, tt.annotations))
			if want, isErr := strings.CutPrefix(tt.want, "error: "); isErr {
				if err == nil || !strings.Contains(err.Error(), want) || out != "" {
					t.Fatalf("Serve() = %q, %v, want no output and an error with %q", out, err, want)
				}
				if f.node.n != 0 || len(f.pods.pods) != 0 {
					t.Errorf("Serve() asked the node %d times and the pod source %d times, want neither", f.node.n, len(f.pods.pods))
				}
				return
			}
			if err != nil {
				t.Fatalf("Serve() error = %v", err)
			}
			r := decodeKubeletResponse(t, f.codecs, []byte(out))
			if a := r.Auth["us-docker.pkg.dev"]; a.Password != tt.want || a.Username != "oauth2accesstoken" || len(r.Auth) != 1 {
				t.Errorf("Serve() auth = %+v, want oauth2accesstoken %s", r.Auth, tt.want)
			}
			if tt.want == "ya29.node" && len(f.pods.pods) != 0 || tt.want != "ya29.node" && f.node.n != 0 {
				t.Errorf("Serve() asked the node %d times and the pod source %d times, want only the one that answered", f.node.n, len(f.pods.pods))
			}
			if len(f.pods.pods) == 1 {
				p := f.pods.pods[0]
				if p.SubjectToken != tok || p.Claims.Namespace != "shop" || p.Claims.ServiceAccount != "frontend" || p.Claims.ServiceAccountUID == "" {
					t.Errorf("pod source got %s (uid %q), want the request's token of shop/frontend", p.Claims.Describe(), p.Claims.ServiceAccountUID)
				}
			}
		})
	}
}

// A pod that asked for its own identity and cannot have it gets an error,
// never the node's token.
func TestKubeletPodFailsClosed(t *testing.T) {
	f := newPodFixture(t)
	f.pods.err = &token.STSError{Status: 400, Code: "unauthorized_client"}
	tok := f.saToken(t, "shop", "frontend", time.Hour)
	for _, id := range []Identity{IdentityAnnotated, IdentityPod} {
		ann := map[string]string{AnnotationServiceAccount: testGSA}
		out, err := serve(f.plugin(id), podRequestJSON(t, f.codecs, "gcr.io/p/app", tok, ann))
		if err == nil || out != "" || !strings.Contains(err.Error(), "as the pod's own identity (never the node's)") || !errors.Is(err, f.pods.err) {
			t.Errorf("%s mode, failing exchange: Serve() = %q, %v, want no output and the exchange's error", id, out, err)
		}
		if f.node.n != 0 {
			t.Errorf("%s mode, failing exchange: the node's source was asked %d times, want 0", id, f.node.n)
		}
		if strings.Contains(err.Error(), tok) {
			t.Errorf("the error holds the pod's token")
		}
	}
	// A wiring without a pod source fails as closed.
	p := f.plugin(IdentityPod)
	p.PodTokens = nil
	if _, err := serve(p, podRequestJSON(t, f.codecs, "gcr.io/p/app", tok, nil)); err == nil || f.node.n != 0 {
		t.Errorf("pod mode without PodTokens: Serve() error = %v, node asked %d times, want an error and 0", err, f.node.n)
	}
}

// A non-Google image gets an empty auth whatever the pod sent.
func TestKubeletPodForeignImage(t *testing.T) {
	f := newPodFixture(t)
	for _, tok := range []string{"", "not-a-jwt", f.saToken(t, "shop", "frontend", time.Hour)} {
		out, err := serve(f.plugin(IdentityPod), podRequestJSON(t, f.codecs, "ghcr.io/o/r:1", tok, map[string]string{AnnotationServiceAccount: "bad"}))
		if err != nil {
			t.Fatalf("Serve(ghcr.io image) error = %v, want an empty auth", err)
		}
		if r := decodeKubeletResponse(t, f.codecs, []byte(out)); len(r.Auth) != 0 || f.node.n+len(f.pods.pods) != 0 {
			t.Errorf("Serve(ghcr.io image) auth = %v after %d token requests, want none", r.Auth, f.node.n+len(f.pods.pods))
		}
	}
}

// cacheDuration: the token's life minus the margin; for a federated token
// never past the pod's token it came from.
func TestKubeletPodCacheDuration(t *testing.T) {
	f := newPodFixture(t)
	short := f.saToken(t, "shop", "frontend", 20*time.Minute)
	exp := func(tok string) time.Time {
		c, err := token.ReadJWT(tok, f.now)
		if err != nil {
			t.Fatal(err)
		}
		return c.Expiry
	}
	tests := []struct {
		annotations map[string]string
		tokenLife   time.Duration
		want        time.Duration
	}{
		// Federated: bounded by the JWT (20m) less the margin.
		{map[string]string{AnnotationEnableImagePull: "true"}, time.Hour, exp(short).Sub(f.now) - 5*time.Minute},
		// Federated, shorter than the JWT: the token's own life.
		{map[string]string{AnnotationEnableImagePull: "true"}, 10 * time.Minute, 5 * time.Minute},
		// Impersonated: an hour whatever the JWT.
		{map[string]string{AnnotationServiceAccount: testGSA}, time.Hour, 55 * time.Minute},
	}
	for _, tt := range tests {
		f.pods.expiry = f.now.Add(tt.tokenLife)
		out, err := serve(f.plugin(IdentityAnnotated), podRequestJSON(t, f.codecs, "gcr.io/p/app", short, tt.annotations))
		if err != nil {
			t.Fatal(err)
		}
		r := decodeKubeletResponse(t, f.codecs, []byte(out))
		if r.CacheDuration == nil || r.CacheDuration.Duration != tt.want.Truncate(time.Second) {
			t.Errorf("annotations %v, token life %v, JWT 20m: cacheDuration = %v, want %v", tt.annotations, tt.tokenLife, r.CacheDuration, tt.want.Truncate(time.Second))
		}
	}
}

// Bad input from the kubelet or a service account: a clear error, no
// output, and neither the pod's token nor a piece of it in the error.
func TestKubeletPodBadInput(t *testing.T) {
	f := newPodFixture(t)
	good := f.saToken(t, "shop", "frontend", time.Hour)
	expired, _ := f.iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: "shop", Name: "frontend"}, []string{testAudience}, time.Hour)
	f2 := *f
	f2.now = f.now.Add(2 * time.Hour) // the same token, two hours on
	wrongAud, _ := f.iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: "shop", Name: "frontend"}, []string{"https://kubernetes.default.svc"}, time.Hour)
	noSub, _ := f.iss.Token("", []string{testAudience}, time.Hour, map[string]any{"sub": nil})
	gsa := map[string]string{AnnotationServiceAccount: testGSA}
	tests := []struct {
		name        string
		f           *podFixture
		token       string
		annotations map[string]string
		want        string
	}{
		{"not a JWT", f, "not-a-jwt", gsa, "is not a JWT"},
		{"not a JWT, three parts", f, "a.b.c", gsa, "is not a JWT"},
		{"expired", &f2, expired, gsa, "expired"},
		{"wrong audience", f, wrongAud, gsa, `is for audience "https://kubernetes.default.svc", not "` + testAudience},
		{"missing sub", f, noSub, gsa, "no subject (sub claim)"},
		{"user email", f, good, map[string]string{AnnotationServiceAccount: "me@gmail.com"}, "not a Google service account's email"},
		{"email with a path", f, good, map[string]string{AnnotationServiceAccount: "a/../b@p.iam.gserviceaccount.com"}, "not a Google service account's email"},
		{"JWT as the email", f, good, map[string]string{AnnotationServiceAccount: good[:90]}, "a 90-byte value"},
		{"64 KiB annotation", f, good, map[string]string{AnnotationServiceAccount: strings.Repeat("a", 64<<10)}, "65536 bytes"},
		{"1 MiB annotation", f, good, map[string]string{AnnotationServiceAccount: strings.Repeat("a", 1<<20)}, "larger than 1 MiB"},
		{"token over the JWT bound", f, strings.Repeat("e", token.MaxJWTSize+1), gsa, "more than 32768"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.pods.pods, f.node.n = nil, 0
			out, err := serve(tt.f.plugin(IdentityAnnotated), podRequestJSON(t, f.codecs, "us-docker.pkg.dev/p/r/app", tt.token, tt.annotations))
			if err == nil || !strings.Contains(err.Error(), tt.want) || out != "" {
				t.Fatalf("Serve() = %q, %v, want no output and an error with %q", out, err, tt.want)
			}
			for _, secret := range []string{good, expired, wrongAud, noSub} {
				for _, part := range strings.Split(secret, ".") {
					if len(part) >= 16 && strings.Contains(err.Error(), part) {
						t.Errorf("the error %q holds a piece of a pod's token", err)
					}
				}
			}
			if len(f.pods.pods)+f.node.n != 0 {
				t.Errorf("Serve() asked for %d tokens, want none", len(f.pods.pods)+f.node.n)
			}
		})
	}
}

// The request is decoded strictly: a name twice, a name in the wrong case,
// a field of the wrong type are refused; a field from a newer kubelet is
// not.
func TestKubeletRequestStrict(t *testing.T) {
	f := newPodFixture(t)
	const head = `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"gcr.io/p/app"`
	tok := f.saToken(t, "shop", "frontend", time.Hour)
	bad := map[string]string{
		head + `,"serviceAccountToken":"` + tok + `","serviceAccountToken":"x"}`:                                           "appears twice",
		head + `,"serviceAccountAnnotations":{"iam.gke.io/gcp-service-account":"a","iam.gke.io/gcp-service-account":"b"}}`: "appears twice",
		head + `,"ServiceAccountToken":"` + tok + `"}`:                                                                     "is spelled serviceAccountToken",
		head + `,"serviceAccountToken":42}`:                                                                                "not of its type",
		head + `,"serviceAccountAnnotations":{"a":1}}`:                                                                     "not of its type",
		head + `,"serviceAccountAnnotations":"a"}`:                                                                         "not of its type",
	}
	for in, want := range bad {
		out, err := serve(f.plugin(IdentityPod), []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || out != "" {
			t.Errorf("Serve(%.120s) = %q, %v, want an error with %q", in, out, err, want)
		}
		if err != nil && strings.Contains(err.Error(), tok[40:80]) {
			t.Errorf("the error holds the pod's token")
		}
	}
	newer := head + `,"serviceAccountToken":"` + tok + `","podName":"frontend-pod"}`
	if _, err := serve(f.plugin(IdentityPod), []byte(newer)); err != nil {
		t.Errorf("Serve(request with an unknown field) error = %v, want it ignored", err)
	}
}

func TestParseIdentity(t *testing.T) {
	tests := []struct {
		v        string
		provider bool
		want     Identity
		err      string
	}{
		{"", false, IdentityNode, ""},
		{"", true, IdentityAnnotated, ""},
		{"node", true, IdentityNode, ""},
		{" Pod ", true, IdentityPod, ""},
		{"annotated", true, IdentityAnnotated, ""},
		{"pod", false, "", "needs a workload identity provider"},
		{"annotated", false, "", "needs a workload identity provider"},
		{"gsa", true, "", "not node, annotated or pod"},
	}
	for _, tt := range tests {
		got, err := ParseIdentity(tt.v, tt.provider)
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseIdentity(%q, %v) = %q, %v, want %q, %q", tt.v, tt.provider, got, err, tt.want, tt.err)
		}
	}
}

func TestIsServiceAccountEmail(t *testing.T) {
	for _, s := range []string{
		"puller@my-project.iam.gserviceaccount.com", "123456789012-compute@developer.gserviceaccount.com",
		"my-project@appspot.gserviceaccount.com", "sa@p.s3ns.iam.gserviceaccount.com", "sa@p.s3ns-system.iam.gserviceaccount.com",
		"sa@my-project.example.com.iam.gserviceaccount.com",
	} {
		if !isServiceAccountEmail(s) {
			t.Errorf("isServiceAccountEmail(%q) = false, want true", s)
		}
	}
	for _, s := range []string{
		"", "puller", "alice@example.com", "@p.iam.gserviceaccount.com", "a@gserviceaccount.com", "a@.gserviceaccount.com",
		"A@p.iam.gserviceaccount.com", "a@p.iam.gserviceaccount.com.evil.com", "a b@p.iam.gserviceaccount.com",
		"a@p..iam.gserviceaccount.com", "a@-p.iam.gserviceaccount.com", "a/b@p.iam.gserviceaccount.com",
		"a@b@p.iam.gserviceaccount.com", "a@p.iam.gserviceaccount.com\n", strings.Repeat("a", 250) + "@p.iam.gserviceaccount.com",
	} {
		if isServiceAccountEmail(s) {
			t.Errorf("isServiceAccountEmail(%q) = true, want false", s)
		}
	}
}
