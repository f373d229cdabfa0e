package token

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Source names, in the default order.
const (
	SourceTokenFile       = "token-file"
	SourceCredentialsFile = "credentials-file"
	SourceOIDC            = "oidc"
	SourceADC             = "adc"
	SourceGcloud          = "gcloud"
	SourceMetadata        = "metadata"
)

// DefaultSources is the default order of the chain: explicit before
// ambient, slow (gcloud, the metadata probe) last.
var DefaultSources = []string{SourceTokenFile, SourceCredentialsFile, SourceOIDC, SourceADC, SourceGcloud, SourceMetadata}

// source is one link of the chain, by name. resolve decides cheaply (no
// network, no exec) whether the source is configured and who it would act
// as; universe is the one the registry needs ("" for any).
type source interface {
	name() string
	resolve(ctx context.Context, o *Options, universe string) (*configured, error)
}

// configured is a source that has something to offer: its tokens, and the
// non-secret description the chain needs before asking for one.
type configured struct {
	tokenSource
	name     string   // the source's name in the chain
	identity string   // who its tokens act as, as well as we can tell without asking Google; email where known
	universe string   // "" when only its tokens can tell
	key      []string // what decides its principal, for the cache key (key.go); never a secret in clear
	// noCache: its tokens must not be cached. A bare access-token file:
	// its expiry is unknown and its principal is the token itself, which
	// no key covers (nor, then, tokens impersonated with it).
	noCache bool
	// impersonates: the source applies Options.Impersonate itself (gcloud,
	// given the chain in its own variable), so the chain does not wrap it.
	impersonates bool
	// subjectExpiry is the exp of the subject token its tokens are
	// exchanged from, when one is in hand: a cached token that lasts as
	// long is not replaced by exchanging that token again (cache.go).
	subjectExpiry time.Time
	// shortFix is the fix to give when its tokens live less than the
	// refresh margin ("" for the generic one).
	shortFix string
}

// Chain tries its sources in order; the first that yields a token wins.
type Chain struct {
	o       Options
	sources []source
	cache   cache
}

// New builds a chain from o. Unknown source names are an error that lists
// the valid ones; an IAMEndpoint that is not Google's IAM Credentials API of
// a trusted universe is refused unless o.AllowCustomURLs.
func New(o Options) (*Chain, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.IAMEndpoint != "" && !o.AllowCustomURLs {
		if err := checkIAMEndpoint(o.IAMEndpoint, o.trust()); err != nil {
			return nil, err
		}
	}
	names := o.Sources
	if names == nil {
		names = DefaultSources
	}
	c := &Chain{o: o}
	c.cache = newCache(&c.o)
	for _, n := range names {
		s, err := c.newSource(n)
		if err != nil {
			return nil, err
		}
		c.sources = append(c.sources, s)
	}
	return c, nil
}

func (c *Chain) newSource(name string) (source, error) {
	o := &c.o
	switch name {
	case SourceTokenFile:
		return tokenFile{path: o.TokenFile}, nil
	case SourceCredentialsFile:
		return credentialFile{source: SourceCredentialsFile, path: o.CredentialsFile,
			unset: "GOOGLE_APPLICATION_CREDENTIALS is not set"}, nil
	case SourceOIDC:
		return oidcSource{}, nil
	case SourceADC:
		return credentialFile{source: SourceADC, path: adcPath(o)}, nil
	case SourceGcloud:
		return gcloudSource{}, nil
	case SourceMetadata:
		return metadataSource{}, nil
	}
	return nil, fmt.Errorf("unknown token source %q; valid sources: %s", name, strings.Join(DefaultSources, ", "))
}

// Token returns a token acceptable to a registry of universe ("" for any
// universe) from the first configured source. Sources with nothing
// configured (no file, no variable, another universe) are skipped; a
// configured source that fails ends the chain, so that a broken key file
// never silently yields the VM's identity instead. The error lists each
// source tried and why, then the command most likely to fix it.
func (c *Chain) Token(ctx context.Context, universe string) (*Token, error) {
	ctx, cancel := context.WithTimeout(ctx, orDefault(c.o.Timeouts.Total, DefaultTotalTimeout))
	defer cancel()
	ce := &ChainError{Universe: universe}
	log := c.o.logger()
	for _, s := range c.sources {
		start := time.Now()
		t, err := c.try(ctx, s, universe)
		if err == nil {
			since(ctx, log, "token source served", start, "source", s.name(), "identity", t.Identity, "universe", t.Universe, "expiry", t.Expiry)
			return t, nil
		}
		since(ctx, log, "token source failed", start, "source", s.name(), "reason", err)
		ce.Failures = append(ce.Failures, SourceError{Source: s.name(), Err: err})
		if !errors.Is(err, errNotConfigured) {
			// A configured source that fails ends the chain, as Google's
			// ADC does: the next source would be another identity.
			break
		}
	}
	return nil, ce
}

