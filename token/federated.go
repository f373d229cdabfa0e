package token

import (
	"context"
	"errors"
	"fmt"
)

// Federation is a workload identity federation source: subject tokens
// (JWTs: a CI job's, a pod's service-account token) exchanged at the STS
// of the provider's universe for federated access tokens, then, like any
// source, impersonated when Options.Impersonate says so, bounded and
// cached. It has two callers: the oidc source of the chain (oidc.go) and
// the kubelet plugin's per-pod identity (NewFederated).
type Federation struct {
	// Provider is the workload identity pool provider
	// (ParseWorkloadProvider); its universe must be one the helper trusts.
	Provider WorkloadProvider
	// Subject returns a subject token for Provider. It is asked once per
	// Token call when SubjectKey is empty, else only when a token must be
	// minted; each call may return a fresh token. Its errors must not hold
	// a secret.
	Subject func(ctx context.Context) (string, error)
	// SubjectKey, when not empty, stands for every token Subject returns
	// in the cache key: a digest naming where they come from (a CI job's
	// token endpoint and request token), never a secret in clear. A cached
	// token is then found without asking Subject. Empty: the cache key
	// holds the claims of the token Subject returns (iss, sub, the
	// repository or project, a Kubernetes service account's namespace,
	// name and uid: JWTClaims.Identity), so that tokens of one identity
	// share a cache entry.
	SubjectKey string
	// Origin names the subject token in messages, a noun phrase
	// ("GitHub Actions' ID token", "the token in $GCP_ID_TOKEN").
	Origin string
	// Name is the source's name in messages, tokens and the cache key
	// (SourceOIDC when empty).
	Name string
}

// NewFederated returns a chain of f alone: a source built per request (the
// kubelet's pod identity, from the request's service-account token) that
// is never followed by another, so that a pod that asked for its own
// identity never gets the node's. It is impersonated per o.Impersonate,
// bounded by o.Timeouts and cached in o.Cache like the chain's sources;
// o.Sources is ignored.
func NewFederated(o Options, f Federation) (*Chain, error) {
	if f.Subject == nil {
		return nil, errNoSubject
	}
	if f.Provider.Universe == "" || f.Provider.Audience() == "//iam."+f.Provider.Universe+"/" {
		return nil, errors.New("federated source: no workload identity provider (ParseWorkloadProvider makes one)")
	}
	o.Sources = []string{}
	c, err := New(o)
	if err != nil {
		return nil, err
	}
	c.sources = []source{federated{f: f}}
	return c, nil
}

// federated is a Federation as a source of the chain.
type federated struct{ f Federation }

func (s federated) name() string {
	if s.f.Name != "" {
		return s.f.Name
	}
	return SourceOIDC
}

// resolve checks the provider's universe and, for a subject in hand (no
// SubjectKey), reads its token once: its claims key the cache and the
// exchange uses that same token, so a subject that changes between two
// reads can never be cached under another identity's key.
func (s federated) resolve(ctx context.Context, o *Options, universe string) (*configured, error) {
	p := s.f.Provider
	if !o.trust().trusted(p.Universe) {
		return nil, withHint(fmt.Errorf("the workload identity provider %s is in universe %s, which the helper does not trust", p, p.Universe),
			"if "+p.Universe+" is your universe, set universe_domain: `docker-credential-gcr config --universe-domain="+p.Universe+"`")
	}
	if universe != "" && universe != p.Universe {
		return nil, notConfigured("the workload identity provider is in universe %s, the registry needs %s", p.Universe, universe)
	}
	cs := &configured{
		name:     s.name(),
		universe: p.Universe,
		key:      []string{"provider=" + p.Audience()},
		shortFix: "impersonate a service account (impersonate_service_account, or --impersonate-service-account): its tokens live an hour",
	}
	x := exchange{f: s.f, o: o}
	if s.f.SubjectKey != "" {
		cs.key = append(cs.key, "subject="+s.f.SubjectKey)
		cs.identity = "the federated principal of " + s.f.Origin + " in " + p.String()
	} else {
		jwt, claims, err := x.subject(ctx)
		if err != nil {
			return nil, err
		}
		x.jwt, x.claims = jwt, claims
		cs.key = append(cs.key, "subject="+claims.Identity())
		cs.identity = federatedIdentity(p, claims)
		// A federated token may be capped at its subject token's exp:
		// exchanging that token again cannot outlive a cached one that
		// lasts as long.
		cs.subjectExpiry = claims.Expiry
	}
	cs.tokenSource = x
	return cs, nil
}

// exchange mints federated tokens: the subject token in hand, else a
// fresh one from Subject, exchanged at STS.
type exchange struct {
	f      Federation
	o      *Options
	jwt    string // "" when none is in hand
	claims *JWTClaims
}

func (x exchange) Token(ctx context.Context) (*Token, error) {
	jwt, claims := x.jwt, x.claims
	if jwt == "" {
		var err error
		if jwt, claims, err = x.subject(ctx); err != nil {
			return nil, err
		}
	}
	p := x.f.Provider
	t, err := ExchangeToken(ctx, x.o.httpClient(), ExchangeRequest{Universe: p.Universe, Audience: p.Audience(), SubjectToken: jwt, Now: x.o.Now})
	if err != nil {
		return nil, wrapKeepingHint(err, fmt.Sprintf("exchange %s %s (aud %s)", x.f.Origin, claims.Describe(), audiences(claims)))
	}
	t.Identity = federatedIdentity(p, claims)
	return t, nil
}

// subject asks Subject for a token and reads its claims.
func (x exchange) subject(ctx context.Context) (string, *JWTClaims, error) {
	jwt, err := x.f.Subject(ctx)
	if err != nil {
		return "", nil, err
	}
	claims, err := ReadJWT(jwt, x.o.now())
	if err != nil {
		if errors.Is(err, ErrSubjectTokenExpired) {
			return "", nil, withHint(fmt.Errorf("%s: %w", x.f.Origin, err), "give the helper a fresh token (check the clocks if it was just issued)")
		}
		return "", nil, fmt.Errorf("%s: %w", x.f.Origin, err)
	}
	return jwt, claims, nil
}

// federatedIdentity names the principal a federated token acts as: the
// pool principal of the token's sub under the default mapping
// (google.subject=assertion.sub), else the token's identity and the GKE
// identity namespace.
func federatedIdentity(p WorkloadProvider, c *JWTClaims) string {
	if pp := p.PoolPrincipal(c.Subject); pp != "" {
		return pp
	}
	return "the federated identity " + c.Describe() + " in " + p.IdentityNamespace
}

// audiences shows a token's aud for a message (it is not a secret).
func audiences(c *JWTClaims) string {
	switch len(c.Audience) {
	case 0:
		return "none"
	case 1:
		return fmt.Sprintf("%q", truncate(c.Audience[0], 200))
	}
	return fmt.Sprintf("%q and %d more", truncate(c.Audience[0], 200), len(c.Audience)-1)
}
