package settings

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
)

// Override is a registry's own identity: the settings it replaces for
// that host (config --registry=HOST ...). An empty field is not
// overridden; ImpersonateServiceAccount NoImpersonation turns off, for that
// host, the impersonation set for every host.
type Override struct {
	TokenSources              []string `json:"token_sources,omitempty"`
	CredentialsFile           string   `json:"credentials_file,omitempty"`
	ImpersonateServiceAccount string   `json:"impersonate_service_account,omitempty"`
	WorkloadIdentityProvider  string   `json:"workload_identity_provider,omitempty"`
}

func (o *Override) empty() bool {
	return o == nil || len(o.TokenSources) == 0 && o.CredentialsFile == "" && o.ImpersonateServiceAccount == "" && o.WorkloadIdentityProvider == ""
}

// NoImpersonation, as a registry's impersonate_service_account (config
// --registry=HOST --impersonate-service-account=none), means "this host: no
// impersonation", which an empty value cannot say (it is "not
// overridden"). No service account's email is "none".
const NoImpersonation = "none"

// isNone reports whether an impersonation value is NoImpersonation, in any
// case (the file may be written by hand).
func isNone(v string) bool { return strings.EqualFold(strings.TrimSpace(v), NoImpersonation) }

// PerRegistryFlags are the config flags a registry can override.
var perRegistryFlags = []string{"token-source", "credentials-file", "impersonate-service-account", "workload-identity-provider"}

// For returns the settings that apply to registry host (any form
// NormalizeHost takes): s with the host's registry_overrides laid over it,
// which win over the settings file's and the environment's values for
// that host (the user named the host); a host's own credentials_file also
// puts aside the access-token file of every host, which comes before it in
// the chain. It is s itself for a host with no
// override: every caller that serves a registry (get, print-access-token
// HOST, doctor HOST, the kubelet plugin for an image's registry) asks For
// and builds its token options from the result, so each identity gets its
// own cache key.
func (s *Settings) For(host string) *Settings {
	if len(s.RegistryOverrides) == 0 {
		return s
	}
	h, err := registry.NormalizeHost(host)
	if err != nil {
		return s
	}
	o := s.RegistryOverrides[h]
	if o.empty() {
		return s
	}
	out := *s
	if len(o.TokenSources) > 0 {
		out.TokenSources = slices.Clone(o.TokenSources)
	}
	out.CredentialsFile = first(o.CredentialsFile, s.CredentialsFile)
	if o.CredentialsFile != "" && len(o.TokenSources) == 0 {
		// The host's key is its identity: the access-token file set for
		// every host, first in the chain, would serve it as the default
		// identity instead.
		out.TokenFile = ""
	}
	out.ImpersonateServiceAccount = first(o.ImpersonateServiceAccount, s.ImpersonateServiceAccount)
	if isNone(o.ImpersonateServiceAccount) {
		out.ImpersonateServiceAccount = "" // no chain: the cache key of the base identity
	}
	out.WorkloadIdentityProvider = first(o.WorkloadIdentityProvider, s.WorkloadIdentityProvider)
	return &out
}

// normalizeOverrides keys registry_overrides by host[:port] as For looks
// them up (registry.NormalizeHost), so that an entry written by hand in
// another form ("EU-docker.pkg.dev", "https://host/") applies to its host
// rather than leaving it to the default identity. A key that is no host is
// kept as it is (no host docker sends can match it); two keys of one host
// are an error: which identity applies would be a guess.
func (s *Settings) normalizeOverrides() error {
	if len(s.RegistryOverrides) == 0 {
		return nil
	}
	out := make(map[string]*Override, len(s.RegistryOverrides))
	from := make(map[string]string, len(s.RegistryOverrides)) // host -> key as written
	for k, o := range s.RegistryOverrides {
		h, err := registry.NormalizeHost(k)
		if err != nil {
			h = k
		}
		if prev, dup := from[h]; dup {
			a, b := min(prev, k), max(prev, k)
			return fmt.Errorf("registry_overrides names %s twice (as %q and %q); keep one of them", h, a, b)
		}
		from[h], out[h] = k, o
	}
	s.RegistryOverrides = out
	return nil
}

// Overridden lists the hosts with their own identity, sorted.
func (s *Settings) Overridden() []string {
	return slices.Sorted(maps.Keys(s.RegistryOverrides))
}

// editRegistry applies e's per-registry flags to the override of
// e.Registry (after removing it when unsetAll).
func editRegistry(s *Settings, unsetAll bool, e Edit) error {
	host, err := registry.NormalizeHost(e.Registry)
	if err != nil {
		return fmt.Errorf("--registry=%s: %w", e.Registry, err)
	}
	for _, f := range []string{"token-file", "metadata-account", "universe-domain", "oidc-audience"} {
		if e.Set(f) {
			return fmt.Errorf("--%s cannot be set per registry; with --registry, set %s", f, strings.Join(prefixed(perRegistryFlags), ", "))
		}
	}
	if _, ok := registry.Lookup(host, registry.Custom(s.Registries, s.UniverseDomain)); !ok && !unsetAll {
		return fmt.Errorf("--registry=%s: not a Google registry (%s) nor a host registered with `docker-credential-gcr configure-docker --allow-custom-host %s`", host, registry.Names(), host)
	}
	if unsetAll {
		delete(s.RegistryOverrides, host)
	}
	o := &Override{}
	if old := s.RegistryOverrides[host]; old != nil {
		*o = *old
	}
	if e.Set("token-source") {
		names := SplitList(e.TokenSource)
		if _, err := MapSourceNames(names); err != nil {
			return err
		}
		o.TokenSources = names
	}
	if e.Set("credentials-file") {
		p, err := absPath("credentials-file", e.CredentialsFile)
		if err != nil {
			return err
		}
		o.CredentialsFile = p
	}
	if e.Set("impersonate-service-account") {
		o.ImpersonateServiceAccount = strings.TrimSpace(e.Impersonate)
		if isNone(o.ImpersonateServiceAccount) {
			o.ImpersonateServiceAccount = NoImpersonation // stored: empty is "not overridden"
		}
	}
	if e.Set("workload-identity-provider") {
		p, err := checkProvider(e.Provider)
		if err != nil {
			return err
		}
		o.WorkloadIdentityProvider = p
	}
	if o.empty() {
		delete(s.RegistryOverrides, host)
		if len(s.RegistryOverrides) == 0 {
			s.RegistryOverrides = nil
		}
		return nil
	}
	if s.RegistryOverrides == nil {
		s.RegistryOverrides = map[string]*Override{}
	}
	s.RegistryOverrides[host] = o
	return nil
}

func prefixed(flags []string) []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = "--" + f
	}
	return out
}
