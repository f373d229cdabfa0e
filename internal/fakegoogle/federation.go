package fakegoogle

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Workload identity federation, as STS does it for an OIDC provider: the
// exchange's audience names a pool provider; the provider trusts one issuer
// (its JWKS verifies the subject token's RS256 signature), a list of
// allowed JWT audiences and an attribute condition; the attribute mapping
// turns the claims into google.subject (and attributes), and the federated
// token acts as
// principal://iam.UNIVERSE/projects/NUM/locations/global/workloadIdentityPools/POOL/subject/SUBJECT.

// ProviderConfig registers a workload identity pool provider with STS.
type ProviderConfig struct {
	// Audience is the provider as an STS exchange names it: its full
	// resource name
	// //iam.UNIVERSE/projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV,
	// or GKE's identitynamespace:PROJECT.svc.id.goog:ISSUER_URL (universe
	// googleapis.com; ISSUER_URL, such as
	// https://container.googleapis.com/v1/projects/P/locations/L/clusters/C,
	// must be Issuer.URL).
	Audience string
	// Issuer is the OIDC issuer the provider trusts (its issuer URI).
	Issuer *Issuer
	// JWKS, when set, replaces the issuer's published keys, as a provider's
	// uploaded --jwk-json-path does.
	JWKS []byte
	// AllowedAudiences are the aud values accepted. Default: the provider's
	// resource name as //iam.UNIVERSE/projects/... and
	// https://iam.UNIVERSE/projects/...; for identitynamespace the pool,
	// PROJECT.svc.id.goog.
	AllowedAudiences []string
	// Mapping is the attribute mapping: claims to "google.subject" and
	// "attribute.NAME" values. Default: google.subject = sub; for
	// identitynamespace, google.subject = ns/NAMESPACE/sa/NAME (from the
	// kubernetes.io claim) and "namespace" = NAMESPACE.
	Mapping func(claims map[string]any) map[string]string
	// Condition is the attribute condition; nil accepts every identity.
	Condition func(claims map[string]any) bool
	// CapLifetime makes a federated token expire no later than the subject
	// token it came from.
	CapLifetime bool
	// ProjectNumber is the project of an identitynamespace pool (the pool
	// form carries its own); default 123456789012.
	ProjectNumber string
}

// provider is a registered ProviderConfig.
type provider struct {
	cfg      ProviderConfig
	universe string
	pool     string // //iam.UNIVERSE/projects/NUM/locations/global/workloadIdentityPools/POOL
	gke      bool   // identitynamespace
	keys     map[string]*rsa.PublicKey
	// asSubject: tokens act as google.subject itself, not as a principal
	// of the pool (NewExternalAccount's provider, whose sub is an email).
	asSubject bool
}

var (
	poolAudience = regexp.MustCompile(`^//iam\.([a-z0-9.-]+)/(projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]+)/providers/[a-z0-9-]+$`)
	gkeAudience  = regexp.MustCompile(`^identitynamespace:([a-z][a-z0-9-]*\.svc\.id\.goog):(https://[^\s]+)$`)
)

// Google's words for a malformed or unknown audience.
const (
	badAudience     = "Invalid value for \"audience\". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats."
	unknownAudience = "The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist."
)

// AddProvider registers a workload identity pool provider. A provider
// registered again replaces the earlier one.
func (s *Server) AddProvider(c ProviderConfig) error {
	return s.addProvider(c, false)
}

