package token

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"
)

// TestGcloudImpersonatesOnce: gcloud's CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT
// is both gcloud's own property and, through the settings, the helper's
// impersonation chain. With the gcloud source, gcloud impersonates (its
// config-helper returns the service account's token), so the chain does
// not impersonate again: the helper's chain is handed to gcloud instead,
// in that variable, and overrides gcloud's own property as gcloud's
// --impersonate-service-account does. The cache key names what gcloud
// impersonated.
func TestGcloudImpersonatesOnce(t *testing.T) {
	f := newFixture(t)
	gcloud := f.standInGcloud()
	f.gcloudEnviron()
	const sa, d, tgt = "sa@p.iam.gserviceaccount.com", "d@p.iam.gserviceaccount.com", "t@p.iam.gserviceaccount.com"

	for _, tt := range []struct {
		name, env, property string
		chain               []string
		want, identity, key string
	}{
		{"gcloud's variable", sa, "", []string{sa}, "ya29.gcloud-me@example.com-as-" + sa, sa, sa},
		{"the helper's chain over gcloud's property", "", sa, []string{d, tgt}, "ya29.gcloud-me@example.com-as-" + d + "," + tgt, tgt, d + "," + tgt},
		{"gcloud's property alone", "", sa, nil, "ya29.gcloud-me@example.com-as-" + sa, sa, sa},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conf := "[core]\naccount = me@example.com\n"
			if tt.property != "" {
				conf += "[auth]\nimpersonate_service_account = " + tt.property + "\n"
			}
			f.write("gcloud/configurations/config_default", []byte(conf))
			t.Setenv("CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT", tt.env)
			o := f.cached(f.options(SourceGcloud))
			o.Cache.Dir = t.TempDir()
			o.Gcloud = gcloud
			o.Getenv = os.Getenv
			o.Impersonate = tt.chain // what the settings map gcloud's variable to
			f.g.ResetCounts()
			c, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := c.Token(t.Context(), DefaultUniverse)
			if err != nil || tok.AccessToken != tt.want || tok.Identity != tt.identity {
				t.Fatalf("Token() = %+v, %v; want gcloud's token %q as %s", tok, err, tt.want, tt.identity)
			}
			if n := f.g.Count("iam"); n != 0 {
				t.Errorf("the helper asked IAM Credentials %d time(s) on top of gcloud's impersonation, want 0", n)
			}
			s, _ := c.newSource(SourceGcloud)
			cs, err := s.resolve(t.Context(), &c.o, DefaultUniverse)
			if err != nil {
				t.Fatal(err)
			}
			if parts := c.keyParts(cs, DefaultUniverse); !slices.Contains(parts, "gcloud-impersonate="+tt.key) {
				t.Errorf("keyParts = %q, want gcloud-impersonate=%s", parts, tt.key)
			}
		})
	}
}

// TestBaseAlreadyTheTarget: a source whose credential already acts as the
// impersonation target (an impersonated_service_account file, written by
// `gcloud auth application-default login --impersonate-service-account`,
// with the same account in CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT) is
// not impersonated a second time: the account would have to be allowed to
// impersonate itself.
func TestBaseAlreadyTheTarget(t *testing.T) {
	f := newFixture(t)
	const tgt = "t@p.iam.gserviceaccount.com"
	user, err := f.g.NewAuthorizedUser("me@example.com")
	if err != nil {
		t.Fatal(err)
	}
	f.g.AllowImpersonation("me@example.com", tgt)
	file, _ := json.Marshal(map[string]any{
		"type":                              "impersonated_service_account",
		"service_account_impersonation_url": f.g.URL + "/v1/projects/-/serviceAccounts/" + tgt + ":generateAccessToken",
		"source_credentials":                json.RawMessage(user),
	})
	o := f.options(SourceCredentialsFile)
	o.CredentialsFile = f.write("imp.json", file)
	o.Impersonate = []string{tgt}
	tok, err := f.token(o)
	if err != nil {
		t.Fatalf("Token() = %v, want the file's token for %s", err, tgt)
	}
	if got, ok := f.g.Principal(tok.AccessToken); !ok || got != tgt {
		t.Errorf("Principal(token) = %q, %v; want %s", got, ok, tgt)
	}
	if n := f.g.Count("iam"); n != 1 {
		t.Errorf("IAM Credentials asked %d times, want once (the file's own impersonation)", n)
	}
}

// TestGcloudImpersonationRefusedHint: gcloud failing to impersonate gets
// the grant command for its account, not "run gcloud auth login".
func TestGcloudImpersonationRefusedHint(t *testing.T) {
	f := newFixture(t)
	gcloud := f.script("bin/gcloud", "#!/bin/sh\necho 'ERROR: (gcloud.config.config-helper) Failed to impersonate [sa@p.iam.gserviceaccount.com]. Make sure the account has roles/iam.serviceAccountTokenCreator.' >&2\nexit 1\n")
	f.write("gcloud/configurations/config_default", []byte("[core]\naccount = me@example.com\n"))
	o := f.options(SourceGcloud)
	o.Gcloud = gcloud
	o.Impersonate = []string{"sa@p.iam.gserviceaccount.com"}
	_, err := f.token(o)
	var ce *ChainError
	want := "gcloud iam service-accounts add-iam-policy-binding sa@p.iam.gserviceaccount.com --member=user:me@example.com --role=roles/iam.serviceAccountTokenCreator"
	if !errors.As(err, &ce) || ce.Hint() != want {
		t.Errorf("Token() = %v; want the hint %q", err, want)
	}
}
