// Package token finds a Google access token: the chain of sources (an
// access-token file, a credential JSON file, gcloud's application-default
// credentials, the gcloud CLI, the metadata server), service-account
// impersonation through the IAM Credentials API of the credential's universe,
// and universe domains.
//
// Every source yields an oauth2.TokenSource; impersonation and the cache wrap a
// source rather than special-casing one. The package knows nothing about
// docker or cobra.
package token
