package token

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// fixture is a fake Google and an isolated environment.
type fixture struct {
	t   *testing.T
	g   *fakegoogle.Server
	dir string
	env map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	g, err := fakegoogle.New(fakegoogle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	dir := t.TempDir()
	f := &fixture{t: t, g: g, dir: dir, env: map[string]string{
		"HOME":            dir,
		"CLOUDSDK_CONFIG": filepath.Join(dir, "gcloud"),
	}}
	// Never probe the real metadata server: point it at the fake.
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(g.URL, "http://"))
	f.env["GCE_METADATA_HOST"] = strings.TrimPrefix(g.URL, "http://")
	return f
}

func (f *fixture) write(name string, data []byte) string {
	f.t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) options(sources ...string) Options {
	if len(sources) == 0 {
		sources = nil
	}
	return Options{
		Sources:     sources,
		Getenv:      func(k string) string { return f.env[k] },
		IAMEndpoint: f.g.URL,
		Gcloud:      filepath.Join(f.dir, "no-gcloud"),
		// The fake's endpoints are on 127.0.0.1, not Google's hosts.
		AllowCustomURLs: true,
	}
}

// token asks the chain of o for a token of any universe.
func (f *fixture) token(o Options) (*Token, error) {
	f.t.Helper()
	return f.tokenFor(o, "")
}

// tokenFor asks the chain of o for a token for a registry of universe.
func (f *fixture) tokenFor(o Options, universe string) (*Token, error) {
	f.t.Helper()
	c, err := New(o)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return c.Token(context.Background(), universe)
}

func (f *fixture) serviceAccount(email string) []byte {
	f.t.Helper()
	key, err := f.g.NewServiceAccount(email)
	if err != nil {
		f.t.Fatal(err)
	}
	return key
}

// wantPrincipal asserts that t is a live token of the fake for email.
func (f *fixture) wantPrincipal(tok *Token, err error, email string) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("Token() error = %v, want a token for %s", err, email)
	}
	if got, ok := f.g.Principal(tok.AccessToken); !ok || got != email {
		f.t.Fatalf("Principal(token) = %q, %v, want %q, true", got, ok, email)
	}
	if tok.Identity != email {
		f.t.Errorf("Token().Identity = %q, want %q", tok.Identity, email)
	}
}

func TestCredentialsFileServiceAccount(t *testing.T) {
	f := newFixture(t)
	key := f.serviceAccount("sa@p.iam.gserviceaccount.com")
	for name, data := range map[string][]byte{
		"raw":         key,
		"base64":      []byte(base64.StdEncoding.EncodeToString(key)),
		"base64-wrap": []byte(wrap(base64.StdEncoding.EncodeToString(key), 76) + "\n"),
		"base64url":   []byte(base64.RawURLEncoding.EncodeToString(key)),
	} {
		t.Run(name, func(t *testing.T) {
			o := f.options(SourceCredentialsFile)
			o.CredentialsFile = f.write(name+".json", data)
			tok, err := f.token(o)
			f.wantPrincipal(tok, err, "sa@p.iam.gserviceaccount.com")
			if tok.Source != SourceCredentialsFile || tok.Universe != DefaultUniverse || tok.Expiry.IsZero() {
				t.Errorf("Token() = source %q universe %q expiry %v, want %q %q non-zero", tok.Source, tok.Universe, tok.Expiry, SourceCredentialsFile, DefaultUniverse)
			}
		})
	}
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

func TestADCAuthorizedUser(t *testing.T) {
	f := newFixture(t)
	adc, err := f.g.NewAuthorizedUser("dev@example.com")
	if err != nil {
		t.Fatal(err)
	}
	f.write("gcloud/application_default_credentials.json", adc)
	tok, err := f.token(f.options())
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	if got, ok := f.g.Principal(tok.AccessToken); !ok || got != "dev@example.com" {
		t.Fatalf("Principal(token) = %q, %v, want dev@example.com", got, ok)
	}
	if tok.Source != SourceADC {
		t.Errorf("Token().Source = %q, want %q", tok.Source, SourceADC)
	}
}

func TestExternalAccount(t *testing.T) {
	f := newFixture(t)
	cred, err := f.g.NewExternalAccount("wif@p.iam.gserviceaccount.com", f.dir)
	if err != nil {
		t.Fatal(err)
	}
	o := f.options(SourceCredentialsFile)
	o.CredentialsFile = f.write("wif.json", cred)
	tok, err := f.token(o)
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	if got, ok := f.g.Principal(tok.AccessToken); !ok || got != "wif@p.iam.gserviceaccount.com" {
		t.Fatalf("Principal(token) = %q, %v, want wif@p.iam.gserviceaccount.com", got, ok)
	}
	if f.g.Count("sts") != 1 {
		t.Errorf("Count(sts) = %d, want 1", f.g.Count("sts"))
	}
}

func TestMetadata(t *testing.T) {
	f := newFixture(t)
	f.g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	tok, err := f.token(f.options())
	f.wantPrincipal(tok, err, "vm@p.iam.gserviceaccount.com")
	if tok.Source != SourceMetadata {
		t.Errorf("Token().Source = %q, want metadata", tok.Source)
	}

	o := f.options(SourceMetadata)
	o.MetadataAccount = "other@p.iam.gserviceaccount.com"
	_, err = f.token(o)
	if err == nil || !strings.Contains(err.Error(), "no service account") {
		t.Errorf("Token() for an unknown metadata account error = %v, want 'no service account'", err)
	}
}

func TestTokenFile(t *testing.T) {
	f := newFixture(t)
	o := f.options(SourceTokenFile, SourceMetadata)
	o.TokenFile = f.write("token", []byte("ya29.from-file\n"))
	tok, err := f.token(o)
	if err != nil || tok.AccessToken != "ya29.from-file" || tok.Source != SourceTokenFile {
		t.Fatalf("Token() = %+v, %v, want the file's token", tok, err)
	}
	o.TokenFile = f.write("empty", []byte("\n"))
	o.Sources = []string{SourceTokenFile}
	if _, err := f.token(o); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("Token() with an empty token file error = %v, want 'is empty'", err)
	}
}

