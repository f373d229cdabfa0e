package token

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// defaultTrust is what the helper trusts with no setting: googleapis.com,
// s3nsapis.fr, no custom URL.
func defaultTrust() trust { return (&Options{}).trust() }

func TestCheckCredentialURLs(t *testing.T) {
	ok := []string{
		`{"type":"service_account","token_uri":"https://oauth2.googleapis.com/token"}`,
		`{"type":"service_account"}`,
		`{"type":"service_account","token_uri":"https://accounts.google.com/o/oauth2/token"}`,
		`{"type":"service_account","token_uri":"https://OAUTH2.googleapis.com:443/token"}`,
		`{"type":"service_account","universe_domain":"s3nsapis.fr","token_uri":"https://oauth2.s3nsapis.fr/token"}`,
		`{"type":"gdch_service_account","token_uri":"https://oauth2.googleapis.com/token"}`,
		`{"type":"authorized_user","token_uri":"https://oauth2.googleapis.com/token"}`,
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"file":"/var/run/token"},"service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken"}`,
		`{"type":"external_account","token_url":"https://sts.us-east1.rep.googleapis.com/v1/token","credential_source":{"file":"/t"}}`,
		`{"type":"external_account","token_url":"https://sts-myendpoint.p.googleapis.com/v1/token","credential_source":{"file":"/t"}}`,
		`{"type":"external_account","credential_source":{"environment_id":"aws1","region_url":"http://169.254.169.254/latest/meta-data/placement/availability-zone","url":"http://[fd00:ec2::254]/latest/meta-data/iam/security-credentials","imdsv2_session_token_url":"http://169.254.169.254/latest/api/token","regional_cred_verification_url":"https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"}}`,
		`{"type":"external_account_authorized_user","token_url":"https://sts.googleapis.com/v1/oauthtoken","token_info_url":"https://sts.googleapis.com/v1/introspect","revoke_url":"https://sts.googleapis.com/v1/revoke"}`,
		`{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/t@p.iam.gserviceaccount.com:generateAccessToken","source_credentials":{"type":"authorized_user"}}`,
	}
	for _, c := range ok {
		if _, err := parseCredential([]byte(c), defaultTrust()); err != nil {
			t.Errorf("parseCredential(%s) = %v, want nil", c, err)
		}
	}
	bad := map[string]string{
		`{"type":"service_account","token_uri":"https://evil.example.com/token"}`:                                                                                                                                "token_uri",
		`{"type":"service_account","token_uri":"http://oauth2.googleapis.com/token"}`:                                                                                                                            "token_uri",
		`{"type":"service_account","token_uri":"https://oauth2.googleapis.com.evil.com/token"}`:                                                                                                                  "token_uri",
		`{"type":"service_account","token_uri":"https://oauth2.googleapis.com./token"}`:                                                                                                                          "token_uri",
		`{"type":"service_account","token_uri":"https://user@oauth2.googleapis.com/token"}`:                                                                                                                      "token_uri",
		`{"type":"service_account","token_uri":"https://oauth2.googleapis.com:8443/token"}`:                                                                                                                      "token_uri",
		`{"type":"service_account","universe_domain":"s3nsapis.fr","token_uri":"https://oauth2.googleapis.com/token"}`:                                                                                           "token_uri",
		`{"type":"service_account","universe_domain":"s3nsapis.fr","token_uri":"https://accounts.google.com/o/oauth2/token"}`:                                                                                    "token_uri",
		`{"type":"authorized_user","token_uri":"https://127.0.0.1/token"}`:                                                                                                                                       "token_uri",
		`{"type":"external_account","token_url":"https://sts.evil.com/v1/token","credential_source":{"file":"/t"}}`:                                                                                              "token_url",
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","token_info_url":"https://evil.com/i","credential_source":{"file":"/t"}}`:                                                  "token_info_url",
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","service_account_impersonation_url":"https://iamcredentials.evil.com/x","credential_source":{"file":"/t"}}`:                "service_account_impersonation_url",
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"url":"http://169.254.169.254/computeMetadata/v1/"}}`:                                                 "credential_source.url",
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"executable":{"command":"/bin/sh -c id"}}}`:                                                           "executable",
		`{"type":"external_account","credential_source":{"environment_id":"aws1","regional_cred_verification_url":"https://evil.com/?Action=GetCallerIdentity"}}`:                                                "regional_cred_verification_url",
		`{"type":"external_account_authorized_user","token_url":"https://sts.googleapis.com/v1/oauthtoken","revoke_url":"https://evil.com/revoke"}`:                                                              "revoke_url",
		`{"type":"impersonated_service_account","service_account_impersonation_url":"https://evil.com/x","source_credentials":{"type":"authorized_user"}}`:                                                       "service_account_impersonation_url",
		`{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/x","source_credentials":{"type":"service_account","token_uri":"https://evil.com/t"}}`: "source_credentials.token_uri",
	}
	for c, field := range bad {
		_, err := parseCredential([]byte(c), defaultTrust())
		if !errors.Is(err, ErrUntrustedURL) || !strings.Contains(err.Error(), field) || !strings.Contains(err.Error(), "DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS=1") {
			t.Errorf("parseCredential(%s) = %v, want ErrUntrustedURL naming %s and the opt-in", c, err, field)
		}
		// The user's opt-in trusts the file's URLs (the program too).
		allow := defaultTrust()
		allow.allowCustom = true
		if _, err := parseCredential([]byte(c), allow); err != nil {
			t.Errorf("parseCredential(%s) with allow_custom_credential_urls = %v, want nil", c, err)
		}
	}
}

