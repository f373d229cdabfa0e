// Package fakeregistry runs real registries for the end-to-end suite, the
// demo and the benchmark: Debian's docker-registry (distribution 2.8.2) as
// a child process, behind a front server of our own on 127.0.0.1 that logs
// every credential it receives (AuthLog) and, in token mode, is the token
// endpoint. It imports no "testing" and never dials anything but its child.
//
// # Modes
//
// Token mode (Options.Auth set) stands in for Artifact Registry: the realm
// is TokenPath (/v2/token) on the front host; a token request must carry
// Basic credentials (or a POST form with grant_type=password), which
// Options.Auth turns into a principal. The answer is an ES256 JWT signed
// by a throwaway key whose self-signed certificate is docker-registry's
// rootcertbundle and rides in the header's x5c; its claims are iss=Issuer,
// aud=Service (a single string: 2.8.2 does not take a list), sub=principal,
// exp, nbf, iat, jti and access granting every scope asked for (or what
// Options.Authorize and Registry.Restrict allow). Anonymous or refused: 401 with
// `WWW-Authenticate: Basic realm=...` and {"errors":[{"code":"DENIED",...}]},
// which clients print as "denied: ..." (crane: "DENIED: ...").
//
// Htpasswd mode (Options.Auth nil) stands in for a registry that takes a
// plain Basic login, such as Naver Cloud's *.ncr.fin-ntruss.com: bcrypt
// entries from `htpasswd -Bin`, and the front server only logs and proxies.
//
// # Host names
//
// Clients must see one host:port for the registry and its realm (crane
// refuses a loopback realm elsewhere, and an http realm behind https). So
// docker-registry runs with relativeurls, the front server forwards the
// client's Host with X-Forwarded-Proto/Host, and on the way back rewrites
// the realm of every Bearer challenge to scheme://HOST/v2/token and every
// relative (or backend-absolute) Location to an absolute URL on
// scheme://HOST, where HOST is the request's Host and scheme is https when
// the request came over TLS or with X-Forwarded-Proto: https. Served by a
// TLS proxy through Handler under us-east1-docker.pkg.dev, clients see
// https://us-east1-docker.pkg.dev/v2/token and upload URLs on that host.
//
// # Processes
//
// The child gets an empty environment but PATH (REGISTRY_* variables would
// override its config). Close sends SIGTERM, then SIGKILL after closeGrace.
// On Linux the child also has Pdeathsig=SIGKILL, so it dies with its parent
// when a test binary times out or a program exits without Close. (The
// kernel ties that to the thread that forked, which Go retires only when a
// goroutine exits while locked to it.)
//
// # Not faithful
//
// Every authenticated principal may push and pull everything unless
// Options.Authorize or a repository's allow-list (Registry.Restrict) says
// otherwise; there are no refresh tokens, no
// anonymous pulls of public repositories, and the service name is Service,
// not the host name.
package fakeregistry
