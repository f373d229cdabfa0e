package fakegoogle

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakehttp"
)

const (
	issuersPrefix = "/issuers/"                         // this server's path for issuer NAME's documents
	discoveryPath = "/.well-known/openid-configuration" // relative to the issuer URL
	jwksPath      = "/.well-known/jwks"                 // relative to the issuer URL (GitHub's)
	endpointOIDC  = "oidc"                              // discovery and JWKS requests
)

// Issuer is a fake OpenID Connect issuer — a Kubernetes cluster's
// service-account issuer, a CI's token service — that signs RS256 JWTs with
// its own RSA key and publishes the public half as a JWKS. Several coexist
// on one Server; STS verifies a subject token against the JWKS of the issuer
// registered on the pool provider named by the exchange's audience.
type Issuer struct {
	// URL is the issuer identifier, the iss claim of its tokens. Its
	// discovery document and JWKS are served at this Server's
	// /issuers/NAME/.well-known/openid-configuration and .../jwks whatever
	// URL is, and by Handler at the root for a Proxy serving URL's host.
	URL  string
	Name string

	s   *Server
	key *rsa.PrivateKey
	kid string
}

// IssuerOptions configure NewIssuer.
type IssuerOptions struct {
	// URL is the iss claim; default this Server's URL + "/issuers/" + name,
	// where its documents are served. Two issuers may share a URL (an
	// impostor with another key).
	URL string
}

// NewIssuer creates an issuer with a fresh RSA key. name is a path segment
// (letters, digits, '-', '_', '.') unique on this server.
func (s *Server) NewIssuer(name string, opts IssuerOptions) (*Issuer, error) {
	if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" || name == "." || name == ".." {
		return nil, fmt.Errorf("fakegoogle: issuer name %q is not a path segment", name)
	}
	s.mu.Lock()
	_, taken := s.issuers[name]
	i := s.nkeys
	s.nkeys++
	s.mu.Unlock()
	if taken {
		return nil, fmt.Errorf("fakegoogle: issuer %q exists", name)
	}
	k, err := pooledKey(i)
	if err != nil {
		return nil, err
	}
	iss := &Issuer{URL: opts.URL, Name: name, s: s, key: k, kid: keyID(&k.PublicKey)}
	if iss.URL == "" {
		iss.URL = s.URL + issuersPrefix + name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.issuers[name]; taken {
		return nil, fmt.Errorf("fakegoogle: issuer %q exists", name)
	}
	s.issuers[name] = iss
	return iss, nil
}

// keyID is the kid Kubernetes gives a key: base64url of the SHA-256 of its
// DER public key.
func keyID(pub *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub) // an RSA key always marshals
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// jwk is one RSA key of a JWKS (RFC 7517).
type jwk struct {
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

type jwks struct {
	Keys []jwk `json:"keys"`
}

// JWKS returns the issuer's public keys as a JSON Web Key Set, the document
// a provider's --jwk-json-path uploads.
func (i *Issuer) JWKS() []byte {
	b, _ := json.MarshalIndent(i.jwks(), "", "  ") // strings only
	return b
}

func (i *Issuer) jwks() jwks {
	pub := i.key.PublicKey
	return jwks{Keys: []jwk{{
		Kty: "RSA", Alg: "RS256", Use: "sig", Kid: i.kid,
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
}

// parseJWKS reads the RSA keys of a JWKS by kid; other key types are skipped.
func parseJWKS(b []byte) (map[string]*rsa.PublicKey, error) {
	var set jwks
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("fakegoogle: JWKS: %w", err)
	}
	keys := make(map[string]*rsa.PublicKey)
	for _, k := range set.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("fakegoogle: JWKS: bad RSA key encoding")
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}

// discovery is the OpenID provider metadata an issuer serves.
func (i *Issuer) discovery() map[string]any {
	return map[string]any{
		"issuer":                                i.URL,
		"jwks_uri":                              i.URL + jwksPath,
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	}
}

// Handler serves the issuer's discovery document and JWKS at
// /.well-known/openid-configuration and /.well-known/jwks, for a Proxy
// serving the host of a custom URL (token.actions.githubusercontent.com).
func (i *Issuer) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !i.s.begin(w, r, false, endpointOIDC) {
			return
		}
		i.serve(w, r, r.URL.Path)
	})
}

