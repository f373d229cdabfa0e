package kubelet

import (
	"fmt"

	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
)

// Explain says, for doctor, which identity the plugin pulls the images of
// host (a registry of universe; "" for none: in general) as, under s as
// the plugin reads it: mode names the kubelet_identity mode, the provider
// and its universe (the host's own provider when config gave it one) and
// the audience a pod's token must carry; pods what a pod's service account
// must carry to pull as itself. Both are "" when neither kubelet_identity
// nor a workload identity provider is set. The error is what the plugin
// would fail with: an identity it refuses, or a provider of another
// universe than the registry's. Nothing in them is a secret.
func Explain(s *settings.Settings, host, universe string) (mode, pods string, err error) {
	if s.KubeletIdentity == "" && s.WorkloadIdentityProvider == "" {
		return "", "", nil
	}
	// As the plugin decides (internal/app): the mode and audience from the
	// settings for every host, the provider from the host's own.
	p, federated, err := s.WorkloadProvider()
	if err != nil {
		return "", "", err
	}
	id, err := ParseIdentity(s.KubeletIdentity, federated)
	if err != nil {
		return "", "", fmt.Errorf("kubelet_identity (%s or the settings file): %w", settings.EnvKubeletIdentity, err)
	}
	if id == IdentityNode {
		return string(id), "every pod pulls as the node (the identity of `token:`, as the kubelet's user); no annotation changes it", nil
	}
	aud := Audiences(p, s.OIDCAudience)[0]
	if host != "" {
		if p, _, err = s.For(host).WorkloadProvider(); err != nil {
			return "", "", err
		}
	}
	mode = fmt.Sprintf("%s, provider %s (universe %s), pod tokens for audience %q", id, p.Audience(), p.Universe, aud)
	if universe != "" && universe != p.Universe {
		return mode, "", fmt.Errorf("the kubelet plugin fails for pods that pull %s's images as themselves: the workload identity provider is in universe %s and the registry in %s; give this registry's images a provider entry of their own universe (docs/kubernetes.md, S3NS)", host, p.Universe, universe)
	}
	own := fmt.Sprintf("as the Google service account its service account's annotation %s: GSA names (impersonated), else as its federated principal", AnnotationServiceAccount)
	if id == IdentityPod {
		return mode, "every pod with a service-account token pulls as itself, " + own + "; never as the node (a pod without a token fails)", nil
	}
	return mode, fmt.Sprintf("a pod pulls as itself when its service account carries %s: GSA (as GSA) or %s: \"true\" (as its federated principal); every other pod pulls as the node", AnnotationServiceAccount, AnnotationEnableImagePull), nil
}
