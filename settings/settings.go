package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/userdir"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// Environment variables. Docker gives a helper no flags, so every setting has
// one; gcloud's and Google's own variables are honoured too.
const (
	EnvSettingsFile    = "DOCKER_CREDENTIAL_GCR_CONFIG"
	EnvTokenSources    = "DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES"
	EnvTokenFile       = "DOCKER_CREDENTIAL_GCR_TOKEN_FILE"
	EnvCredentialsFile = "DOCKER_CREDENTIAL_GCR_CREDENTIALS_FILE"
	EnvImpersonate     = "DOCKER_CREDENTIAL_GCR_IMPERSONATE_SERVICE_ACCOUNT"
	EnvMetadataAccount = "DOCKER_CREDENTIAL_GCR_METADATA_ACCOUNT"
	EnvUniverse        = "DOCKER_CREDENTIAL_GCR_UNIVERSE_DOMAIN"
	EnvIAMEndpoint     = "DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT"
	EnvCacheDir        = "DOCKER_CREDENTIAL_GCR_CACHE_DIR"
	EnvCredentialStore = "DOCKER_CREDENTIAL_GCR_CREDENTIAL_STORE"
	EnvVerbose         = "DOCKER_CREDENTIAL_GCR_VERBOSE"
	EnvAllowCustomURLs = "DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS"
	EnvNoCache         = "DOCKER_CREDENTIAL_GCR_NO_CACHE"
	EnvRefreshMargin   = "DOCKER_CREDENTIAL_GCR_REFRESH_MARGIN"
	EnvTimeout         = "DOCKER_CREDENTIAL_GCR_TIMEOUT"
	EnvProvider        = "DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER"
	EnvOIDCAudience    = "DOCKER_CREDENTIAL_GCR_OIDC_AUDIENCE"
	EnvOIDCTokenEnv    = "DOCKER_CREDENTIAL_GCR_OIDC_TOKEN_ENV"
	EnvOIDCTokenFile   = "DOCKER_CREDENTIAL_GCR_OIDC_TOKEN_FILE"

	EnvKubeletIdentity = "DOCKER_CREDENTIAL_GCR_KUBELET_IDENTITY"

	EnvGcloudTokenFile   = "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"
	EnvGcloudImpersonate = "CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT"
	EnvGoogleCredentials = "GOOGLE_APPLICATION_CREDENTIALS"
)

// Settings are the helper's own settings. Zero values mean "default".
type Settings struct {
	// TokenSources is the order of the token chain (names from token.SourceNames).
	TokenSources []string `json:"token_sources,omitempty"`
	// TokenFile holds a bare access token.
	TokenFile string `json:"token_file,omitempty"`
	// CredentialsFile is a credential JSON (raw or base64).
	CredentialsFile string `json:"credentials_file,omitempty"`
	// ImpersonateServiceAccount is "A,B,TARGET": delegates then the target.
	ImpersonateServiceAccount string `json:"impersonate_service_account,omitempty"`
	// MetadataAccount is the metadata server's service account alias or email.
	MetadataAccount string `json:"metadata_account,omitempty"`
	// WorkloadIdentityProvider is the workload identity pool provider a CI
	// job's OIDC token (the oidc source) or a pod's service-account token
	// (the kubelet plugin) is exchanged at:
	// projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV,
	// optionally prefixed with //iam.UNIVERSE/.
	WorkloadIdentityProvider string `json:"workload_identity_provider,omitempty"`
	// OIDCAudience is the aud of the subject token: what the oidc source
	// asks GitHub Actions for, what a pod's token must carry (the kubelet
	// config's serviceAccountTokenAudience). Default: https://iam.UNIVERSE/
	// + the provider's name.
	OIDCAudience string `json:"oidc_audience,omitempty"`
	// OIDCTokenEnv names a variable holding the CI job's OIDC token
	// (GitLab's id_tokens:); OIDCTokenFile is a file holding one.
	OIDCTokenEnv  string `json:"oidc_token_env,omitempty"`
	OIDCTokenFile string `json:"oidc_token_file,omitempty"`
	// UniverseDomain is the universe of the registries registered below.
	UniverseDomain string `json:"universe_domain,omitempty"`
	// IAMEndpoint replaces https://iamcredentials.UNIVERSE, e.g. a Private
	// Service Connect endpoint.
	IAMEndpoint string `json:"iam_endpoint,omitempty"`
	// CacheDir holds cached tokens (default: the user cache dir).
	CacheDir string `json:"cache_dir,omitempty"`
	// NoCache turns the token cache off.
	NoCache bool `json:"no_cache,omitempty"`
	// RefreshMargin is how long before expiry a cached token is replaced
	// (a Go duration, default "5m").
	RefreshMargin string `json:"refresh_margin,omitempty"`
	// Timeout bounds one token source (a Go duration, default "10s"); the
	// whole chain gets one and a half times it, and the wait for another
	// process's request of the same token half of it.
	Timeout string `json:"timeout,omitempty"`
	// CredentialStore is where docker login's credentials go: auto (the
	// keyring when reachable, else a file), keyring or file.
	CredentialStore string `json:"credential_store,omitempty"`
	// AllowCustomCredentialURLs accepts credential files whose endpoints
	// are not Google's (refused by default: see token/validate.go).
	AllowCustomCredentialURLs bool `json:"allow_custom_credential_urls,omitempty"`
	// Verbose turns the diagnostic trail on: "1" for stderr, or a file.
	Verbose string `json:"verbose,omitempty"`
	// KubeletIdentity is who the kubelet plugin pulls as: node, annotated
	// or pod (package kubelet); empty is node without a provider, annotated
	// with one.
	KubeletIdentity string `json:"kubelet_identity,omitempty"`
	// Registries are hosts outside the Google patterns that the user
	// registered with configure-docker: get serves them Google tokens.
	Registries []string `json:"registries,omitempty"`
	// RegistryOverrides give registries their own identity, by exact
	// host[:port] (registry.NormalizeHost): For(host) lays them over the
	// rest.
	RegistryOverrides map[string]*Override `json:"registry_overrides,omitempty"`

	// path is the file these settings were read from, for error messages.
	path string
}

