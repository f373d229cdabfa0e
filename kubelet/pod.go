package kubelet

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// Identity is who the plugin pulls an image as (the kubelet_identity
// setting).
type Identity string

const (
	// IdentityNode pulls every image as the node: the token chain of get.
	// A service-account token in the request is ignored.
	IdentityNode Identity = "node"
	// IdentityAnnotated pulls as the pod's own identity when its service
	// account asks for it (AnnotationServiceAccount or
	// AnnotationEnableImagePull), and as the node otherwise.
	IdentityAnnotated Identity = "annotated"
	// IdentityPod pulls every image as the pod's own identity; no request
	// is ever served as the node.
	IdentityPod Identity = "pod"
)

// The service-account annotations the plugin reads: GKE's names, so that a
// manifest means the same on GKE and elsewhere.
const (
	// AnnotationServiceAccount names the Google service account to
	// impersonate from the pod's federated identity.
	AnnotationServiceAccount = "iam.gke.io/gcp-service-account"
	// AnnotationEnableImagePull "true" pulls as the pod's federated
	// principal itself (GKE's auth-provider-gcp opt-in).
	AnnotationEnableImagePull = "iam.gke.io/enable-wi-image-pull"
)

// maxEmail bounds a service account's email (an email address is at
// most 254 bytes).
const maxEmail = 254

// ParseIdentity reads the kubelet_identity setting. Empty is the default:
// node without a workload identity provider, annotated with one; annotated
// and pod need one.
func ParseIdentity(v string, provider bool) (Identity, error) {
	id := Identity(strings.ToLower(strings.TrimSpace(v)))
	switch id {
	case "":
		if provider {
			return IdentityAnnotated, nil
		}
		return IdentityNode, nil
	case IdentityNode:
		return id, nil
	case IdentityAnnotated, IdentityPod:
		if !provider {
			return "", fmt.Errorf("kubelet identity %s needs a workload identity provider: set workload_identity_provider (or print the kubelet config with --workload-identity-provider)", id)
		}
		return id, nil
	}
	return "", fmt.Errorf("kubelet identity %q is not node, annotated or pod", truncate(v, 32))
}

// Pod is a pod's own identity, as a request presents it: its service
// account's token and what the helper read of it, and the Google service
// account its service account names.
type Pod struct {
	// SubjectToken is the pod's bound service-account token, a JWT for the
	// provider's audience: never logged, never in an error.
	SubjectToken string
	// Claims are the token's claims (token.ReadJWT): the cache key's
	// namespace, service account name and uid come from there.
	Claims *token.JWTClaims
	// ServiceAccount is the Google service account to impersonate
	// (AnnotationServiceAccount); empty pulls as the federated principal.
	ServiceAccount string
}

// pod decides who req pulls as: nil for the node, else the pod's own
// identity. A pod that asks for its own identity and cannot have it is an
// error, never the node: a bad annotation, no token, a token that is not a
// live JWT for the configured audience.
func (p *Plugin) pod(req *request, now time.Time) (*Pod, error) {
	if p.Identity == "" || p.Identity == IdentityNode {
		return nil, nil
	}
	own := p.Identity == IdentityPod
	why := "kubelet_identity is pod"
	gsa, named := req.ServiceAccountAnnotations[AnnotationServiceAccount]
	if named {
		if !isServiceAccountEmail(gsa) {
			return nil, fmt.Errorf("the pod's service account has annotation %s: %s, which is not a Google service account's email (NAME@PROJECT.iam.gserviceaccount.com); fix the annotation on the Kubernetes service account", AnnotationServiceAccount, showValue(gsa))
		}
		own, why = true, "its service account has annotation "+AnnotationServiceAccount
	}
	if v, ok := req.ServiceAccountAnnotations[AnnotationEnableImagePull]; ok {
		switch v {
		case "true":
			if !own {
				own, why = true, "its service account has annotation "+AnnotationEnableImagePull+": \"true\""
			}
		case "false":
		default:
			return nil, fmt.Errorf("the pod's service account has annotation %s: %s; it takes \"true\" (pull as the pod's federated principal) or \"false\"", AnnotationEnableImagePull, showValue(v))
		}
	}
	if !own {
		return nil, nil // annotated mode, no opt-in: the node
	}
	if req.ServiceAccountToken == "" {
		return nil, fmt.Errorf("the pod must pull as its own identity (%s) but the request has no serviceAccountToken: give the provider tokenAttributes in the kubelet's credential provider config (`docker-credential-gcr kubelet-credential-provider-config --workload-identity-provider=...` prints them; on 1.33 also enable the kubelet gate KubeletServiceAccountTokenForCredentialProviders)", why)
	}
	claims, err := token.ReadJWT(req.ServiceAccountToken, now)
	if err != nil {
		return nil, fmt.Errorf("the pod's service-account token: %w", err)
	}
	if len(p.Audiences) > 0 && !slices.ContainsFunc(claims.Audience, func(a string) bool { return slices.Contains(p.Audiences, a) }) {
		return nil, fmt.Errorf("the pod's service-account token %s is for audience %s, not %s: the kubelet's tokenAttributes.serviceAccountTokenAudience must be the plugin's audience (print both with `docker-credential-gcr kubelet-credential-provider-config`)",
			claims.Describe(), quoteList(claims.Audience), fmt.Sprintf("%q", p.Audiences[0]))
	}
	return &Pod{SubjectToken: req.ServiceAccountToken, Claims: claims, ServiceAccount: gsa}, nil
}

// isServiceAccountEmail reports whether s is the email of a Google service
// account: NAME@DOMAIN, NAME of lower-case letters, digits and hyphens,
// DOMAIN of DNS labels ending in .gserviceaccount.com
// (PROJECT.iam.gserviceaccount.com, PROJECT.s3ns.iam.gserviceaccount.com,
// developer.gserviceaccount.com for NUM-compute, appspot.gserviceaccount.com).
func isServiceAccountEmail(s string) bool {
	if len(s) > maxEmail {
		return false
	}
	name, domain, ok := strings.Cut(s, "@")
	if !ok || !isLabel(name) {
		return false
	}
	rest, ok := strings.CutSuffix(domain, ".gserviceaccount.com")
	if !ok || rest == "" {
		return false
	}
	for l := range strings.SplitSeq(rest, ".") {
		if !isLabel(l) {
			return false
		}
	}
	return true
}

// isLabel reports a DNS label in lower case: 1 to 63 letters, digits and
// hyphens, neither first nor last a hyphen.
func isLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range []byte(l) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// showValue quotes an annotation's value for a message, unless it is long
// or looks like a token: then only its length.
func showValue(v string) string {
	if len(v) > 100 || strings.Contains(v, "eyJ") || strings.Contains(v, "ya29.") {
		return fmt.Sprintf("a %d-byte value", len(v))
	}
	return fmt.Sprintf("%q", v)
}

// quoteList shows values from outside for a message (showValue).
func quoteList(vs []string) string {
	if len(vs) == 0 {
		return "(none)"
	}
	q := make([]string, 0, min(len(vs), 4))
	for i, v := range vs {
		if i == 4 {
			q = append(q, fmt.Sprintf("and %d more", len(vs)-i))
			break
		}
		q = append(q, showValue(v))
	}
	return strings.Join(q, ", ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// errNoPodTokens: the plugin was given an identity mode without the means
// to mint a pod's token (a wiring mistake, not the user's).
var errNoPodTokens = errors.New("the plugin cannot mint a pod's own token (no PodTokens)")
