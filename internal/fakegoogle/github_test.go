package fakegoogle

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// idToken asks the runner's endpoint for a token as actions/core does.
func idToken(t *testing.T, g *GitHubActions, bearer, audience string) (int, string) {
	t.Helper()
	u := g.RequestURL
	if audience != "" {
		u += "&audience=" + url.QueryEscape(audience)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET ID token: %v", err)
	}
	defer resp.Body.Close()
	var body struct{ Value string }
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Value
}

func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("claims: %v", err)
	}
	return c
}

func TestGitHubActions(t *testing.T) {
	s := newServer(t, Options{})
	g, err := s.NewGitHubActions("octo-org/app")
	if err != nil {
		t.Fatalf("NewGitHubActions: %v", err)
	}
	aud := "https://iam.googleapis.com/" + testPool
	status, tok := idToken(t, g, g.RequestToken, aud)
	if status != http.StatusOK || tok == "" {
		t.Fatalf("ID token request = %d, want 200 and a value", status)
	}
	c := claimsOf(t, tok)
	if c["iss"] != "https://token.actions.githubusercontent.com" || c["aud"] != aud || c["repository"] != "octo-org/app" ||
		c["sub"] != "repo:octo-org/app:ref:refs/heads/main" || c["ref"] != "refs/heads/main" {
		t.Errorf("GitHub token claims = iss %v aud %v repository %v sub %v ref %v, want GitHub's for octo-org/app", c["iss"], c["aud"], c["repository"], c["sub"], c["ref"])
	}
	if life := c["exp"].(float64) - c["iat"].(float64); life != 300 {
		t.Errorf("GitHub token lifetime = %vs, want 300", life)
	}
	_, defaultTok := idToken(t, g, g.RequestToken, "")
	if got := claimsOf(t, defaultTok)["aud"]; got != "https://github.com/octo-org" {
		t.Errorf("default audience = %v, want https://github.com/octo-org", got)
	}

	// The token verifies at STS for a provider trusting GitHub's issuer.
	if err := s.AddProvider(ProviderConfig{Audience: testAudience, Issuer: g.Issuer,
		Condition: func(c map[string]any) bool { return c["repository_owner"] == "octo-org" }}); err != nil {
		t.Fatal(err)
	}
	if a := exchange(t, s, "", testAudience, defaultTok); a.Status != http.StatusBadRequest || a.Error != "invalid_grant" {
		t.Errorf("exchange of a token for GitHub's default audience = %d %s, want 400 invalid_grant", a.Status, a.Error)
	}
	a := exchange(t, s, "", testAudience, tok)
	want := "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/clusters/subject/repo:octo-org/app:ref:refs/heads/main"
	if got, _ := s.Principal(a.AccessToken); got != want {
		t.Errorf("Principal(federated GitHub token) = %q, want %q", got, want)
	}

	g.SetLifetime(time.Minute)
	g.SetClaim("ref", "refs/heads/dev")
	_, tok = idToken(t, g, g.RequestToken, aud)
	if c := claimsOf(t, tok); c["exp"].(float64)-c["iat"].(float64) != 60 || c["ref"] != "refs/heads/dev" {
		t.Errorf("after SetLifetime(1m), SetClaim(ref) the token has life %v, ref %v", c["exp"].(float64)-c["iat"].(float64), c["ref"])
	}

	for _, bearer := range []string{"", "wrong", g.RequestToken + "x"} {
		if status, tok := idToken(t, g, bearer, aud); status != http.StatusForbidden || tok != "" {
			t.Errorf("ID token request with a bad request token = %d, want 403 and no token", status)
		}
	}
	s.SetFault("github-oidc", Fault{Status: 500, Body: `{"message":"boom"}`})
	if status, _ := idToken(t, g, g.RequestToken, aud); status != http.StatusInternalServerError {
		t.Errorf("ID token request with a 500 fault = %d, want 500", status)
	}
	s.SetFault("github-oidc", Fault{})
	if got := s.Count("github-oidc"); got != 7 {
		t.Errorf("Count(github-oidc) = %d, want 7", got)
	}
	var env []string
	for _, e := range g.Env() {
		env = append(env, strings.SplitN(e, "=", 2)[0])
	}
	if strings.Join(env, ",") != "ACTIONS_ID_TOKEN_REQUEST_URL,ACTIONS_ID_TOKEN_REQUEST_TOKEN" {
		t.Errorf("Env() names = %v", env)
	}
}

func TestGitHubActionsHang(t *testing.T) {
	s := newServer(t, Options{})
	g, err := s.NewGitHubActions("octo-org/app")
	if err != nil {
		t.Fatal(err)
	}
	s.SetFault("github-oidc", Fault{Delay: time.Hour})
	c := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodGet, g.RequestURL+"&audience=x", nil)
	req.Header.Set("Authorization", "Bearer "+g.RequestToken)
	start := time.Now()
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("ID token request with a hang fault = %d, want a client timeout", resp.StatusCode)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("hang fault held the client %v, want its own timeout", d)
	}
}