// Path returns the settings file: $DOCKER_CREDENTIAL_GCR_CONFIG, else
// docker-credential-gcr/config.json under the user's config dir.
func Path(getenv func(string) string) (string, error) {
	if p := getenv(EnvSettingsFile); p != "" {
		return p, nil
	}
	dir, err := xdgDir(getenv, "XDG_CONFIG_HOME", userdir.Config)
	if err != nil {
		return "", fmt.Errorf("find settings dir: %w; set %s to a file path", err, EnvSettingsFile)
	}
	return filepath.Join(dir, "docker-credential-gcr", "config.json"), nil
}

// xdgDir is $VAR when it is an absolute path (on every OS: the helper's
// documented places), else the OS's own place (userdir). A relative one is
// ignored, as the XDG spec says: docker runs the helper in whatever
// directory the user is in.
func xdgDir(getenv func(string) string, v string, osDir func(func(string) string) (string, error)) (string, error) {
	if d := getenv(v); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	return osDir(func(k string) string {
		if k == v {
			return "" // relative: ignored
		}
		return getenv(k)
	})
}

// MaxFileSize bounds the settings file (and what the helper reads of it).
const MaxFileSize = 1 << 20

// Load reads the settings file at path. A missing file is empty settings.
// The file steers the helper (token sources, IAM endpoint, files to read),
// so it is trusted only when nobody else can write it: it must be a regular
// file of at most MaxFileSize bytes, owned by the user (or root) and not
// writable by group or others (fsutil.CheckNotWritableByOthers).
func Load(path string) (*Settings, error) {
	s := &Settings{path: path}
	data, err := fsutil.ReadNotWritableByOthers(path, MaxFileSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case errors.Is(err, fsutil.ErrUntrusted):
		return nil, fmt.Errorf("settings file refused: %w", err)
	case err != nil:
		return nil, fmt.Errorf("read settings: %w", err)
	}
	// Notepad saves "UTF-8 with BOM"; the mark is no part of the JSON.
	data = fsutil.TrimBOM(data)
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("read settings %s: %w; fix it or run `docker-credential-gcr config --unset-all`", path, err)
	}
	if err := s.normalizeOverrides(); err != nil {
		return nil, fmt.Errorf("read settings %s: %w", path, err)
	}
	return s, nil
}

// Marshal returns the settings file's bytes.
func (s *Settings) Marshal() []byte {
	b, _ := json.MarshalIndent(s, "", "  ") // a struct of strings cannot fail
	return append(b, '\n')
}

