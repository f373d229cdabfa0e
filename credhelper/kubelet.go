package credhelper

// The kubelet's image credential provider plugin protocol
// (credentialprovider.kubelet.k8s.io/v1) and the CredentialProviderConfig
// (kubelet.config.k8s.io/v1) that installs this binary as one.
//
// The wire types are small local structs with the exact JSON names of
// k8s.io/kubelet's: importing that module would add its packages' init to
// every `get` (measured in the README's Kubernetes section). The tests
// decode and encode through the real k8s.io/kubelet types to prove the
// wire compatibility.
//
// The kubelet execs the plugin once per image it has no cached credentials
// for, writes one CredentialProviderRequest on stdin and decodes stdout
// strictly (an unknown field fails the whole response); it requires the
// response's apiVersion to equal the one configured for the provider. A
// failing plugin (non-zero exit) is logged with its stderr and the pull
// goes on without credentials.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"sort"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// The kubelet's API versions and kinds.
const (
	KubeletProviderAPIVersion = "credentialprovider.kubelet.k8s.io/v1"
	KubeletConfigAPIVersion   = "kubelet.config.k8s.io/v1"

	kindRequest  = "CredentialProviderRequest"
	kindResponse = "CredentialProviderResponse"
	kindConfig   = "CredentialProviderConfig"
)

// KubeletPluginCommand is the subcommand the kubelet runs (the provider's
// args in the CredentialProviderConfig).
const KubeletPluginCommand = "kubelet-credential-provider"

// DefaultKubeletCacheDuration is the config's defaultCacheDuration: how long
// the kubelet keeps an answer that carries no cacheDuration of its own (an
// image that is not on a Google registry). Answers with a token carry the
// token's own remaining life.
const DefaultKubeletCacheDuration = registry.TokenLife - token.DefaultRefreshMargin

// Output formats of the CredentialProviderConfig.
const (
	OutputYAML = "yaml"
	OutputJSON = "json"
)

// maxKubeletRequest bounds the request read from stdin: an image name and,
// for service-account-token providers, a token of a few KiB.
const maxKubeletRequest = 1 << 20

// kubeletRequest is credentialprovider.kubelet.k8s.io/v1
// CredentialProviderRequest. Fields added by newer kubelets
// (serviceAccountToken, serviceAccountAnnotations) are ignored.
type kubeletRequest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Image      string `json:"image"`
}

// kubeletResponse is CredentialProviderResponse. The kubelet decodes it
// strictly: no field beyond these.
type kubeletResponse struct {
	APIVersion   string `json:"apiVersion"`
	Kind         string `json:"kind"`
	CacheKeyType string `json:"cacheKeyType"`
	// CacheDuration is a metav1.Duration: a Go duration string. Omitted,
	// the config's defaultCacheDuration applies; "0s" is "do not cache".
	CacheDuration string                 `json:"cacheDuration,omitempty"`
	Auth          map[string]kubeletAuth `json:"auth"`
}

type kubeletAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// KubeletPlugin answers the kubelet's CredentialProviderRequests.
type KubeletPlugin struct {
	// Helper decides which hosts are Google registries (Universe, which
	// includes the hosts registered with configure-docker) and mints their
	// tokens through the same chain and cache as get.
	Helper *Helper
	// Margin is the token cache's refresh margin: the kubelet stops using a
	// token when the cache would replace it.
	Margin time.Duration
	Now    func() time.Time // default time.Now
}

// KubeletPlugin returns the plugin for this setup. It opens no credential
// store: a node has no keyring, and what docker login stored is not the
// node's identity.
func (s *Setup) KubeletPlugin(ctx context.Context) (*KubeletPlugin, error) {
	o, err := s.TokenOptions("")
	if err != nil {
		return nil, err
	}
	margin := token.DefaultRefreshMargin
	if o.Cache != nil && o.Cache.Margin > 0 {
		margin = o.Cache.Margin
	}
	return &KubeletPlugin{
		Helper: New(ctx, Config{Tokens: Tokens(o), Registries: s.Registries()}),
		Margin: margin,
	}, nil
}

