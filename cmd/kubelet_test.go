package cmd_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

const (
	podProvider = "projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod"
	podGSA      = "shop-puller@my-project.iam.gserviceaccount.com"
)

// podNode is a node of a cluster whose issuer is registered on a pool
// provider of the fake Google, reached under Google's own host names
// through a proxy (HTTPS_PROXY, SSL_CERT_FILE), with the metadata server as
// the node's identity.
type podNode struct {
	*proc
	iss   *fakegoogle.Issuer
	proxy *fakegoogle.Proxy
}

func newPodNode(t *testing.T, universe string) *podNode {
	t.Helper()
	p := newProc(t)
	iss, err := p.Google.NewIssuer("cluster", fakegoogle.IssuerOptions{URL: "https://kubernetes.default.svc.cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Google.AddProvider(fakegoogle.ProviderConfig{Audience: "//iam." + universe + "/" + podProvider, Issuer: iss}); err != nil {
		t.Fatal(err)
	}
	h := p.Google.Handler()
	proxy, err := fakegoogle.NewProxy(map[string]http.Handler{"sts." + universe: h, "iamcredentials." + universe: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	ca := filepath.Join(p.Home, "ca.pem")
	if err := proxy.WriteCA(ca); err != nil {
		t.Fatal(err)
	}
	p.Vars["HTTPS_PROXY"], p.Vars["SSL_CERT_FILE"], p.Vars["NO_PROXY"] = proxy.URL, ca, "127.0.0.1"
	return &podNode{proc: p, iss: iss, proxy: proxy}
}

// kubeletProvider is the provider entry of the printed config, as the
// kubelet reads it.
type kubeletProvider struct {
	Name            string
	APIVersion      string
	Args            []string
	TokenAttributes struct {
		ServiceAccountTokenAudience string
		RequireServiceAccount       *bool
	}
	Env []struct{ Name, Value string }
}

// config prints the config for args and returns its provider entry.
func (n *podNode) config(t *testing.T, args ...string) kubeletProvider {
	t.Helper()
	out, stderr, code := n.run("", append([]string{"kubelet-credential-provider-config", "--output=json"}, args...)...)
	var cfg struct{ Providers []kubeletProvider }
	if code != 0 || json.Unmarshal([]byte(out), &cfg) != nil || len(cfg.Providers) != 1 {
		t.Fatalf("kubelet-credential-provider-config %q = %q, %q, exit %d", args, out, stderr, code)
	}
	return cfg.Providers[0]
}

// saToken is a pod's bound service-account token, as the kubelet requests
// it for the config's audience.
func (n *podNode) saToken(t *testing.T, p kubeletProvider, ns, name, pod string) string {
	t.Helper()
	tok, err := n.iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: ns, Name: name, Pod: pod, Node: "node-1"},
		[]string{p.TokenAttributes.ServiceAccountTokenAudience}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type pluginAnswer struct {
	stdout, stderr string
	code           int
	password       string // of the one auth entry
	cacheDuration  time.Duration
}

// exec runs the plugin as the kubelet does: the config's args, its env
// over the node's, the request on stdin.
func (n *podNode) exec(t *testing.T, p kubeletProvider, image, saToken string, annotations map[string]string) pluginAnswer {
	t.Helper()
	req, _ := json.Marshal(map[string]any{"apiVersion": p.APIVersion, "kind": "CredentialProviderRequest", "image": image,
		"serviceAccountToken": saToken, "serviceAccountAnnotations": annotations})
	saved := map[string]string{}
	for _, e := range p.Env {
		saved[e.Name] = n.Vars[e.Name]
		n.Vars[e.Name] = e.Value
	}
	defer func() {
		for k, v := range saved {
			n.Vars[k] = v
		}
	}()
	out, stderr, code := n.run(string(req), p.Args...)
	a := pluginAnswer{stdout: out, stderr: stderr, code: code}
	var r struct {
		CacheDuration string
		Auth          map[string]struct{ Username, Password string }
	}
	if code == 0 {
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("plugin answered %q: %v", out, err)
		}
		for _, v := range r.Auth {
			a.password = v.Password
		}
		a.cacheDuration, _ = time.ParseDuration(r.CacheDuration)
	}
	// Whatever the outcome, the pod's token appears in no output.
	for _, part := range strings.Split(saToken, ".") {
		if len(part) >= 16 && strings.Contains(out+stderr, part) {
			t.Errorf("the plugin's output holds a piece of the pod's token")
		}
	}
	return a
}

// The plugin run as the kubelet runs it, with the config it prints: two
// pods of two service accounts pull as their own identities (a GSA, a
// federated principal), an unannotated pod as the node, and pods of one
// service account make one exchange.
func TestKubeletPluginPerPod(t *testing.T) {
	n := newPodNode(t, "googleapis.com")
	n.Google.AllowImpersonation("principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/kubernetes/subject/system:serviceaccount:shop:frontend", podGSA)
	p := n.config(t, "--workload-identity-provider="+podProvider)
	const image = "europe-west1-docker.pkg.dev/my-project/shop/web:1"

	a := n.exec(t, p, image, n.saToken(t, p, "shop", "frontend", "frontend-1"), map[string]string{"iam.gke.io/gcp-service-account": podGSA})
	if who, _ := n.Google.Principal(a.password); a.code != 0 || who != podGSA {
		t.Fatalf("pod A (GSA annotation): exit %d, token of %q, stderr %q; want %s", a.code, who, a.stderr, podGSA)
	}
	if a.cacheDuration < 54*time.Minute || a.cacheDuration > 55*time.Minute {
		t.Errorf("pod A: cacheDuration = %v, want about 55m (an impersonated token lives an hour)", a.cacheDuration)
	}
	b := n.exec(t, p, image, n.saToken(t, p, "shop", "backend", "backend-1"), map[string]string{"iam.gke.io/enable-wi-image-pull": "true"})
	wantB := "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/kubernetes/subject/system:serviceaccount:shop:backend"
	if who, _ := n.Google.Principal(b.password); b.code != 0 || who != wantB {
		t.Fatalf("pod B (opt-in): exit %d, token of %q, stderr %q; want %s", b.code, who, b.stderr, wantB)
	}
	c := n.exec(t, p, image, n.saToken(t, p, "shop", "other", "other-1"), nil)
	if who, _ := n.Google.Principal(c.password); c.code != 0 || who != testenv.VMAccount {
		t.Errorf("unannotated pod: exit %d, token of %q; want the node's %s", c.code, who, testenv.VMAccount)
	}

	// N pods of one service account, each its own token: one exchange and
	// one impersonation for all of them (the first pod's included above).
	sts, iam := n.Google.Count("sts"), n.Google.Count("iam")
	const pods = 8
	for i := range pods {
		r := n.exec(t, p, image, n.saToken(t, p, "shop", "frontend", "frontend-"+string(rune('b'+i))), map[string]string{"iam.gke.io/gcp-service-account": podGSA})
		if r.password != a.password {
			t.Fatalf("pod %d of shop/frontend got another token (exit %d, %q)", i, r.code, r.stderr)
		}
	}
	if d := n.Google.Count("sts") - sts + n.Google.Count("iam") - iam; d != 0 {
		t.Errorf("%d more pods of one service account made %d upstream requests, want 0 (one exchange per token life)", pods, d)
	}
	t.Logf("%d pods of shop/frontend: %d exchange(s), %d impersonation(s) in all", pods+1, 1+n.Google.Count("sts")-sts, 1+n.Google.Count("iam")-iam)
}

// A pod that asked for its own identity and cannot have it gets an error
// and no token; the node's is never used for it.
func TestKubeletPluginFailsClosed(t *testing.T) {
	n := newPodNode(t, "googleapis.com")
	p := n.config(t, "--workload-identity-provider="+podProvider, "--identity=pod")
	const image = "us-docker.pkg.dev/p/r/app"
	other, err := n.Google.NewIssuer("other-cluster", fakegoogle.IssuerOptions{URL: "https://other.example"})
	if err != nil {
		t.Fatal(err)
	}
	unregistered, _ := other.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: "shop", Name: "frontend"}, []string{p.TokenAttributes.ServiceAccountTokenAudience}, time.Hour)
	tests := []struct {
		name, token string
		annotations map[string]string
		want        string
	}{
		{"issuer not registered", unregistered, nil, "invalid_grant"},
		{"impersonation refused", n.saToken(t, p, "shop", "frontend", "f-1"), map[string]string{"iam.gke.io/gcp-service-account": podGSA}, "roles/iam.workloadIdentityUser"},
		{"no token", "", nil, "no serviceAccountToken"},
	}
	for _, tt := range tests {
		meta := n.Google.Count("metadata-token")
		r := n.exec(t, p, image, tt.token, tt.annotations)
		if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want a failure naming %q and nothing on stdout", tt.name, r.code, r.stdout, r.stderr, tt.want)
		}
		if strings.Count(strings.TrimSpace(r.stderr), "\n") > 2 || strings.Contains(r.stderr, "ya29.") {
			t.Errorf("%s: stderr = %q, want a short message without a token", tt.name, r.stderr)
		}
		if n.Google.Count("metadata-token") != meta {
			t.Errorf("%s: the node's identity was asked for", tt.name)
		}
	}
}

