package fakegoogle

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

const (
	tokenExchange    = "urn:ietf:params:oauth:grant-type:token-exchange"
	accessTokenType  = "urn:ietf:params:oauth:token-type:access_token"
	jwtTokenType     = "urn:ietf:params:oauth:token-type:jwt"
	workloadAudience = "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/fake-pool/providers/fake-provider"
)

// subject is what an external subject token federates to.
type subject struct {
	email    string
	audience string
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

// NewExternalAccount writes an OIDC-style subject token to a new file under
// dir and returns an external_account config that reads it; STS exchanges
// that token for an access token whose principal is email. There is no
// service-account impersonation URL.
func (s *Server) NewExternalAccount(email string, dir string) (credJSON []byte, err error) {
	subjectToken := s.subjectToken(email)
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
	s.mu.Lock()
	s.subjects[subjectToken] = subject{email: email, audience: workloadAudience}
	s.secrets = append(s.secrets, subjectToken)
	s.mu.Unlock()
	return json.MarshalIndent(externalAccount{
		Type:             "external_account",
		Audience:         workloadAudience,
		SubjectTokenType: jwtTokenType,
		TokenURL:         s.stsURL(),
		CredentialSource: credentialSource{File: path, Format: map[string]string{"type": "text"}},
		UniverseDomain:   s.opts.Universe,
	}, "", "  ")
}

// subjectToken makes a JWT-shaped token as an OIDC provider would issue;
// STS knows it by value.
func (s *Server) subjectToken(email string) string {
	now := s.opts.Now()
	return signedLooking(map[string]any{"iss": s.URL, "sub": email, "aud": workloadAudience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
}

// signedLooking encodes claims as an RS256 JWT with a random signature.
func signedLooking(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	sig := make([]byte, 256)
	rand.Read(sig)
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// stsResponse is the RFC 8693 answer.
type stsResponse struct {
	AccessToken     string `json:"access_token"`
	IssuedTokenType string `json:"issued_token_type"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int    `json:"expires_in"`
}

// serveSTS is POST /v1/token, the token exchange of
// golang.org/x/oauth2/google/externalaccount.
func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
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
	s.mu.Lock()
	sub, ok := s.subjects[f.Get("subject_token")]
	s.mu.Unlock()
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The subject token is not valid.")
		return
	case f.Get("subject_token_type") != jwtTokenType:
		oauthError(w, http.StatusBadRequest, "invalid_request", "The subject_token_type does not match the subject token.")
		return
	case f.Get("audience") != sub.audience:
		oauthError(w, http.StatusBadRequest, "invalid_target", "The target service indicated by the \"audience\" parameters is invalid.")
		return
	}
	tok, exp := s.mint(sub.email, f.Get("scope"), 0)
	writeJSON(w, http.StatusOK, stsResponse{
		AccessToken:     tok,
		IssuedTokenType: accessTokenType,
		TokenType:       "Bearer",
		ExpiresIn:       s.expiresIn(exp),
	})
}