// Overlay returns a copy of s with the environment applied on top: our own
// variables first, then gcloud's and Google's.
func (s *Settings) Overlay(getenv func(string) string) *Settings {
	o := *s
	if v := getenv(EnvTokenSources); v != "" {
		o.TokenSources = SplitList(v)
	}
	o.TokenFile = first(getenv(EnvTokenFile), getenv(EnvGcloudTokenFile), o.TokenFile)
	o.CredentialsFile = first(getenv(EnvCredentialsFile), getenv(EnvGoogleCredentials), o.CredentialsFile)
	o.ImpersonateServiceAccount = first(getenv(EnvImpersonate), getenv(EnvGcloudImpersonate), o.ImpersonateServiceAccount)
	o.MetadataAccount = first(getenv(EnvMetadataAccount), o.MetadataAccount)
	o.UniverseDomain = first(getenv(EnvUniverse), o.UniverseDomain)
	o.IAMEndpoint = first(getenv(EnvIAMEndpoint), o.IAMEndpoint)
	o.CacheDir = first(getenv(EnvCacheDir), o.CacheDir)
	o.CredentialStore = first(getenv(EnvCredentialStore), o.CredentialStore)
	o.Verbose = first(getenv(EnvVerbose), o.Verbose)
	o.RefreshMargin = first(getenv(EnvRefreshMargin), o.RefreshMargin)
	o.Timeout = first(getenv(EnvTimeout), o.Timeout)
	o.WorkloadIdentityProvider = first(getenv(EnvProvider), o.WorkloadIdentityProvider)
	o.KubeletIdentity = first(getenv(EnvKubeletIdentity), o.KubeletIdentity)
	o.OIDCAudience = first(getenv(EnvOIDCAudience), o.OIDCAudience)
	o.OIDCTokenEnv = first(getenv(EnvOIDCTokenEnv), o.OIDCTokenEnv)
	o.OIDCTokenFile = first(getenv(EnvOIDCTokenFile), o.OIDCTokenFile)
	o.NoCache = o.NoCache || truthy(getenv(EnvNoCache))
	o.AllowCustomCredentialURLs = o.AllowCustomCredentialURLs || truthy(getenv(EnvAllowCustomURLs))
	return &o
}

// SplitList splits "a, b,,c" into [a b c].
func SplitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// TokenOptions turns the settings into the token chain's options, mapping
// the existing helper's --token-source names ("env", "gcloud", "store"):
// the one mapping from settings to token.
func (s *Settings) TokenOptions(getenv func(string) string) (token.Options, error) {
	sources, err := MapSourceNames(s.TokenSources)
	if err != nil {
		if getenv(EnvTokenSources) != "" {
			return token.Options{}, fmt.Errorf("%s: %w", EnvTokenSources, err)
		}
		return token.Options{}, fmt.Errorf("%s token_sources: %w; fix it with `docker-credential-gcr config --token-source=...`", s.file(), err)
	}
	if err := s.checkPaths(getenv); err != nil {
		return token.Options{}, err
	}
	cache, err := s.Cache(getenv)
	if err != nil {
		return token.Options{}, err
	}
	timeouts, err := s.Timeouts()
	if err != nil {
		return token.Options{}, err
	}
	return token.Options{
		Sources:          sources,
		TokenFile:        s.TokenFile,
		CredentialsFile:  s.CredentialsFile,
		Impersonate:      SplitList(s.ImpersonateServiceAccount),
		MetadataAccount:  s.MetadataAccount,
		WorkloadProvider: s.WorkloadIdentityProvider,
		OIDCAudience:     s.OIDCAudience,
		OIDCTokenEnv:     s.OIDCTokenEnv,
		OIDCTokenFile:    s.OIDCTokenFile,
		UniverseDomain:   s.UniverseDomain,
		IAMEndpoint:      s.IAMEndpoint,
		AllowCustomURLs:  s.AllowCustomCredentialURLs,
		Cache:            cache,
		Timeouts:         timeouts,
		Getenv:           getenv,
	}, nil
}

// file names the settings file in an error message.
func (s *Settings) file() string {
	if s.path == "" {
		return "settings file"
	}
	return "settings file " + s.path
}

