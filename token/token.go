package token

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Scope is the only scope the helper asks for.
const Scope = "https://www.googleapis.com/auth/cloud-platform"

// DefaultUniverse is the universe of credentials that do not name one.
const DefaultUniverse = "googleapis.com"

// Token is an access token and what it is: never log or print AccessToken.
type Token struct {
	AccessToken string
	Expiry      time.Time // zero when unknown (an access-token file)
	Source      string    // the chain source that produced it
	Identity    string    // who it acts as, as well as we can tell without asking Google
	Universe    string
	// Note says why the token has less than the refresh margin left when
	// it does (the source cannot mint a longer-lived one, or it failed and
	// a cached token was served), with the fix; empty otherwise. Never a
	// secret.
	Note string
}

// Options configure the chain: what the user set, then the process's world.
// Zero values are the defaults.
type Options struct {
	// Sources is the order to try, by name (see DefaultSources). Nil: the
	// default order; empty: no source at all.
	Sources []string
	// TokenFile is a file holding a bare access token.
	TokenFile string
	// CredentialsFile is a credential JSON file (raw or base64).
	CredentialsFile string
	// Impersonate is the impersonation chain: delegates, then the target last.
	Impersonate []string
	// MetadataAccount is the metadata server's account ("default" if empty).
	MetadataAccount string
	// WorkloadProvider (workload_identity_provider) configures the oidc
	// source: the workload identity pool provider a CI job's OIDC token is
	// exchanged at (a name ParseWorkloadProvider accepts). Empty: the oidc
	// source is not configured.
	WorkloadProvider string
	// OIDCAudience (oidc_audience) is the aud asked of GitHub Actions' ID
	// token endpoint; empty: the provider's default
	// (WorkloadProvider.OIDCAudience, as google-github-actions/auth asks).
	OIDCAudience string
	// OIDCTokenEnv names an environment variable holding the subject token
	// (GitLab's id_tokens:); OIDCTokenFile is a file holding one. GitHub
	// Actions' runner, when its variables are set, comes first.
	OIDCTokenEnv  string
	OIDCTokenFile string
	// UniverseDomain is the universe_domain setting: a universe trusted
	// besides googleapis.com and s3nsapis.fr, and the universe of sources
	// that cannot tell theirs (an access-token file). Empty: googleapis.com
	// for those, and no other universe trusted. The universe a registry
	// needs is not an option: it is Chain.Token's argument.
	UniverseDomain string
	// IAMEndpoint (iam_endpoint) replaces https://iamcredentials.UNIVERSE:
	// a regional or Private Service Connect endpoint of a trusted universe;
	// anything else only with AllowCustomURLs (New refuses it).
	IAMEndpoint string
	// AllowCustomURLs (allow_custom_credential_urls) accepts credential
	// files whose endpoints are not Google's, any credential_source.url, a
	// credential_source.executable (which Google's library still runs only
	// with GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1), and any IAMEndpoint
	// (see validate.go). It never widens the trusted universes.
	AllowCustomURLs bool
	// Cache keeps tokens across processes; its zero value is no cache.
	Cache CacheOptions
	// Timeouts bound a token request; zero fields are the defaults.
	Timeouts Timeouts

	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// HTTPClient is used for every request (http.DefaultClient when nil).
	HTTPClient *http.Client
	// Gcloud is the gcloud command ("gcloud" on PATH when empty).
	Gcloud string
	// Log receives the --verbose trail (nil: none). Never given a secret.
	Log *slog.Logger
	// Now is the clock of expiries, the cache and subject tokens (time.Now
	// when nil).
	Now func() time.Time
}

// CacheOptions configure the cross-process token cache (cache.go).
type CacheOptions struct {
	// Dir holds one file per principal; empty turns the cache off (every
	// Token asks its source).
	Dir string
	// Margin is how long before its expiry a cached token is replaced
	// (DefaultRefreshMargin when zero).
	Margin time.Duration
}

