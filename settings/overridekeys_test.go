package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOverrideKeysNormalised: registry_overrides written by hand ("EU-docker.pkg.dev",
// "https://eu-docker.pkg.dev/", "eu-docker.pkg.dev.") apply to the host docker
// sends, as config --registry writes them, instead of silently leaving the
// host to the default identity; two keys for one host are refused, naming
// both, rather than one picked at random.
func TestOverrideKeysNormalised(t *testing.T) {
	const eu = "europe-west1-docker.pkg.dev"
	load := func(t *testing.T, js string) (*Settings, error) {
		path := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(path, []byte(js), 0o600); err != nil {
			t.Fatal(err)
		}
		return Load(path)
	}
	for _, key := range []string{"EUROPE-west1-docker.pkg.dev", "https://" + eu + "/", eu + ".", " " + eu} {
		s, err := load(t, `{"registry_overrides":{"`+key+`":{"impersonate_service_account":"eu@p.iam.gserviceaccount.com"}}}`)
		if err != nil {
			t.Fatalf("Load(override %q) = %v", key, err)
		}
		if got := s.For(eu).ImpersonateServiceAccount; got != "eu@p.iam.gserviceaccount.com" {
			t.Errorf("override %q: For(%s) impersonates %q, want eu@p.iam.gserviceaccount.com", key, eu, got)
		}
	}
	_, err := load(t, `{"registry_overrides":{"`+eu+`":{"impersonate_service_account":"a@p.iam.gserviceaccount.com"},"HTTPS://`+strings.ToUpper(eu)+`":{"impersonate_service_account":"b@p.iam.gserviceaccount.com"}}}`)
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("Load(two overrides of one host) = %v, want a refusal", err)
	}
}
