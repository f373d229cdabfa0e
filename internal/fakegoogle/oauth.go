package fakegoogle

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakehttp"
)

const jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// tokenResponse is the success body of POST /token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
	TokenType   string `json:"token_type"`
}

// serveOAuthToken is POST /token: the JWT-bearer grant of service-account
// keys and the refresh-token grant of authorized users.
func (s *Server) serveOAuthToken(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case jwtBearer:
		s.jwtGrant(w, r)
	case "refresh_token":
		s.refreshGrant(w, r)
	case "":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: ")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+truncate(gt, 80))
	}
}

// jwtClaims are the claims golang.org/x/oauth2/jws sends.
type jwtClaims struct {
	Iss   string `json:"iss"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Sub   string `json:"sub"`
}

// assertionError is a refusal of a JWT assertion, in Google's words.
type assertionError struct {
	status      int
	code        string
	description string
}

func invalidGrant(description string) *assertionError {
	return &assertionError{http.StatusBadRequest, "invalid_grant", description}
}

func (s *Server) jwtGrant(w http.ResponseWriter, r *http.Request) {
	c, aerr := s.verifyAssertion(r.PostForm.Get("assertion"))
	if aerr != nil {
		oauthError(w, aerr.status, aerr.code, aerr.description)
		return
	}
	tok, exp := s.mint(grant{principal: c.Iss, scope: c.Scope, universe: s.universe(r)}, 0)
	fakehttp.WriteJSON(w, http.StatusOK, tokenResponse{AccessToken: tok, ExpiresIn: s.expiresIn(exp), TokenType: "Bearer"})
}

// audiences are the token URLs an assertion may be addressed to: this
// server's, and Google's current and legacy ones (served through a Proxy).
func (s *Server) audiences() []string {
	return []string{
		s.URL + "/token",
		realTokenURL,
		"https://oauth2." + s.opts.Universe + "/token",
		"https://www.googleapis.com/oauth2/v4/token",
		"https://accounts.google.com/o/oauth2/token",
	}
}

// verifyAssertion checks an RS256 JWT the way Google's token endpoint does:
// the key named by kid belongs to iss and signed it, aud is the token
// endpoint, iat/exp span at most an hour around now, and a scope is asked.
func (s *Server) verifyAssertion(assertion string) (*jwtClaims, *assertionError) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return nil, invalidGrant("Invalid JWT: the assertion is not a compact JWS with three parts.")
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var c jwtClaims
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || decodeSegment(parts[0], &h) != nil || decodeSegment(parts[1], &c) != nil {
		return nil, invalidGrant("Invalid JWT: the header, claims or signature are not valid base64url JSON.")
	}
	if h.Alg != "RS256" {
		return nil, invalidGrant("Invalid JWT: the signing algorithm must be RS256.")
	}
	s.mu.Lock()
	reg, ok := s.keys[h.Kid]
	known := ok
	if !ok {
		for _, k := range s.keys {
			known = known || k.email == c.Iss
		}
	}
	s.mu.Unlock()
	if !known {
		return nil, invalidGrant("Invalid grant: account not found")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ok || reg.email != c.Iss || rsa.VerifyPKCS1v15(reg.pub, crypto.SHA256, digest[:], sig) != nil {
		return nil, invalidGrant("Invalid JWT Signature.")
	}
	if !slices.Contains(s.audiences(), c.Aud) {
		return nil, invalidGrant("Invalid JWT: Failed audience check. The right audience is " + s.URL + "/token")
	}
	now := s.opts.Now()
	iat, exp := time.Unix(c.Iat, 0), time.Unix(c.Exp, 0)
	if c.Iat == 0 || c.Exp == 0 || !exp.After(now) || iat.After(now.Add(5*time.Minute)) || exp.Sub(iat) > time.Hour+10*time.Second {
		return nil, invalidGrant("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
	}
	if c.Sub != "" && c.Sub != c.Iss {
		return nil, &assertionError{http.StatusUnauthorized, "unauthorized_client",
			"Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."}
	}
	if strings.TrimSpace(c.Scope) == "" {
		return nil, &assertionError{http.StatusBadRequest, "invalid_scope", "Invalid OAuth scope or ID token audience provided."}
	}
	return &c, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// refreshGrant checks the OAuth client, then the refresh token.
func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.client.id {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(s.client.secret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return
	}
	s.mu.Lock()
	email, ok := s.users[r.PostForm.Get("refresh_token")]
	s.mu.Unlock()
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
		return
	}
	scope := userScopes
	if asked := r.PostForm.Get("scope"); asked != "" {
		granted := strings.Fields(userScopes)
		for f := range strings.FieldsSeq(asked) {
			if !slices.Contains(granted, f) {
				oauthError(w, http.StatusBadRequest, "invalid_scope", "Some requested scopes were invalid.")
				return
			}
		}
		scope = asked
	}
	tok, exp := s.mint(grant{principal: email, scope: scope, universe: s.universe(r)}, 0)
	fakehttp.WriteJSON(w, http.StatusOK, tokenResponse{AccessToken: tok, ExpiresIn: s.expiresIn(exp), Scope: scope, TokenType: "Bearer"})
}

// truncate keeps error descriptions short.
func truncate(v string, n int) string {
	if len(v) > n {
		return v[:n] + "..."
	}
	return v
}
