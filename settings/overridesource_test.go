package settings

import (
	"path/filepath"
	"testing"
)

// TestOverrideKeyWinsOverGlobalTokenFile: a registry's own credentials
// file is that registry's identity. The access-token file configured for
// every host (token_file, CLOUDSDK_AUTH_ACCESS_TOKEN_FILE) is first in the
// chain and would serve the host as the default identity instead, so it
// does not apply to a host whose override names a key; unless the override
// also orders the sources itself. Other hosts keep it.
func TestOverrideKeyWinsOverGlobalTokenFile(t *testing.T) {
	dir := t.TempDir()
	key, tokenFile := filepath.Join(dir, "eu-key.json"), filepath.Join(dir, "token.txt")
	const eu, us = "europe-west1-docker.pkg.dev", "us-docker.pkg.dev"
	s := &Settings{RegistryOverrides: map[string]*Override{
		eu: {CredentialsFile: key},
		us: {CredentialsFile: key, TokenSources: []string{"token-file", "credentials-file"}},
	}}
	for name, env := range map[string]map[string]string{
		"setting":  {},
		"variable": {EnvGcloudTokenFile: tokenFile},
	} {
		base := *s
		if name == "setting" {
			base.TokenFile = tokenFile
		}
		getenv := func(k string) string { return env[k] }
		o := base.Overlay(getenv)
		if h := o.For(eu); h.TokenFile != "" || h.CredentialsFile != key {
			t.Errorf("%s: For(%s) = token file %q, credentials %q; want no token file, %q", name, eu, h.TokenFile, h.CredentialsFile, key)
		}
		if h := o.For(us); h.TokenFile != tokenFile {
			t.Errorf("%s: For(%s) with its own token_sources = token file %q, want %q kept", name, us, h.TokenFile, tokenFile)
		}
		if h := o.For("gcr.io"); h.TokenFile != tokenFile {
			t.Errorf("%s: For(gcr.io) = token file %q, want %q", name, h.TokenFile, tokenFile)
		}
	}
}
