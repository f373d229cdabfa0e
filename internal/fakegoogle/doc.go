// Package fakegoogle is a faithful fake of the Google endpoints that mint
// access tokens, for tests, the e2e suite, the demo and the benchmark. It
// imports no "testing", listens on 127.0.0.1 only and never dials out.
//
// One Server answers, on one plain-HTTP listener, dispatching by path:
//
//   - POST /token, the OAuth 2.0 token endpoint (oauth2.googleapis.com):
//     the JWT-bearer grant of service-account keys (RS256 signature checked
//     against the registered key named by kid and owned by iss; aud must be
//     a token URL; iat/exp at most an hour apart; a scope) and the
//     refresh-token grant of authorized users. Errors are Google's:
//     400 invalid_grant ("Invalid JWT Signature.", "Token has been expired
//     or revoked.", ...), 400 invalid_scope for a missing scope,
//     401 invalid_client for a wrong OAuth client, 401 unauthorized_client
//     for a sub other than iss (domain-wide delegation is not faked).
//   - POST /v1/token, STS (sts.googleapis.com): the RFC 8693 exchange that
//     golang.org/x/oauth2/google/externalaccount sends, for the file-sourced
//     subject tokens NewExternalAccount writes.
//   - POST /v1/projects/-/serviceAccounts/{target}:generateAccessToken, IAM
//     Credentials: bearer token issued here with cloud-platform or iam
//     scope; the delegation chain caller -> delegates... -> target must be
//     allowed link by link (AllowImpersonation); 403 PERMISSION_DENIED with
//     Google's message otherwise, 400 INVALID_ARGUMENT for a bad body
//     (unknown fields included), 401 UNAUTHENTICATED without a valid token.
//   - The GCE metadata server: "/" answers the detection probe; everything
//     under /computeMetadata/v1/ needs Metadata-Flavor: Google (403 without
//     it, or with X-Forwarded-For) and answers with that header. Accounts
//     are addressed by alias or email; tokens are cached like GCE does (the
//     same token, shrinking expires_in, until 5 minutes before expiry).
//     Both universe/universe-domain and universe/universe_domain are served.
//
// Every access token is "ya29.fake-" and 52 random characters, distinct per
// issue, recorded with its principal, scope and expiry (Principal).
// expires_in is the whole seconds left less one, as Google says 3599.
//
// With Options.RealHosts (or NewServiceAccountForRealHosts) credential files
// name Google's real endpoints, and a Proxy serving Handler under those host
// names lets unmodified clients reach the fake through HTTPS_PROXY and
// SSL_CERT_FILE. The token endpoint accepts an aud of this server's URL or of
// any of Google's token URLs in either mode.
//
// # gcloud
//
// The installed gcloud 528 works against the metadata server:
// `gcloud auth print-access-token` and `docker-credential-gcloud get` print
// tokens issued here when run with CLOUDSDK_CONFIG set to an empty directory
// and GCE_METADATA_ROOT=127.0.0.1:PORT. gcloud decides it is on GCE by
// reading project/numeric-project-id (it must be all digits), then reads
// instance/service-accounts/default/email, instance/service-accounts/,
// universe/universe-domain, instance/service-accounts/default/identity
// (an ID token for gcloud's own client; a 404 is tolerated),
// instance/service-accounts/EMAIL/?recursive=true (JSON with email, scopes,
// aliases, served as application/json) and finally
// instance/service-accounts/EMAIL/token, addressed by email rather than
// alias. It never probes "/" or GCE_METADATA_IP for these commands; tests
// set GCE_METADATA_IP to the fake anyway so nothing can reach
// 169.254.169.254.
//
// # Not faithful
//
// Keys are never rotated or deleted and there is no key-listing or JWKS
// endpoint; ID tokens and STS subject tokens carry random signatures; STS
// knows subject tokens by value rather than by verifying them against a
// provider; scopes are recorded but never enforced beyond IAM's own check;
// quotas, rate limits and the IAM 12-hour lifetime org policy are absent.
package fakegoogle
