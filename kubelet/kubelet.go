package kubelet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// The kubelet's API versions and kinds.
const (
	ProviderAPIVersion = "credentialprovider.kubelet.k8s.io/v1"
	ConfigAPIVersion   = "kubelet.config.k8s.io/v1"

	kindRequest  = "CredentialProviderRequest"
	kindResponse = "CredentialProviderResponse"
	kindConfig   = "CredentialProviderConfig"
)

// PluginCommand is the subcommand the kubelet runs (the provider's
// args in the CredentialProviderConfig).
const PluginCommand = "kubelet-credential-provider"

// DefaultCacheDuration is the config's defaultCacheDuration: how long
// the kubelet keeps an answer that carries no cacheDuration of its own (an
// image that is not on a Google registry). Answers with a token carry the
// token's own remaining life.
const DefaultCacheDuration = registry.TokenLife - token.DefaultRefreshMargin

// Output formats of the CredentialProviderConfig.
const (
	OutputYAML = "yaml"
	OutputJSON = "json"
)

// maxRequest bounds the request read from stdin: an image name, and for
// providers with tokenAttributes a service-account token (token.MaxJWTSize
// at most) and the annotations the config lists (Kubernetes caps all of a
// service account's annotations at 256 KiB).
const maxRequest = 1 << 20

// request is credentialprovider.kubelet.k8s.io/v1
// CredentialProviderRequest (k8s.io/kubelet v0.33+): serviceAccountToken
// and serviceAccountAnnotations are sent only to a provider with
// tokenAttributes.
type request struct {
	APIVersion                string            `json:"apiVersion"`
	Kind                      string            `json:"kind"`
	Image                     string            `json:"image"`
	ServiceAccountToken       string            `json:"serviceAccountToken"`
	ServiceAccountAnnotations map[string]string `json:"serviceAccountAnnotations"`
}

// response is CredentialProviderResponse. The kubelet decodes it
// strictly: no field beyond these.
type response struct {
	APIVersion   string `json:"apiVersion"`
	Kind         string `json:"kind"`
	CacheKeyType string `json:"cacheKeyType"`
	// CacheDuration is a metav1.Duration: a Go duration string. Omitted,
	// the config's defaultCacheDuration applies; "0s" is "do not cache".
	CacheDuration string          `json:"cacheDuration,omitempty"`
	Auth          map[string]auth `json:"auth"`
}

type auth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Plugin answers the kubelet's CredentialProviderRequests.
type Plugin struct {
	// Tokens mints the node's token for a registry host, acceptable in a
	// universe, through the same chain and cache as get (and the host's own
	// identity, when the settings give it one).
	Tokens func(ctx context.Context, host, universe string) (*token.Token, error)
	// Registries maps the hosts registered with configure-docker
	// --allow-custom-host to their universe: served like Google's, exactly
	// as registered (registry.Lookup).
	Registries map[string]string
	// Margin is the token cache's refresh margin: the kubelet stops using a
	// token when the cache would replace it.
	Margin time.Duration
	Now    func() time.Time // default time.Now

	// Identity is who pulls (IdentityNode when empty). With
	// IdentityAnnotated or IdentityPod, a pod that asks for its own identity
	// gets a token from PodTokens or an error, never one from Tokens.
	Identity Identity
	// PodTokens mints a pod's own token for a registry host, acceptable in
	// a universe: the pod's token exchanged at the provider's STS (the
	// host's, when the settings give it one), then impersonating
	// Pod.ServiceAccount when set; cached by what the token's claims say,
	// never by the token.
	PodTokens func(ctx context.Context, pod Pod, host, universe string) (*token.Token, error)
	// Audiences are the aud values a pod's token may carry: the config's
	// serviceAccountTokenAudience and the provider's other default. Empty:
	// not checked here (STS checks it).
	Audiences []string
}

// Serve reads one CredentialProviderRequest from in and writes its
// CredentialProviderResponse to out: for an image on a Google registry, an
// oauth2accesstoken credential keyed by the image's registry host, cached
// by the kubelet per registry for the token's remaining life minus the
// refresh margin; for any other image an empty auth. Nothing is written
// when it fails.
func (p *Plugin) Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	data, err := io.ReadAll(io.LimitReader(in, maxRequest+1))
	if err != nil {
		return fmt.Errorf("read the kubelet's request: %w", err)
	}
	if len(data) > maxRequest {
		return errors.New("the kubelet's request is larger than 1 MiB; it sends one CredentialProviderRequest on stdin")
	}
	req, err := parseRequest(data)
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

