// Package token finds a Google access token: the chain of sources (an
// access-token file, a credential JSON file, gcloud's application-default
// credentials, the gcloud CLI, the metadata server), service-account
// impersonation through the IAM Credentials API of the credential's universe,
// universe domains, and the cross-process token cache.
//
// Every source yields an oauth2.TokenSource; impersonation and the cache wrap a
// source rather than special-casing one. The package knows nothing about
// docker or cobra.
//
// # Trust
//
// A credential file may have been written by someone else (a cloned
// repository, a CI artifact, a planted file): its contents never widen what
// the helper talks to. A file is decoded once, strictly (a key twice at any
// depth, an unknown type: refused), into the package's own typed structs
// (credjson.go), checked against what the helper itself trusts (validate.go:
// the universes googleapis.com, s3nsapis.fr and the universe_domain setting;
// Google's endpoints of the file's universe; the GitHub Actions runner's own
// ACTIONS_ID_TOKEN_REQUEST_URL; AWS's metadata addresses), and
// golang.org/x/oauth2/google is given only those structs re-encoded, with a
// missing endpoint filled in with the file's universe's. Anything else (any
// other URL, a program) needs the user's allow_custom_credential_urls, and a
// program Google's own GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1 as well.
// FuzzCredentialView runs the library on every file the check accepts and
// fails if it contacts an origin the check did not trust. The iam_endpoint
// setting receives a bearer token: New refuses one that is not IAM
// Credentials of a trusted universe.
//
// Every file the chain reads (credential, access-token, subject-token and
// gcloud configuration files) is read with fsutil.ReadRegular: a regular
// file of at most 1 MiB, within the source's bound; a FIFO, a device or a
// directory is refused at once.
//
// # Cache
//
// Cache keeps tokens in one file per principal, named by a hash of
// everything that decides it (key.go): for a credential file, a digest of
// its bytes and of what its subject token source yields when that is cheap
// (a file's content; a URL and its headers, not fetched); for gcloud, its
// configuration dir, active configuration, account and
// auth/impersonate_service_account; for the metadata server, the account;
// then the impersonation chain, the scope and the
// registry's universe. Secrets are only ever hashed (domain-separated
// SHA-256), never in a key or a file name. A miss takes a file lock so that
// concurrent processes make one request; a waiter gives up after
// Cache.LockTimeout, and at most a third of what is left of the chain's
// bound, then fetches on its own: a stopped holder costs one extra request,
// never a failed get.
package token