// Serve reads one CredentialProviderRequest from in and writes its
// CredentialProviderResponse to out: for an image on a Google registry, an
// oauth2accesstoken credential keyed by the image's registry host, cached
// by the kubelet per registry for the token's remaining life minus the
// refresh margin; for any other image an empty auth. Nothing is written
// when it fails.
func (p *KubeletPlugin) Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	data, err := io.ReadAll(io.LimitReader(in, maxKubeletRequest+1))
	if err != nil {
		return fmt.Errorf("read the kubelet's request: %w", err)
	}
	if len(data) > maxKubeletRequest {
		return errors.New("the kubelet's request is larger than 1 MiB; it sends one CredentialProviderRequest on stdin")
	}
	req, err := parseKubeletRequest(data)
	if err != nil {
		return err
	}
	resp, err := p.respond(ctx, req)
	if err != nil {
		return err
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return fmt.Errorf("encode the CredentialProviderResponse: %w", err)
	}
	_, err = out.Write(append(b, '\n'))
	return err
}

func parseKubeletRequest(data []byte) (*kubeletRequest, error) {
	const want = `{"apiVersion":"` + KubeletProviderAPIVersion + `","kind":"` + kindRequest + `","image":"IMAGE"}`
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, errors.New("no CredentialProviderRequest on stdin; this command is run by the kubelet, which writes " + want)
	}
	var req kubeletRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, fmt.Errorf("parse the CredentialProviderRequest on stdin: %w; the kubelet writes %s", err, want)
	}
	if req.APIVersion != KubeletProviderAPIVersion {
		return nil, fmt.Errorf("CredentialProviderRequest apiVersion %q is not supported; set apiVersion: %s for this provider in the kubelet's --image-credential-provider-config (`docker-credential-gcr kubelet-credential-provider-config` prints it)", req.APIVersion, KubeletProviderAPIVersion)
	}
	if req.Kind != kindRequest {
		return nil, fmt.Errorf("kind %q is not %s; the kubelet writes %s", req.Kind, kindRequest, want)
	}
	if strings.TrimSpace(req.Image) == "" {
		return nil, errors.New("the CredentialProviderRequest has an empty image; the kubelet writes " + want)
	}
	return &req, nil
}

func (p *KubeletPlugin) respond(ctx context.Context, req *kubeletRequest) (*kubeletResponse, error) {
	resp := &kubeletResponse{
		APIVersion:   KubeletProviderAPIVersion,
		Kind:         kindResponse,
		CacheKeyType: "Registry",
		Auth:         map[string]kubeletAuth{},
	}
	host, err := ImageRegistry(req.Image)
	if err != nil {
		return nil, err
	}
	universe, google := p.Helper.Universe(host)
	if !google {
		return resp, nil // not ours: no credentials, not an error
	}
	t, err := p.Helper.c.Tokens(ctx, universe)
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", host, err)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	// An access-token file's token has no known expiry: "0s" tells the
	// kubelet not to cache it.
	var d time.Duration
	if !t.Expiry.IsZero() {
		d = max(0, t.Expiry.Sub(now())-p.Margin).Truncate(time.Second)
	}
	resp.CacheDuration = d.String()
	// The kubelet matches the key against the image by its host, port
	// included, as the image spells it.
	resp.Auth[host] = kubeletAuth{Username: registry.Username, Password: t.AccessToken}
	return resp, nil
}

// ImageRegistry returns the registry host (with its port, if any) of a
// container image reference: "host/path:tag", "host:port/path@sha256:...".
// Docker's rule decides whether the first component is a host: it is when
// it has a '.' or a ':', is "localhost", or has upper-case letters;
// otherwise the image is on Docker Hub ("ubuntu", "library/ubuntu",
// "user/repo" are docker.io images).
func ImageRegistry(image string) (string, error) {
	if image == "" || strings.ContainsAny(image, " \t\r\n") {
		return "", fmt.Errorf("image %q is not a container image reference", image)
	}
	first, _, ok := strings.Cut(image, "/")
	if !ok || !(strings.ContainsAny(first, ".:") || first == "localhost" || first != strings.ToLower(first)) {
		return "docker.io", nil
	}
	if _, err := registry.NormalizeHost(first); err != nil || strings.HasSuffix(first, ":") || strings.IndexFunc(first, notHostChar) >= 0 {
		return "", fmt.Errorf("image %q: its registry %q is not a host[:port]", image, first)
	}
	return first, nil
}

// notHostChar reports a character that has no place in a registry's
// host[:port] (IPv6 literals included).
func notHostChar(c rune) bool {
	return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-_:[]", c))
}

