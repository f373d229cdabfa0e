package settings

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRelativeOverridePathRefused: a relative credentials_file in a
// registry's override (a hand-edited settings file; config stores absolute
// paths) is refused like a relative global one, even while Google's
// GOOGLE_APPLICATION_CREDENTIALS is set for the command at hand: only the
// value that variable holds keeps its working-directory meaning, not one
// that came from the settings file, which would make a repository's own
// key.json the registry's identity on a docker pull inside it.
func TestRelativeOverridePathRefused(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "adc.json")
	s := &Settings{RegistryOverrides: map[string]*Override{"us-docker.pkg.dev": {CredentialsFile: "key.json"}}}
	for name, env := range map[string]map[string]string{
		"no variable":                             {},
		"GOOGLE_APPLICATION_CREDENTIALS":          {EnvGoogleCredentials: abs},
		"relative GOOGLE_APPLICATION_CREDENTIALS": {EnvGoogleCredentials: "other.json"},
	} {
		getenv := func(k string) string { return env[k] }
		_, err := s.Overlay(getenv).For("us-docker.pkg.dev").TokenOptions(getenv)
		if err == nil || !strings.Contains(err.Error(), "relative path") || !strings.Contains(err.Error(), "key.json") {
			t.Errorf("%s: TokenOptions(override credentials_file key.json) = %v, want the relative path refused", name, err)
		}
	}
	// Google's own variable, relative, still means the working directory.
	getenv := func(k string) string { return map[string]string{EnvGoogleCredentials: "other.json"}[k] }
	if o, err := (&Settings{}).Overlay(getenv).For("us-docker.pkg.dev").TokenOptions(getenv); err != nil || o.CredentialsFile != "other.json" {
		t.Errorf("TokenOptions(GOOGLE_APPLICATION_CREDENTIALS=other.json) = %q, %v; want it kept", o.CredentialsFile, err)
	}
}
