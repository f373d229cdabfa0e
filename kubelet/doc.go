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
// The token comes from the same chain and cache as get (the caller hands
// Plugin a token function); the plugin opens no credential store: a node has
// no keyring, and what docker login stored is not the node's identity.
package kubelet