func (i *Issuer) serve(w http.ResponseWriter, r *http.Request, p string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	switch p {
	case discoveryPath:
		fakehttp.WriteJSON(w, http.StatusOK, i.discovery())
	case jwksPath:
		fakehttp.WriteJSON(w, http.StatusOK, i.jwks())
	default:
		http.NotFound(w, r)
	}
}

// serveIssuer is /issuers/NAME/...: the documents of issuer NAME.
func (s *Server) serveIssuer(w http.ResponseWriter, r *http.Request) {
	name, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, issuersPrefix), "/")
	s.mu.Lock()
	iss, ok := s.issuers[name]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	iss.serve(w, r, "/"+rest)
}

// Sign signs claims exactly as given (RS256, the issuer's kid in the
// header); use Token for the usual registered claims.
func (i *Issuer) Sign(claims map[string]any) (string, error) {
	h, err := json.Marshal(map[string]string{"alg": "RS256", "kid": i.kid, "typ": "JWT"})
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("fakegoogle: encode claims: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, i.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("fakegoogle: sign: %w", err)
	}
	tok := input + "." + base64.RawURLEncoding.EncodeToString(sig)
	i.s.mu.Lock()
	i.s.secrets = append(i.s.secrets, tok)
	i.s.mu.Unlock()
	return tok, nil
}

// Token signs a JWT for sub with the registered claims set: iss (URL), sub,
// aud (a string for one audience, an array otherwise), iat and nbf (now, by
// the server's clock), exp (now + lifetime; 1h when lifetime <= 0) and a
// random jti. extra adds claims and may override any of these (set one to
// nil to drop it).
func (i *Issuer) Token(sub string, aud []string, lifetime time.Duration, extra map[string]any) (string, error) {
	if lifetime <= 0 {
		lifetime = time.Hour
	}
	now := i.s.opts.Now()
	claims := map[string]any{
		"iss": i.URL,
		"sub": sub,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(lifetime).Unix(),
		"jti": strings.ToLower(randomText()),
	}
	switch len(aud) {
	case 0:
	case 1:
		claims["aud"] = aud[0]
	default:
		claims["aud"] = aud
	}
	for k, v := range extra {
		if v == nil {
			delete(claims, k)
			continue
		}
		claims[k] = v
	}
	return i.Sign(claims)
}

// KubernetesServiceAccount is a pod's service account as the API server
// writes it into a bound token's kubernetes.io claim.
type KubernetesServiceAccount struct {
	Namespace string
	Name      string
	UID       string // default: derived from Namespace and Name, stable
	Pod       string // the bound pod's name; "" for an unbound token
	PodUID    string // default: derived from Pod
	Node      string // the pod's node; "" to omit
}

// KubernetesToken signs a bound service-account token as the API server
// issues it for a TokenRequest (and the kubelet passes to a credential
// provider under KEP-4412): sub system:serviceaccount:NS:NAME, aud always
// an array, and the kubernetes.io claim with namespace, serviceaccount
// {name, uid}, pod {name, uid} and node {name, uid}.
func (i *Issuer) KubernetesToken(sa KubernetesServiceAccount, audiences []string, lifetime time.Duration) (string, error) {
	if sa.Namespace == "" || sa.Name == "" {
		return "", errors.New("fakegoogle: a service account needs a namespace and a name")
	}
	ref := func(name, uid, kind string) map[string]string {
		if uid == "" {
			uid = stableUID(kind, sa.Namespace, name)
		}
		return map[string]string{"name": name, "uid": uid}
	}
	k := map[string]any{
		"namespace":      sa.Namespace,
		"serviceaccount": ref(sa.Name, sa.UID, "serviceaccount"),
	}
	if sa.Pod != "" {
		k["pod"] = ref(sa.Pod, sa.PodUID, "pod")
	}
	if sa.Node != "" {
		k["node"] = ref(sa.Node, "", "node")
	}
	return i.Token("system:serviceaccount:"+sa.Namespace+":"+sa.Name, nil, lifetime, map[string]any{
		"aud":           append([]string{}, audiences...),
		"kubernetes.io": k,
	})
}

// stableUID is a UUID-shaped value derived from its parts, so the same
// service account keeps its uid across tokens.
func stableUID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	h := fmt.Sprintf("%x", sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
