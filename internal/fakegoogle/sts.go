package fakegoogle

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakehttp"
)

const (
	tokenExchange   = "urn:ietf:params:oauth:grant-type:token-exchange"
	accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
	jwtTokenType    = "urn:ietf:params:oauth:token-type:jwt"
	idTokenType     = "urn:ietf:params:oauth:token-type:id_token"
	// externalIssuer issues the subject tokens of NewExternalAccount.
	externalIssuer = "external-account"
)

// workloadAudience is the pool provider of NewExternalAccount's files.
func (s *Server) workloadAudience() string {
	return "//iam." + s.opts.Universe + "/projects/" + numericProject + "/locations/global/workloadIdentityPools/fake-pool/providers/fake-provider"
}

// externalAccount is a workload identity federation config as
// `gcloud iam workload-identity-pools create-cred-config` writes it.
type externalAccount struct {
	Type             string           `json:"type"`
	Audience         string           `json:"audience"`
	SubjectTokenType string           `json:"subject_token_type"`
	TokenURL         string           `json:"token_url"`
	CredentialSource credentialSource `json:"credential_source"`
	UniverseDomain   string           `json:"universe_domain"`
}

type credentialSource struct {
	File   string            `json:"file"`
	Format map[string]string `json:"format"`
}

// stsURL is the STS endpoint written into external-account files.
func (s *Server) stsURL() string {
	if s.opts.RealHosts {
		return realSTSURL
	}
	return s.URL + "/v1/token"
}

// NewExternalAccount writes an OIDC subject token to a new file under dir
// and returns an external_account config that reads it; STS exchanges that
// token for an access token whose principal is email. There is no
// service-account impersonation URL. The token is a JWT for sub email,
// living an hour, of the "external-account" issuer, which the file's pool
// provider trusts; unlike other providers', its tokens act as their sub
// itself rather than as a principal:// of the pool.
func (s *Server) NewExternalAccount(email string, dir string) (credJSON []byte, err error) {
	iss, err := s.externalAccountIssuer()
	if err != nil {
		return nil, err
	}
	subjectToken, err := iss.Token(email, []string{s.workloadAudience()}, time.Hour, nil)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "subject-token-*.jwt")
	if err != nil {
		return nil, fmt.Errorf("fakegoogle: write subject token: %w", err)
	}
	_, err = f.WriteString(subjectToken)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("fakegoogle: write subject token: %w", err)
	}
	path, err := filepath.Abs(f.Name())
	if err != nil {
		return nil, fmt.Errorf("fakegoogle: write subject token: %w", err)
	}
	return json.MarshalIndent(externalAccount{
		Type:             "external_account",
		Audience:         s.workloadAudience(),
		SubjectTokenType: jwtTokenType,
		TokenURL:         s.stsURL(),
		CredentialSource: credentialSource{File: path, Format: map[string]string{"type": "text"}},
		UniverseDomain:   s.opts.Universe,
	}, "", "  ")
}

// externalAccountIssuer is the issuer of NewExternalAccount's subject
// tokens, registered (once) on the provider its files name.
func (s *Server) externalAccountIssuer() (*Issuer, error) {
	s.mu.Lock()
	iss, ok := s.issuers[externalIssuer]
	s.mu.Unlock()
	if ok {
		return iss, nil
	}
	iss, err := s.NewIssuer(externalIssuer, IssuerOptions{})
	if err != nil {
		s.mu.Lock()
		iss, ok = s.issuers[externalIssuer]
		s.mu.Unlock()
		if ok { // lost a race
			return iss, nil
		}
		return nil, err
	}
	if err := s.addProvider(ProviderConfig{Audience: s.workloadAudience(), Issuer: iss}, true); err != nil {
		return nil, err
	}
	return iss, nil
}

// stsResponse is the RFC 8693 answer.
type stsResponse struct {
	AccessToken     string `json:"access_token"`
	IssuedTokenType string `json:"issued_token_type"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int    `json:"expires_in"`
}

// serveSTS is POST /v1/token, the RFC 8693 exchange: form-encoded as
// golang.org/x/oauth2/google/externalaccount sends it, or JSON (snake_case
// or lowerCamelCase fields) as auth-provider-gcp and
// google-github-actions/auth send it. The subject token is verified as a
// JWT against the pool provider its audience names (see AddProvider), the
// tokens NewExternalAccount writes included.
func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request) {
	f, err := stsRequest(w, r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	switch {
	case f.Get("grant_type") != tokenExchange:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid value for \"grant_type\".")
		return
	case f.Get("requested_token_type") != accessTokenType:
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid value for \"requested_token_type\".")
		return
	case f.Get("subject_token_type") == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid value for \"subject_token_type\".")
		return
	case f.Get("scope") == "":
		oauthError(w, http.StatusBadRequest, "invalid_scope", "A scope is required to exchange an external credential for a Google access token.")
		return
	}
	if t := f.Get("subject_token_type"); t != jwtTokenType && t != idTokenType {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The subject_token_type does not match the subject token.")
		return
	}
	g, lifetime, refusal := s.federate(s.universe(r), f.Get("audience"), f.Get("subject_token"), f.Get("scope"))
	if refusal != nil {
		oauthError(w, http.StatusBadRequest, refusal.code, refusal.description)
		return
	}
	tok, exp := s.mint(g, lifetime)
	fakehttp.WriteJSON(w, http.StatusOK, stsResponse{
		AccessToken:     tok,
		IssuedTokenType: accessTokenType,
		TokenType:       "Bearer",
		ExpiresIn:       s.expiresIn(exp),
	})
}

// stsRequest reads the exchange's fields from a form or a JSON body (at
// most 1 MiB), under their snake_case names.
func stsRequest(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		if err := parseForm(w, r); err != nil {
			return nil, err
		}
		return r.PostForm, nil
	}
	if r.Method != http.MethodPost {
		return nil, errors.New("method must be POST")
	}
	var body map[string]string
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		return nil, errors.New("Invalid JSON payload received.")
	}
	f := url.Values{}
	for k, v := range body {
		f.Set(snakeCase(k), v)
	}
	return f, nil
}

// snakeCase maps a proto JSON name (subjectToken) to its field name
// (subject_token); a snake_case name is unchanged.
func snakeCase(k string) string {
	var b strings.Builder
	for _, c := range k {
		if c >= 'A' && c <= 'Z' {
			b.WriteByte('_')
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}
