//go:build e2e

package e2e

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
)

// kubeletConfig is the part of the printed CredentialProviderConfig the
// kubelet uses to run the plugin.
type kubeletConfig struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Providers  []struct {
		Name        string   `json:"name"`
		APIVersion  string   `json:"apiVersion"`
		Args        []string `json:"args"`
		MatchImages []string `json:"matchImages"`
	} `json:"providers"`
}

type kubeletResponse struct {
	APIVersion    string `json:"apiVersion"`
	Kind          string `json:"kind"`
	CacheKeyType  string `json:"cacheKeyType"`
	CacheDuration string `json:"cacheDuration"`
	Auth          map[string]struct {
		Username string `json:"username"`
		Password string `json:"password"`
	} `json:"auth"`
}

// runPlugin runs the plugin as the kubelet does: the binary named in the
// config, from the bin dir, with the config's args, the request on stdin.
func runPlugin(t *testing.T, u *harness.User, cfg kubeletConfig, image string) (kubeletResponse, harness.Result) {
	t.Helper()
	p := cfg.Providers[0]
	req, _ := json.Marshal(map[string]string{"apiVersion": p.APIVersion, "kind": "CredentialProviderRequest", "image": image})
	reqFile, err := u.WriteFile("request.json", req)
	if err != nil {
		t.Fatal(err)
	}
	r := must(t, u, "'"+filepath.Join(world.Bin, p.Name)+"' "+strings.Join(p.Args, " ")+" < "+reqFile)
	var resp kubeletResponse
	if err := json.Unmarshal([]byte(r.Stdout), &resp); err != nil {
		t.Fatalf("plugin response is not JSON: %v\n%s", err, r)
	}
	if resp.APIVersion != p.APIVersion || resp.Kind != "CredentialProviderResponse" || resp.CacheKeyType != "Registry" {
		t.Errorf("plugin response = %s %s cacheKeyType %q, want %s CredentialProviderResponse Registry", resp.APIVersion, resp.Kind, resp.CacheKeyType, p.APIVersion)
	}
	return resp, r
}

// dockerConfigDir writes a DOCKER_CONFIG dir whose config.json holds only
// auths for host with user:password, as a pull secret would.
func dockerConfigDir(t *testing.T, u *harness.User, name, host, user, password string) string {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"auth": auth}}})
	p, err := u.WriteFile(filepath.Join(name, "config.json"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(p)
}

// Scenario 6: a node's kubelet installs the plugin with the config it
// prints; the plugin answers with the node's metadata identity, and a pull
// with exactly the credentials it returned works.
func TestKubeletPlugin(t *testing.T) {
	needs(t, "crane")
	pusher := newUser(t, "kubelet-pusher")
	must(t, pusher, "docker-credential-gcr configure-docker "+harness.ARHost)
	img := harness.ARHost + "/demo-project/repo/kubelet:v1"
	pushImage(t, pusher, img)

	node := newUser(t, "node") // no docker config: only what the plugin returns
	var cfg kubeletConfig
	out := must(t, node, "docker-credential-gcr kubelet-credential-provider-config --output json").Stdout
	if err := json.Unmarshal([]byte(out), &cfg); err != nil || len(cfg.Providers) != 1 {
		t.Fatalf("printed config = %v, %s; want one provider", err, out)
	}
	if cfg.APIVersion != "kubelet.config.k8s.io/v1" || cfg.Kind != "CredentialProviderConfig" || cfg.Providers[0].Name != "docker-credential-gcr" {
		t.Errorf("printed config = %s %s provider %q, want kubelet.config.k8s.io/v1 CredentialProviderConfig docker-credential-gcr", cfg.APIVersion, cfg.Kind, cfg.Providers[0].Name)
	}
	yaml := must(t, node, "docker-credential-gcr kubelet-credential-provider-config").Stdout
	for _, want := range []string{"kind: CredentialProviderConfig", `- "*-docker.pkg.dev"`, "- kubelet-credential-provider"} {
		if !strings.Contains(yaml, want) {
			t.Errorf("YAML config lacks %q:\n%s", want, yaml)
		}
	}

	for _, image := range []string{img, harness.ARHost + "/demo-project/repo/kubelet"} {
		resp, r := runPlugin(t, node, cfg, image)
		a, ok := resp.Auth[harness.ARHost]
		if len(resp.Auth) != 1 || !ok || a.Username != "oauth2accesstoken" {
			t.Fatalf("plugin auth for %s has keys %d (%v), want exactly %s with oauth2accesstoken", image, len(resp.Auth), ok, harness.ARHost)
		}
		if d, err := time.ParseDuration(resp.CacheDuration); err != nil || d <= 50*time.Minute || d > 55*time.Minute {
			t.Errorf("cacheDuration = %q, want the token's remaining life minus 5m (about 55m)", resp.CacheDuration)
		}
		if r.Stderr != "" {
			t.Errorf("plugin stderr = %q, want nothing", r.Stderr)
		}
		dir := dockerConfigDir(t, node, "from-plugin", harness.ARHost, a.Username, a.Password)
		start := time.Now()
		must(t, node, "DOCKER_CONFIG="+dir+" crane pull "+img+" pulled.tar")
		wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)
	}

	resp, _ := runPlugin(t, node, cfg, harness.ForeignHost+"/repo/app:v1")
	if len(resp.Auth) != 0 {
		t.Errorf("plugin auth for a foreign registry has %d entries, want none", len(resp.Auth))
	}

	bad := node.Sh(`echo '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","kind":"CredentialProviderRequest","image":"` + img + `"}' | docker-credential-gcr kubelet-credential-provider`)
	if bad.Err == nil || bad.Stdout != "" || !strings.Contains(bad.Stderr, "apiVersion") {
		t.Errorf("unknown apiVersion: %s; want a non-zero exit, an error about apiVersion on stderr, nothing on stdout", bad)
	}
}

