package token

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckCredentialURLs(t *testing.T) {
	ok := []string{
		`{"type":"service_account","token_uri":"https://oauth2.googleapis.com/token"}`,
		`{"type":"service_account"}`,
		`{"type":"service_account","token_uri":"https://accounts.google.com/o/oauth2/token"}`,
		`{"type":"service_account","universe_domain":"s3nsapis.fr","token_uri":"https://oauth2.s3nsapis.fr/token"}`,
		`{"type":"authorized_user","token_uri":"https://oauth2.googleapis.com/token"}`,
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"file":"/var/run/token"},"service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken"}`,
		`{"type":"external_account","token_url":"https://sts.us-east1.rep.googleapis.com/v1/token","credential_source":{"file":"/t"}}`,
		`{"type":"external_account","token_url":"https://sts-myendpoint.p.googleapis.com/v1/token","credential_source":{"file":"/t"}}`,
		`{"type":"external_account_authorized_user","token_url":"https://sts.googleapis.com/v1/oauthtoken","token_info_url":"https://sts.googleapis.com/v1/introspect","revoke_url":"https://sts.googleapis.com/v1/revoke"}`,
		`{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/t@p.iam.gserviceaccount.com:generateAccessToken","source_credentials":{"type":"authorized_user"}}`,
	}
	for _, c := range ok {
		if err := checkCredentialURLs([]byte(c)); err != nil {
			t.Errorf("checkCredentialURLs(%s) = %v, want nil", c, err)
		}
	}
	bad := map[string]string{
		`{"type":"service_account","token_uri":"https://evil.example.com/token"}`:                                                                                                                                "token_uri",
		`{"type":"service_account","token_uri":"http://oauth2.googleapis.com/token"}`:                                                                                                                            "token_uri",
		`{"type":"service_account","token_uri":"https://oauth2.googleapis.com.evil.com/token"}`:                                                                                                                  "token_uri",
		`{"type":"service_account","token_uri":"https://user@oauth2.googleapis.com/token"}`:                                                                                                                      "token_uri",
		`{"type":"service_account","token_uri":"https://oauth2.googleapis.com:8443/token"}`:                                                                                                                      "token_uri",
		`{"type":"service_account","universe_domain":"s3nsapis.fr","token_uri":"https://oauth2.googleapis.com/token"}`:                                                                                           "token_uri",
		`{"type":"authorized_user","token_uri":"https://127.0.0.1/token"}`:                                                                                                                                       "token_uri",
		`{"type":"external_account","token_url":"https://sts.evil.com/v1/token","credential_source":{"file":"/t"}}`:                                                                                              "token_url",
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","token_info_url":"https://evil.com/i","credential_source":{"file":"/t"}}`:                                                  "token_info_url",
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","service_account_impersonation_url":"https://iamcredentials.evil.com/x","credential_source":{"file":"/t"}}`:                "service_account_impersonation_url",
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"url":"http://169.254.169.254/computeMetadata/v1/"}}`:                                                 "credential_source.url",
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"executable":{"command":"/bin/sh -c id"}}}`:                                                           "executable",
		`{"type":"impersonated_service_account","service_account_impersonation_url":"https://evil.com/x","source_credentials":{"type":"authorized_user"}}`:                                                       "service_account_impersonation_url",
		`{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/x","source_credentials":{"type":"service_account","token_uri":"https://evil.com/t"}}`: "token_uri",
	}
	for c, field := range bad {
		err := checkCredentialURLs([]byte(c))
		if !errors.Is(err, ErrUntrustedURL) || !strings.Contains(err.Error(), field) || !strings.Contains(err.Error(), "allow_custom_credential_urls") {
			t.Errorf("checkCredentialURLs(%s) = %v, want ErrUntrustedURL naming %s and the opt-in", c, err, field)
		}
	}
}

// The refusal names the endpoint but never its user information, query or
// fragment, where a password or an API key may sit.
func TestCheckCredentialURLsShowsNoSecret(t *testing.T) {
	for _, c := range []string{
		`{"type":"service_account","token_uri":"https://user:pw-SECRET@evil.example.com/token?key=KEY-SECRET#FRAG-SECRET"}`,
		`{"type":"external_account","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"url":"https://u:pw-SECRET@evil.example.com/t?key=KEY-SECRET"}}`,
	} {
		err := checkCredentialURLs([]byte(c))
		if err == nil || !strings.Contains(err.Error(), "evil.example.com") {
			t.Fatalf("checkCredentialURLs(%s) = %v, want a refusal naming evil.example.com", c, err)
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("checkCredentialURLs refusal shows a secret part of the URL: %v", err)
		}
	}
}

// A key whose token_uri is the local fake is refused unless the user opts in.
func TestUntrustedKeyRefusedWithoutOptIn(t *testing.T) {
	f := newFixture(t)
	o := f.options(SourceCredentialsFile)
	o.AllowCustomURLs = false
	o.CredentialsFile = f.write("key.json", f.serviceAccount("sa@p.iam.gserviceaccount.com"))
	_, err := f.token(o)
	if !errors.Is(err, ErrUntrustedURL) {
		t.Fatalf("Token() = %v, want ErrUntrustedURL", err)
	}
	if f.g.Count("token") != 0 {
		t.Errorf("the untrusted token_uri received %d requests, want 0", f.g.Count("token"))
	}
}
