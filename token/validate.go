package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Credential files may come from somewhere the user does not control (a
// cloned repository, a CI artifact, a colleague, a planted file). The Google
// library follows the URLs in them blindly: a token_uri or token_url
// elsewhere would receive a signed assertion, a refresh token or a subject
// token, a credential_source.url would make the helper fetch whatever it
// names with whatever headers, and a credential_source.executable runs a
// program. So, as Google advises, a file is checked before the library sees
// it, against what the helper itself trusts (never against what the file
// says):
//
//   - universes: googleapis.com, s3nsapis.fr and the universe_domain
//     setting (Options.DefaultUniverse); a file naming another is refused;
//   - endpoints: https on port 443 to Google's service of that universe
//     (oauth2., sts., iamcredentials., with their regional and Private
//     Service Connect forms); a missing endpoint is the file's universe's,
//     filled in before the library can default to googleapis.com's;
//   - subject tokens: a file; the GitHub Actions runner's own
//     ACTIONS_ID_TOKEN_REQUEST_URL (the runner vouches for it, not the
//     file); AWS's metadata addresses for an AWS source. Any other URL, and
//     any program, only when the user opts in with
//     allow_custom_credential_urls (DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS=1);
//     a program then still needs Google's own
//     GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1.
//
// The file is decoded once, strictly (credjson.go), checked, and the library
// is given only the checked struct, re-encoded with the defaults filled in:
// what was checked is what is used (FuzzCredentialView compares the two).

// ErrUntrustedURL marks a credential file naming an endpoint, a URL or a
// program the helper does not trust by default.
var ErrUntrustedURL = errors.New("credential file names an endpoint the helper does not trust")

// ErrUntrustedUniverse marks a credential file of a universe the helper is
// not configured for.
var ErrUntrustedUniverse = errors.New("credential file is for a universe the helper is not configured for")

// builtinUniverses are trusted without any setting: Google Cloud and S3NS.
var builtinUniverses = []string{DefaultUniverse, "s3nsapis.fr"}

// maxNesting bounds impersonated_service_account files nested in
// source_credentials.
const maxNesting = 4

// optIn is how a user trusts a file's custom URLs.
const optIn = "DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS=1 (allow_custom_credential_urls in the settings file)"

// trust is what the helper trusts, from its own configuration only.
type trust struct {
	universes   []string
	allowCustom bool
	runner      *url.URL // ACTIONS_ID_TOKEN_REQUEST_URL; nil when unset
}

func (o *Options) trust() trust {
	t := trust{universes: builtinUniverses, allowCustom: o.AllowCustomURLs}
	if u := strings.ToLower(o.DefaultUniverse); u != "" && !slices.Contains(t.universes, u) {
		t.universes = append(slices.Clip(t.universes), u)
	}
	if r := o.getenv("ACTIONS_ID_TOKEN_REQUEST_URL"); r != "" {
		if p, err := url.Parse(r); err == nil && p.Host != "" {
			t.runner = p
		}
	}
	return t
}

func (t trust) trusted(universe string) bool { return slices.Contains(t.universes, universe) }

// credView is the checker's view of a credential file: what it accepted and
// every place the library may contact with it.
type credView struct {
	cred     *credential // checked, defaults filled in
	data     []byte      // json.Marshal(cred): all the library is given
	universe string
	identity string
	// origins are scheme://host[:port] of every URL the library may contact
	// (a URL checked and trusted; a path may be appended, as AWS's role).
	origins []string
}

// parseCredential decodes, checks and re-encodes a credential file (raw JSON
// or base64) against what t trusts.
func parseCredential(raw []byte, t trust) (*credView, error) {
	data, err := credentialJSON(raw)
	if err != nil {
		return nil, err
	}
	c, err := decodeCredential(data)
	if err != nil {
		return nil, err
	}
	if err := checkTypes(c); err != nil {
		return nil, err
	}
	u, err := c.universe()
	if err != nil {
		return nil, err
	}
	if !t.trusted(u) {
		return nil, withHint(fmt.Errorf("%w: its universe_domain is %q, and the helper trusts %s; if you use %s, run `docker-credential-gcr config --universe-domain=%s` (or set DOCKER_CREDENTIAL_GCR_UNIVERSE_DOMAIN=%s)",
			ErrUntrustedUniverse, truncate(u, 100), strings.Join(t.universes, ", "), truncate(u, 100), truncate(u, 100), truncate(u, 100)),
			"if you use universe "+truncate(u, 100)+", run `docker-credential-gcr config --universe-domain="+truncate(u, 100)+"`")
	}
	v := &credView{universe: u}
	cred, err := v.check(c, u, t, "")
	if err != nil {
		return nil, err
	}
	v.cred = cred
	if v.data, err = json.Marshal(cred); err != nil {
		return nil, fmt.Errorf("re-encode the credential: %w", err)
	}
	v.identity = cred.identity()
	return v, nil
}

// checkTypes refuses a type the library does not accept, at every level.
func checkTypes(c *credential) error {
	for depth, at := 0, ""; c != nil; depth, at = depth+1, at+"source_credentials." {
		if depth > maxNesting {
			return fmt.Errorf("source_credentials nested more than %d deep", maxNesting)
		}
		if !slices.Contains(credentialTypes, c.Type) {
			if c.Type == "" {
				return fmt.Errorf("no %q field; expected one of %s", at+"type", strings.Join(credentialTypes, ", "))
			}
			return fmt.Errorf("unsupported credential type %q; expected one of %s", truncate(c.Type, 60), strings.Join(credentialTypes, ", "))
		}
		if c.Type != typeImpersonatedServiceAccount {
			return nil
		}
		c = c.SourceCredentials
	}
	return nil
}

// universe is the file's universe: its universe_domain, or that of its
// source_credentials; googleapis.com when none names one. Every level that
// names one must name the same. (The library calls authorized_user
// credentials googleapis.com's whatever they say; the helper calls a token
// the universe of the endpoint that minted it, which check makes the file's
// universe's.)
func (c *credential) universe() (string, error) {
	u := ""
	for x := c; x != nil; x = x.SourceCredentials {
		if d := strings.ToLower(x.UniverseDomain); d != "" {
			if u != "" && d != u {
				return "", fmt.Errorf("source_credentials names universe %q and the file %q", truncate(d, 100), truncate(u, 100))
			}
			u = d
		}
		if x.Type != typeImpersonatedServiceAccount {
			break
		}
	}
	if u == "" {
		u = DefaultUniverse
	}
	return u, nil
}

// check returns the part of c the library reads for c's type, with the
// missing endpoints filled in for universe u, after checking every URL in
// it. at prefixes field names in errors.
func (v *credView) check(c *credential, u string, t trust, at string) (*credential, error) {
	out := &credential{Type: c.Type, UniverseDomain: u}
	var errs []error
	endpoint := func(field, raw string, ok func(host string) bool, what string) string {
		if err := v.endpoint(at+field, raw, ok, what, t); err != nil {
			errs = append(errs, err)
		}
		return raw
	}
	oauth := func(h string) bool {
		return h == "oauth2."+u || (u == DefaultUniverse && (h == "accounts.google.com" || h == "www.googleapis.com"))
	}
	sts := func(h string) bool { return serviceHost("sts", u, h) }
	iam := func(h string) bool { return serviceHost("iamcredentials", u, h) }
	oauthWhat, stsWhat, iamWhat := "https://oauth2."+u, "https://sts."+u, "https://iamcredentials."+u

	switch c.Type {
	case typeServiceAccount, typeGDCHServiceAccount:
		out.ClientEmail, out.PrivateKeyID, out.PrivateKey, out.Audience = c.ClientEmail, c.PrivateKeyID, c.PrivateKey, c.Audience
		out.TokenURI = endpoint("token_uri", or(c.TokenURI, "https://oauth2."+u+"/token"), oauth, oauthWhat)
	case typeAuthorizedUser:
		out.ClientID, out.ClientSecret, out.RefreshToken = c.ClientID, c.ClientSecret, c.RefreshToken
		out.TokenURI = endpoint("token_uri", or(c.TokenURI, "https://oauth2."+u+"/token"), oauth, oauthWhat)
	case typeExternalAccount:
		out.Audience, out.SubjectTokenType = c.Audience, c.SubjectTokenType
		out.ClientID, out.ClientSecret = c.ClientID, c.ClientSecret
		out.QuotaProjectID, out.WorkforcePoolUserProject = c.QuotaProjectID, c.WorkforcePoolUserProject
		if c.ServiceAccountImpersonation != nil && *c.ServiceAccountImpersonation != (impersonationInfo{}) {
			out.ServiceAccountImpersonation = c.ServiceAccountImpersonation
		}
		out.TokenURL = endpoint("token_url", or(c.TokenURL, "https://sts."+u+"/v1/token"), sts, stsWhat)
		if c.TokenInfoURL != "" {
			out.TokenInfoURL = endpoint("token_info_url", c.TokenInfoURL, sts, stsWhat)
		}
		if c.ServiceAccountImpersonationURL != "" {
			out.ServiceAccountImpersonationURL = endpoint("service_account_impersonation_url", c.ServiceAccountImpersonationURL, iam, iamWhat)
		}
		cs, err := v.checkSource(c.CredentialSource, t, at+"credential_source")
		errs = append(errs, err)
		out.CredentialSource = cs
	case typeExternalAccountAuthorizedUser:
		out.Audience, out.RefreshToken, out.ClientID, out.ClientSecret, out.QuotaProjectID = c.Audience, c.RefreshToken, c.ClientID, c.ClientSecret, c.QuotaProjectID
		if c.TokenURL == "" {
			errs = append(errs, fmt.Errorf("%stoken_url is missing", at))
		} else {
			out.TokenURL = endpoint("token_url", c.TokenURL, sts, stsWhat)
		}
		if c.TokenInfoURL != "" {
			out.TokenInfoURL = endpoint("token_info_url", c.TokenInfoURL, sts, stsWhat)
		}
		if c.RevokeURL != "" {
			out.RevokeURL = endpoint("revoke_url", c.RevokeURL, sts, stsWhat)
		}
	case typeImpersonatedServiceAccount:
		if c.ServiceAccountImpersonationURL == "" {
			errs = append(errs, fmt.Errorf("%sservice_account_impersonation_url is missing", at))
		} else {
			out.ServiceAccountImpersonationURL = endpoint("service_account_impersonation_url", c.ServiceAccountImpersonationURL, iam, iamWhat)
		}
		out.Delegates = c.Delegates
		if c.SourceCredentials == nil {
			errs = append(errs, fmt.Errorf("%ssource_credentials is missing", at))
		} else {
			src, err := v.check(c.SourceCredentials, u, t, at+"source_credentials.")
			errs = append(errs, err)
			out.SourceCredentials = src
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// checkSource checks an external_account's credential_source and returns
// the fields the library reads for the kind it will use: the library takes
// environment_id "awsN" first, then file, url, executable; a file naming two
// kinds is refused rather than guessed.
func (v *credView) checkSource(cs *credentialSource, t trust, at string) (*credentialSource, error) {
	if cs == nil {
		return nil, fmt.Errorf("%s is missing", at)
	}
	kinds := 0
	for _, set := range []bool{cs.File != "", cs.URL != "" && cs.EnvironmentID == "", cs.Executable != nil, cs.EnvironmentID != ""} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		return nil, fmt.Errorf("%s names no subject token source (file, url, executable or environment_id)", at)
	case kinds > 1:
		return nil, fmt.Errorf("%s names more than one subject token source (file, url, executable, environment_id)", at)
	}
	format := func() (*subjectFormat, error) {
		f := cs.Format
		if f == nil || *f == (subjectFormat{}) {
			return nil, nil
		}
		switch f.Type {
		case "": // the library's default: text
			return nil, nil
		case "text":
			return &subjectFormat{Type: f.Type}, nil
		case "json":
			if f.SubjectTokenFieldName == "" {
				return nil, fmt.Errorf("%s.format.subject_token_field_name is missing", at)
			}
			return f, nil
		}
		return nil, fmt.Errorf("%s.format.type %q is neither text nor json", at, truncate(f.Type, 40))
	}
	out := &credentialSource{}
	var err error
	switch {
	case cs.EnvironmentID != "":
		env := cs.EnvironmentID
		if n, aerr := strconv.Atoi(strings.TrimPrefix(env, "aws")); !strings.HasPrefix(env, "aws") || len(env) <= 3 || aerr != nil || n != 1 {
			return nil, fmt.Errorf("%s.environment_id %q is not supported (aws1 is)", at, truncate(env, 40))
		}
		out.EnvironmentID = env
		var errs []error
		for _, f := range []struct {
			name     string
			src, dst *string
		}{{"region_url", &cs.RegionURL, &out.RegionURL}, {"url", &cs.URL, &out.URL}, {"imdsv2_session_token_url", &cs.IMDSv2SessionTokenURL, &out.IMDSv2SessionTokenURL}} {
			if *f.src != "" {
				errs = append(errs, v.awsMetadata(at+"."+f.name, *f.src, t))
				*f.dst = *f.src
			}
		}
		if r := cs.RegionalCredVerificationURL; r != "" {
			if !t.allowCustom && !awsSTS(r) {
				errs = append(errs, untrusted(at+".regional_cred_verification_url", r, "https://sts.{region}.amazonaws.com"))
			}
			out.RegionalCredVerificationURL = r
		}
		err = errors.Join(errs...)
	case cs.File != "":
		out.File = cs.File
		out.Format, err = format()
	case cs.URL != "":
		p, perr := url.Parse(cs.URL)
		switch {
		case perr != nil:
			err = fmt.Errorf("%w: %s.url is not a valid URL", ErrUntrustedURL, at)
		case !t.allowCustom && !t.isRunner(p):
			err = withHint(fmt.Errorf("%w: %s.url %s would make the helper fetch a subject token there; only the GitHub Actions runner's own ACTIONS_ID_TOKEN_REQUEST_URL is trusted by default; if you trust this file, set %s",
				ErrUntrustedURL, at, shownURL(cs.URL), optIn), "if you trust this credential file, set "+optIn)
		default:
			v.origins = append(v.origins, origin(p))
		}
		out.URL, out.Headers = cs.URL, cs.Headers
		if f, ferr := format(); ferr != nil {
			err = errors.Join(err, ferr)
		} else {
			out.Format = f
		}
	case cs.Executable != nil:
		e := cs.Executable
		switch {
		case !t.allowCustom:
			err = withHint(fmt.Errorf("%w: %s.executable runs a program; if you trust this file, set %s, and then, as Google's library requires, GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1",
				ErrUntrustedURL, at, optIn), "if you trust this credential file, set "+optIn+" and GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1")
		case e.Command == "":
			err = fmt.Errorf("%s.executable.command is missing", at)
		}
		out.Executable = &executableConfig{Command: e.Command, TimeoutMillis: e.TimeoutMillis, OutputFile: e.OutputFile}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// endpoint checks the URL of a Google endpoint and records where it points.
func (v *credView) endpoint(field, raw string, ok func(host string) bool, what string, t trust) error {
	p, err := url.Parse(raw)
	if err != nil || p.Host == "" {
		return fmt.Errorf("%w: %s is not a valid URL", ErrUntrustedURL, field)
	}
	if !t.allowCustom && (p.Scheme != "https" || p.User != nil || !ok(strings.ToLower(p.Hostname())) || (p.Port() != "" && p.Port() != "443")) {
		return untrusted(field, raw, "an https endpoint of "+strings.TrimPrefix(what, "https://"))
	}
	v.origins = append(v.origins, origin(p))
	return nil
}

// awsMetadata checks a URL of AWS's instance metadata service, which AWS
// serves on plain http at fixed link-local addresses.
func (v *credView) awsMetadata(field, raw string, t trust) error {
	p, err := url.Parse(raw)
	if err != nil || p.Host == "" {
		return fmt.Errorf("%w: %s is not a valid URL", ErrUntrustedURL, field)
	}
	h, port := p.Hostname(), p.Port()
	okPort := port == "" || (p.Scheme == "http" && port == "80") || (p.Scheme == "https" && port == "443")
	if !t.allowCustom && ((p.Scheme != "http" && p.Scheme != "https") || p.User != nil || !okPort || (h != "169.254.169.254" && h != "fd00:ec2::254")) {
		return untrusted(field, raw, "AWS's instance metadata service (http://169.254.169.254 or http://[fd00:ec2::254])")
	}
	v.origins = append(v.origins, origin(p))
	return nil
}

// awsSTS reports whether raw is AWS STS's GetCallerIdentity URL, which the
// signed subject token names (Google's STS calls it, the helper does not).
func awsSTS(raw string) bool {
	p, err := url.Parse(strings.ReplaceAll(raw, "{region}", "region"))
	if err != nil || p.Scheme != "https" || p.User != nil || p.Port() != "" {
		return false
	}
	h := strings.ToLower(p.Hostname())
	h = strings.TrimSuffix(h, ".cn")
	rest, ok := strings.CutSuffix(h, ".amazonaws.com")
	if !ok {
		return false
	}
	if rest == "sts" {
		return true
	}
	region, ok := strings.CutPrefix(rest, "sts.")
	return ok && label(region)
}

func untrusted(field, raw, want string) error {
	return withHint(fmt.Errorf("%w: %s is %s, not %s; if you trust this file, set %s", ErrUntrustedURL, field, shownURL(raw), want, optIn),
		"if you trust this credential file, set "+optIn)
}

// isRunner reports whether p is the GitHub Actions runner's ID-token URL:
// the scheme, host and path of ACTIONS_ID_TOKEN_REQUEST_URL (the query
// carries the audience), and no user information.
func (t trust) isRunner(p *url.URL) bool {
	r := t.runner
	return r != nil && p.User == nil && p.Scheme == r.Scheme && strings.EqualFold(p.Host, r.Host) && p.EscapedPath() == r.EscapedPath()
}

// serviceHost reports whether h is Google's service svc in universe u:
// svc.U, svc.REGION.rep.U, REGION-svc.U or Private Service Connect's
// svc-NAME.p.U.
func serviceHost(svc, u, h string) bool {
	rest, ok := strings.CutSuffix(h, "."+u)
	if !ok {
		return false
	}
	if rest == svc {
		return true
	}
	if r, ok := strings.CutPrefix(rest, svc+"."); ok {
		region, ok := strings.CutSuffix(r, ".rep")
		return ok && label(region)
	}
	if r, ok := strings.CutPrefix(rest, svc+"-"); ok {
		name, ok := strings.CutSuffix(r, ".p")
		return ok && label(name)
	}
	region, ok := strings.CutSuffix(rest, "-"+svc)
	return ok && label(region)
}

// label reports whether s is non-empty lower-case letters, digits and
// hyphens: one DNS label of a region or endpoint name.
func label(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkIAMEndpoint checks the iam_endpoint setting, which receives the base
// credential's bearer token: IAM Credentials of a trusted universe (its
// regional and Private Service Connect forms included), nothing else.
func checkIAMEndpoint(raw string, t trust) error {
	p, err := url.Parse(raw)
	ok := err == nil && p.Scheme == "https" && p.User == nil && (p.Port() == "" || p.Port() == "443") &&
		(p.Path == "" || p.Path == "/") && p.RawQuery == "" && !p.ForceQuery && p.Fragment == ""
	if ok {
		h := strings.ToLower(p.Hostname())
		ok = slices.ContainsFunc(t.universes, func(u string) bool { return serviceHost("iamcredentials", u, h) })
	}
	if ok {
		return nil
	}
	shown := "not a valid URL"
	if err == nil {
		shown = shownURL(raw)
	}
	return withHint(fmt.Errorf("the iam_endpoint setting (DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT) is %s, not Google's IAM Credentials API of a trusted universe (https://iamcredentials.UNIVERSE, a regional or a Private Service Connect iamcredentials-NAME.p.UNIVERSE endpoint); fix it, or if you trust it, set %s",
		shown, optIn), "fix the iam_endpoint setting (DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT)")
}

// origin is scheme://host[:port] of p, lower-case, without a default port.
func origin(p *url.URL) string {
	h := strings.ToLower(p.Hostname())
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	port := p.Port()
	if (p.Scheme == "https" && port == "443") || (p.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		h += ":" + port
	}
	return strings.ToLower(p.Scheme) + "://" + h
}

// shownURL is raw for an error message: scheme, host and path only, since
// user information, a query or a fragment may carry a password or a key.
func shownURL(raw string) string {
	p, err := url.Parse(raw)
	if err != nil {
		return "not a valid URL"
	}
	return fmt.Sprintf("%q", truncate((&url.URL{Scheme: p.Scheme, Host: p.Host, Path: p.Path}).String(), 200))
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// identity names the principal without a secret: the email where the file
// has one, else the client or audience.
func (c *credential) identity() string {
	switch c.Type {
	case typeServiceAccount, typeGDCHServiceAccount:
		if c.ClientEmail != "" {
			return c.ClientEmail
		}
	case typeAuthorizedUser:
		return c.Type + " client " + c.ClientID
	case typeExternalAccount:
		if c.ServiceAccountImpersonationURL != "" {
			return impersonatedEmail(c)
		}
		return c.Type + " " + c.Audience
	case typeExternalAccountAuthorizedUser:
		return c.Type + " " + c.Audience
	case typeImpersonatedServiceAccount:
		return impersonatedEmail(c)
	}
	return c.Type
}

// impersonatedEmail is the service account of a
// service_account_impersonation_url (…/serviceAccounts/EMAIL:generateAccessToken).
func impersonatedEmail(c *credential) string {
	if u, err := url.Parse(c.ServiceAccountImpersonationURL); err == nil {
		if _, after, ok := strings.Cut(u.Path, "serviceAccounts/"); ok {
			if email, _, _ := strings.Cut(after, ":"); email != "" {
				return email
			}
		}
	}
	return c.Type + " " + shownURL(c.ServiceAccountImpersonationURL)
}