func TestOrderAndUniverse(t *testing.T) {
	f := newFixture(t)
	f.g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	o := f.options()
	o.CredentialsFile = f.write("key.json", f.serviceAccount("sa@p.iam.gserviceaccount.com"))
	tok, err := f.token(o)
	f.wantPrincipal(tok, err, "sa@p.iam.gserviceaccount.com")

	// A key of another universe is never used for a googleapis.com registry:
	// the chain moves on to the metadata server.
	s3ns, err := fakegoogle.New(fakegoogle.Options{Universe: "s3nsapis.fr"})
	if err != nil {
		t.Fatal(err)
	}
	defer s3ns.Close()
	key, err := s3ns.NewServiceAccount("sa@p.s3ns.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	o.CredentialsFile = f.write("s3ns.json", key)
	tok, err = f.tokenFor(o, DefaultUniverse)
	f.wantPrincipal(tok, err, "vm@p.iam.gserviceaccount.com")
	if s3ns.Count("token") != 0 {
		t.Errorf("the s3ns token endpoint got %d requests, want 0", s3ns.Count("token"))
	}

	o.Sources = []string{SourceCredentialsFile}
	tok, err = f.tokenFor(o, "s3nsapis.fr")
	if err != nil || tok.Universe != "s3nsapis.fr" {
		t.Fatalf("Token() for s3ns = %v, want a token of universe s3nsapis.fr", err)
	}
	if got, ok := s3ns.Principal(tok.AccessToken); !ok || got != "sa@p.s3ns.iam.gserviceaccount.com" {
		t.Errorf("s3ns Principal(token) = %q, %v", got, ok)
	}
}

func TestImpersonation(t *testing.T) {
	f := newFixture(t)
	f.g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	f.g.AllowImpersonation("vm@p.iam.gserviceaccount.com", "d1@p.iam.gserviceaccount.com")
	f.g.AllowImpersonation("d1@p.iam.gserviceaccount.com", "target@p.iam.gserviceaccount.com")
	f.g.AllowImpersonation("vm@p.iam.gserviceaccount.com", "direct@p.iam.gserviceaccount.com")

	o := f.options(SourceMetadata)
	o.Impersonate = []string{"direct@p.iam.gserviceaccount.com"}
	tok, err := f.token(o)
	f.wantPrincipal(tok, err, "direct@p.iam.gserviceaccount.com")

	o.Impersonate = []string{"d1@p.iam.gserviceaccount.com", "target@p.iam.gserviceaccount.com"}
	tok, err = f.token(o)
	f.wantPrincipal(tok, err, "target@p.iam.gserviceaccount.com")

	o.Impersonate = []string{"target@p.iam.gserviceaccount.com"} // no delegate: refused
	_, err = f.token(o)
	var ce *ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("Token() error = %v, want a *ChainError", err)
	}
	msg := err.Error()
	for _, want := range []string{"roles/iam.serviceAccountTokenCreator", "target@p.iam.gserviceaccount.com", "vm@p.iam.gserviceaccount.com"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refused impersonation error = %q, want it to name %q", msg, want)
		}
	}
	if !strings.Contains(ce.Hint(), "add-iam-policy-binding") {
		t.Errorf("Hint() = %q, want the add-iam-policy-binding command", ce.Hint())
	}
}