func (s *Server) addProvider(c ProviderConfig, asSubject bool) error {
	if c.Issuer == nil {
		return errors.New("fakegoogle: a provider needs an issuer")
	}
	p := &provider{cfg: c, asSubject: asSubject}
	if m := poolAudience.FindStringSubmatch(c.Audience); m != nil {
		p.universe = m[1]
		p.pool = "//iam." + m[1] + "/" + m[2]
		if p.cfg.AllowedAudiences == nil {
			name := strings.TrimPrefix(c.Audience, "//iam."+m[1]+"/")
			p.cfg.AllowedAudiences = []string{c.Audience, "https://iam." + m[1] + "/" + name}
		}
	} else if m := gkeAudience.FindStringSubmatch(c.Audience); m != nil {
		if m[2] != c.Issuer.URL {
			return fmt.Errorf("fakegoogle: identitynamespace provider %s is not the issuer's URL %s", m[2], c.Issuer.URL)
		}
		num := c.ProjectNumber
		if num == "" {
			num = numericProject
		}
		p.universe, p.gke = defaultUniverse, true
		p.pool = "//iam." + defaultUniverse + "/projects/" + num + "/locations/global/workloadIdentityPools/" + m[1]
		if p.cfg.AllowedAudiences == nil {
			p.cfg.AllowedAudiences = []string{m[1]}
		}
	} else {
		return fmt.Errorf("fakegoogle: %q is neither a provider's full resource name nor an identitynamespace audience", c.Audience)
	}
	if c.JWKS != nil {
		keys, err := parseJWKS(c.JWKS)
		if err != nil {
			return err
		}
		p.keys = keys
	} else {
		p.keys = map[string]*rsa.PublicKey{c.Issuer.kid: &c.Issuer.key.PublicKey}
	}
	if p.cfg.Mapping == nil {
		p.cfg.Mapping = defaultMapping
		if p.gke {
			p.cfg.Mapping = gkeMapping
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.providers[c.Audience] = p
	return nil
}

// PoolPrincipal is the principal a federated token of the pool provider
// audience acts as for subject (its mapped google.subject):
// principal://iam.UNIVERSE/projects/NUM/locations/global/workloadIdentityPools/POOL/subject/SUBJECT.
// ok is false for an audience not registered with AddProvider.
func (s *Server) PoolPrincipal(audience, subject string) (principal string, ok bool) {
	s.mu.Lock()
	p, ok := s.providers[audience]
	s.mu.Unlock()
	if !ok {
		return "", false
	}
	return p.principal(subject), true
}

func (p *provider) principal(subject string) string {
	if p.asSubject {
		return subject
	}
	return "principal:" + p.pool + "/subject/" + subject
}

func defaultMapping(claims map[string]any) map[string]string {
	sub, _ := claims["sub"].(string)
	return map[string]string{"google.subject": sub}
}

// gkeMapping is GKE Workload Identity's: ns/NAMESPACE/sa/NAME.
func gkeMapping(claims map[string]any) map[string]string {
	k, _ := claims["kubernetes.io"].(map[string]any)
	ns, _ := k["namespace"].(string)
	sa, _ := k["serviceaccount"].(map[string]any)
	name, _ := sa["name"].(string)
	if ns == "" || name == "" {
		return map[string]string{"google.subject": ""}
	}
	return map[string]string{"google.subject": "ns/" + ns + "/sa/" + name, "namespace": ns}
}

// audienceUniverse is the universe of a well-formed STS audience, "" for
// a malformed one.
func audienceUniverse(audience string) string {
	if m := poolAudience.FindStringSubmatch(audience); m != nil {
		return m[1]
	}
	if gkeAudience.MatchString(audience) {
		return defaultUniverse
	}
	return ""
}

// stsRefusal is an RFC 6749 error answer of STS.
type stsRefusal struct {
	code, description string
}

func refuse(code, format string, a ...any) *stsRefusal {
	return &stsRefusal{code, fmt.Sprintf(format, a...)}
}

// federate verifies a JWT subject token for the provider named by
// audience, as addressed to universe, and returns the grant of the
// federated token and its lifetime.
func (s *Server) federate(universe, audience, subjectToken, scope string) (grant, time.Duration, *stsRefusal) {
	// A provider of another universe is not even a well-formed name here.
	if audienceUniverse(audience) != universe {
		return grant{}, 0, refuse("invalid_request", "%s", badAudience)
	}
	s.mu.Lock()
	p, ok := s.providers[audience]
	s.mu.Unlock()
	if !ok {
		return grant{}, 0, refuse("invalid_target", "%s", unknownAudience)
	}
	claims, lifetime, r := p.verify(subjectToken, s.opts.Now())
	if r != nil {
		return grant{}, 0, r
	}
	attrs := p.cfg.Mapping(claims)
	subject := attrs["google.subject"]
	switch {
	case subject == "":
		return grant{}, 0, refuse("invalid_request", "The mapped attribute google.subject must not be empty. Check the attribute mapping and the assertion's claims.")
	case len(subject) > 127:
		return grant{}, 0, refuse("invalid_request", "The size of mapped attribute google.subject exceeds the 127 bytes limit. Either modify your attribute mapping or the incoming assertion to produce a mapped attribute that is less than 127 bytes.")
	case p.cfg.Condition != nil && !p.cfg.Condition(claims):
		return grant{}, 0, refuse("unauthorized_client", "The given credential is rejected by the attribute condition.")
	}
	if !p.cfg.CapLifetime {
		lifetime = 0
	}
	return grant{principal: p.principal(subject), scope: scope, universe: universe, pool: p.pool, attributes: attrs}, lifetime, nil
}

// verify checks the subject token: an RS256 JWT whose iss is the
// provider's issuer, signed by a key of its JWKS, for an allowed audience,
// valid now. It returns the claims and the token's remaining life.
func (p *provider) verify(token string, now time.Time) (map[string]any, time.Duration, *stsRefusal) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, 0, refuse("invalid_grant", "Unable to parse the ID Token.")
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var claims map[string]any
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || decodeSegment(parts[0], &h) != nil || decodeSegment(parts[1], &claims) != nil || claims == nil {
		return nil, 0, refuse("invalid_grant", "Unable to parse the ID Token.")
	}
	if h.Alg != "RS256" {
		return nil, 0, refuse("invalid_grant", "The ID Token must be signed with RS256, not %q.", truncate(h.Alg, 16))
	}
	if iss, _ := claims["iss"].(string); iss != p.cfg.Issuer.URL {
		return nil, 0, refuse("invalid_grant", "The issuer in ID Token %s does not match the expected ones: %s", truncate(iss, 200), p.cfg.Issuer.URL)
	}
	key, ok := p.keys[h.Kid]
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ok || rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) != nil {
		return nil, 0, refuse("invalid_grant", "The ID Token's signature cannot be verified with the provider's JSON Web Key Set.")
	}
	auds := audiences(claims["aud"])
	if !slices.ContainsFunc(auds, func(a string) bool { return slices.Contains(p.cfg.AllowedAudiences, a) }) {
		return nil, 0, refuse("invalid_grant", "The audience in ID Token [%s] does not match the expected audience.", truncate(strings.Join(auds, ", "), 300))
	}
	exp, okExp := numericDate(claims["exp"])
	iat, okIat := numericDate(claims["iat"])
	switch {
	case !okExp || !okIat:
		return nil, 0, refuse("invalid_grant", "The ID Token must carry iat and exp claims.")
	case !now.Before(exp):
		return nil, 0, refuse("invalid_grant", "The ID Token has expired (exp %s).", exp.UTC().Format(time.RFC3339))
	case iat.After(now.Add(time.Minute)):
		return nil, 0, refuse("invalid_grant", "The ID Token was issued in the future (iat %s).", iat.UTC().Format(time.RFC3339))
	}
	if nbf, ok := numericDate(claims["nbf"]); ok && nbf.After(now.Add(time.Minute)) {
		return nil, 0, refuse("invalid_grant", "The ID Token is not valid before %s.", nbf.UTC().Format(time.RFC3339))
	}
	return claims, exp.Sub(now), nil
}

// audiences reads aud: a string or an array of strings.
func audiences(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// numericDate reads a JWT NumericDate (seconds since the epoch).
func numericDate(v any) (time.Time, bool) {
	f, ok := v.(float64)
	if !ok || f <= 0 || f > 1<<40 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}
