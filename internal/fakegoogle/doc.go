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
//   - POST /v1/token, STS (sts.googleapis.com): the RFC 8693 exchange,
//     form-encoded (golang.org/x/oauth2/google/externalaccount) or JSON
//     (auth-provider-gcp, google-github-actions/auth). The audience names
//     a pool provider registered with AddProvider —
//     //iam.UNIVERSE/projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV
//     or GKE's identitynamespace:PROJECT.svc.id.goog:ISSUER — and the
//     subject JWT is verified as Google does: RS256 signature against the
//     JWKS of the provider's issuer (or an uploaded JWKS), iss, aud (the
//     provider's allowed audiences, by default its resource name as
//     //iam... and https://iam...), exp, iat, nbf; then the attribute
//     mapping (google.subject at most 127 bytes) and the attribute
//     condition. The federated token acts as
//     principal://iam.UNIVERSE/projects/NUM/locations/global/workloadIdentityPools/POOL/subject/SUBJECT
//     and may be capped at the subject token's remaining life
//     (ProviderConfig.CapLifetime). Refusals are Google's: 400
//     invalid_request (malformed or other-universe audience, subject over
//     127 bytes), invalid_target (no such provider), invalid_grant (the
//     JWT), unauthorized_client (the condition). NewExternalAccount's files
//     go through the same path, with a provider whose tokens act as their
//     sub (an email).
//   - OIDC issuers (NewIssuer): RS256 JWTs with the registered claims
//     (Issuer.Token), Kubernetes bound service-account tokens
//     (Issuer.KubernetesToken: kubernetes.io {namespace, serviceaccount,
//     pod, node}), and the discovery document and JWKS under
//     /issuers/NAME/.well-known/ (Issuer.Handler serves them at the root
//     for a Proxy serving the issuer's own host).
//   - The GitHub Actions runner's ID token endpoint (NewGitHubActions):
//     GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD with the request token
//     as bearer answers {"value": JWT} of the "github" issuer
//     (iss https://token.actions.githubusercontent.com, GitHub's claims,
//     5-minute tokens by default); 403 for a wrong request token. Under
//     RealHosts its URL is on pipelines.actions.githubusercontent.com.
//   - POST /v1/projects/-/serviceAccounts/{target}:generateAccessToken, IAM
//     Credentials: bearer token issued here with cloud-platform or iam
//     scope; the delegation chain caller -> delegates... -> target must be
//     allowed link by link (AllowImpersonation; a federated caller by its
//     principal:// or a principalSet:// it belongs to); 403 PERMISSION_DENIED with
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
// issue, recorded with its principal, scope, universe and expiry
// (Principal, TokenInfo). expires_in is the whole seconds left less one, as
// Google says 3599.
//
// # Universes
//
// A request addressed to sts.UNIVERSE, iamcredentials.UNIVERSE or
// oauth2.UNIVERSE (through a Proxy) is served as that universe; one to the
// server's own URL as Options.Universe. STS refuses an audience of another
// universe (400 invalid_request), IAM a token minted in another universe
// (401), and tokens remember their universe. Count("sts@s3nsapis.fr")
// counts the requests one universe received.
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
// Keys are never rotated or deleted and there is no key-listing endpoint for
// service-account keys; metadata ID tokens carry random signatures. STS
// verifies against the issuer's keys in process (it never fetches a
// jwks_uri); attribute mappings and conditions are Go functions, not CEL;
// principalSet:// matches the whole pool or one mapped attribute, not
// groups; its error descriptions for the JWT checks are modelled on
// Google's (the audience, target, condition and 127-byte ones are Google's
// words), not copied. Scopes are recorded but never enforced beyond IAM's
// own check; quotas, rate limits and the IAM 12-hour lifetime org policy
// are absent.
package fakegoogle
