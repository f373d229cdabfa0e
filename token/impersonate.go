package token

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

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

// iamEndpoint is the IAM Credentials API of a universe.
func iamEndpoint(o *Options, universe string) string {
	if o.IAMEndpoint != "" {
		return strings.TrimSuffix(o.IAMEndpoint, "/")
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
	resp, err := o.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("impersonate %s: %w", target, err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("impersonate %s: read answer: %w", target, err)
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
	if g.Error.Status != "" {
		detail += " " + g.Error.Status
	}
	if g.Error.Message != "" {
		detail += ": " + truncate(g.Error.Message, 200)
	}
	role := "roles/iam.serviceAccountTokenCreator"
	if strings.HasPrefix(caller, "principal://") {
		role = "roles/iam.workloadIdentityUser" // Google's documented grant to a federated principal (or a principalSet:// of them)
	}
	switch status {
	case http.StatusForbidden:
		return withHint(fmt.Errorf("impersonate %s: permission denied (%s); %s needs %s on %s", target, detail, caller, role, target),
			fmt.Sprintf("gcloud iam service-accounts add-iam-policy-binding %s --member=MEMBER --role=%s (MEMBER: %s)", target, role, caller))
	case http.StatusUnauthorized:
		return fmt.Errorf("impersonate %s: the base credential was refused (%s)", target, detail)
	case http.StatusNotFound:
		return fmt.Errorf("impersonate %s: no such service account (%s)", target, detail)
	}
	return errors.New("impersonate " + target + ": " + detail)
}
