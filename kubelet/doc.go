// Package kubelet is the kubelet's image credential provider plugin
// (credentialprovider.kubelet.k8s.io/v1): Plugin.Serve answers one
// CredentialProviderRequest, and Config prints the CredentialProviderConfig
// (kubelet.config.k8s.io/v1) that installs this binary as one, with
// matchImages taken from the registry table.
//
// The wire types are small local structs with the exact JSON names of
// k8s.io/kubelet's: importing that module would add its packages' init to
// every `get` (measured in docs/kubernetes.md, "Why the binary does not link
// the k8s.io/kubelet types"). The tests decode and encode through the real
// k8s.io/kubelet types to prove the wire compatibility.
//
// The kubelet execs the plugin once per image it has no cached credentials
// for, writes one CredentialProviderRequest on stdin and decodes stdout
// strictly (an unknown field fails the whole response); it requires the
// response's apiVersion to equal the one configured for the provider. A
// failing plugin (non-zero exit) is logged with its stderr and the pull
// goes on without credentials. The kubelet matches matchImages with its own
// globs: '*' within one DNS label, a pattern without a port matches no image
// that names one, a pattern's path is a prefix of the image's.
//
// The node's token comes from the same chain and cache as get (the caller
// hands Plugin a token function); the plugin opens no credential store: a
// node has no keyring, and what docker login stored is not the node's
// identity.
//
// # Per-pod identity (KEP-4412)
//
// A provider whose config has tokenAttributes receives, in each request, the
// pod's bound service-account token for the configured audience
// (serviceAccountToken) and the service-account annotations the config
// lists (serviceAccountAnnotations); with requireServiceAccount false, a pod
// without a service account (a static pod) comes without either. Identity
// decides who pulls: IdentityNode ignores them; IdentityAnnotated pulls as
// the Google service account that AnnotationServiceAccount names
// (impersonated from the pod's federated identity), as the federated
// principal itself for AnnotationEnableImagePull "true" (GKE's opt-in;
// any value but "true" or "false" is an error), and as the node otherwise;
// IdentityPod pulls every pod as itself. The pod's own token comes from
// Plugin.PodTokens, which exchanges the JWT at the provider's STS; a pod
// that asked for its own identity and cannot have it (no token, a token
// that is not a live JWT for the audience, an annotation that is not a
// service account's email, a refused exchange or impersonation) gets an
// error, never the node's token. cacheDuration never outlives the token
// minus the margin, nor, for a federated token, the pod's JWT.
//
// The request is decoded strictly but forward-compatibly (decode.go): a
// name twice or in another case, or a field of the wrong type, is refused;
// a field this plugin does not know is ignored, as a newer kubelet may send
// one.
package kubelet
