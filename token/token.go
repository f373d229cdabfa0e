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
}

// Options configure the chain. Zero values are the defaults.
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
	// AllowCustomURLs (allow_custom_credential_urls) accepts credential
	// files whose endpoints are not Google's, any credential_source.url, a
	// credential_source.executable (which Google's library still runs only
	// with GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1), and any IAMEndpoint
	// (see validate.go). It never widens the trusted universes.
	AllowCustomURLs bool
	// Universe, when set, is the only universe whose tokens are acceptable.
	Universe string
	// DefaultUniverse is the universe_domain setting: the universe of
	// sources that cannot tell theirs (an access-token file), and a universe
	// trusted besides googleapis.com and s3nsapis.fr. Empty: googleapis.com.
	DefaultUniverse string

	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// HomeDir is the user's home (for gcloud's config dir); os.UserHomeDir when empty.
	HomeDir string
	// HTTPClient is used for every request (http.DefaultClient when nil).
	HTTPClient *http.Client
	// IAMEndpoint (iam_endpoint) replaces https://iamcredentials.UNIVERSE:
	// a regional or Private Service Connect endpoint of a trusted universe;
	// anything else only with AllowCustomURLs (New refuses it).
	IAMEndpoint string
	// Gcloud is the gcloud command ("gcloud" on PATH when empty).
	Gcloud string
	// Log receives the --verbose trail (nil: none). Never given a secret.
	Log *slog.Logger
	// Cache, when set, keeps tokens across processes.
	Cache *Cache
	// Timeout bounds one source: reading its files, then its token request
	// (DefaultSourceTimeout).
	Timeout time.Duration
	// TotalTimeout bounds the whole chain (DefaultTotalTimeout).
	TotalTimeout time.Duration
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

// fromOAuth2 converts an oauth2 token, refusing an empty one.
func fromOAuth2(t *oauth2.Token) (string, time.Time, error) {
	if t == nil || t.AccessToken == "" {
		return "", time.Time{}, errors.New("empty access token")
	}
	return t.AccessToken, t.Expiry, nil
}