// Timeouts bound a token request: a hung gcloud or a black-holed metadata
// server must not hang docker. Zero fields are the defaults.
type Timeouts struct {
	// Source bounds one source: reading its files, then its token request
	// (DefaultSourceTimeout).
	Source time.Duration
	// Total bounds the whole chain (DefaultTotalTimeout).
	Total time.Duration
	// LockWait bounds the wait for another process's fetch of the same token
	// (DefaultLockWait), and is never more than a third of what is left of
	// Total: past it the process fetches on its own, so that a lock holder
	// that is alive but stopped costs one extra request, never a failed get.
	LockWait time.Duration
}

// Defaults of Timeouts and CacheOptions.
const (
	DefaultSourceTimeout = 10 * time.Second // one source
	DefaultTotalTimeout  = 15 * time.Second // the whole chain
	// DefaultLockWait: a fetch normally takes well under a second, and the
	// chain's whole bound must leave room to fetch after the wait.
	DefaultLockWait = 5 * time.Second
	// DefaultRefreshMargin is how long before its expiry a cached token is
	// replaced.
	DefaultRefreshMargin = 5 * time.Minute
)

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// RefreshMargin is how long before its expiry a token is replaced: the
// cache's margin, or DefaultRefreshMargin when it is unset or the cache is
// off (the kubelet plugin stops using a token by the same rule).
func (o *Options) RefreshMargin() time.Duration {
	if o.Cache.Dir == "" {
		return DefaultRefreshMargin
	}
	return orDefault(o.Cache.Margin, DefaultRefreshMargin)
}

// universeDomain is the universe of sources that cannot tell theirs.
func (o *Options) universeDomain() string {
	if o.UniverseDomain != "" {
		return o.UniverseDomain
	}
	return DefaultUniverse
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) getenv(k string) string {
	if o.Getenv == nil {
		return ""
	}
	return o.Getenv(k)
}

func (o *Options) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return http.DefaultClient
}

// oauthContext carries our HTTP client into golang.org/x/oauth2. Some of its
// flows (golang.org/x/oauth2/jwt) post without the context, so the client
// itself carries the context's deadline as a timeout.
func (o *Options) oauthContext(ctx context.Context) context.Context {
	c := o.httpClient()
	if dl, ok := ctx.Deadline(); ok {
		cc := *c
		// A zero or negative Timeout would mean none at all.
		cc.Timeout = max(time.Until(dl), time.Nanosecond)
		c = &cc
	}
	return context.WithValue(ctx, oauth2.HTTPClient, c)
}

// errNotConfigured marks a source that has nothing to offer (no file, no
// variable, no gcloud): the chain moves on without counting it as a failure.
var errNotConfigured = errors.New("not configured")

// The message is formatted only when it is shown: on a warm get every
// source before the one that answers is not configured, and nothing reads
// why.
func notConfigured(format string, a ...any) error {
	return &notConfiguredError{format: format, args: a}
}

type notConfiguredError struct {
	format string
	args   []any
}

func (e *notConfiguredError) Error() string {
	return errNotConfigured.Error() + ": " + fmt.Sprintf(e.format, e.args...)
}

func (e *notConfiguredError) Unwrap() error { return errNotConfigured }

// A tokenSource yields tokens. It is golang.org/x/oauth2's TokenSource
// with two differences: the context comes with each call, since the chain's
// bounds are per step (x/oauth2 binds one at construction), and the Token
// says whose it is and of which universe. Every source yields one;
// impersonation and the cache are tokenSources that wrap another (doc.go).
type tokenSource interface {
	Token(ctx context.Context) (*Token, error)
}

// fromOAuth2 is the token of an oauth2.TokenSource (golang.org/x/oauth2's
// sources, built for one request's context), of universe, refusing an
// empty one.
func fromOAuth2(ts oauth2.TokenSource, universe string) (*Token, error) {
	t, err := ts.Token()
	if err != nil {
		return nil, describeOAuthError(err)
	}
	if t == nil || t.AccessToken == "" {
		return nil, errors.New("token endpoint returned an empty access token")
	}
	return &Token{AccessToken: t.AccessToken, Expiry: t.Expiry, Universe: universe}, nil
}
