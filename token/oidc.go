package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The oidc source: keyless CI. A CI job's OIDC token, exchanged at the STS
// of the configured workload identity provider's universe (a Federation),
// with no credential file written anywhere: the runner's request token and
// the JWT live only in this process's memory.

// Variables read by the oidc source: the GitHub Actions runner's (set for
// a job with `permissions: id-token: write`) and the settings' names, for
// messages.
const (
	EnvGitHubRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvGitHubRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"

	envProvider  = "DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER"
	envTokenEnv  = "DOCKER_CREDENTIAL_GCR_OIDC_TOKEN_ENV"
	envTokenFile = "DOCKER_CREDENTIAL_GCR_OIDC_TOKEN_FILE"
)

// oidcSource is configured when Options.WorkloadProvider is set and a
// subject token is available from, in this order: GitHub Actions' ID token
// endpoint, the variable Options.OIDCTokenEnv names, the file
// Options.OIDCTokenFile.
type oidcSource struct{}

func (oidcSource) name() string { return SourceOIDC }

func (oidcSource) resolve(ctx context.Context, o *Options, universe string) (*configured, error) {
	ghURL, ghToken := o.getenv(EnvGitHubRequestURL), o.getenv(EnvGitHubRequestToken)
	if o.WorkloadProvider == "" {
		if ghURL != "" {
			return nil, withHint(notConfigured("workload_identity_provider is not set, so this GitHub Actions job's OIDC token is not used"),
				"to push from GitHub Actions with no key, set "+envProvider+"=projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER (docs/ci.md)")
		}
		return nil, notConfigured("%s is not set", envProvider)
	}
	p, err := oidcProvider(o)
	if err != nil {
		return nil, err
	}
	f := Federation{Provider: p}
	switch {
	case ghURL != "" || ghToken != "":
		if f, err = githubSubject(o, f, ghURL, ghToken); err != nil {
			return nil, err
		}
	case o.OIDCTokenEnv != "":
		if f, err = envSubject(o, f); err != nil {
			return nil, err
		}
	case o.OIDCTokenFile != "":
		path := o.OIDCTokenFile
		f.Origin = "the token in file " + path
		f.Subject = func(ctx context.Context) (string, error) {
			b, err := readFile(ctx, path)
			if err != nil {
				return "", withHint(fmt.Errorf("read the OIDC token file (%s): %w", envTokenFile, err),
					"point "+envTokenFile+" (oidc_token_file) at the file your CI system or Kubernetes writes the token to")
			}
			tok := strings.TrimSpace(string(b))
			if tok == "" {
				return "", withHint(fmt.Errorf("the OIDC token file %s (%s) is empty", path, envTokenFile), "write the job's OIDC token to it before running docker")
			}
			return tok, nil
		}
	default:
		return nil, withHint(notConfigured("workload_identity_provider is set but no OIDC token is available: %s is not set (not a GitHub Actions job with `permissions: id-token: write`), nor %s or %s",
			EnvGitHubRequestURL, envTokenEnv, envTokenFile),
			"give the helper the job's OIDC token: `permissions: id-token: write` on GitHub, "+envTokenEnv+"=NAME of an id_tokens: variable on GitLab, or "+envTokenFile+"=PATH (docs/ci.md)")
	}
	return federated{f: f}.resolve(ctx, o, universe)
}

// oidcProvider parses the workload_identity_provider setting. A name
// without //iam.UNIVERSE/ is in the universe_domain setting's universe
// (googleapis.com when unset); one with it names its own.
func oidcProvider(o *Options) (WorkloadProvider, error) {
	universe := o.UniverseDomain
	if strings.HasPrefix(strings.TrimSpace(o.WorkloadProvider), "//") {
		universe = ""
	}
	p, err := ParseWorkloadProvider(o.WorkloadProvider, universe)
	var pe *providerNameError
	switch {
	case errors.As(err, &pe):
		// The parser's message shows every form: the next step shows one.
		err = fmt.Errorf("workload_identity_provider (%s) %q: %s: %s", envProvider, truncate(pe.name, 120), pe.part, pe.reason)
	case err != nil:
		err = fmt.Errorf("workload_identity_provider (%s): %w", envProvider, err)
	default:
		return p, nil
	}
	return p, withHint(err, "fix the provider name: `docker-credential-gcr config --workload-identity-provider=projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER` (or //iam.UNIVERSE/projects/...), or the variable "+envProvider)
}

