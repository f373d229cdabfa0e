//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// A cluster whose service-account issuer is registered on a workload
// identity pool provider of the fake Google, in googleapis.com and in
// s3nsapis.fr (KEP-4412 per-pod identity).
const (
	podPool     = "projects/123456789012/locations/global/workloadIdentityPools/kubernetes"
	podProvider = podPool + "/providers/e2e-cluster"
	podGSA      = "shop-puller@demo-project.iam.gserviceaccount.com"
	s3nsHost    = "u-france-east1-docker.s3nsregistry.fr"
)

var (
	podClusterOnce sync.Once
	podIssuer      *fakegoogle.Issuer
	podClusterErr  error
)

// podCluster registers the cluster's issuer on the provider of both
// universes, once per world.
func podCluster(t *testing.T) *fakegoogle.Issuer {
	t.Helper()
	podClusterOnce.Do(func() {
		podIssuer, podClusterErr = world.Google.NewIssuer("kubelet-e2e-cluster", fakegoogle.IssuerOptions{URL: "https://kubernetes.default.svc.cluster.local"})
		for _, u := range []string{"googleapis.com", "s3nsapis.fr"} {
			if podClusterErr == nil {
				podClusterErr = world.Google.AddProvider(fakegoogle.ProviderConfig{Audience: "//iam." + u + "/" + podProvider, Issuer: podIssuer})
			}
		}
	})
	if podClusterErr != nil {
		t.Fatal(podClusterErr)
	}
	return podIssuer
}

func podPrincipal(universe, ns, ksa string) string {
	return "principal://iam." + universe + "/" + podPool + "/subject/system:serviceaccount:" + ns + ":" + ksa
}

