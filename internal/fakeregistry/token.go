package fakeregistry

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakehttp"
)

// Token-mode constants. The service and issuer are fixed names that the
// docker-registry config and the minted JWTs agree on; the realm path is
// Artifact Registry's.
const (
	TokenPath = "/v2/token"
	Service   = "fakeregistry"
	Issuer    = "fakeregistry-token-issuer"

	defaultTokenLifetime = 5 * time.Minute
)

// Access is one entry of a registry token's access claim: a resource and the
// actions granted on it, as in the scope "repository:proj/repo:pull,push".
type Access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// parseScope splits a scope "type:name:action,action". The name may itself
// hold colons (a registry:catalog:* scope has none, a name with a port
// would), so type ends at the first colon and actions start after the last.
func parseScope(s string) (Access, bool) {
	i, j := strings.Index(s, ":"), strings.LastIndex(s, ":")
	if i <= 0 || j <= i+1 || j == len(s)-1 {
		return Access{}, false
	}
	a := Access{Type: s[:i], Name: s[i+1 : j]}
	for act := range strings.SplitSeq(s[j+1:], ",") {
		if act != "" && !slices.Contains(a.Actions, act) {
			a.Actions = append(a.Actions, act)
		}
	}
	return a, len(a.Actions) > 0
}

// signer mints registry JWTs with an ECDSA P-256 key whose self-signed
// certificate docker-registry trusts as its rootcertbundle.
type signer struct {
	key     *ecdsa.PrivateKey
	certDER []byte
	certPEM []byte
}

func newSigner() (*signer, error) {
	ca, err := fakehttp.NewCA(Issuer)
	if err != nil {
		return nil, fmt.Errorf("fakeregistry: token certificate: %w", err)
	}
	return &signer{key: ca.Key, certDER: ca.Cert.Raw, certPEM: ca.PEM}, nil
}

// claims is the claim set docker-registry 2.8.2 checks: iss, aud (one
// string there, not a list), exp and nbf (with 60 s leeway), and access.
type claims struct {
	Issuer     string   `json:"iss"`
	Subject    string   `json:"sub"`
	Audience   string   `json:"aud"`
	Expiration int64    `json:"exp"`
	NotBefore  int64    `json:"nbf"`
	IssuedAt   int64    `json:"iat"`
	JWTID      string   `json:"jti"`
	Access     []Access `json:"access"`
}

// sign returns the compact JWS of c: ES256, with the signing certificate in
// x5c (standard base64 DER, as RFC 7515 says), which docker-registry
// verifies against its rootcertbundle.
func (s *signer) sign(c claims) (string, error) {
	header, err := json.Marshal(map[string]any{
		"typ": "JWT",
		"alg": "ES256",
		"x5c": []string{base64.StdEncoding.EncodeToString(s.certDER)},
	})
	if err != nil {
		return "", fmt.Errorf("fakeregistry: encode JWT header: %w", err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("fakeregistry: encode JWT claims: %w", err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	r, ss, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("fakeregistry: sign JWT: %w", err)
	}
	// JWS ES256 signatures are R and S as 32-byte big-endian integers.
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig), nil
}

// tokenResponse is the body of a successful token request, in the shape
// of the distribution token spec (and of Artifact Registry).
type tokenResponse struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	IssuedAt    string `json:"issued_at"`
}

