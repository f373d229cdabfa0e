// Package accesstoken is print-access-token: it prints a Google access
// token for scripts, CI and crictl, in one of its formats: the token alone,
// oauth2accesstoken:TOKEN (crictl pull --creds), JSON with its expiry and
// identity, or a docker config.json whose auths give each registry host a
// token (a Kubernetes pull secret's .dockerconfigjson). The token is of the
// universe of the hosts named (registry.Lookup); a host that is not a Google
// registry, nor registered, gets no token.
package accesstoken
