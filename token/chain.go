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
	SourceADC             = "adc"
	SourceGcloud          = "gcloud"
	SourceMetadata        = "metadata"
)

// Bounds on a token request: a hung gcloud or a black-holed metadata
// server must not hang docker.
const (
	DefaultSourceTimeout = 10 * time.Second // one source
	DefaultTotalTimeout  = 15 * time.Second // the whole chain
)

// DefaultSources is the default order of the chain: explicit before
// ambient, slow (gcloud, the metadata probe) last.
var DefaultSources = []string{SourceTokenFile, SourceCredentialsFile, SourceADC, SourceGcloud, SourceMetadata}

// source is one link of the chain. resolve decides cheaply (no network, no
// exec) whether the source is configured and who it would act as.
type source interface {
	name() string
	resolve(ctx context.Context, o *Options) (*candidate, error)
}

// candidate is a configured source: who it is, and how to get its token.
type candidate struct {
	identity string   // non-secret; email where known
	universe string   // "" when only the fetch can tell
	key      []string // what decides the principal, for the cache key (key.go); never a secret in clear
	fetch    func(ctx context.Context) (*Token, error)
}

// Chain tries its sources in order; the first that yields a token wins.
type Chain struct {
	o       Options
	sources []source
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
	case SourceADC:
		return credentialFile{source: SourceADC, path: adcPath(o)}, nil
	case SourceGcloud:
		return gcloudSource{}, nil
	case SourceMetadata:
		return metadataSource{}, nil
	}
	return nil, fmt.Errorf("unknown token source %q; valid sources: %s", name, strings.Join(DefaultSources, ", "))
}

// Token returns a token from the first configured source for the required
// universe. Sources with nothing configured (no file, no variable, another
// universe) are skipped; a configured source that fails ends the chain, so
// that a broken key file never silently yields the VM's identity instead.
// The error lists each source tried and why, then the command most likely
// to fix it.
func (c *Chain) Token(ctx context.Context) (*Token, error) {
	total := c.o.TotalTimeout
	if total == 0 {
		total = DefaultTotalTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, total)
	defer cancel()
	ce := &ChainError{Universe: c.o.Universe}
	log := c.o.logger()
	for _, s := range c.sources {
		start := time.Now()
		t, err := c.try(ctx, s)
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

func (c *Chain) try(ctx context.Context, s source) (*Token, error) {
	// resolve reads files (a credential file, gcloud's configuration):
	// within the source's bound too.
	rctx, cancel := context.WithTimeout(ctx, c.sourceTimeout())
	cand, err := s.resolve(rctx, &c.o)
	cancel()
	if err != nil {
		return nil, err
	}
	if len(c.o.Impersonate) > 0 {
		cand = impersonate(cand, c.o.Impersonate, &c.o)
	}
	if err := c.checkUniverse(cand.universe); err != nil {
		return nil, err
	}
	fetch := func(ctx context.Context) (*Token, error) { return c.fetch(ctx, s.name(), cand) }
	if c.o.Cache != nil && s.name() != SourceTokenFile {
		return c.o.Cache.token(ctx, c.cacheKey(s.name(), cand), fetch, c.o.logger())
	}
	return fetch(ctx)
}

// fetch asks cand for a token within the timeout and checks its universe.
func (c *Chain) fetch(ctx context.Context, name string, cand *candidate) (*Token, error) {
	timeout := c.sourceTimeout()
	fctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t, err := cand.fetch(fctx)
	if err != nil {
		if fctx.Err() != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("no answer within %s: %w", timeout, err)
		}
		return nil, err
	}
	t.Source = name
	if t.Identity == "" {
		t.Identity = cand.identity
	}
	if t.Universe == "" {
		t.Universe = cand.universe
	}
	if err := c.checkUniverse(t.Universe); err != nil {
		return nil, err
	}
	return t, nil
}

func (c *Chain) sourceTimeout() time.Duration {
	if c.o.Timeout > 0 {
		return c.o.Timeout
	}
	return DefaultSourceTimeout
}

// checkUniverse refuses a credential of another universe: a token minted
// for googleapis.com is never sent to an s3nsregistry.fr registry.
func (c *Chain) checkUniverse(u string) error {
	if c.o.Universe == "" || u == "" || u == c.o.Universe {
		return nil
	}
	return notConfigured("its credential is for universe %s, the registry needs %s", u, c.o.Universe)
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
