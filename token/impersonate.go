package token

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// needsImpersonation reports whether the chain impersonates chain with
// cs: each source impersonates once. Not when cs does it itself (gcloud),
// nor when cs already acts as the target (an impersonated_service_account
// file naming the same account): the account would need the right to
// impersonate itself.
func needsImpersonation(cs *configured, chain []string) bool {
	return len(chain) > 0 && !cs.impersonates && cs.identity != chain[len(chain)-1]
}

// impersonate wraps base: its token calls the IAM Credentials API
// generateAccessToken of base's universe for the last account of chain,
// with the earlier ones as delegates (gcloud's convention).
func impersonate(base *configured, chain []string, o *Options) *configured {
	return &configured{
		tokenSource: impersonated{base: base, target: chain[len(chain)-1], delegates: chain[:len(chain)-1], o: o},
		name:        base.name,
		identity:    base.identity + " as " + strings.Join(chain, " > "),
		universe:    base.universe,
		key:         base.key, // the chain itself is in every key (Chain.keyParts)
		noCache:     base.noCache,
	}
}

// impersonated is the target's token, minted with base's.
type impersonated struct {
	base      *configured
	target    string
	delegates []string
	o         *Options
}

func (s impersonated) Token(ctx context.Context) (*Token, error) {
	bt, err := s.base.Token(ctx)
	if err != nil {
		return nil, err
	}
	universe := bt.Universe
	if universe == "" {
		universe = s.base.universe
	}
	if universe == "" {
		universe = DefaultUniverse
	}
	caller := bt.Identity
	if caller == "" {
		caller = s.base.identity
	}
	t, err := generateAccessToken(ctx, s.o, universe, bt.AccessToken, caller, s.target, s.delegates)
	if err != nil {
		return nil, err
	}
	t.Universe = universe
	return t, nil
}

// iamEndpoint is the IAM Credentials API of a universe: the iam_endpoint
// setting when it is one of that universe's (a regional or Private Service
// Connect endpoint), since it receives the base token and a token of one
// universe never goes to another's endpoints; a custom endpoint the user
// opted into (AllowCustomURLs), which is no universe's, for every universe;
// else https://iamcredentials.UNIVERSE.
func iamEndpoint(o *Options, universe string) string {
	if e := o.IAMEndpoint; e != "" {
		ofUniverse := checkIAMEndpoint(e, trust{universes: []string{universe}}) == nil
		if ofUniverse || o.AllowCustomURLs && checkIAMEndpoint(e, o.trust()) != nil {
			return strings.TrimSuffix(e, "/")
		}
	}
	return "https://iamcredentials." + universe
}

func generateAccessToken(ctx context.Context, o *Options, universe, bearer, caller, target string, delegates []string) (*Token, error) {
	body := struct {
		Delegates []string `json:"delegates,omitempty"`
		Scope     []string `json:"scope"`
		Lifetime  string   `json:"lifetime"`
	}{Scope: []string{Scope}, Lifetime: "3600s"}
	for _, d := range delegates {
		body.Delegates = append(body.Delegates, "projects/-/serviceAccounts/"+d)
	}
	b, _ := json.Marshal(body) // strings only: cannot fail
	u := iamEndpoint(o, universe) + "/v1/projects/-/serviceAccounts/" + url.PathEscape(target) + ":generateAccessToken"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("impersonate %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, rb, err := send(o.httpClient(), req)
	if err != nil {
		return nil, fmt.Errorf("impersonate %s: %w", target, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, impersonationError(resp.StatusCode, rb, caller, target)
	}
	var r struct {
		AccessToken string `json:"accessToken"`
		ExpireTime  string `json:"expireTime"`
	}
	if err := json.Unmarshal(rb, &r); err != nil || r.AccessToken == "" {
		return nil, fmt.Errorf("impersonate %s: the IAM Credentials answer is not a token", target)
	}
	exp, err := time.Parse(time.RFC3339, r.ExpireTime)
	if err != nil {
		return nil, fmt.Errorf("impersonate %s: bad expireTime %q", target, r.ExpireTime)
	}
	return &Token{AccessToken: r.AccessToken, Expiry: exp, Identity: target}, nil
}

func impersonationError(status int, body []byte, caller, target string) error {
	var g struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &g) // best effort: the status code is enough
	detail := fmt.Sprintf("HTTP %d", status)
	if validCode(strings.ToLower(g.Error.Status)) { // PERMISSION_DENIED
		detail += " " + g.Error.Status
	}
	if g.Error.Message != "" {
		detail += ": " + shown(g.Error.Message, 200)
	}
	switch status {
	case http.StatusForbidden:
		_, role, _ := member(caller)
		return withHint(fmt.Errorf("impersonate %s: permission denied (%s); %s needs %s on %s", target, detail, caller, role, target),
			grantHint(caller, target))
	case http.StatusUnauthorized:
		return fmt.Errorf("impersonate %s: the base credential was refused (%s)", target, detail)
	case http.StatusNotFound:
		return fmt.Errorf("impersonate %s: no such service account (%s)", target, detail)
	}
	return errors.New("impersonate " + target + ": " + detail)
}

// grantHint is the command that lets caller impersonate target, ready to
// paste: its --member is the IAM member of caller when the identity names
// one (member), else a placeholder the hint explains.
func grantHint(caller, target string) string {
	m, role, ok := member(caller)
	cmd := "gcloud iam service-accounts add-iam-policy-binding " + target + " --member=" + shellWord(m) + " --role=" + role
	if !ok {
		cmd += " (MEMBER: user:EMAIL or serviceAccount:EMAIL, the account of " + caller + ")"
	}
	return cmd
}

// member is the IAM member a caller identity names and the role it needs
// to impersonate a service account: serviceAccount:EMAIL or user:EMAIL with
// roles/iam.serviceAccountTokenCreator; for a federated identity
// (principal://, or an external_account's pool provider, whose every
// identity is principalSet://…/POOL/*), roles/iam.workloadIdentityUser,
// as Google's workload identity federation guide grants. ok is false when
// the identity names no member (an access-token file, a client id): m is
// then the placeholder MEMBER.
func member(caller string) (m, role string, ok bool) {
	const creator, wiu = "roles/iam.serviceAccountTokenCreator", "roles/iam.workloadIdentityUser"
	if strings.HasPrefix(caller, "principal://") || strings.HasPrefix(caller, "principalSet://") {
		return caller, wiu, true
	}
	if aud, found := strings.CutPrefix(caller, typeExternalAccount+" //iam."); found {
		// AUDIENCE: //iam.UNIVERSE/projects/N/locations/global/workloadIdentityPools/POOL/providers/P
		// or //iam.UNIVERSE/locations/global/workforcePools/POOL/providers/P.
		if pool, _, found := strings.Cut(aud, "/providers/"); found && !strings.ContainsAny(pool, " \t") {
			return "principalSet://iam." + pool + "/*", wiu, true
		}
	}
	if at := strings.LastIndexByte(caller, '@'); at > 0 && !strings.ContainsAny(caller, " \t/:") {
		if strings.HasSuffix(caller[at:], "gserviceaccount.com") {
			return "serviceAccount:" + caller, creator, true
		}
		return "user:" + caller, creator, true
	}
	return "MEMBER", creator, false
}

// shellWord quotes s for a POSIX shell when it holds a character the shell
// would expand (a principalSet's *).
func shellWord(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