// envSubject reads the subject token from the variable OIDCTokenEnv
// names (GitLab's id_tokens:); named but empty is a failure, not "not
// configured": the user asked for it.
func envSubject(o *Options, f Federation) (Federation, error) {
	name := o.OIDCTokenEnv
	if !envName(name) {
		return f, fmt.Errorf("%s (oidc_token_env) is %q, not the name of an environment variable", envTokenEnv, truncate(name, 64))
	}
	tok := strings.TrimSpace(o.getenv(name))
	if tok == "" {
		return f, withHint(fmt.Errorf("%s names %s, which is empty or not set", envTokenEnv, name),
			fmt.Sprintf("give the job the token in %s: on GitLab, `id_tokens: {%s: {aud: %s}}` (docs/ci.md)", name, name, audience(o, f.Provider)))
	}
	f.Origin = "the token in $" + name
	f.Subject = func(context.Context) (string, error) { return tok, nil }
	return f, nil
}

// envName reports whether s is a portable environment variable name.
func envName(s string) bool {
	if s == "" || len(s) > 256 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// audience is the aud a CI token must carry: the oidc_audience setting,
// else the provider's default (https://iam.UNIVERSE/ + its resource name,
// what google-github-actions/auth asks for on googleapis.com).
func audience(o *Options, p WorkloadProvider) string {
	if o.OIDCAudience != "" {
		return o.OIDCAudience
	}
	return p.OIDCAudience()
}

// githubSubject asks GitHub Actions' ID token endpoint: GET
// ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD with Authorization: Bearer
// ACTIONS_ID_TOKEN_REQUEST_TOKEN, answered by {"value": JWT}. The URL is
// the runner's (its environment is the job's own): the request token is
// sent there only — never on a redirect, never over plain HTTP beyond
// loopback — and is never logged. Each call mints a fresh JWT, so a
// re-exchange gets a full-length federated token. The cache key stands for
// the job by a digest of the URL, the request token and the audience: a
// warm get asks the runner nothing, and two jobs never share a token.
func githubSubject(o *Options, f Federation, rawURL, requestToken string) (Federation, error) {
	if rawURL == "" || requestToken == "" {
		return f, withHint(fmt.Errorf("%s and %s must both be set (the runner sets both for a job with `permissions: id-token: write`)", EnvGitHubRequestURL, EnvGitHubRequestToken),
			"add `permissions: id-token: write` to the job, and do not clear either variable")
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.User != nil || !(u.Scheme == "https" || u.Scheme == "http" && loopback(u.Hostname())) {
		return f, fmt.Errorf("%s is not an https URL of the runner (%s); the runner sets it: do not override it", EnvGitHubRequestURL, shownURL(rawURL))
	}
	aud := audience(o, f.Provider)
	sep := "?"
	if strings.Contains(rawURL, "?") {
		sep = "&"
	}
	target := rawURL + sep + "audience=" + url.QueryEscape(aud)
	f.Origin = "GitHub Actions' ID token"
	f.SubjectKey = "github:" + digest("github actions id token", []byte(rawURL), []byte(requestToken), []byte(aud))
	f.Subject = func(ctx context.Context) (string, error) {
		return githubIDToken(ctx, o, u.Host, target, requestToken)
	}
	return f, nil
}

func githubIDToken(ctx context.Context, o *Options, host, target, requestToken string) (string, error) {
	where := "GitHub Actions' ID token endpoint " + host + " (" + EnvGitHubRequestURL + ")"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", fmt.Errorf("%s: %w", where, scrubURLError(err))
	}
	req.Header.Set("Authorization", "Bearer "+requestToken)
	req.Header.Set("Accept", "application/json")
	hc := *o.httpClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, body, err := send(&hc, req)
	if err != nil {
		err = fmt.Errorf("%s: %w", where, err)
		if ctx.Err() != nil {
			return "", withHint(err, "GitHub's ID token service did not answer in time: re-run the job, or raise the timeout setting (DOCKER_CREDENTIAL_GCR_TIMEOUT)")
		}
		return "", err
	}
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return "", withHint(fmt.Errorf("%s refused the job's request token (HTTP %d)", where, s),
			"run the helper in a step of the job that has `permissions: id-token: write`, with the "+EnvGitHubRequestURL+" and "+EnvGitHubRequestToken+" the runner set for that job (a token of another job, or of one that ended, is refused)")
	case s >= 300 && s < 400:
		return "", fmt.Errorf("%s answered with a redirect (HTTP %d), which the helper does not follow: the request token goes to the runner's URL only", where, s)
	default:
		return "", withHint(fmt.Errorf("%s answered HTTP %d", where, s), "GitHub's ID token service failed: re-run the job (https://www.githubstatus.com)")
	}
	var a struct {
		Value string `json:"value"`
	}
	if json.Unmarshal(body, &a) != nil || strings.TrimSpace(a.Value) == "" {
		return "", fmt.Errorf("%s: the answer is not {\"value\": TOKEN} (HTTP 200, %s)", where, contentType(resp))
	}
	return strings.TrimSpace(a.Value), nil
}

// loopback reports whether host is a loopback name or address.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// errNoSubject is a Federation without a subject (a programming error).
var errNoSubject = errors.New("federated source: no subject token source")
