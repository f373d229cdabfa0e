package fakegoogle

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/google"
)

// generateAccessToken calls IAM Credentials as the holder of bearer.
func generateAccessToken(t *testing.T, s *Server, bearer, target, body string) (status int, resp map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		s.URL+"/v1/projects/-/serviceAccounts/"+target+":generateAccessToken", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("generateAccessToken: %v", err)
	}
	defer r.Body.Close()
	json.NewDecoder(r.Body).Decode(&resp)
	return r.StatusCode, resp
}

func TestGenerateAccessToken(t *testing.T) {
	s := newServer(t, Options{})
	const (
		caller = "dev@example.com"
		hop    = "hop@fake-project.iam.gserviceaccount.com"
		target = "deployer@fake-project.iam.gserviceaccount.com"
		other  = "other@fake-project.iam.gserviceaccount.com"
	)
	adc, err := s.NewAuthorizedUser(caller)
	if err != nil {
		t.Fatalf("NewAuthorizedUser: %v", err)
	}
	bearer := mustToken(t, adc, google.AuthorizedUser).AccessToken
	s.AllowImpersonation(caller, target)
	s.AllowImpersonation(caller, hop)
	s.AllowImpersonation(hop, other)

	scope := `"scope":["` + cloudPlatform + `"]`
	tests := []struct {
		name       string
		bearer     string
		target     string
		body       string
		wantStatus int
	}{
		{"direct", bearer, target, `{` + scope + `,"lifetime":"3600s"}`, http.StatusOK},
		{"default lifetime", bearer, target, `{` + scope + `}`, http.StatusOK},
		{"delegated", bearer, other, `{"delegates":["projects/-/serviceAccounts/` + hop + `"],` + scope + `}`, http.StatusOK},
		{"not allowed", bearer, other, `{` + scope + `}`, http.StatusForbidden},
		{"broken chain", bearer, target, `{"delegates":["projects/-/serviceAccounts/` + hop + `"],` + scope + `}`, http.StatusForbidden},
		{"not transitive", bearer, hop, `{"delegates":["projects/-/serviceAccounts/` + target + `"],` + scope + `}`, http.StatusForbidden},
		{"no scope", bearer, target, `{"scope":[]}`, http.StatusBadRequest},
		{"long lifetime", bearer, target, `{` + scope + `,"lifetime":"3601s"}`, http.StatusBadRequest},
		{"bad lifetime", bearer, target, `{` + scope + `,"lifetime":"1h"}`, http.StatusBadRequest},
		{"bad delegate", bearer, other, `{"delegates":["` + hop + `"],` + scope + `}`, http.StatusBadRequest},
		{"unknown field", bearer, target, `{` + scope + `,"lifetim":"60s"}`, http.StatusBadRequest},
		{"not JSON", bearer, target, `scope=x`, http.StatusBadRequest},
		{"no token", "", target, `{` + scope + `}`, http.StatusUnauthorized},
		{"forged token", "ya29.fake-forged", target, `{` + scope + `}`, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, resp := generateAccessToken(t, s, tt.bearer, tt.target, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("generateAccessToken(%s, %s) = %d %v, want %d", tt.target, tt.body, status, resp, tt.wantStatus)
			}
			if status != http.StatusOK {
				if e, _ := resp["error"].(map[string]any); e["code"] != float64(status) {
					t.Errorf("generateAccessToken(%s, %s) error = %v, want code %d", tt.target, tt.body, resp, status)
				}
				return
			}
			tok, _ := resp["accessToken"].(string)
			if got, ok := s.Principal(tok); !ok || got != tt.target {
				t.Errorf("Principal(generated token) = %q, %v, want %q, true", got, ok, tt.target)
			}
			exp, err := time.Parse(time.RFC3339, fmt.Sprint(resp["expireTime"]))
			if err != nil || time.Until(exp) < 59*time.Minute || time.Until(exp) > time.Hour {
				t.Errorf("generateAccessToken() expireTime = %v, want RFC 3339 about 1h ahead", resp["expireTime"])
			}
		})
	}
	_, resp := generateAccessToken(t, s, bearer, other, `{`+scope+`}`)
	want := `map[error:map[code:403 message:` + permissionDenied + ` status:PERMISSION_DENIED]]`
	if got := fmt.Sprint(resp); got != want {
		t.Errorf("generateAccessToken(denied) = %s, want %s", got, want)
	}
	if got := s.Count("iam"); got != len(tests)+1 {
		t.Errorf("Count(iam) = %d, want %d", got, len(tests)+1)
	}
}

// TestImpersonatedServiceAccount drives IAM through x/oauth2's own
// impersonated_service_account credential type.
func TestImpersonatedServiceAccount(t *testing.T) {
	s := newServer(t, Options{})
	const target = "deployer@fake-project.iam.gserviceaccount.com"
	key, err := s.NewServiceAccount(saEmail)
	if err != nil {
		t.Fatalf("NewServiceAccount: %v", err)
	}
	cred, _ := json.Marshal(map[string]any{
		"type":                              "impersonated_service_account",
		"service_account_impersonation_url": s.URL + "/v1/projects/-/serviceAccounts/" + target + ":generateAccessToken",
		"source_credentials":                json.RawMessage(key),
	})
	if _, err := token(t.Context(), cred, google.ImpersonatedServiceAccount); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("Token(impersonation not allowed) error = %v, want a 403", err)
	}
	s.AllowImpersonation(saEmail, target)
	tok := mustToken(t, cred, google.ImpersonatedServiceAccount)
	if got, ok := s.Principal(tok.AccessToken); !ok || got != target {
		t.Errorf("Principal(impersonated token) = %q, %v, want %q, true", got, ok, target)
	}
}

func TestGenerateAccessTokenCapsLifetime(t *testing.T) {
	c := NewClock(time.Now())
	s := newServer(t, Options{TokenLifetime: 5 * time.Minute, Now: c.Now})
	adc, _ := s.NewAuthorizedUser("dev@example.com")
	bearer := mustToken(t, adc, google.AuthorizedUser).AccessToken
	s.AllowImpersonation("dev@example.com", saEmail)
	_, resp := generateAccessToken(t, s, bearer, saEmail, `{"scope":["`+cloudPlatform+`"],"lifetime":"1800s"}`)
	want := c.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)
	if got := resp["expireTime"]; got != want {
		t.Errorf("generateAccessToken(lifetime 1800s, TokenLifetime 5m) expireTime = %v, want %s", got, want)
	}
}
