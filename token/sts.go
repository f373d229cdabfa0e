package token

import (
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

// STS token exchange (RFC 8693) of an external OIDC token for a federated
// Google access token, with exactly the fields Google's own clients send
// for an external_account credential with a JWT subject
// (golang.org/x/oauth2/google/externalaccount): audience, grant_type,
// requested_token_type, subject_token_type, subject_token and scope,
// form-encoded, no Authorization header.

const (
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeAccess    = "urn:ietf:params:oauth:token-type:access_token"
	tokenTypeJWT       = "urn:ietf:params:oauth:token-type:jwt"
	maxAnswer          = 1 << 20
)

// STSEndpoint is the token exchange endpoint of a universe:
// https://sts.UNIVERSE/v1/token.
func STSEndpoint(universe string) string { return "https://sts." + universe + "/v1/token" }

// ExchangeRequest is one token exchange.
type ExchangeRequest struct {
	// Universe is the universe whose STS is asked (DefaultUniverse when
	// empty); Audience must belong to it.
	Universe string
	// Audience names the provider (WorkloadProvider.Audience).
	Audience string
	// SubjectToken is the JWT: never logged, never in an error.
	SubjectToken string
	// Endpoint replaces STSEndpoint(Universe) (Private Service Connect,
	// tests).
	Endpoint string
	// Now is the clock that turns expires_in into an expiry (time.Now
	// when nil).
	Now func() time.Time
}

// STSError is a refusal by STS: the status, and Google's error code and
// description when its answer had them.
type STSError struct {
	Status      int
	Code        string // invalid_grant, invalid_target, invalid_request, unauthorized_client ...
	Description string // Google's error_description, redacted and shortened
	host        string
	audience    string
}

func (e *STSError) Error() string {
	msg := fmt.Sprintf("%s refused the token exchange for %s (HTTP %d", e.host, e.audience, e.Status)
	if e.Code != "" {
		msg += ", " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg + ")"
}

// ExchangeToken exchanges r.SubjectToken at STS for a federated access
// token with the cloud-platform scope. The token's Universe is r's; its
// Identity and Source are left to the caller. Refusals are *STSError with
// a hint for the user.
func ExchangeToken(ctx context.Context, hc *http.Client, r ExchangeRequest) (*Token, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	universe := r.Universe
	if universe == "" {
		universe = DefaultUniverse
	}
	if !providerPatterns().universe.MatchString(universe) {
		return nil, fmt.Errorf("token exchange: universe %q is not a domain name", truncate(universe, 64))
	}
	if u := audienceUniverse(r.Audience); u != universe {
		if u == "" {
			return nil, fmt.Errorf("token exchange: audience %q is not a workload identity provider", truncate(r.Audience, 200))
		}
		return nil, fmt.Errorf("token exchange: the provider %s is in universe %s, not %s: its token would not be accepted there", truncate(r.Audience, 200), u, universe)
	}
	switch {
	case r.SubjectToken == "":
		return nil, errors.New("token exchange: the subject token is empty")
	case len(r.SubjectToken) > MaxJWTSize:
		return nil, fmt.Errorf("token exchange: the subject token is %d bytes, more than %d", len(r.SubjectToken), MaxJWTSize)
	}
	endpoint := r.Endpoint
	if endpoint == "" {
		endpoint = STSEndpoint(universe)
	}
	host := "STS"
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		host = u.Host
	}
	form := url.Values{
		"audience":             {r.Audience},
		"grant_type":           {grantTokenExchange},
		"requested_token_type": {tokenTypeAccess},
		"subject_token_type":   {tokenTypeJWT},
		"subject_token":        {r.SubjectToken},
		"scope":                {Scope},
	}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form))
	if err != nil {
		return nil, fmt.Errorf("token exchange at %s: %w", host, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	now := r.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	resp, body, err := send(hc, req)
	if err != nil {
		return nil, fmt.Errorf("token exchange at %s: %w", host, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, stsRefusal(resp.StatusCode, body, host, r)
	}
	var a struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.AccessToken == "" {
		return nil, fmt.Errorf("token exchange at %s: the answer is not a token (HTTP 200, %s)", host, contentType(resp))
	}
	if a.ExpiresIn <= 0 || a.ExpiresIn > 12*3600 {
		return nil, fmt.Errorf("token exchange at %s: the answer's expires_in (%d) is not a lifetime", host, a.ExpiresIn)
	}
	return &Token{AccessToken: a.AccessToken, Expiry: start.Add(time.Duration(a.ExpiresIn) * time.Second), Universe: universe}, nil
}

// audienceUniverse is the universe of an STS audience: UNIVERSE for
// //iam.UNIVERSE/..., googleapis.com for identitynamespace:, "" otherwise.
func audienceUniverse(audience string) string {
	if strings.HasPrefix(audience, "identitynamespace:") {
		return DefaultUniverse
	}
	rest, ok := strings.CutPrefix(audience, "//iam.")
	if !ok {
		return ""
	}
	u, _, _ := strings.Cut(rest, "/")
	return u
}

// stsRefusal describes a non-200 answer: Google's {"error",
// "error_description"} when the body has them, never the body itself.
func stsRefusal(status int, body []byte, host string, r ExchangeRequest) error {
	e := &STSError{Status: status, host: host, audience: truncate(r.Audience, 200)}
	var b struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &b) == nil && validCode(b.Error) {
		e.Code = b.Error
		e.Description = shown(strings.ReplaceAll(b.Description, r.SubjectToken, "[subject token]"), 300)
	}
	switch {
	case e.Code == "invalid_target":
		return withHint(e, "check workload_identity_provider: the pool or provider does not exist, is disabled, or is named with a project ID instead of the project number (`gcloud iam workload-identity-pools providers list --workload-identity-pool=POOL --location=global`)")
	case e.Code == "invalid_request" && strings.Contains(e.Description, "127 bytes"):
		return withHint(e, "the provider's attribute mapping makes google.subject longer than 127 bytes: map a shorter claim (`gcloud iam workload-identity-pools providers update-oidc ... --attribute-mapping=google.subject=...`)")
	case e.Code == "invalid_request" && strings.Contains(e.Description, "audience"):
		return withHint(e, "check workload_identity_provider: "+providerForm)
	case e.Code == "invalid_grant":
		return withHint(e, invalidGrantHint(strings.ToLower(e.Description)))
	case e.Code == "unauthorized_client":
		return withHint(e, "the provider's attribute condition rejects this identity: compare it with the token's claims (`gcloud iam workload-identity-pools providers describe PROVIDER --workload-identity-pool=POOL --location=global`)")
	case status >= 500 || status == http.StatusTooManyRequests:
		return withHint(e, "STS is unavailable or rate-limiting: retry in a minute")
	}
	return e
}

// invalidGrantHint is the next step for a subject token STS refused,
// after what Google said about it.
func invalidGrantHint(desc string) string {
	switch {
	case strings.Contains(desc, "expired") || strings.Contains(desc, "stale"):
		return "the OIDC token expired before the exchange: get a fresh one (check the clocks if it was just issued)"
	case strings.Contains(desc, "audience"):
		return "the token's aud is not one the provider allows: request the token for the provider's audience (oidc_audience; by default https://iam.UNIVERSE/ + the provider name) or add it to the provider's --allowed-audiences"
	case strings.Contains(desc, "issuer"):
		return "the token's iss is not the provider's issuer URI: register this issuer on the provider (`gcloud iam workload-identity-pools providers update-oidc PROVIDER --issuer-uri=...`)"
	case strings.Contains(desc, "signature") || strings.Contains(desc, "key"):
		return "the token is not signed by a key the provider knows: upload the issuer's current JWKS (`gcloud iam workload-identity-pools providers update-oidc PROVIDER --jwk-json-path=...`) or make its jwks_uri reachable"
	}
	return "the OIDC token was refused: compare its iss, aud and exp with the provider's issuer URI and allowed audiences"
}

// contentType names the answer's media type for a message.
func contentType(resp *http.Response) string {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		return "no content type"
	}
	ct, _, _ = strings.Cut(ct, ";")
	return truncate(strings.TrimSpace(ct), 40)
}

// send sends req with hc and reads the answer, at most maxAnswer bytes: the
// response (its body read and closed) and the body, or an error without
// the URL (scrubURLError). Every request of the chain's own (STS, IAM
// Credentials, GitHub's ID token endpoint) goes through it.
func send(hc *http.Client, req *http.Request) (*http.Response, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, scrubURLError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read answer: %w", err)
	}
	if len(body) > maxAnswer {
		return nil, nil, fmt.Errorf("the answer is over %d bytes", maxAnswer)
	}
	return resp, body, nil
}

// scrubURLError drops the URL a transport error repeats: the endpoint is
// already named, and a URL could carry user information.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
