package kubelet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// PodOptions are the flags of kubelet-credential-provider-config that make
// a per-pod entry; each empty one is the settings' value.
type PodOptions struct {
	// Provider is the workload identity provider (--workload-identity-provider).
	Provider string
	// Identity is node, annotated or pod (--identity); empty: the
	// kubelet_identity setting, else annotated with a provider.
	Identity string
	// Audience is serviceAccountTokenAudience (--audience); empty: the
	// oidc_audience setting, else the provider's default.
	Audience string
	// KubeletVersion is the kubelet's version (--kubelet-version); empty:
	// 1.34 or later.
	KubeletVersion string
}

// maxAudience bounds an audience: a provider's allowed audience is at most
// 256 characters.
const maxAudience = 256

// NewPodConfig is the per-pod part of the provider entry for s with the
// flags of o laid over it, and the provider it names; nil for node identity.
func NewPodConfig(s *settings.Settings, o PodOptions) (*PodConfig, token.WorkloadProvider, error) {
	if o.Provider != "" {
		s = &settings.Settings{WorkloadIdentityProvider: o.Provider, UniverseDomain: s.UniverseDomain, KubeletIdentity: s.KubeletIdentity, OIDCAudience: s.OIDCAudience}
	}
	p, ok, err := s.WorkloadProvider()
	if err != nil {
		if o.Provider != "" {
			err = fmt.Errorf("--workload-identity-provider: %w", errors.Unwrap(err))
		}
		return nil, p, err
	}
	idv := s.KubeletIdentity
	if o.Identity != "" {
		idv = o.Identity
	}
	id, err := ParseIdentity(idv, ok)
	if err != nil {
		return nil, p, err
	}
	if id == IdentityNode {
		return nil, p, nil
	}
	minor := 0
	if o.KubeletVersion != "" {
		if minor, err = ParseKubeletVersion(o.KubeletVersion); err != nil {
			return nil, p, err
		}
		if minor < MinKubeletMinor {
			return nil, p, fmt.Errorf("kubelet 1.%d cannot give a credential provider the pod's token (KEP-4412 starts in 1.33): print the node-identity config (no --workload-identity-provider) or upgrade the kubelet", minor)
		}
		if minor > MinKubeletMinor {
			minor = 0
		}
	}
	aud := o.Audience
	if aud == "" {
		aud = s.OIDCAudience
	}
	custom := aud != ""
	if !custom {
		aud = p.OIDCAudience()
	}
	if strings.ContainsFunc(aud, func(r rune) bool { return r <= ' ' || r == 0x7f }) || len(aud) > maxAudience {
		return nil, p, fmt.Errorf("audience %q: want at most %d characters without spaces (a provider's allowed audience)", aud, maxAudience)
	}
	env := []EnvVar{
		{Name: settings.EnvProvider, Value: p.Audience()},
		{Name: settings.EnvKubeletIdentity, Value: string(id)},
	}
	if custom {
		env = append(env, EnvVar{Name: settings.EnvOIDCAudience, Value: aud})
	}
	return &PodConfig{Identity: id, Audience: aud, Env: env, KubeletMinor: minor}, p, nil
}

// Audiences are the aud values a pod's token may carry (Plugin.Audiences):
// oidc_audience when set, else the two forms a provider accepts with no
// allowed audiences configured (its GKE identity namespace for that form).
func Audiences(p token.WorkloadProvider, custom string) []string {
	switch {
	case custom != "":
		return []string{custom}
	case p.IsIdentityNamespace():
		return []string{p.OIDCAudience()}
	}
	return []string{p.OIDCAudience(), p.Audience()}
}