// podProviderEntry is the provider entry of the printed config, as the
// kubelet reads it to run the plugin.
type podProviderEntry struct {
	Name            string   `json:"name"`
	APIVersion      string   `json:"apiVersion"`
	Args            []string `json:"args"`
	MatchImages     []string `json:"matchImages"`
	TokenAttributes struct {
		ServiceAccountTokenAudience string `json:"serviceAccountTokenAudience"`
	} `json:"tokenAttributes"`
	Env []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"env"`
}

// podConfig prints the per-pod config on u's node and returns its entry.
func podConfig(t *testing.T, u *harness.User, args string) podProviderEntry {
	t.Helper()
	out := must(t, u, "docker-credential-gcr kubelet-credential-provider-config --output json "+args).Stdout
	var cfg struct{ Providers []podProviderEntry }
	if err := json.Unmarshal([]byte(out), &cfg); err != nil || len(cfg.Providers) != 1 || cfg.Providers[0].TokenAttributes.ServiceAccountTokenAudience == "" {
		t.Fatalf("printed config = %v: %s; want one provider with tokenAttributes", err, out)
	}
	return cfg.Providers[0]
}

// podToken is a pod's bound service-account token for the config's
// audience, as the kubelet requests it.
func podToken(t *testing.T, p podProviderEntry, ns, ksa, pod string) string {
	t.Helper()
	tok, err := podCluster(t).KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: ns, Name: ksa, Pod: pod, Node: "node-1"},
		[]string{p.TokenAttributes.ServiceAccountTokenAudience}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// execPodPlugin runs the plugin as the kubelet does: the binary named in
// the config from the bin dir, its args, its env over the node's, one
// request on stdin. It fails the test if any output holds a piece of the
// pod's token.
func execPodPlugin(t *testing.T, u *harness.User, p podProviderEntry, image, saToken string, annotations map[string]string) (kubeletResponse, harness.Result) {
	t.Helper()
	req, _ := json.Marshal(map[string]any{"apiVersion": p.APIVersion, "kind": "CredentialProviderRequest", "image": image,
		"serviceAccountToken": saToken, "serviceAccountAnnotations": annotations})
	reqFile, err := u.WriteFile("pod-request.json", req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := "env"
	for _, e := range p.Env {
		cmd += " '" + e.Name + "=" + e.Value + "'"
	}
	r := u.Sh(cmd + " '" + filepath.Join(world.Bin, p.Name) + "' " + strings.Join(p.Args, " ") + " < " + reqFile)
	var resp kubeletResponse
	if r.Err == nil {
		if err := json.Unmarshal([]byte(r.Stdout), &resp); err != nil {
			t.Fatalf("plugin response is not JSON: %v\n%s", err, r)
		}
	}
	for _, part := range strings.Split(saToken, ".") {
		if len(part) >= 16 && strings.Contains(r.Stdout+r.Stderr, part) {
			t.Errorf("the plugin's output holds a piece of the pod's token")
		}
	}
	return resp, r
}

// pullWith pulls img with crane using exactly the auth the plugin returned
// for host, as the kubelet hands it to the runtime; it reports the run.
func pullWith(t *testing.T, u *harness.User, resp kubeletResponse, host, img, name string) harness.Result {
	t.Helper()
	a, ok := resp.Auth[host]
	if !ok || a.Username != "oauth2accesstoken" {
		t.Fatalf("plugin auth has no oauth2accesstoken entry for %s", host)
	}
	return u.Sh("DOCKER_CONFIG=" + dockerConfigDir(t, u, name, host, a.Username, a.Password) + " crane pull " + img + " " + name + ".tar")
}

// Scenario 6b: per-pod identity. The plugin, run as the kubelet runs it
// with the config it prints, gives pod A (its service account names a GSA)
// and pod B (opted in as its federated principal) each its own identity:
// each pulls its own repository with crane and is refused on the other's;
// an unannotated pod pulls as the node; N pods of one service account make
// one exchange.
func TestKubeletPerPodIdentity(t *testing.T) {
	needs(t, "crane")
	podCluster(t)
	pusher := newUser(t, "pod-pusher")
	must(t, pusher, "docker-credential-gcr configure-docker "+harness.ARHost)
	imgA, imgB, imgNode := harness.ARHost+"/demo-project/kubelet-a/app:v1", harness.ARHost+"/demo-project/kubelet-b/app:v1", harness.ARHost+"/demo-project/kubelet-node/app:v1"
	for _, img := range []string{imgA, imgB, imgNode} {
		pushImage(t, pusher, img)
	}
	principalA, principalB := podPrincipal("googleapis.com", "shop", "frontend"), podPrincipal("googleapis.com", "shop", "backend")
	world.Google.AllowImpersonation(principalA, podGSA)
	world.AR.Restrict("demo-project/kubelet-a", podGSA)
	world.AR.Restrict("demo-project/kubelet-b", principalB)

	node := newUser(t, "pod-node")
	p := podConfig(t, node, "--workload-identity-provider="+podProvider)
	tokA := podToken(t, p, "shop", "frontend", "frontend-1")
	respA, r := execPodPlugin(t, node, p, imgA, tokA, map[string]string{"iam.gke.io/gcp-service-account": podGSA})
	if r.Err != nil {
		t.Fatalf("pod A: %s", r)
	}
	respB, r := execPodPlugin(t, node, p, imgB, podToken(t, p, "shop", "backend", "backend-1"), map[string]string{"iam.gke.io/enable-wi-image-pull": "true"})
	if r.Err != nil {
		t.Fatalf("pod B: %s", r)
	}
	start := time.Now()
	if r := pullWith(t, node, respA, harness.ARHost, imgA, "a-on-a"); r.Err != nil {
		t.Errorf("pod A's auth does not pull repo-a: %s", r)
	}
	wantPrincipal(t, start, "oauth2accesstoken", podGSA)
	if r := pullWith(t, node, respA, harness.ARHost, imgB, "a-on-b"); r.Err == nil || !strings.Contains(r.Stderr, "UNAUTHORIZED") {
		t.Errorf("pod A's auth on repo-b: %s; want it refused (UNAUTHORIZED)", r)
	}
	start = time.Now()
	if r := pullWith(t, node, respB, harness.ARHost, imgB, "b-on-b"); r.Err != nil {
		t.Errorf("pod B's auth does not pull repo-b: %s", r)
	}
	wantPrincipal(t, start, "oauth2accesstoken", principalB)
	if r := pullWith(t, node, respB, harness.ARHost, imgA, "b-on-a"); r.Err == nil || !strings.Contains(r.Stderr, "UNAUTHORIZED") {
		t.Errorf("pod B's auth on repo-a: %s; want it refused (UNAUTHORIZED)", r)
	}

	// An unannotated pod in annotated mode pulls as the node.
	respC, r := execPodPlugin(t, node, p, imgNode, podToken(t, p, "shop", "other", "other-1"), nil)
	if r.Err != nil {
		t.Fatalf("unannotated pod: %s", r)
	}
	start = time.Now()
	if r := pullWith(t, node, respC, harness.ARHost, imgNode, "node"); r.Err != nil {
		t.Errorf("the unannotated pod's auth does not pull: %s", r)
	}
	wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)

	// N pods of shop/frontend on this node, each with its own token: no
	// upstream request beyond pod A's one exchange and one impersonation.
	const n = 10
	sts, iam := world.Google.Count("sts"), world.Google.Count("iam")
	for i := range n {
		resp, r := execPodPlugin(t, node, p, imgA, podToken(t, p, "shop", "frontend", "frontend-"+string(rune('b'+i))), map[string]string{"iam.gke.io/gcp-service-account": podGSA})
		if r.Err != nil || resp.Auth[harness.ARHost].Password != respA.Auth[harness.ARHost].Password {
			t.Fatalf("pod %d of shop/frontend: another token or a failure: %s", i, r)
		}
	}
	if ds, di := world.Google.Count("sts")-sts, world.Google.Count("iam")-iam; ds+di != 0 {
		t.Errorf("%d more pods of one service account: %d exchanges, %d impersonations; want 0 (one per token life)", n, ds, di)
	}
	t.Logf("%d requests for shop/frontend: 1 exchange, 1 impersonation", n+1)
	noSecretIn(t, filepath.Join(node.Home, ".docker", "config.json"))
}

// A pod that asked for its own identity and whose exchange fails gets an
// error, never the node's identity.
func TestKubeletPodModeFailsClosed(t *testing.T) {
	needs(t)
	podCluster(t)
	node := newUser(t, "pod-failing")
	p := podConfig(t, node, "--workload-identity-provider="+podProvider+" --identity=pod")
	stranger, err := world.Google.NewIssuer("kubelet-e2e-stranger", fakegoogle.IssuerOptions{URL: "https://stranger.example"})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := stranger.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: "shop", Name: "frontend"}, []string{p.TokenAttributes.ServiceAccountTokenAudience}, time.Hour)
	meta := world.Google.Count("metadata-token")
	_, r := execPodPlugin(t, node, p, harness.ARHost+"/demo-project/kubelet-a/app:v1", tok, nil)
	if r.Err == nil || r.Stdout != "" || !strings.Contains(r.Stderr, "invalid_grant") || !strings.Contains(r.Stderr, "never the node's") {
		t.Errorf("pod mode, refused exchange: %s; want a failure, nothing on stdout, the refusal on stderr", r)
	}
	if world.Google.Count("metadata-token") != meta {
		t.Errorf("the node's identity was asked for a pod in pod mode")
	}
}

// An S3NS provider: the plugin exchanges and impersonates only at
// sts.s3nsapis.fr and iamcredentials.s3nsapis.fr (the node's proxy serves
// nothing of googleapis.com) and crane pulls the S3NS image with its auth.
func TestKubeletPodS3NS(t *testing.T) {
	needs(t, "crane")
	podCluster(t)
	const gsa = "shop-puller@demo-project.s3ns.iam.gserviceaccount.com"
	world.Google.AllowImpersonation(podPrincipal("s3nsapis.fr", "shop", "frontend"), gsa)
	g := world.Google.Handler()
	proxy, err := fakegoogle.NewProxy(map[string]http.Handler{"sts.s3nsapis.fr": g, "iamcredentials.s3nsapis.fr": g, s3nsHost: world.AR.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	node := newUser(t, "pod-s3ns")
	ca, err := os.ReadFile(world.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	caFile, err := node.WriteFile("s3ns-ca.pem", append(ca, proxy.CAPEM()...))
	if err != nil {
		t.Fatal(err)
	}
	node.Setenv("SSL_CERT_FILE", caFile)
	node.Setenv("HTTPS_PROXY", proxy.URL)
	node.Setenv("https_proxy", proxy.URL)

	pusher := newUser(t, "pod-s3ns-pusher")
	must(t, pusher, "docker-credential-gcr configure-docker "+harness.ARHost)
	pushImage(t, pusher, harness.ARHost+"/demo-project/kubelet-s3ns/app:v1")
	world.AR.Restrict("demo-project/kubelet-s3ns", gsa)

	p := podConfig(t, node, "--workload-identity-provider=//iam.s3nsapis.fr/"+podProvider+" --identity=pod")
	if p.TokenAttributes.ServiceAccountTokenAudience != "https://iam.s3nsapis.fr/"+podProvider {
		t.Errorf("S3NS audience = %q, want https://iam.s3nsapis.fr/%s", p.TokenAttributes.ServiceAccountTokenAudience, podProvider)
	}
	google := world.Google.Count("sts@googleapis.com") + world.Google.Count("iam@googleapis.com")
	sts, iam := world.Google.Count("sts@s3nsapis.fr"), world.Google.Count("iam@s3nsapis.fr")
	img := s3nsHost + "/demo-project/kubelet-s3ns/app:v1"
	resp, r := execPodPlugin(t, node, p, img, podToken(t, p, "shop", "frontend", "frontend-1"), map[string]string{"iam.gke.io/gcp-service-account": gsa})
	if r.Err != nil {
		t.Fatalf("S3NS pod: %s", r)
	}
	if info, ok := world.Google.TokenInfo(resp.Auth[s3nsHost].Password); !ok || info.Universe != "s3nsapis.fr" || info.Principal != gsa {
		t.Errorf("S3NS pod's token = %+v (%v), want %s in s3nsapis.fr", info, ok, gsa)
	}
	start := time.Now()
	if r := pullWith(t, node, resp, s3nsHost, img, "s3ns"); r.Err != nil {
		t.Errorf("crane pull of the S3NS image with the pod's auth: %s", r)
	}
	wantPrincipal(t, start, "oauth2accesstoken", gsa)
	if ds, di := world.Google.Count("sts@s3nsapis.fr")-sts, world.Google.Count("iam@s3nsapis.fr")-iam; ds != 1 || di != 1 {
		t.Errorf("S3NS pod: %d exchanges and %d impersonations at s3nsapis.fr, want 1 and 1", ds, di)
	}
	if d := world.Google.Count("sts@googleapis.com") + world.Google.Count("iam@googleapis.com") - google; d != 0 {
		t.Errorf("S3NS pod: %d requests reached googleapis.com's STS or IAM, want 0", d)
	}
	if refused := proxy.Refused(); len(refused) != 0 {
		t.Errorf("the node's proxy refused %q: the plugin asked hosts outside s3nsapis.fr", refused)
	}
}

// Bad input from the kubelet or a service account: a clear error on
// stderr, nothing on stdout, and no token or JWT in any output.
func TestKubeletPodBadInput(t *testing.T) {
	needs(t)
	iss := podCluster(t)
	node := newUser(t, "pod-bad")
	p := podConfig(t, node, "--workload-identity-provider="+podProvider)
	aud := p.TokenAttributes.ServiceAccountTokenAudience
	good := podToken(t, p, "shop", "frontend", "frontend-1")
	k8s := map[string]any{"namespace": "shop", "serviceaccount": map[string]string{"name": "frontend", "uid": "1"}}
	past := time.Now().Add(-2 * time.Hour).Unix()
	expired, _ := iss.Token("system:serviceaccount:shop:frontend", []string{aud}, time.Hour, map[string]any{"iat": past - 3600, "nbf": past - 3600, "exp": past, "kubernetes.io": k8s})
	wrongAud, _ := iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: "shop", Name: "frontend"}, []string{"https://kubernetes.default.svc"}, time.Hour)
	noSub, _ := iss.Token("", []string{aud}, time.Hour, map[string]any{"sub": nil, "kubernetes.io": k8s})
	gsa := map[string]string{"iam.gke.io/gcp-service-account": podGSA}
	tests := []struct {
		name, token string
		annotations map[string]string
		want        string
	}{
		{"not a JWT", "not-a-jwt", gsa, "is not a JWT"},
		{"expired", expired, gsa, "expired"},
		{"wrong audience", wrongAud, gsa, `is for audience "https://kubernetes.default.svc"`},
		{"missing sub", noSub, gsa, "no subject (sub claim)"},
		{"not a service account's email", good, map[string]string{"iam.gke.io/gcp-service-account": "alice@example.com"}, `"alice@example.com", which is not a Google service account's email`},
		{"1 MiB annotation", good, map[string]string{"iam.gke.io/gcp-service-account": strings.Repeat("a", 1<<20)}, "larger than 1 MiB"},
	}
	sts := world.Google.Count("sts")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, r := execPodPlugin(t, node, p, harness.ARHost+"/demo-project/kubelet-a/app:v1", tt.token, tt.annotations)
			if r.Err == nil || r.Stdout != "" || !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("%s", r)
				t.Errorf("want a failure, nothing on stdout and %q on stderr", tt.want)
			}
			if len(r.Stderr) > 1000 || strings.Contains(r.Stdout+r.Stderr, "ya29.") {
				t.Errorf("stderr is %d bytes or holds an access token; want a short, secret-free message", len(r.Stderr))
			}
			for _, jwt := range []string{good, expired, wrongAud, noSub} {
				for _, part := range strings.Split(jwt, ".") {
					if len(part) >= 16 && strings.Contains(r.Stdout+r.Stderr, part) {
						t.Errorf("the output holds a piece of a JWT")
					}
				}
			}
		})
	}
	if d := world.Google.Count("sts") - sts; d != 0 {
		t.Errorf("bad input made %d exchanges, want 0", d)
	}
}
