package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Credential files may come from somewhere the user does not control (a CI
// secret, a colleague, a download). The Google library follows the URLs in
// them blindly: a token_uri or token_url elsewhere would receive a signed
// assertion or a subject token, and a credential_source.url would make the
// helper fetch whatever it names. So, as Google advises, the URLs are checked
// against the credential's universe before the library sees the file; a user
// who really uses another endpoint opts in with a named setting
// (allow_custom_credential_urls / DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS).

// urlFields are the URL-valued fields of a credential JSON, per type.
type urlFields struct {
	Type                           string          `json:"type"`
	UniverseDomain                 string          `json:"universe_domain"`
	TokenURI                       string          `json:"token_uri"`
	TokenURL                       string          `json:"token_url"`
	TokenInfoURL                   string          `json:"token_info_url"`
	RevokeURL                      string          `json:"revoke_url"`
	ServiceAccountImpersonationURL string          `json:"service_account_impersonation_url"`
	SourceCredentials              json.RawMessage `json:"source_credentials"`
	CredentialSource               *struct {
		URL        string          `json:"url"`
		Executable json.RawMessage `json:"executable"`
	} `json:"credential_source"`
}

// ErrUntrustedURL marks a credential file naming an endpoint outside Google.
var ErrUntrustedURL = errors.New("credential file names an endpoint outside Google")

// checkCredentialURLs refuses a credential whose endpoints are not Google's
// for its universe (https only).
func checkCredentialURLs(data []byte) error {
	var f urlFields
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	u := f.UniverseDomain
	if u == "" {
		u = DefaultUniverse
	}
	check := func(field, raw string, ok func(host string) bool) error {
		if raw == "" {
			return nil
		}
		p, err := url.Parse(raw)
		if err != nil || p.Scheme != "https" || p.User != nil || !ok(strings.ToLower(p.Hostname())) || (p.Port() != "" && p.Port() != "443") {
			return fmt.Errorf("%w: %s is %s, not an https endpoint of %s; if you trust this file, set allow_custom_credential_urls (DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS=1)", ErrUntrustedURL, field, shownURL(raw), u)
		}
		return nil
	}
	oauth := func(h string) bool {
		return h == "oauth2."+u || (u == DefaultUniverse && (h == "accounts.google.com" || h == "www.googleapis.com"))
	}
	sts := serviceHost("sts", u)
	iam := serviceHost("iamcredentials", u)
	var errs []error
	switch f.Type {
	case "service_account", "authorized_user", "gdch_service_account":
		errs = append(errs, check("token_uri", f.TokenURI, oauth))
	case "external_account", "external_account_authorized_user":
		errs = append(errs,
			check("token_url", f.TokenURL, sts),
			check("token_info_url", f.TokenInfoURL, sts),
			check("revoke_url", f.RevokeURL, sts),
			check("service_account_impersonation_url", f.ServiceAccountImpersonationURL, iam))
		if cs := f.CredentialSource; cs != nil {
			if cs.URL != "" {
				errs = append(errs, fmt.Errorf("%w: credential_source.url %s makes the helper fetch a subject token from an arbitrary URL; if you trust this file, set allow_custom_credential_urls", ErrUntrustedURL, shownURL(cs.URL)))
			}
			if len(cs.Executable) > 0 && string(cs.Executable) != "null" {
				errs = append(errs, fmt.Errorf("%w: credential_source.executable runs a program; if you trust this file, set allow_custom_credential_urls", ErrUntrustedURL))
			}
		}
	case "impersonated_service_account":
		errs = append(errs, check("service_account_impersonation_url", f.ServiceAccountImpersonationURL, iam))
		if len(f.SourceCredentials) > 0 {
			errs = append(errs, checkCredentialURLs(f.SourceCredentials))
		}
	}
	return errors.Join(errs...)
}

// serviceHost accepts svc.U, svc.REGION.rep.U, REGION-svc.U and Private
// Service Connect's svc-NAME.p.U.
func serviceHost(svc, u string) func(string) bool {
	q := regexp.QuoteMeta(u)
	re := regexp.MustCompile(`^(` + svc + `|` + svc + `\.[a-z0-9-]+\.rep|[a-z0-9-]+-` + svc + `|` + svc + `-[a-z0-9-]+\.p)\.` + q + `$`)
	return re.MatchString
}

// shownURL is raw for an error message: scheme, host and path only, since
// user information, a query or a fragment may carry a password or a key.
func shownURL(raw string) string {
	p, err := url.Parse(raw)
	if err != nil {
		return "not a valid URL"
	}
	return fmt.Sprintf("%q", (&url.URL{Scheme: p.Scheme, Host: p.Host, Path: p.Path}).String())
}