func TestGcloudSource(t *testing.T) {
	f := newFixture(t)
	// A stand-in gcloud on PATH that prints config-helper JSON: the real one
	// cannot mint a token without a Google login (its metadata path is
	// covered by the e2e suite).
	script := "#!/bin/sh\n" +
		"[ \"$1 $2 $3\" = 'config config-helper --format=json' ] || { echo unexpected args >&2; exit 2; }\n" +
		"cat <<'J'\n" +
		`{"configuration":{"active_configuration":"default","properties":{"core":{"account":"me@example.com"}}},` +
		`"credential":{"access_token":"ya29.gcloud","token_expiry":"2099-01-01T00:00:00Z"}}` + "\nJ\n"
	gcloud := f.script("bin/gcloud", script)
	f.write("gcloud/configurations/config_default", []byte("[core]\naccount = me@example.com\n"))
	o := f.options(SourceGcloud)
	o.Gcloud = gcloud
	tok, err := f.token(o)
	if err != nil || tok.AccessToken != "ya29.gcloud" || tok.Identity != "me@example.com" || tok.Expiry.Year() != 2099 {
		t.Fatalf("Token() = %+v, %v, want gcloud's token for me@example.com", tok, err)
	}
	if g, err := readGcloudConfig(context.Background(), &o); err != nil || g.account != "me@example.com" {
		t.Errorf("readGcloudConfig() = %+v, %v, want account me@example.com", g, err)
	}

	failing := f.script("bin/gcloud-fail", "#!/bin/sh\necho 'ERROR: (gcloud.config.config-helper) You do not currently have an active account selected.' >&2\nexit 1\n")
	o.Gcloud = failing
	_, err = f.token(o)
	if err == nil || !strings.Contains(err.Error(), "You do not currently have an active account") || !strings.Contains(err.Error(), "gcloud auth login") {
		t.Errorf("Token() with a failing gcloud error = %v, want gcloud's stderr and `gcloud auth login`", err)
	}
}

func TestAllFail(t *testing.T) {
	f := newFixture(t)
	o := f.options() // nothing configured; the fake metadata server has no such account
	o.MetadataAccount = "nobody"
	_, err := f.token(o)
	var ce *ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("Token() error = %v, want *ChainError", err)
	}
	if len(ce.Failures) != len(DefaultSources) {
		t.Errorf("ChainError has %d failures, want %d: %v", len(ce.Failures), len(DefaultSources), err)
	}
	for _, s := range DefaultSources {
		if !strings.Contains(err.Error(), "\n  "+s+": ") {
			t.Errorf("error %q does not list source %s", err, s)
		}
	}
	if !strings.Contains(err.Error(), "next step: ") {
		t.Errorf("error %q has no next step", err)
	}
}

func TestBadCredentialFiles(t *testing.T) {
	f := newFixture(t)
	key := f.serviceAccount("sa@p.iam.gserviceaccount.com")
	unknown := strings.Replace(string(key), `"service_account"`, `"magic_account"`, 1)
	tests := map[string]struct {
		data []byte
		want string
	}{
		"not json":       {[]byte("hello, world!"), "neither JSON nor base64"},
		"base64 garbage": {[]byte(base64.StdEncoding.EncodeToString([]byte("garbage!"))), "does not decode to a JSON object"},
		"empty":          {nil, "empty credential file"},
		"broken json":    {[]byte(`{"type": "service_account",`), "invalid JSON"},
		"unknown type":   {[]byte(unknown), `unsupported credential type "magic_account"`},
		"no type":        {[]byte(`{"client_email":"x"}`), `no "type" field`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			o := f.options(SourceCredentialsFile)
			o.CredentialsFile = f.write(strings.ReplaceAll(name, " ", "-"), tt.data)
			_, err := f.token(o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Token() error = %v, want it to contain %q", err, tt.want)
			}
			for _, s := range f.g.Secrets() {
				if err != nil && strings.Contains(err.Error(), s) {
					t.Errorf("error leaks a secret of the fake (%d chars)", len(s))
				}
			}
		})
	}
}