// An S3NS provider: the exchange and impersonation go to sts.s3nsapis.fr
// and iamcredentials.s3nsapis.fr only (the proxy serves nothing else), and
// its token serves S3NS registries, never a googleapis.com one.
func TestKubeletPluginS3NS(t *testing.T) {
	n := newPodNode(t, "s3nsapis.fr")
	const gsa = "puller@my-project.s3ns.iam.gserviceaccount.com"
	n.Google.AllowImpersonation("principal://iam.s3nsapis.fr/projects/123456789012/locations/global/workloadIdentityPools/kubernetes/subject/system:serviceaccount:shop:frontend", gsa)
	p := n.config(t, "--workload-identity-provider=//iam.s3nsapis.fr/"+podProvider, "--identity=pod")
	if p.TokenAttributes.ServiceAccountTokenAudience != "https://iam.s3nsapis.fr/"+podProvider {
		t.Errorf("S3NS audience = %q, want https://iam.s3nsapis.fr/%s", p.TokenAttributes.ServiceAccountTokenAudience, podProvider)
	}
	tok := n.saToken(t, p, "shop", "frontend", "f-1")
	for _, ann := range []map[string]string{nil, {"iam.gke.io/gcp-service-account": gsa}} {
		r := n.exec(t, p, "u-france-east1-docker.s3nsregistry.fr/p/r/app:1", tok, ann)
		info, ok := n.Google.TokenInfo(r.password)
		if r.code != 0 || !ok || info.Universe != "s3nsapis.fr" {
			t.Fatalf("S3NS image, annotations %v: exit %d, stderr %q, token universe %q; want an s3nsapis.fr token", ann, r.code, r.stderr, info.Universe)
		}
	}
	if n.Google.Count("sts@s3nsapis.fr") != 2 || n.Google.Count("iam@s3nsapis.fr") != 1 || n.Google.Count("sts@googleapis.com")+n.Google.Count("iam@googleapis.com") != 0 {
		t.Errorf("requests: sts@s3nsapis.fr %d, iam@s3nsapis.fr %d, googleapis.com %d; want 2 (the federated principal, the GSA), 1, 0",
			n.Google.Count("sts@s3nsapis.fr"), n.Google.Count("iam@s3nsapis.fr"), n.Google.Count("sts@googleapis.com")+n.Google.Count("iam@googleapis.com"))
	}
	if refused := n.proxy.Refused(); len(refused) != 0 {
		t.Errorf("the proxy refused %q: the plugin asked hosts outside s3nsapis.fr", refused)
	}
	r := n.exec(t, p, "us-docker.pkg.dev/p/r/app", tok, nil)
	if r.code == 0 || !strings.Contains(r.stderr, "s3nsapis.fr") {
		t.Errorf("googleapis.com image with an S3NS provider: exit %d, stderr %q; want an error naming the universes", r.code, r.stderr)
	}
}

