package fakegoogle

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakehttp"
)

const (
	iamPrefix        = "/v1/projects/-/serviceAccounts/"
	iamMethod        = ":generateAccessToken"
	delegatePrefix   = "projects/-/serviceAccounts/"
	iamScope         = "https://www.googleapis.com/auth/iam"
	permissionDenied = "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)."
)

// AllowImpersonation grants caller roles/iam.serviceAccountTokenCreator on
// target: caller may mint tokens for target, directly or as a link of a
// delegation chain. caller is an email, a federated principal
// (principal://iam.UNIVERSE/projects/NUM/locations/global/workloadIdentityPools/POOL/subject/SUBJECT)
// or a set of them: principalSet://iam.UNIVERSE/.../workloadIdentityPools/POOL/*
// (the whole pool) or .../POOL/KEY/VALUE, the identities whose mapped
// attribute KEY is VALUE (attribute.repository/octo/app; namespace/NS for
// GKE's identitynamespace pools).
func (s *Server) AllowImpersonation(caller, target string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allowed[[2]string{caller, target}] = true
}

// googleError answers in the shape of Google's JSON APIs.
func googleError(w http.ResponseWriter, code int, status, message string) {
	fakehttp.WriteJSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": message, "status": status}})
}

type generateAccessTokenRequest struct {
	Delegates []string `json:"delegates"`
	Scope     []string `json:"scope"`
	Lifetime  string   `json:"lifetime"`
}

type generateAccessTokenResponse struct {
	AccessToken string `json:"accessToken"`
	ExpireTime  string `json:"expireTime"`
}

// serveIAM is IAM Credentials
// POST /v1/projects/-/serviceAccounts/{target}:generateAccessToken.
func (s *Server) serveIAM(w http.ResponseWriter, r *http.Request) {
	target, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, iamPrefix), iamMethod)
	if !ok || target == "" || strings.Contains(target, "/") {
		googleError(w, http.StatusNotFound, "NOT_FOUND", "The requested URL was not found on this server.")
		return
	}
	if r.Method != http.MethodPost {
		googleError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method not allowed: use POST.")
		return
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	caller, valid := s.lookup(bearer)
	if !ok || !valid || caller.universe != s.universe(r) {
		googleError(w, http.StatusUnauthorized, "UNAUTHENTICATED",
			"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		return
	}
	if scopes := strings.Fields(caller.scope); !slices.Contains(scopes, cloudPlatform) && !slices.Contains(scopes, iamScope) {
		googleError(w, http.StatusForbidden, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")
		return
	}
	var req generateAccessTokenRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received.")
		return
	}
	if len(req.Scope) == 0 {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Scope required.")
		return
	}
	lifetime, ok := parseLifetime(req.Lifetime)
	if !ok {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "The lifetime must be a duration in seconds such as \"3600s\", between 1s and 3600s.")
		return
	}
	chain := []string{caller.principal}
	for _, d := range req.Delegates {
		email, ok := strings.CutPrefix(d, delegatePrefix)
		if !ok || email == "" {
			googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Delegates must be of the form projects/-/serviceAccounts/{ACCOUNT_EMAIL_OR_UNIQUEID}.")
			return
		}
		chain = append(chain, email)
	}
	chain = append(chain, target)
	s.mu.Lock()
	allowed := s.allowed[[2]string{chain[0], chain[1]}] || s.inPrincipalSet(caller, chain[1])
	for i := 2; i < len(chain); i++ {
		allowed = allowed && s.allowed[[2]string{chain[i-1], chain[i]}]
	}
	s.mu.Unlock()
	if !allowed {
		googleError(w, http.StatusForbidden, "PERMISSION_DENIED", permissionDenied)
		return
	}
	tok, exp := s.mint(grant{principal: target, scope: strings.Join(req.Scope, " "), universe: caller.universe}, lifetime)
	fakehttp.WriteJSON(w, http.StatusOK, generateAccessTokenResponse{AccessToken: tok, ExpireTime: exp.UTC().Format(time.RFC3339)})
}

// parseLifetime parses a protobuf Duration in JSON ("3600s", "1.5s");
// empty means 3600s.
func parseLifetime(v string) (time.Duration, bool) {
	if v == "" {
		return time.Hour, true
	}
	num, ok := strings.CutSuffix(v, "s")
	if !ok {
		return 0, false
	}
	secs, err := strconv.ParseFloat(num, 64)
	if err != nil || secs < 1 || secs > 3600 {
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)), true
}

// inPrincipalSet reports whether a federated caller belongs to a
// principalSet:// granted on target. s.mu must be held.
func (s *Server) inPrincipalSet(caller grant, target string) bool {
	if caller.pool == "" {
		return false
	}
	prefix := "principalSet:" + caller.pool + "/"
	for k, ok := range s.allowed {
		rest, in := strings.CutPrefix(k[0], prefix)
		if !ok || k[1] != target || !in {
			continue
		}
		if rest == "*" {
			return true
		}
		if key, value, found := strings.Cut(rest, "/"); found && value != "" && caller.attributes[key] == value {
			return true
		}
	}
	return false
}
