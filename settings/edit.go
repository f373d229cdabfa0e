package settings

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// SourceStore names the stored credentials (docker login through this
// helper) in the existing helper's --token-source list.
const SourceStore = "store"

// aliases are the existing helper's --token-source names.
var aliases = map[string][]string{
	"env": {token.SourceTokenFile, token.SourceCredentialsFile, token.SourceOIDC, token.SourceADC, token.SourceMetadata},
}

// SourceHelp describes the valid source names.
func SourceHelp() string {
	return strings.Join(append(append([]string{}, token.DefaultSources...), "env", SourceStore), ", ") +
		" (env = token-file, credentials-file, oidc, adc, metadata; store = credentials saved by docker login)"
}

// MapSourceNames expands the existing helper's names into the chain's and
// drops "store" (stored credentials are consulted before the chain). An
// unknown name is an error listing the valid ones.
func MapSourceNames(names []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		switch {
		case n == SourceStore:
		case aliases[n] != nil:
			for _, a := range aliases[n] {
				add(a)
			}
		case isSource(n):
			add(n)
		default:
			return nil, fmt.Errorf("unknown token source %q; valid: %s", n, SourceHelp())
		}
	}
	if names != nil && out == nil {
		out = []string{} // only "store": no token source at all
	}
	return out, nil
}

func isSource(n string) bool {
	for _, s := range token.DefaultSources {
		if s == n {
			return true
		}
	}
	return false
}

// Edit is a change to the settings file; Set reports which fields were given.
type Edit struct {
	Set             func(flag string) bool
	TokenSource     string
	TokenFile       string
	CredentialsFile string
	Impersonate     string
	MetadataAccount string
	Universe        string
	Provider        string // --workload-identity-provider
	OIDCAudience    string
	// Registry, when set, makes the edit that registry's override
	// (Settings.For): only the flags of perRegistryFlags, and unsetAll
	// removes only that registry's override.
	Registry string
}

// Update applies e (after clearing everything when unsetAll) to the settings
// file at path under a lock, writes it atomically (0600 in a 0700 dir) and
// returns the result. An edit that changes nothing writes nothing.
func Update(path string, unsetAll bool, e Edit) (*Settings, error) {
	var out *Settings
	if e.Set == nil {
		e.Set = func(string) bool { return false }
	}
	err := Modify(path, func(s *Settings) error {
		if e.Registry != "" {
			out = s
			return editRegistry(s, unsetAll, e)
		}
		if unsetAll {
			*s = Settings{Registries: s.Registries, path: s.path}
		}
		if e.Set("token-source") {
			names := SplitList(e.TokenSource)
			if _, err := MapSourceNames(names); err != nil {
				return err
			}
			s.TokenSources = names
		}
		set := func(flag string, dst *string, v string) {
			if e.Set(flag) {
				*dst = strings.TrimSpace(v)
			}
		}
		setPath := func(flag string, dst *string, v string) error {
			if !e.Set(flag) {
				return nil
			}
			p, err := absPath(flag, v)
			*dst = p
			return err
		}
		if err := setPath("token-file", &s.TokenFile, e.TokenFile); err != nil {
			return err
		}
		if err := setPath("credentials-file", &s.CredentialsFile, e.CredentialsFile); err != nil {
			return err
		}
		set("impersonate-service-account", &s.ImpersonateServiceAccount, e.Impersonate)
		if isNone(s.ImpersonateServiceAccount) {
			s.ImpersonateServiceAccount = "" // every host: none is the default
		}
		set("metadata-account", &s.MetadataAccount, e.MetadataAccount)
		set("universe-domain", &s.UniverseDomain, e.Universe)
		set("oidc-audience", &s.OIDCAudience, e.OIDCAudience)
		if e.Set("workload-identity-provider") {
			p, err := checkProvider(e.Provider)
			if err != nil {
				return err
			}
			s.WorkloadIdentityProvider = p
		}
		out = s
		return nil
	})
	return out, err
}

// absPath is a file flag's value as stored: absolute, since get runs in
// docker's working directory ("" stays "").
func absPath(flag, v string) (string, error) {
	if v = strings.TrimSpace(v); v == "" {
		return "", nil
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		return "", fmt.Errorf("--%s=%s: %w; give an absolute path", flag, v, err)
	}
	return abs, nil
}

// checkProvider refuses a workload identity provider name that is not one
// ("" unsets it).
func checkProvider(v string) (string, error) {
	if v = strings.TrimSpace(v); v == "" {
		return "", nil
	}
	if _, err := token.ParseWorkloadProvider(v, ""); err != nil {
		return "", fmt.Errorf("--workload-identity-provider: %w", err)
	}
	return v, nil
}

// Modify runs edit on the settings file at path under a lock and writes the
// result atomically, 0600, when it changed.
func Modify(path string, edit func(*Settings) error) error {
	unlock, err := fsutil.Lock(context.Background(), path+".lock", 10*time.Second)
	if err != nil {
		return withPlaceFix(path, fmt.Errorf("lock settings %s: %w", path, err))
	}
	defer unlock()
	fsutil.RemoveTemps(path) // best effort: what killed writers left beside it
	s, err := Load(path)
	if err != nil {
		return err
	}
	before := string(s.Marshal())
	if err := edit(s); err != nil {
		return err
	}
	after := s.Marshal()
	if string(after) == before {
		return nil
	}
	if err := fsutil.WritePrivate(path, after); err != nil {
		return withPlaceFix(path, fmt.Errorf("write settings %s: %w", path, err))
	}
	return nil
}

// withPlaceFix adds the fix to an error that says the settings file's
// directory cannot be written (a read-only home): another place for it.
func withPlaceFix(path string, err error) error {
	if !fsutil.IsNotWritable(err) {
		return err
	}
	return fmt.Errorf("%w; %s is not writable: set %s to a settings file in a writable directory", err, filepath.Dir(path), EnvSettingsFile)
}