// A registry's own identity (config --registry=HOST) applies to the
// kubelet plugin by the image's registry: the node's token for that host
// impersonates the host's account, and a pod's token is exchanged at the
// host's provider.
func TestKubeletPluginPerRegistry(t *testing.T) {
	n := newPodNode(t, "googleapis.com")
	const otherProvider = "projects/123456789012/locations/global/workloadIdentityPools/other-pool/providers/prod"
	p := n.config(t, "--workload-identity-provider="+podProvider)
	// The other pool's provider accepts the audience the kubelet asks
	// pods' tokens for (one provider entry, one audience).
	if err := n.Google.AddProvider(fakegoogle.ProviderConfig{Audience: "//iam.googleapis.com/" + otherProvider, Issuer: n.iss,
		AllowedAudiences: []string{p.TokenAttributes.ServiceAccountTokenAudience}}); err != nil {
		t.Fatal(err)
	}
	const eu = "node-eu@p.iam.gserviceaccount.com"
	n.Google.AllowImpersonation(testenv.VMAccount, eu)
	for _, args := range [][]string{
		{"config", "--registry=europe-west1-docker.pkg.dev", "--workload-identity-provider=" + otherProvider},
		{"config", "--registry=us-docker.pkg.dev", "--impersonate-service-account=" + eu},
	} {
		if out, stderr, code := n.run("", args...); code != 0 {
			t.Fatalf("%q = %q, %q, exit %d", args, out, stderr, code)
		}
	}
	tok := n.saToken(t, p, "shop", "backend", "backend-1")
	optIn := map[string]string{"iam.gke.io/enable-wi-image-pull": "true"}
	tests := []struct {
		image       string
		annotations map[string]string
		want        string
	}{
		{"europe-west1-docker.pkg.dev/p/r/app", optIn, "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/other-pool/subject/system:serviceaccount:shop:backend"},
		{"asia-docker.pkg.dev/p/r/app", optIn, "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/kubernetes/subject/system:serviceaccount:shop:backend"},
		{"us-docker.pkg.dev/p/r/app", nil, eu},
		{"gcr.io/p/app", nil, testenv.VMAccount},
	}
	for _, tt := range tests {
		r := n.exec(t, p, tt.image, tok, tt.annotations)
		if who, _ := n.Google.Principal(r.password); r.code != 0 || who != tt.want {
			t.Errorf("%s: exit %d, token of %q, stderr %q; want %s", tt.image, r.code, who, r.stderr, tt.want)
		}
	}
}
