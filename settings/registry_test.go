package settings

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func flags(names ...string) func(string) bool {
	return func(f string) bool {
		for _, n := range names {
			if n == f {
				return true
			}
		}
		return false
	}
}

// TestRegistryOverrides: config --registry=HOST records a host's own
// identity; For(host) lays it over the settings, matching the exact
// host[:port] in any form docker sends; --unset-all with --registry
// removes only that host's.
func TestRegistryOverrides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	const eu, us = "europe-west1-docker.pkg.dev", "us-docker.pkg.dev"
	key := filepath.Join(t.TempDir(), "us-key.json")
	if _, err := Update(path, false, Edit{Set: flags("impersonate-service-account"), Impersonate: "global@p.iam.gserviceaccount.com"}); err != nil {
		t.Fatal(err)
	}
	for _, e := range []Edit{
		{Registry: "https://" + strings.ToUpper(eu) + "/v1/", Set: flags("impersonate-service-account"), Impersonate: "eu-pusher@eu.iam.gserviceaccount.com"},
		{Registry: us, Set: flags("credentials-file", "token-source"), CredentialsFile: key, TokenSource: "credentials-file"},
		{Registry: "u-france-east1-docker.s3nsregistry.fr", Set: flags("workload-identity-provider"), Provider: "//iam.s3nsapis.fr/projects/987654321098/locations/global/workloadIdentityPools/ci-pool/providers/github"},
	} {
		if _, err := Update(path, false, e); err != nil {
			t.Fatalf("Update(%+v) = %v", e, err)
		}
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Overridden(), []string{eu, "u-france-east1-docker.s3nsregistry.fr", us}; !reflect.DeepEqual(got, want) {
		t.Errorf("Overridden() = %q, want %q", got, want)
	}
	// The environment's impersonation is the default; a host's own wins.
	s = s.Overlay(env(map[string]string{EnvImpersonate: "env@p.iam.gserviceaccount.com"}))
	for _, tt := range []struct {
		host, impersonate, creds string
		sources                  []string
	}{
		{eu, "eu-pusher@eu.iam.gserviceaccount.com", "", nil},
		{"https://europe-west1-docker.pkg.dev/v2/my-project/repo", "eu-pusher@eu.iam.gserviceaccount.com", "", nil},
		{eu + ":443", "env@p.iam.gserviceaccount.com", "", nil}, // exact host[:port]
		{us, "env@p.iam.gserviceaccount.com", key, []string{"credentials-file"}},
		{"gcr.io", "env@p.iam.gserviceaccount.com", "", nil},
		{"", "env@p.iam.gserviceaccount.com", "", nil},
	} {
		h := s.For(tt.host)
		if h.ImpersonateServiceAccount != tt.impersonate || h.CredentialsFile != tt.creds || !reflect.DeepEqual(h.TokenSources, tt.sources) {
			t.Errorf("For(%q) = impersonate %q, credentials %q, sources %q; want %q, %q, %q", tt.host, h.ImpersonateServiceAccount, h.CredentialsFile, h.TokenSources, tt.impersonate, tt.creds, tt.sources)
		}
	}
	if o, err := s.For("u-france-east1-docker.s3nsregistry.fr").TokenOptions(home); err != nil || !strings.HasPrefix(o.WorkloadProvider, "//iam.s3nsapis.fr/") {
		t.Errorf("TokenOptions(For(s3ns host)) = provider %q, %v", o.WorkloadProvider, err)
	}
	if s.For(eu) == s || s.For("gcr.io") != s {
		t.Error("For returns a copy for a host with an override and the settings themselves otherwise")
	}

	if s, err = Update(path, true, Edit{Registry: eu}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.RegistryOverrides[eu]; ok || len(s.RegistryOverrides) != 2 || s.ImpersonateServiceAccount != "global@p.iam.gserviceaccount.com" {
		t.Errorf("after --registry=%s --unset-all: overrides %v, impersonate %q; want the two others and the global setting kept", eu, s.Overridden(), s.ImpersonateServiceAccount)
	}
	// Unsetting a host's last field removes its entry.
	if s, err = Update(path, false, Edit{Registry: "u-france-east1-docker.s3nsregistry.fr", Set: flags("workload-identity-provider")}); err != nil {
		t.Fatal(err)
	}
	if got := s.Overridden(); !reflect.DeepEqual(got, []string{us}) {
		t.Errorf("overrides after emptying one = %q, want [%s]", got, us)
	}
}

// TestRegistryOverrideRefusals: a host that is not a Google registry, a
// flag that cannot be set per registry, a bad provider or source name.
func TestRegistryOverrideRefusals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	for _, tt := range []struct {
		name string
		e    Edit
		want string
	}{
		{"not Google", Edit{Registry: "docker.io", Set: flags("impersonate-service-account"), Impersonate: "a@b"}, "not a Google registry"},
		{"bad host", Edit{Registry: "gcr.io:xx", Set: flags("impersonate-service-account"), Impersonate: "a@b"}, "--registry=gcr.io:xx"},
		{"global-only flag", Edit{Registry: "gcr.io", Set: flags("metadata-account"), MetadataAccount: "x"}, "--metadata-account cannot be set per registry"},
		{"bad provider", Edit{Registry: "gcr.io", Set: flags("workload-identity-provider"), Provider: "projects/my-project/locations/global/workloadIdentityPools/ci-pool/providers/github"}, "project number"},
		{"bad source", Edit{Registry: "gcr.io", Set: flags("token-source"), TokenSource: "magic"}, "unknown token source"},
		{"bad global provider", Edit{Set: flags("workload-identity-provider"), Provider: "https://iam.googleapis.com/projects/1/x"}, "--workload-identity-provider"},
	} {
		if _, err := Update(path, false, tt.e); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Update() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	// A host registered with configure-docker --allow-custom-host may have
	// an identity of its own.
	if err := Modify(path, func(s *Settings) error { s.Registries = []string{"registry.example.com:5000"}; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(path, false, Edit{Registry: "registry.example.com:5000", Set: flags("impersonate-service-account"), Impersonate: "a@p.iam.gserviceaccount.com"}); err != nil {
		t.Errorf("override of a registered custom host = %v", err)
	}
}

// TestOIDCSettings: the oidc source's settings, from the file and the
// environment, reach the chain's options.
func TestOIDCSettings(t *testing.T) {
	file := &Settings{WorkloadIdentityProvider: "projects/1/locations/global/workloadIdentityPools/ci-pool/providers/github", OIDCAudience: "file-aud"}
	s := file.Overlay(env(map[string]string{EnvOIDCAudience: "env-aud", EnvOIDCTokenEnv: "GCP_ID_TOKEN", EnvOIDCTokenFile: "/run/token"}))
	o, err := s.TokenOptions(home)
	if err != nil {
		t.Fatal(err)
	}
	if o.WorkloadProvider != file.WorkloadIdentityProvider || o.OIDCAudience != "env-aud" || o.OIDCTokenEnv != "GCP_ID_TOKEN" || o.OIDCTokenFile != "/run/token" {
		t.Errorf("TokenOptions() = provider %q, audience %q, env %q, file %q", o.WorkloadProvider, o.OIDCAudience, o.OIDCTokenEnv, o.OIDCTokenFile)
	}
	s = file.Overlay(env(map[string]string{EnvProvider: "//iam.s3nsapis.fr/projects/2/locations/global/workloadIdentityPools/p-ool/providers/prov"}))
	if s.WorkloadIdentityProvider != "//iam.s3nsapis.fr/projects/2/locations/global/workloadIdentityPools/p-ool/providers/prov" {
		t.Errorf("the variable does not override the file: %q", s.WorkloadIdentityProvider)
	}
}