// serveToken answers the token endpoint: Basic credentials (or a POST form
// with grant_type=password) checked by the Authenticator, then a JWT for
// the requested scopes. Anonymous and refused requests get 401 with a
// Basic challenge and an error body in the registry's JSON shape.
func (f *front) serveToken(w http.ResponseWriter, r *http.Request) {
	at := f.attempt(r)
	// Record before answering, so that the log is complete once a client
	// has its answer.
	answer := func(status int, v any) {
		at.Status = status
		f.record(at)
		fakehttp.WriteJSON(w, status, v)
	}
	deny := func(status int, code, message string) {
		answer(status, errorBody(code, message))
	}
	var user, pass string
	var ok bool
	switch r.Method {
	case http.MethodGet:
		r.ParseForm() // the query: scope and service
		user, pass, ok = r.BasicAuth()
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			deny(http.StatusBadRequest, "UNSUPPORTED", "token request body is not a valid form")
			return
		}
		if user, pass, ok = r.BasicAuth(); !ok && r.PostForm.Get("grant_type") == "password" {
			user, pass = r.PostForm.Get("username"), r.PostForm.Get("password")
			ok = user != "" || pass != ""
			at.Username = user
		} else if !ok {
			deny(http.StatusBadRequest, "UNSUPPORTED", "unsupported grant_type "+r.PostForm.Get("grant_type")+`; send Basic credentials or grant_type=password`)
			return
		}
	default:
		deny(http.StatusMethodNotAllowed, "UNSUPPORTED", "token endpoint accepts GET and POST")
		return
	}
	scheme, host := requestOrigin(r)
	challenge := fmt.Sprintf("Basic realm=%q", scheme+"://"+host+TokenPath)
	if !ok {
		w.Header().Set("WWW-Authenticate", challenge)
		deny(http.StatusUnauthorized, "DENIED", "Unauthenticated request. Unauthenticated requests do not have permission to access this registry: send Basic credentials to the token endpoint")
		return
	}
	principal, ok := f.auth(user, pass)
	if !ok {
		w.Header().Set("WWW-Authenticate", challenge)
		deny(http.StatusUnauthorized, "DENIED", fmt.Sprintf("failed authentication for user %q", user))
		return
	}
	at.Principal = principal
	at.Accepted = true

	access := []Access{}
	for _, s := range r.Form["scope"] {
		for one := range strings.FieldsSeq(s) { // a scope parameter may hold several, space-separated
			a, ok := parseScope(one)
			if !ok {
				continue
			}
			if f.authorize != nil {
				a.Actions = f.authorize(principal, a)
			}
			if !f.allowed(principal, a) {
				a.Actions = nil
			}
			if len(a.Actions) > 0 {
				access = append(access, a)
			}
		}
	}
	now := f.now()
	exp := now.Add(f.lifetime)
	tok, err := f.signer.sign(claims{
		Issuer:     Issuer,
		Subject:    principal,
		Audience:   Service,
		Expiration: exp.Unix(),
		NotBefore:  now.Add(-time.Second).Unix(),
		IssuedAt:   now.Unix(),
		JWTID:      rand.Text(),
		Access:     access,
	})
	if err != nil {
		deny(http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	f.mu.Lock()
	f.tokens[tok] = principal
	f.mu.Unlock()
	answer(http.StatusOK, tokenResponse{
		Token:       tok,
		AccessToken: tok,
		ExpiresIn:   int(f.lifetime / time.Second),
		IssuedAt:    now.UTC().Format(time.RFC3339),
	})
}

func (f *front) restrict(repository string, principals []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.allow == nil {
		f.allow = make(map[string][]string)
	}
	f.allow[repository] = append([]string{}, principals...)
}

// allowed reports whether the allow-lists (Registry.Restrict) of the
// repository a names and of every path above it admit principal; a path
// without one admits everybody.
func (f *front) allowed(principal string, a Access) bool {
	if a.Type != "repository" {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for name := a.Name; ; {
		if list, restricted := f.allow[name]; restricted && !slices.Contains(list, principal) {
			return false
		}
		i := strings.LastIndex(name, "/")
		if i < 0 {
			return true
		}
		name = name[:i]
	}
}

// registryError answers in the registry error shape that clients print as
// "code: message" (docker shows "denied: ...").
func registryError(w http.ResponseWriter, status int, code, message string) {
	fakehttp.WriteJSON(w, status, errorBody(code, message))
}

func errorBody(code, message string) any {
	return map[string]any{"errors": []map[string]string{{"code": code, "message": message}}}
}
