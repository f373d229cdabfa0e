// Package token finds a Google access token: the chain of sources (an
// access-token file, a credential JSON file, a CI job's OIDC token
// exchanged at STS, gcloud's application-default credentials, the gcloud
// CLI, the metadata server), service-account
// impersonation through the IAM Credentials API of the credential's universe,
// universe domains, and the cross-process token cache. The package knows
// nothing about docker or cobra.
//
// # Design
//
// A token is asked for along one composition, built per Chain.Token call
// for each source in order (Chain.try):
//
//	source ─resolve→ configured ─(impersonate)→ bounded ─(cache.wrap)→ Chain
//
// Each step:
//
//   - A source (the interface in chain.go) is a link of the chain
//     by name. resolve decides cheaply — files only, no network, no exec —
//     whether it is configured and returns a *configured: a tokenSource
//     (golang.org/x/oauth2's TokenSource with a context per call, and a
//     Token that says whose it is and of which universe) and the non-secret
//     description the chain needs: name, identity, universe, the key parts
//     that decide its principal, and noCache for a source whose tokens
//     must not be cached (a bare access-token file).
//   - impersonate wraps a configured source: same description, identity
//     "X as A > B", tokens minted with the base's. Each source impersonates
//     once: not a source that does it itself (gcloud, handed the chain in
//     its own CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT), nor one whose
//     credential already acts as the target.
//   - bounded applies the source's bound (Options.Timeouts.Source), names
//     the token by the description and refuses one of another universe.
//   - The cache wraps that, as oauth2.ReuseTokenSource does within a
//     process but across processes (a file per key, a lock per miss, a
//     still-valid token served when the source fails); Options.Cache
//     without a Dir is the nullCache, which wraps nothing. The key is the
//     description's key parts plus the impersonation chain, the scope and
//     the registry's universe (key.go).
//
// The chain takes the first source that is configured; one that is
// configured and fails ends it (the next would be another identity).
//
// To add a source (an oidc one exchanging a CI job's token at STS, say):
// write its type in a file of its own with name() and resolve(); resolve
// returns errors made by notConfigured when the source has nothing to
// offer, and a *configured whose key holds everything that decides the
// principal (for a subject token: the provider and the JWT's iss and sub,
// never the JWT; sts.go's ExchangeToken and jwt.go's ReadJWT are the
// pieces); give it a Source* name and a case in Chain.newSource, and a place
// in DefaultSources. It is then impersonated, bounded and cached like every
// other. A source built per request rather than by name (the kubelet's
// per-pod identity, from the request's service-account token) is a
// configured value run through the same composition: give the chain a way to
// be built from it rather than from Options.Sources, so that it is never
// followed by another source (a pod that asked for its own identity never
// falls back to the node's).
//
// # Skip notes
//
// A source whose token request ran out its bound, or whose server could
// not be reached (the metadata server off Google Cloud), is noted in the
// cache dir (skipnote.go: KEY.skip beside the cache entry, 0600, the reason
// and the time, no secret): for 30 s the gets that miss the cache fail at
// once with that reason and when the source is tried again, instead of
// waiting out the bound again. The note is one more wrapper around bounded,
// inside the cache, so a hit never reads it. A skipped source that was
// configured still fails, so the chain still ends there (never the next
// identity); a success or ClearCache forgets the note. A gcloud that hangs
// is noted like any source that times out; a refusal (fast, and for the
// user to fix) is not. With the cache off there is no note.
//
// Federation (federated.go) is the workload identity federation source
// with two callers: the oidc source (oidc.go: GitHub Actions' ID token
// endpoint, a variable, a file) and the kubelet's pod identity, through
// NewFederated, a chain of that one source. Its key is the provider and
// the subject token's claims (JWTClaims.Identity), or a SubjectKey that
// stands for the subject (a GitHub job: a digest of the runner's URL and
// request token, so that a warm get asks the runner nothing).
//
// A cached token with less than the margin left is served only when the
// source cannot do better (cache.go's fresh): the subject token in hand
// expires with it, or the source's tokens are that short (a federated
// token capped at a 5-minute CI token) and it is under 5 seconds old.
// Chain.try then sets Token.Note, which doctor, print-access-token and the
// --verbose trail show.
//
// # Trust
//
// A credential file may have been written by someone else (a cloned
// repository, a CI artifact, a planted file): its contents never widen what
// the helper talks to. A file is decoded once, strictly (a key twice at any
// depth, in any case, an unknown type: refused; StrictJSON, which subject
// tokens' claims and the kubelet's requests share), into the package's own typed structs
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
// Credentials of a trusted universe, and it serves only that universe's
// tokens (another universe's are impersonated at their own).
//
// Every file the chain reads (credential, access-token, subject-token and
// gcloud configuration files) is read with fsutil.ReadRegular: a regular
// file of at most 1 MiB, within the source's bound; a FIFO, a device or a
// directory is refused at once. Its text is what counts (textfile.go): a
// byte order mark (Notepad's "UTF-8 with BOM") is dropped and UTF-16
// (Windows PowerShell 5's `>`) decoded, except in a subject-token file that
// Google's library reads itself, which is refused with the fix. No source's
// token with a character a registry refuses (a space, a control character,
// non-ASCII) is ever served; an access-token file holding more than a bare
// token (quotes, "Bearer ", several lines) is refused with what to fix.
//
// # Cache
//
// The cache keeps tokens in one file per principal, named by a hash of
// everything that decides it (key.go): for a credential file, a digest of
// its bytes and of what its subject token source yields when that is cheap
// (a file's content; a URL and its headers, not fetched); for gcloud, its
// configuration dir, active configuration, account and
// auth/impersonate_service_account; for the metadata server, the account;
// then the impersonation chain, the scope and the
// registry's universe. Secrets are only ever hashed (domain-separated
// SHA-256), never in a key or a file name. A miss takes a file lock so that
// concurrent processes make one request; a waiter gives up after
// Options.Timeouts.LockWait, and at most a third of what is left of the
// chain's bound, then fetches on its own: a stopped holder costs one extra
// request, never a failed get.
package token
