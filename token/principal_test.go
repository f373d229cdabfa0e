package token

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The cache key covers everything that decides the principal: logging in
// again as someone else never gets the previous principal's cached token.

func (f *fixture) cached(o Options) Options {
	o.Cache = CacheOptions{Dir: filepath.Join(f.dir, "cache")}
	return o
}

func TestCachePrincipalChangeADC(t *testing.T) {
	f := newFixture(t)
	o := f.cached(f.options(SourceADC))
	for _, who := range []string{"alice@example.com", "bob@example.com"} {
		adc, err := f.g.NewAuthorizedUser(who)
		if err != nil {
			t.Fatal(err)
		}
		f.write("gcloud/application_default_credentials.json", adc) // gcloud auth application-default login
		tok, err := f.token(o)
		if err != nil {
			t.Fatalf("Token() after logging in as %s = %v", who, err)
		}
		if p, _ := f.g.Principal(tok.AccessToken); p != who {
			t.Errorf("Token() after logging in as %s = a token of %q, want %s's", who, p, who)
		}
	}
}

// An external_account file stays the same while the subject token it names
// changes (another workload, another CI job).
func TestCachePrincipalChangeExternalAccount(t *testing.T) {
	f := newFixture(t)
	cred, err := f.g.NewExternalAccount("alice@p.iam.gserviceaccount.com", f.dir)
	if err != nil {
		t.Fatal(err)
	}
	o := f.cached(f.options(SourceCredentialsFile))
	o.CredentialsFile = f.write("wif.json", cred)
	tok, err := f.token(o)
	if p, _ := f.g.Principal(tok.AccessToken); err != nil || p != "alice@p.iam.gserviceaccount.com" {
		t.Fatalf("Token() = %q, %v, want alice's token", p, err)
	}
	bob, err := f.g.NewExternalAccount("bob@p.iam.gserviceaccount.com", f.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(subjectFile(t, cred), mustRead(t, subjectFile(t, bob)), 0o600); err != nil {
		t.Fatal(err)
	}
	tok, err = f.token(o)
	if p, _ := f.g.Principal(tok.AccessToken); err != nil || p != "bob@p.iam.gserviceaccount.com" {
		t.Errorf("Token() after the subject token became bob's = a token of %q (%v), want bob's", p, err)
	}
}

func subjectFile(t *testing.T, cred []byte) string {
	var c struct {
		CredentialSource struct {
			File string `json:"file"`
		} `json:"credential_source"`
	}
	if err := json.Unmarshal(cred, &c); err != nil || c.CredentialSource.File == "" {
		t.Fatalf("no credential_source.file in %s", cred)
	}
	return c.CredentialSource.File
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// standInGcloud prints config-helper JSON whose token names the account and
// the impersonated service account gcloud would use, read as gcloud reads
// them: the environment, else the active configuration's file.
const standInGcloud = `#!/bin/sh
[ "$1 $2 $3" = 'config config-helper --format=json' ] || { echo unexpected args >&2; exit 2; }
cfg=$CLOUDSDK_CONFIG
name=${CLOUDSDK_ACTIVE_CONFIG_NAME:-$(cat "$cfg/active_config" 2>/dev/null)}
name=${name:-default}
prop() { sed -n "/^\[$1\]/,/^\[/s/^$2 *= *//p" "$cfg/configurations/config_$name" | head -n 1; }
acct=${CLOUDSDK_CORE_ACCOUNT:-$(prop core account)}
imp=${CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT:-$(prop auth impersonate_service_account)}
printf '{"configuration":{"active_configuration":"%s","properties":{"core":{"account":"%s"}}},"credential":{"access_token":"ya29.gcloud-%s-as-%s","token_expiry":"2099-01-01T00:00:00Z"}}\n' "$name" "$acct" "$acct" "$imp"
`

// standInGcloud writes the stand-in gcloud into the fixture and returns its
// path.
func (f *fixture) standInGcloud() string { return f.script("bin/gcloud", standInGcloud) }

// script writes an executable shell script under the fixture's dir (the
// test skips on Windows) and returns its path.
func (f *fixture) script(name, body string) string {
	f.t.Helper()
	if runtime.GOOS == "windows" {
		f.t.Skip("SKIP: the stand-in gcloud is a shell script")
	}
	p := f.write(name, []byte(body))
	if err := os.Chmod(p, 0o755); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// gcloudEnviron points gcloud's own variables at the fixture: gcloud reads
// the real environment, so the chain does too in these tests.
func (f *fixture) gcloudEnviron() {
	f.t.Setenv("CLOUDSDK_CONFIG", filepath.Join(f.dir, "gcloud"))
	f.t.Setenv("CLOUDSDK_ACTIVE_CONFIG_NAME", "")
	f.t.Setenv("CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT", "")
	f.t.Setenv("CLOUDSDK_CORE_ACCOUNT", "")
}

func TestCachePrincipalChangeGcloud(t *testing.T) {
	f := newFixture(t)
	gcloud := f.standInGcloud()
	f.gcloudEnviron()
	o := f.cached(f.options(SourceGcloud))
	o.Gcloud = gcloud
	o.Getenv = os.Getenv

	for _, step := range []struct {
		name, config, env, active, want string
	}{
		{"plain", "[core]\naccount = me@example.com\n", "", "", "ya29.gcloud-me@example.com-as-"},
		{"impersonation in the configuration", "[core]\naccount = me@example.com\n[auth]\nimpersonate_service_account = a@p.iam.gserviceaccount.com\n", "", "",
			"ya29.gcloud-me@example.com-as-a@p.iam.gserviceaccount.com"},
		{"another impersonation", "[core]\naccount = me@example.com\n[auth]\nimpersonate_service_account = b@p.iam.gserviceaccount.com\n", "", "",
			"ya29.gcloud-me@example.com-as-b@p.iam.gserviceaccount.com"},
		{"impersonation in the environment", "[core]\naccount = me@example.com\n[auth]\nimpersonate_service_account = b@p.iam.gserviceaccount.com\n", "c@p.iam.gserviceaccount.com", "",
			"ya29.gcloud-me@example.com-as-c@p.iam.gserviceaccount.com"},
		{"another configuration", "[core]\naccount = me@example.com\n", "", "work", "ya29.gcloud-me@example.com-as-w@p.iam.gserviceaccount.com"},
	} {
		f.write("gcloud/configurations/config_default", []byte(step.config))
		f.write("gcloud/configurations/config_work", []byte("[core]\naccount = me@example.com\n[auth]\nimpersonate_service_account = w@p.iam.gserviceaccount.com\n"))
		t.Setenv("CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT", step.env)
		f.write("gcloud/active_config", []byte(step.active))
		tok, err := f.token(o)
		if err != nil || tok.AccessToken != step.want {
			got := ""
			if tok != nil {
				got = tok.AccessToken
			}
			t.Errorf("%s: Token() = %q, %v; want %q", step.name, got, err, step.want)
		}
	}
}

// TestCacheKeyParts: what the chain puts in the cache key for each source,
// and that the cache file it writes is named by exactly that.
func TestCacheKeyParts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	wif, err := f.g.NewExternalAccount("alice@p.iam.gserviceaccount.com", f.dir)
	if err != nil {
		t.Fatal(err)
	}
	subjectPath := subjectFile(t, wif)
	subject := mustRead(t, subjectPath)
	adc, _ := f.g.NewAuthorizedUser("me@example.com")
	gcloud := f.standInGcloud()
	f.write("gcloud/configurations/config_work", []byte("[core]\naccount = me@example.com\n[auth]\nimpersonate_service_account = sa@p.iam.gserviceaccount.com\n"))
	f.env["CLOUDSDK_ACTIVE_CONFIG_NAME"] = "work"
	gcloudDir := filepath.Join(f.dir, "gcloud")

	o := f.cached(f.options())
	o.CredentialsFile = f.write("wif.json", wif)
	f.write("gcloud/application_default_credentials.json", adc)
	o.Gcloud = gcloud
	o.Impersonate = []string{"d@p.iam.gserviceaccount.com", "t@p.iam.gserviceaccount.com"}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	tail := []string{"impersonate=d@p.iam.gserviceaccount.com,t@p.iam.gserviceaccount.com", "scope=" + Scope, "universe=googleapis.com"}
	for _, tt := range []struct {
		source string
		want   []string
	}{
		{SourceCredentialsFile, []string{"file=" + digest("credential file", wif), "subject=file:" + digest("subject token file", []byte(subjectPath), subject)}},
		{SourceADC, []string{"file=" + digest("credential file", adc)}},
		// gcloud impersonates the helper's chain, which overrides its property.
		{SourceGcloud, []string{"gcloud-config=" + gcloudDir, "gcloud-configuration=work", "account=me@example.com", "gcloud-impersonate=d@p.iam.gserviceaccount.com,t@p.iam.gserviceaccount.com"}},
		{SourceMetadata, []string{"account=default"}},
	} {
		s, _ := c.newSource(tt.source)
		cs, err := s.resolve(ctx, &c.o, DefaultUniverse)
		if err != nil {
			t.Fatalf("%s: resolve = %v", tt.source, err)
		}
		got := c.keyParts(cs, DefaultUniverse)
		want := append(append([]string{"v2", "source=" + tt.source}, tt.want...), tail...)
		if !slices.Equal(got, want) {
			t.Errorf("keyParts(%s) =\n  %q\nwant\n  %q", tt.source, got, want)
		}
		for _, p := range got {
			for _, secret := range append(f.g.Secrets(), string(subject)) {
				if strings.Contains(p, secret) {
					t.Errorf("keyParts(%s) holds a secret in clear (%d chars)", tt.source, len(secret))
				}
			}
		}
	}

	// The chain names the cache file by those parts: the credentials-file
	// source serves (as alice, then impersonating), and its file is there.
	f.g.AllowImpersonation("alice@p.iam.gserviceaccount.com", "d@p.iam.gserviceaccount.com")
	f.g.AllowImpersonation("d@p.iam.gserviceaccount.com", "t@p.iam.gserviceaccount.com")
	if _, err := c.Token(ctx, DefaultUniverse); err != nil {
		t.Fatalf("Token() = %v", err)
	}
	want := cacheKey(append([]string{"v2", "source=" + SourceCredentialsFile, "file=" + digest("credential file", wif),
		"subject=file:" + digest("subject token file", []byte(subjectPath), subject)}, tail...)...) + ".json"
	files, _ := filepath.Glob(filepath.Join(o.Cache.Dir, "*.json"))
	if len(files) != 1 || filepath.Base(files[0]) != want {
		t.Errorf("cache files = %v, want one named %s", files, want)
	}
}
