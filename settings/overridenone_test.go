package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOverrideNoImpersonation: config --registry=HOST
// --impersonate-service-account=none is stored as "none" (an empty value
// would mean "not overridden"), and For(HOST) then has no impersonation
// chain, whatever the settings file or the environment impersonate for
// every other host. "None" written by hand counts too; unsetting the flag
// removes the entry.
func TestOverrideNoImpersonation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	const gsa = "global@p.iam.gserviceaccount.com"
	if _, err := Update(path, false, Edit{Set: flags("impersonate-service-account"), Impersonate: gsa}); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(path, false, Edit{Registry: "gcr.io", Set: flags("impersonate-service-account"), Impersonate: " None "}); err != nil {
		t.Fatalf("Update(--registry=gcr.io --impersonate-service-account=none) = %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"impersonate_service_account": "none"`) {
		t.Errorf("settings file = %s, want gcr.io's override stored as \"none\"", raw)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, getenv := range map[string]func(string) string{
		"file":     env(nil),
		"variable": env(map[string]string{EnvImpersonate: "env@p.iam.gserviceaccount.com"}),
		"gcloud":   env(map[string]string{EnvGcloudImpersonate: "gcloud@p.iam.gserviceaccount.com"}),
	} {
		o := s.Overlay(getenv)
		h := o.For("https://gcr.io/v2/")
		if h.ImpersonateServiceAccount != "" {
			t.Errorf("%s: For(gcr.io).ImpersonateServiceAccount = %q, want none", name, h.ImpersonateServiceAccount)
		}
		if opts, err := h.TokenOptions(home); err != nil || opts.Impersonate != nil {
			t.Errorf("%s: TokenOptions(For(gcr.io)) = impersonate %q, %v; want none", name, opts.Impersonate, err)
		}
		if other := o.For("us-docker.pkg.dev"); other.ImpersonateServiceAccount == "" {
			t.Errorf("%s: For(us-docker.pkg.dev) lost the global impersonation", name)
		}
	}
	hand := &Settings{ImpersonateServiceAccount: gsa, RegistryOverrides: map[string]*Override{"gcr.io": {ImpersonateServiceAccount: "NONE"}}}
	if h := hand.For("gcr.io"); h.ImpersonateServiceAccount != "" {
		t.Errorf("For(gcr.io) with \"NONE\" written by hand = %q, want none", h.ImpersonateServiceAccount)
	}
	// Setting it empty is "not overridden" again: the entry goes.
	if s, err = Update(path, false, Edit{Registry: "gcr.io", Set: flags("impersonate-service-account")}); err != nil || len(s.RegistryOverrides) != 0 {
		t.Errorf("after --registry=gcr.io --impersonate-service-account='': overrides %q, %v; want none", s.Overridden(), err)
	}
	// Globally, none is no impersonation: nothing stored.
	if s, err = Update(path, false, Edit{Set: flags("impersonate-service-account"), Impersonate: "none"}); err != nil || s.ImpersonateServiceAccount != "" {
		t.Errorf("config --impersonate-service-account=none = %q, %v; want it unset", s.ImpersonateServiceAccount, err)
	}
}