// TestStrictDecode: a file the library would read differently from the
// check, or not at all, is refused with a clear error.
func TestStrictDecode(t *testing.T) {
	for c, want := range map[string]string{
		`{"type":"service_account","type":"service_account"}`:                                                  "duplicate key",
		`{"type":"service_account","Type":"service_account"}`:                                                  "duplicate key",
		`{"type":"service_account","client_email":"a","client_\u0065mail":"b"}`:                                "duplicate key",
		`{"type":"service_account","private_key":"a","private_\u212aey":"b"}`:                                  "duplicate key", // Kelvin sign folds to k
		`{"type":"external_account","credential_source":{"file":"/t","format":{"type":"text","type":"json"}}}`: "credential_source.format",
		`{"type":"external_account","credential_source":{"url":"https://x","headers":{"A":"1","a":"2"}}}`:      "duplicate key",
		`{"type":"service_account","unknown":[{"x":1,"x":2}]}`:                                                 "duplicate key",
		`{"type":"magic_account"}`: `unsupported credential type "magic_account"`,
		`{"client_email":"x"}`:     `no "type" field`,
		`{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/x","source_credentials":{"type":"magic"}}`: `unsupported credential type "magic"`,
		`{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/x","source_credentials":{}}`:               `no "source_credentials.type" field`,
		`{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/x"}`:                                       "source_credentials is missing",
		`{"type":"impersonated_service_account","source_credentials":{"type":"authorized_user"}}`:                                                                     "service_account_impersonation_url is missing",
		`{"type":"service_account","token_uri":7}`:                                                    "token_uri is not a string",
		`{"type":"external_account","credential_source":"file"}`:                                      "credential_source is not a JSON object",
		`{"type":"service_account"} {}`:                                                               "invalid JSON",
		`{"type":"external_account"}`:                                                                 "credential_source is missing",
		`{"type":"external_account","credential_source":{}}`:                                          "names no subject token source",
		`{"type":"external_account","credential_source":{"file":"/t","url":"https://x"}}`:             "more than one",
		`{"type":"external_account","credential_source":{"environment_id":"aws1","file":"/t"}}`:       "more than one",
		`{"type":"external_account","credential_source":{"environment_id":"AWS1","url":"https://x"}}`: "environment_id",
		`{"type":"external_account","credential_source":{"environment_id":"aws2"}}`:                   "environment_id",
		`{"type":"external_account","credential_source":{"file":"/t","format":{"type":"xml"}}}`:       "format.type",
		`{"type":"external_account","credential_source":{"file":"/t","format":{"type":"json"}}}`:      "subject_token_field_name is missing",
		`{"type":"external_account_authorized_user"}`:                                                 "token_url is missing",
		`{"type":"impersonated_service_account","universe_domain":"s3nsapis.fr","service_account_impersonation_url":"https://iamcredentials.s3nsapis.fr/x","source_credentials":{"type":"service_account","universe_domain":"googleapis.com"}}`: "names universe",
		`{"type":"service_account","universe_domain":"attacker.example"}`: "--universe-domain=attacker.example",
	} {
		_, err := parseCredential([]byte(c), defaultTrust())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseCredential(%s) = %v, want an error containing %q", c, err, want)
		}
	}
	// Nesting is bounded.
	deep := `{"type":"authorized_user"}`
	for range maxNesting + 1 {
		deep = `{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/x","source_credentials":` + deep + `}`
	}
	if _, err := parseCredential([]byte(deep), defaultTrust()); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("parseCredential(%d levels of impersonation) = %v, want a refusal", maxNesting+1, err)
	}
}