// checkPaths refuses a relative credentials or token file that came from the
// settings file (a registry's override included) or from our own variables:
// it would be resolved against whatever directory docker runs in, so a
// repository's own key.json would be used on a docker pull inside it.
// Google's GOOGLE_APPLICATION_CREDENTIALS and gcloud's
// CLOUDSDK_AUTH_ACCESS_TOKEN_FILE keep their meaning (relative to the
// working directory, as Google's libraries and gcloud read them): the user
// set them for the command at hand. Which one a value came from is told by
// the value, not by which variable is set: an override replaces them for
// its host.
func (s *Settings) checkPaths(getenv func(string) string) error {
	for _, f := range []struct {
		value, ours, google, key, flag string
	}{
		{s.CredentialsFile, EnvCredentialsFile, EnvGoogleCredentials, "credentials_file", "credentials-file"},
		{s.TokenFile, EnvTokenFile, EnvGcloudTokenFile, "token_file", "token-file"},
	} {
		if f.value == "" || filepath.IsAbs(f.value) {
			continue
		}
		switch f.value {
		case getenv(f.ours):
			return fmt.Errorf("%s=%q is a relative path, which would be resolved against the directory docker runs in; set it to an absolute path", f.ours, f.value)
		case getenv(f.google):
			continue // Google's own variable: relative to the working directory
		}
		return fmt.Errorf("%s: %s %q is a relative path, which would be resolved against the directory docker runs in; store an absolute path: `docker-credential-gcr config --%s=PATH` (a relative PATH is resolved where you run config)", s.file(), f.key, f.value, f.flag)
	}
	return nil
}

// Cache returns the token cache's options (the token package builds the
// cache): its dir and refresh margin, or no dir (the cache off) when
// no_cache is set or the user has no cache dir.
func (s *Settings) Cache(getenv func(string) string) (token.CacheOptions, error) {
	if s.NoCache {
		return token.CacheOptions{}, nil
	}
	c := token.CacheOptions{Dir: s.CacheDir}
	switch {
	case c.Dir == "":
		dir, err := xdgDir(getenv, "XDG_CACHE_HOME", userdir.Cache)
		if err != nil {
			return token.CacheOptions{}, nil // no cache dir: serve without a cache
		}
		c.Dir = filepath.Join(dir, "docker-credential-gcr")
	case !filepath.IsAbs(c.Dir):
		return token.CacheOptions{}, fmt.Errorf("cache dir %q (%s or cache_dir in the settings file) is a relative path, which would be resolved against the directory docker runs in; set an absolute path", c.Dir, EnvCacheDir)
	}
	if s.RefreshMargin != "" {
		d, err := time.ParseDuration(s.RefreshMargin)
		if err != nil || d < 0 || d >= time.Hour {
			return token.CacheOptions{}, fmt.Errorf("refresh margin %q: want a duration between 0s and 59m, e.g. 5m", s.RefreshMargin)
		}
		c.Margin = d
	}
	return c, nil
}

// Timeouts returns the token request's bounds: the timeout setting bounds
// one source, the whole chain gets one and a half times it and the wait for
// another process's request half of it, as token's defaults (10s, 15s,
// 5s) are; none set is those defaults.
func (s *Settings) Timeouts() (token.Timeouts, error) {
	if s.Timeout == "" {
		return token.Timeouts{}, nil
	}
	d, err := time.ParseDuration(s.Timeout)
	if err != nil || d < 100*time.Millisecond || d > 5*time.Minute {
		return token.Timeouts{}, fmt.Errorf("timeout %q (%s or timeout in the settings file): want a duration between 100ms and 5m, e.g. 10s", s.Timeout, EnvTimeout)
	}
	return token.Timeouts{Source: d, Total: d * 3 / 2, LockWait: d / 2}, nil
}

// WorkloadProvider parses workload_identity_provider: a name with
// //iam.UNIVERSE/ is in its universe, one without in universe_domain's
// (googleapis.com when unset); ok is false when it is not set. The error
// names the setting and its variable.
func (s *Settings) WorkloadProvider() (p token.WorkloadProvider, ok bool, err error) {
	name := strings.TrimSpace(s.WorkloadIdentityProvider)
	if name == "" {
		return token.WorkloadProvider{}, false, nil
	}
	universe := s.UniverseDomain
	if strings.HasPrefix(name, "//") {
		universe = "" // the name says its universe, as the oidc source reads it
	}
	p, err = token.ParseWorkloadProvider(name, universe)
	if err != nil {
		return token.WorkloadProvider{}, false, fmt.Errorf("workload_identity_provider (%s or the settings file): %w", EnvProvider, err)
	}
	return p, true, nil
}

// UsesStore reports whether stored credentials of Google hosts are used:
// by default, or when the source order names "store".
func (s *Settings) UsesStore() bool {
	if s.TokenSources == nil {
		return true
	}
	for _, n := range s.TokenSources {
		if strings.EqualFold(strings.TrimSpace(n), SourceStore) {
			return true
		}
	}
	return false
}

// SplitRaw splits "a,b" into its fields, keeping empty ones so that
// validation can name them ("a,,b" is a mistake, not two hosts).
func SplitRaw(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}