// try resolves s, then asks the composition of doc.go for a token:
// source, then impersonation, then the source's bound and description,
// then the cache.
func (c *Chain) try(ctx context.Context, s source, universe string) (*Token, error) {
	// resolve reads files (a credential file, gcloud's configuration):
	// within the source's bound too.
	rctx, cancel := context.WithTimeout(ctx, c.sourceTimeout())
	cs, err := s.resolve(rctx, &c.o, universe)
	cancel()
	if err != nil {
		return nil, err
	}
	if needsImpersonation(cs, c.o.Impersonate) {
		cs = impersonate(cs, c.o.Impersonate, &c.o)
	}
	if err := checkUniverse(cs.universe, universe); err != nil {
		return nil, err
	}
	var ts tokenSource = bounded{cs: cs, universe: universe, timeout: c.sourceTimeout()}
	if !cs.noCache {
		ts = c.cache.wrap(c.cacheKey(cs, universe), ts, cs.subjectExpiry)
	}
	t, err := ts.Token(ctx)
	if err == nil {
		c.noteShort(ctx, cs, t)
	}
	return t, err
}

// noteShort sets t.Note when t has less than the refresh margin left: the
// cache serves such a token only when its source cannot do better (or
// failed), and a client that keeps it (docker push, regctl, crane) may see
// it die mid-push; --verbose and doctor say why and what fixes it.
func (c *Chain) noteShort(ctx context.Context, cs *configured, t *Token) {
	margin := c.o.RefreshMargin()
	left := t.Expiry.Sub(c.o.now())
	if t.Expiry.IsZero() || left >= margin {
		return
	}
	fix := cs.shortFix
	if fix == "" {
		fix = "lower refresh_margin (DOCKER_CREDENTIAL_GCR_REFRESH_MARGIN) below the life of its tokens"
	}
	t.Note = fmt.Sprintf("the token has %s left, less than the %s refresh margin: the %s source cannot mint a longer-lived one now, and a client that keeps it longer may fail mid-push; %s",
		left.Round(time.Second), margin, cs.name, fix)
	c.o.logger().DebugContext(ctx, "token shorter than the refresh margin", "source", cs.name, "note", t.Note)
}

func (c *Chain) sourceTimeout() time.Duration {
	return orDefault(c.o.Timeouts.Source, DefaultSourceTimeout)
}

// bounded is a configured source as the chain serves it: each token
// request within the source's bound, its tokens named by the source's
// description where they do not say better, and refused when they are of
// another universe than the registry's or hold a character no registry
// accepts.
type bounded struct {
	cs       *configured
	universe string // the registry's; "" for any
	timeout  time.Duration
}

func (b bounded) Token(ctx context.Context) (*Token, error) {
	fctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	t, err := b.cs.Token(fctx)
	if err != nil {
		if fctx.Err() != nil && ctx.Err() == nil {
			return nil, &timeoutError{bound: b.timeout, err: err}
		}
		return nil, err
	}
	// Whatever the source (a file, gcloud's output, a server's answer),
	// docker is never handed a token no registry accepts.
	if err := checkAccessToken(t.AccessToken); err != nil {
		return nil, fmt.Errorf("%s answered an unusable access token: %w", b.cs.name, err)
	}
	t.Source = b.cs.name
	if t.Identity == "" {
		t.Identity = b.cs.identity
	}
	if t.Universe == "" {
		t.Universe = b.cs.universe
	}
	if err := checkUniverse(t.Universe, b.universe); err != nil {
		return nil, err
	}
	return t, nil
}

// checkUniverse refuses a credential of universe u for a registry of
// universe want: a token minted for googleapis.com is never sent to an
// s3nsregistry.fr registry.
func checkUniverse(u, want string) error {
	if want == "" || u == "" || u == want {
		return nil
	}
	return &universeError{what: "its credential is for", got: u, want: want}
}

// SourceError is one source's failure.
type SourceError struct {
	Source string
	Err    error
}

func (e SourceError) Error() string { return e.Source + ": " + e.Err.Error() }
func (e SourceError) Unwrap() error { return e.Err }

// ChainError is returned when no source yields a token.
type ChainError struct {
	Universe string
	Failures []SourceError
}

func (e *ChainError) Unwrap() []error {
	errs := make([]error, len(e.Failures))
	for i := range e.Failures {
		errs[i] = e.Failures[i]
	}
	return errs
}

func (e *ChainError) Error() string {
	var b strings.Builder
	b.WriteString("no Google credentials found")
	if e.Universe != "" && e.Universe != DefaultUniverse {
		b.WriteString(" for universe " + e.Universe)
	}
	b.WriteString(":")
	for _, f := range e.Failures {
		b.WriteString("\n  " + f.Error())
	}
	b.WriteString("\nnext step: " + e.Hint())
	return b.String()
}

// Hint is the one command most likely to fix the failure: the hint of the
// first source that was configured but failed, else logging in.
func (e *ChainError) Hint() string {
	for _, f := range e.Failures {
		var h *hintError
		if errors.As(f.Err, &h) {
			return h.hint
		}
	}
	for _, f := range e.Failures {
		if !errors.Is(f.Err, errNotConfigured) {
			return "fix the " + f.Source + " error above, or run `docker-credential-gcr doctor`"
		}
	}
	for _, f := range e.Failures {
		var u *universeError
		if errors.As(f.Err, &u) {
			return u.hint(f.Source)
		}
	}
	return "run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file)"
}

// hintError carries the next step for the user.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hint string) error { return &hintError{err: err, hint: hint} }