// TestCanonicalCredential: the library is given the checked fields of the
// type, with the file's universe's endpoints filled in, and nothing else: no
// unknown field, no field of another type, no OAuth client config that would
// turn the library to its browser flow.
func TestCanonicalCredential(t *testing.T) {
	for in, want := range map[string]string{
		`{"type":"service_account","client_email":"sa@p","private_key":"K","private_key_id":"i","project_id":"p","auth_uri":"https://x","token_url":"https://evil","credential_source":{"url":"https://evil"},"installed":{"client_id":"c","token_uri":"https://evil","redirect_uris":["x"]}}`: `{"type":"service_account","universe_domain":"googleapis.com","client_email":"sa@p","private_key_id":"i","private_key":"K","token_uri":"https://oauth2.googleapis.com/token"}`,
		`{"type":"service_account","universe_domain":"S3NSAPIS.FR","client_email":"sa@p"}`:                                                                                                              `{"type":"service_account","universe_domain":"s3nsapis.fr","client_email":"sa@p","token_uri":"https://oauth2.s3nsapis.fr/token"}`,
		`{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r","account":"me","quota_project_id":"q"}`:                                                                      `{"type":"authorized_user","universe_domain":"googleapis.com","token_uri":"https://oauth2.googleapis.com/token","client_id":"c","client_secret":"s","refresh_token":"r"}`,
		`{"type":"external_account","universe_domain":"s3nsapis.fr","audience":"a","subject_token_type":"t","credential_source":{"file":"/f","url":"","format":{"type":"text"}}}`:                       `{"type":"external_account","universe_domain":"s3nsapis.fr","audience":"a","subject_token_type":"t","token_url":"https://sts.s3nsapis.fr/v1/token","credential_source":{"file":"/f","format":{"type":"text"}}}`,
		`{"type":"external_account","credential_source":{"environment_id":"aws1","region_url":"http://169.254.169.254/r","format":{"type":"json","subject_token_field_name":"x"},"headers":{"a":"b"}}}`: `{"type":"external_account","universe_domain":"googleapis.com","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"environment_id":"aws1","region_url":"http://169.254.169.254/r"}}`,
	} {
		v, err := parseCredential([]byte(in), defaultTrust())
		if err != nil {
			t.Errorf("parseCredential(%s) = %v", in, err)
			continue
		}
		if string(v.data) != want {
			t.Errorf("parseCredential(%s).data =\n%s\nwant\n%s", in, v.data, want)
		}
		// The re-encoded file is a fixed point.
		again, err := parseCredential(v.data, defaultTrust())
		if err != nil || string(again.data) != string(v.data) {
			t.Errorf("parseCredential(its own output %s) = %v, %v; want the same", v.data, again, err)
		}
	}
}

// TestRunnerURL: only the scheme, host and path of the runner's
// ACTIONS_ID_TOKEN_REQUEST_URL are trusted by default.
func TestRunnerURL(t *testing.T) {
	o := &Options{Getenv: func(k string) string {
		if k == "ACTIONS_ID_TOKEN_REQUEST_URL" {
			return ghaURL
		}
		return ""
	}}
	tr := o.trust()
	for _, u := range []string{ghaURL, ghaURL + "&audience=x", strings.Replace(ghaURL, "pipelines", "PIPELINES", 1)} {
		p, _ := url.Parse(u)
		if !tr.isRunner(p) {
			t.Errorf("isRunner(%s) = false, want true", u)
		}
	}
	for _, u := range []string{strings.Replace(ghaURL, "/idtoken", "/idtoken/x", 1), strings.Replace(ghaURL, "https", "http", 1), strings.Replace(ghaURL, ".com/", ".com:8443/", 1), strings.Replace(ghaURL, "https://", "https://u:p@", 1)} {
		p, _ := url.Parse(u)
		if tr.isRunner(p) {
			t.Errorf("isRunner(%s) = true, want false", u)
		}
	}
	if (&Options{}).trust().runner != nil {
		t.Errorf("trust() without ACTIONS_ID_TOKEN_REQUEST_URL has a runner URL")
	}
}

// The refusal names the endpoint but never its user information, query or
// fragment, where a password or an API key may sit, nor a header's value.
func TestCheckCredentialURLsShowsNoSecret(t *testing.T) {
	for _, c := range []string{
		`{"type":"service_account","token_uri":"https://user:pw-SECRET@evil.example.com/token?key=KEY-SECRET#FRAG-SECRET"}`,
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"url":"https://u:pw-SECRET@evil.example.com/t?key=KEY-SECRET","headers":{"Authorization":"Bearer HEADER-SECRET"}}}`,
		`{"type":"external_account","credential_source":{"environment_id":"aws1","url":"http://u:pw-SECRET@evil.example.com/t?key=KEY-SECRET"}}`,
		`{"type":"external_account","credential_source":{"executable":{"command":"/bin/tool --password=CMD-SECRET"}}}`,
	} {
		_, err := parseCredential([]byte(c), defaultTrust())
		if err == nil {
			t.Fatalf("parseCredential(%s) = nil, want a refusal", c)
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("parseCredential refusal shows a secret: %v", err)
		}
	}
}

// A key whose token_uri is the local fake is refused unless the user opts in.
func TestUntrustedKeyRefusedWithoutOptIn(t *testing.T) {
	f := newFixture(t)
	o := f.options(SourceCredentialsFile)
	o.AllowCustomURLs = false
	o.IAMEndpoint = ""
	o.CredentialsFile = f.write("key.json", f.serviceAccount("sa@p.iam.gserviceaccount.com"))
	_, err := f.token(o)
	if !errors.Is(err, ErrUntrustedURL) {
		t.Fatalf("Token() = %v, want ErrUntrustedURL", err)
	}
	if f.g.Count("token") != 0 {
		t.Errorf("the untrusted token_uri received %d requests, want 0", f.g.Count("token"))
	}
	var ce *ChainError
	if errors.As(err, &ce) && (strings.Contains(ce.Hint(), "from Google") || !strings.Contains(ce.Hint(), "DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS=1")) {
		t.Errorf("Hint() = %q, want the opt-in and no 'from Google'", ce.Hint())
	}
}

var _ = json.Marshal
