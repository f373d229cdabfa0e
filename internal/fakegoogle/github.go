package fakegoogle

import (
	"crypto/subtle"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakehttp"
)

const (
	githubIssuerURL    = "https://token.actions.githubusercontent.com"
	githubIssuerName   = "github"
	githubPrefix       = "/_apis/distributedtask/hubs/Actions/plans/"
	githubRealHost     = "https://pipelines.actions.githubusercontent.com"
	endpointGitHub     = "github-oidc" // the runner's ID token endpoint
	githubDefaultLife  = 5 * time.Minute
	githubRefForTokens = "refs/heads/main"
)

// GitHubActions is one job of a fake GitHub Actions run with
// `permissions: id-token: write`: the runner's ID token endpoint answers
// GET RequestURL&audience=AUD with Authorization: Bearer RequestToken by
// {"value": JWT}, a token of the GitHub issuer (iss
// https://token.actions.githubusercontent.com, the Server's "github"
// issuer) for AUD — by default https://github.com/OWNER, as GitHub does.
// A wrong or missing request token gets 403; faults are set on the
// "github-oidc" endpoint.
type GitHubActions struct {
	RequestURL   string // ACTIONS_ID_TOKEN_REQUEST_URL (has a query: append &audience=)
	RequestToken string // ACTIONS_ID_TOKEN_REQUEST_TOKEN
	Issuer       *Issuer

	s        *Server
	mu       sync.Mutex
	claims   map[string]any
	lifetime time.Duration
}

// NewGitHubActions starts a job of repository ("owner/name") on the
// default branch. Its tokens carry GitHub's claims: sub
// repo:OWNER/NAME:ref:refs/heads/main, repository, repository_owner,
// repository_id, ref, ref_type, sha, workflow, job_workflow_ref, event_name,
// run_id, run_number, run_attempt, actor, runner_environment. They live 5
// minutes unless SetLifetime says otherwise.
func (s *Server) NewGitHubActions(repository string) (*GitHubActions, error) {
	owner, name, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("fakegoogle: repository %q is not OWNER/NAME", repository)
	}
	iss, err := s.GitHubIssuer()
	if err != nil {
		return nil, err
	}
	plan, job := stableUID("plan", randomText()), stableUID("job", randomText())
	base := s.URL
	if s.opts.RealHosts {
		base = githubRealHost
	}
	path := githubPrefix + plan + "/jobs/" + job + "/idtoken"
	g := &GitHubActions{
		RequestURL:   base + path + "?api-version=2.0",
		RequestToken: "eyJ0eXAiOiJKV1QifQ." + randomText() + randomText(),
		Issuer:       iss,
		s:            s,
		lifetime:     githubDefaultLife,
		claims: map[string]any{
			"sub":                   "repo:" + repository + ":ref:" + githubRefForTokens,
			"repository":            repository,
			"repository_owner":      owner,
			"repository_id":         digits(9),
			"repository_owner_id":   digits(8),
			"repository_visibility": "private",
			"ref":                   githubRefForTokens,
			"ref_type":              "branch",
			"sha":                   strings.ToLower(randomText() + randomText())[:40],
			"workflow":              "release",
			"workflow_ref":          repository + "/.github/workflows/release.yml@" + githubRefForTokens,
			"job_workflow_ref":      repository + "/.github/workflows/release.yml@" + githubRefForTokens,
			"event_name":            "push",
			"run_id":                digits(10),
			"run_number":            "42",
			"run_attempt":           "1",
			"actor":                 owner,
			"actor_id":              digits(8),
			"runner_environment":    "github-hosted",
		},
	}
	s.mu.Lock()
	s.github[path] = g
	s.secrets = append(s.secrets, g.RequestToken)
	s.mu.Unlock()
	return g, nil
}

// GitHubIssuer returns the issuer of GitHub Actions tokens on this server,
// named "github", with GitHub's iss https://token.actions.githubusercontent.com.
func (s *Server) GitHubIssuer() (*Issuer, error) {
	s.mu.Lock()
	iss, ok := s.issuers[githubIssuerName]
	s.mu.Unlock()
	if ok {
		return iss, nil
	}
	iss, err := s.NewIssuer(githubIssuerName, IssuerOptions{URL: githubIssuerURL})
	if err != nil { // lost a race: the winner's issuer is the one
		s.mu.Lock()
		iss, ok = s.issuers[githubIssuerName]
		s.mu.Unlock()
		if ok {
			return iss, nil
		}
	}
	return iss, err
}

// Env returns the two variables the runner sets for the job, as NAME=VALUE.
func (g *GitHubActions) Env() []string {
	return []string{"ACTIONS_ID_TOKEN_REQUEST_URL=" + g.RequestURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN=" + g.RequestToken}
}

// SetLifetime sets the lifetime of the tokens issued from now on.
func (g *GitHubActions) SetLifetime(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lifetime = d
}

// SetClaim sets (or, with nil, removes) a claim of the tokens issued from
// now on: "ref", "sub", "environment", "iss" ...
func (g *GitHubActions) SetClaim(name string, v any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if v == nil {
		delete(g.claims, name)
		return
	}
	g.claims[name] = v
}

// Token is the JWT the endpoint would issue now for audience, without a
// request; "" audience means GitHub's default.
func (g *GitHubActions) Token(audience string) (string, error) {
	if audience == "" {
		audience = "https://github.com/" + g.claimString("repository_owner")
	}
	g.mu.Lock()
	claims := maps.Clone(g.claims)
	life := g.lifetime
	g.mu.Unlock()
	sub, _ := claims["sub"].(string)
	claims["sub"] = nil // Token sets sub; a removed sub stays removed
	if sub != "" {
		claims["sub"] = sub
	}
	return g.Issuer.Token(sub, []string{audience}, life, claims)
}

func (g *GitHubActions) claimString(name string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	v, _ := g.claims[name].(string)
	return v
}

// serveGitHub is the runner's ID token endpoint.
func (s *Server) serveGitHub(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	g, ok := s.github[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		fakehttp.WriteJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	if r.Method != http.MethodGet {
		fakehttp.WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "Method Not Allowed"})
		return
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(bearer), []byte(g.RequestToken)) != 1 {
		fakehttp.WriteJSON(w, http.StatusForbidden, map[string]string{"message": "The request token is not valid for this job."})
		return
	}
	tok, err := g.Token(r.URL.Query().Get("audience"))
	if err != nil {
		fakehttp.WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": "token signing failed"})
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]string{"value": tok})
}