// Scenario 7: print-access-token for crictl and for a pull secret.
func TestKubeletPrintAccessTokenFormats(t *testing.T) {
	needs(t, "crane")
	pusher := newUser(t, "secret-pusher")
	must(t, pusher, "docker-credential-gcr configure-docker "+harness.ARHost)
	img := harness.ARHost + "/demo-project/repo/pull-secret:v1"
	pushImage(t, pusher, img)

	u := newUser(t, "pull-secret")
	dir := filepath.Join(u.Home, "secret")
	r := must(t, u, "mkdir -p "+dir+" && docker-credential-gcr print-access-token --format=docker-config "+harness.ARHost+" > "+dir+"/config.json")
	if !strings.Contains(r.Stderr, "expires") && !strings.Contains(r.Stderr, "stops working") {
		t.Errorf("--format=docker-config stderr = %q, want a note that it expires with the token", r.Stderr)
	}
	start := time.Now()
	must(t, u, "DOCKER_CONFIG="+dir+" crane pull "+img+" pulled.tar")
	wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)
	noSecretIn(t, filepath.Join(u.Home, ".docker", "config.json"))

	creds := must(t, u, "docker-credential-gcr print-access-token --format=creds").Stdout
	m := regexp.MustCompile(`\Aoauth2accesstoken:([^\s:]+)\n\z`).FindStringSubmatch(creds)
	if m == nil {
		t.Fatalf("--format=creds printed %d lines, want exactly one oauth2accesstoken:TOKEN line", strings.Count(creds, "\n"))
	}
	if p, ok := world.Google.Principal(m[1]); !ok || p != harness.VMAccount {
		t.Errorf("--format=creds token is for %q (%v), want a live token for %s", p, ok, harness.VMAccount)
	}
	// What crictl pull --creds sends: the same user:password as Basic auth.
	user, pass, _ := strings.Cut(strings.TrimSpace(creds), ":")
	start = time.Now()
	must(t, u, "DOCKER_CONFIG="+dockerConfigDir(t, u, "from-creds", harness.ARHost, user, pass)+" crane pull "+img+" pulled2.tar")
	wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)
}