func parseRequest(data []byte) (*request, error) {
	const want = `{"apiVersion":"` + ProviderAPIVersion + `","kind":"` + kindRequest + `","image":"IMAGE"}`
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, errors.New("no CredentialProviderRequest on stdin; this command is run by the kubelet, which writes " + want)
	}
	var req request
	if err := decodeRequest(data, &req); err != nil {
		return nil, fmt.Errorf("parse the CredentialProviderRequest on stdin: %w; the kubelet writes %s", err, want)
	}
	if req.APIVersion != ProviderAPIVersion {
		return nil, fmt.Errorf("CredentialProviderRequest apiVersion %q is not supported; set apiVersion: %s for this provider in the kubelet's --image-credential-provider-config (`docker-credential-gcr kubelet-credential-provider-config` prints it)", truncate(req.APIVersion, 64), ProviderAPIVersion)
	}
	if req.Kind != kindRequest {
		return nil, fmt.Errorf("kind %q is not %s; the kubelet writes %s", truncate(req.Kind, 64), kindRequest, want)
	}
	if strings.TrimSpace(req.Image) == "" {
		return nil, errors.New("the CredentialProviderRequest has an empty image; the kubelet writes " + want)
	}
	if len(req.ServiceAccountToken) > token.MaxJWTSize {
		return nil, fmt.Errorf("the request's serviceAccountToken is %d bytes, more than %d; the kubelet sends a bound service-account token of a few KiB", len(req.ServiceAccountToken), token.MaxJWTSize)
	}
	for k, v := range req.ServiceAccountAnnotations {
		if (k == AnnotationServiceAccount || k == AnnotationEnableImagePull) && len(v) > maxEmail {
			return nil, fmt.Errorf("the request's annotation %s is %d bytes; it holds a service account's email (at most %d bytes) or \"true\"", k, len(v), maxEmail)
		}
	}
	return &req, nil
}

func (p *Plugin) respond(ctx context.Context, req *request) (*response, error) {
	resp := &response{
		APIVersion:   ProviderAPIVersion,
		Kind:         kindResponse,
		CacheKeyType: "Registry",
		Auth:         map[string]auth{},
	}
	host, err := ImageRegistry(req.Image)
	if err != nil {
		return nil, err
	}
	universe, google := "", false
	if name, err := registry.NormalizeHost(host); err == nil {
		universe, google = registry.Lookup(name, p.Registries)
	}
	if !google {
		return resp, nil // not ours: no credentials, not an error
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	pod, err := p.pod(req, now())
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", host, err)
	}
	var t *token.Token
	switch {
	case pod == nil:
		if t, err = p.Tokens(ctx, host, universe); err != nil {
			return nil, fmt.Errorf("credentials for %s: %w", host, err)
		}
	case p.PodTokens == nil:
		return nil, fmt.Errorf("credentials for %s: %w", host, errNoPodTokens)
	default:
		if t, err = p.PodTokens(ctx, *pod, host, universe); err != nil {
			// Fail closed: the pod asked for its own identity.
			return nil, fmt.Errorf("credentials for %s as the pod's own identity (never the node's): %w", host, err)
		}
	}
	// An access-token file's token has no known expiry: "0s" tells the
	// kubelet not to cache it. A federated token may not outlive the
	// pod's token it came from.
	expiry := t.Expiry
	if pod != nil && pod.ServiceAccount == "" && !expiry.IsZero() && pod.Claims.Expiry.Before(expiry) {
		expiry = pod.Claims.Expiry
	}
	var d time.Duration
	if !expiry.IsZero() {
		d = max(0, expiry.Sub(now())-p.Margin).Truncate(time.Second)
	}
	resp.CacheDuration = d.String()
	// The kubelet matches the key against the image by its host, port
	// included, as the image spells it.
	resp.Auth[host] = auth{Username: registry.Username, Password: t.AccessToken}
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

// MatchImages returns the config's matchImages: the Google registry
// patterns, then the registered hosts that they do not cover, sorted. The
// kubelet's globs: '*' matches within one DNS label ("*.gcr.io" is not
// "a.b.gcr.io"), a pattern without a port matches no image with one, and
// a pattern's path is a prefix of the image's. The patterns mirror
// the registry table, so the kubelet runs the plugin only for images it serves.
func MatchImages(registries map[string]string) []string {
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

// MatchImagesIn is MatchImages restricted to one universe's registries:
// the config of a per-pod provider entry, whose pods' tokens serve only the
// provider's universe (two universes take two entries).
func MatchImagesIn(registries map[string]string, universe string) []string {
	var out []string
	for _, p := range registry.Patterns() {
		if p.Universe == universe {
			out = append(out, p.Glob)
		}
	}
	var extra []string
	for h, u := range registries {
		if u != universe {
			continue
		}
		if _, google := registry.Universe(h); google && !hasPort(h) {
			continue // already matched by a pattern
		}
		extra = append(extra, h)
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// ValidName reports why name cannot be a provider's name (the binary's
// file name in the bin dir), by the kubelet's rules: no '/', no space, not
// "." or "..", not empty.
func ValidName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/ ") {
		return fmt.Errorf("provider name %q: the kubelet wants the binary's file name in its --image-credential-provider-bin-dir (no '/', no space, not . or ..)", truncate(name, 64))
	}
	return nil
}

// hasPort reports whether host names a port.
func hasPort(host string) bool {
	_, _, err := net.SplitHostPort(host)
	return err == nil
}