// KubeletMatchImages returns the config's matchImages: the Google registry
// patterns, then the registered hosts that they do not cover, sorted. The
// kubelet's globs: '*' matches within one DNS label ("*.gcr.io" is not
// "a.b.gcr.io"), a pattern without a port matches no image with one, and
// a pattern's path is a prefix of the image's. The patterns mirror
// the registry table, so the kubelet runs the plugin only for images it serves.
func KubeletMatchImages(registries map[string]string) []string {
	out := registry.Globs()
	var extra []string
	for h := range registries {
		if _, google := registry.Universe(h); google && !hasPort(h) {
			continue // already matched by a pattern
		}
		extra = append(extra, h)
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// hasPort reports whether host names a port.
func hasPort(host string) bool {
	_, _, err := net.SplitHostPort(host)
	return err == nil
}

// KubeletConfig is what the printed CredentialProviderConfig says.
type KubeletConfig struct {
	// Name is the plugin's file name in --image-credential-provider-bin-dir.
	Name string
	// MatchImages are the images the kubelet asks the plugin about.
	MatchImages []string
	// CacheDuration is the provider's defaultCacheDuration.
	CacheDuration time.Duration
}

// KubeletConfig returns the config for this setup (its registered hosts
// included) with the given defaultCacheDuration.
func (s *Setup) KubeletConfig(cacheDuration time.Duration) KubeletConfig {
	return KubeletConfig{Name: "docker-credential-" + HelperName, MatchImages: KubeletMatchImages(s.Registries()), CacheDuration: cacheDuration}
}

// Format renders the CredentialProviderConfig as YAML (a stable,
// hand-written layout) or JSON; the kubelet reads either.
func (c KubeletConfig) Format(format string) (string, error) {
	if c.CacheDuration < 0 {
		return "", fmt.Errorf("cache duration %s is negative; give a duration such as 55m", c.CacheDuration)
	}
	switch format {
	case OutputYAML, "":
		var b strings.Builder
		fmt.Fprintf(&b, "# Install as the kubelet's --image-credential-provider-config, with this binary\n")
		fmt.Fprintf(&b, "# as %s in its --image-credential-provider-bin-dir.\n", c.Name)
		fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\nproviders:\n", KubeletConfigAPIVersion, kindConfig)
		fmt.Fprintf(&b, "  - name: %s\n", yamlString(c.Name))
		fmt.Fprintf(&b, "    apiVersion: %s\n", KubeletProviderAPIVersion)
		fmt.Fprintf(&b, "    args:\n      - %s\n", KubeletPluginCommand)
		fmt.Fprintf(&b, "    matchImages:\n")
		for _, m := range c.MatchImages {
			fmt.Fprintf(&b, "      - %s\n", yamlString(m))
		}
		fmt.Fprintf(&b, "    defaultCacheDuration: %s\n", yamlString(c.CacheDuration.String()))
		return b.String(), nil
	case OutputJSON:
		type provider struct {
			Name                 string   `json:"name"`
			APIVersion           string   `json:"apiVersion"`
			Args                 []string `json:"args"`
			MatchImages          []string `json:"matchImages"`
			DefaultCacheDuration string   `json:"defaultCacheDuration"`
		}
		v := struct {
			APIVersion string     `json:"apiVersion"`
			Kind       string     `json:"kind"`
			Providers  []provider `json:"providers"`
		}{KubeletConfigAPIVersion, kindConfig, []provider{{
			Name:                 c.Name,
			APIVersion:           KubeletProviderAPIVersion,
			Args:                 []string{KubeletPluginCommand},
			MatchImages:          c.MatchImages,
			DefaultCacheDuration: c.CacheDuration.String(),
		}}}
		b, err := json.MarshalIndent(v, "", "  ")
		return string(b) + "\n", err
	}
	return "", fmt.Errorf("unknown output %q; use %s or %s", format, OutputYAML, OutputJSON)
}

// yamlString quotes s as a YAML double-quoted scalar (a JSON string is one):
// a bare '*' would start a YAML alias.
func yamlString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// EnsureHome sets HOME, when it is unset, to the home directory of the user
// the process runs as. The kubelet runs plugins with its own environment,
// and a kubelet started by systemd has no HOME: without one the settings
// file, gcloud's files and the token cache could not be found.
func EnsureHome() error {
	if os.Getenv("HOME") != "" {
		return nil
	}
	u, err := user.Current()
	if err != nil || u.HomeDir == "" {
		return nil // the chain still works; the cache is off without a dir
	}
	return os.Setenv("HOME", u.HomeDir)
}
