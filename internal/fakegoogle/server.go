package fakegoogle

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakehttp"
)

// Endpoint names accepted by Count and SetFault.
const (
	endpointToken         = "token"          // POST /token
	endpointIAM           = "iam"            // IAM Credentials generateAccessToken
	endpointMetadataToken = "metadata-token" // metadata instance/service-accounts/*/token
	endpointSTS           = "sts"            // POST /v1/token
	endpointMetadata      = "metadata"       // every metadata path, including the token
)

const (
	defaultUniverse = "googleapis.com"
	cloudPlatform   = "https://www.googleapis.com/auth/cloud-platform"
	realTokenURL    = "https://oauth2.googleapis.com/token"
	realSTSURL      = "https://sts.googleapis.com/v1/token"
)

// Options configure a Server. The zero value is a fast, well-behaved fake.
type Options struct {
	// Latency is an injected delay before answering token-minting requests
	// (OAuth token, IAM, metadata token, STS); 0 = none.
	Latency time.Duration
	// Universe is the universe domain reported by the metadata server and
	// written into keys; default "googleapis.com".
	Universe string
	// TokenLifetime is the lifetime of issued access tokens; default 1h.
	// IAM tokens live for the requested lifetime, capped at TokenLifetime.
	TokenLifetime time.Duration
	// RealHosts makes every credential file name Google's real endpoints
	// (https://oauth2.googleapis.com/token, https://sts.googleapis.com/v1/token)
	// instead of URL, for serving Handler behind NewProxy.
	RealHosts bool
	// Now is the server's clock: token expiry, and the iat/exp check of
	// JWT assertions (signed with the real clock by x/oauth2, so move a
	// fake clock by minutes, not hours); default time.Now.
	Now func() time.Time
}

// Fault replaces the answer of an endpoint: after Delay, a non-zero Status is
// written with Body (as application/json when Body is valid JSON). A Fault
// with only Delay slows the endpoint and then answers normally.
type Fault struct {
	Status int
	Body   string
	Delay  time.Duration
}

// Server is a fake of Google's OAuth token endpoint, STS, IAM Credentials
// and the GCE metadata server on one plain-HTTP loopback listener.
type Server struct {
	URL string // "http://127.0.0.1:PORT"

	opts Options
	srv  *http.Server
	done chan struct{}

	client oauthClient // the OAuth client authorized users are issued under

	mu      sync.Mutex
	tokens  map[string]grant      // access token -> grant
	keys    map[string]registered // private_key_id -> key
	users   map[string]string     // refresh token -> email
	allowed map[[2]string]bool    // {caller, target} -> may mint
	aliases map[string]string     // metadata account alias -> email
	mds     map[string]string     // metadata email+scope -> cached token
	counts  map[string]int        // endpoint -> requests
	faults  map[string]Fault      // endpoint -> fault
	secrets []string              // everything secret ever issued
	nkeys   int                   // keys handed out, an index into the key pool

	issuers   map[string]*Issuer        // name -> OIDC issuer
	github    map[string]*GitHubActions // token endpoint path -> job
	providers map[string]*provider      // STS audience -> workload identity pool provider
}

// grant is what an access token stands for.
type grant struct {
	principal string
	scope     string
	expiry    time.Time
	universe  string
	// Federated tokens only: the pool's resource name
	// (//iam.UNIVERSE/projects/NUM/locations/global/workloadIdentityPools/POOL)
	// and the mapped attributes ("google.subject", "attribute.NAME", ...),
	// for principalSet:// bindings.
	pool       string
	attributes map[string]string
}

type oauthClient struct{ id, secret string }

// New starts a Server listening on 127.0.0.1. The caller must Close it.
func New(opts Options) (*Server, error) {
	if opts.Universe == "" {
		opts.Universe = defaultUniverse
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakegoogle: listen: %w", err)
	}
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		opts: opts,
		done: make(chan struct{}),
		client: oauthClient{
			id:     digits(12) + "-" + strings.ToLower(randomText()[:20]) + ".apps.googleusercontent.com",
			secret: "GOCSPX-" + randomText(),
		},
		tokens:  make(map[string]grant),
		keys:    make(map[string]registered),
		users:   make(map[string]string),
		allowed: make(map[[2]string]bool),
		aliases: map[string]string{"default": "default-compute@fake-project.iam.gserviceaccount.com"},
		mds:     make(map[string]string),
		counts:  make(map[string]int),
		faults:  make(map[string]Fault),

		issuers:   make(map[string]*Issuer),
		github:    make(map[string]*GitHubActions),
		providers: make(map[string]*provider),
	}
	s.secrets = append(s.secrets, s.client.secret)
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln) // returns ErrServerClosed on Close
	}()
	return s, nil
}

// Close stops the server and cancels requests in flight.
func (s *Server) Close() {
	s.srv.Close()
	<-s.done
}

// Handler serves every endpoint, dispatching by path whatever the Host, so
// a Proxy can serve the fake under Google's real host names.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP dispatches by path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/token":
		if s.begin(w, r, true, endpointToken, endpointToken+"@"+s.universe(r)) {
			s.serveOAuthToken(w, r)
		}
	case p == "/v1/token":
		if s.begin(w, r, true, endpointSTS, endpointSTS+"@"+s.universe(r)) {
			s.serveSTS(w, r)
		}
	case strings.HasPrefix(p, iamPrefix):
		if s.begin(w, r, true, endpointIAM, endpointIAM+"@"+s.universe(r)) {
			s.serveIAM(w, r)
		}
	case strings.HasPrefix(p, issuersPrefix):
		if s.begin(w, r, false, endpointOIDC) {
			s.serveIssuer(w, r)
		}
	case strings.HasPrefix(p, githubPrefix):
		if s.begin(w, r, true, endpointGitHub) {
			s.serveGitHub(w, r)
		}
	case p == "/" || strings.HasPrefix(p, metadataPrefix) || p+"/" == metadataPrefix:
		s.serveMetadataRequest(w, r)
	default:
		http.NotFound(w, r)
	}
}

// universe is the universe a request was addressed to: UNIVERSE for the
// host sts.UNIVERSE, iamcredentials.UNIVERSE or oauth2.UNIVERSE (a Proxy
// serving Handler under Google's names), else Options.Universe (this
// server's own URL).
func (s *Server) universe(r *http.Request) string {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	for _, svc := range []string{"sts.", "iamcredentials.", "oauth2."} {
		if u, ok := strings.CutPrefix(host, svc); ok && strings.Contains(u, ".") {
			return u
		}
	}
	return s.opts.Universe
}

// begin counts a request against endpoints, applies the first fault set for
// one of them and, for minting requests, the injected latency. It reports
// whether the caller should go on answering.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, minting bool, endpoints ...string) bool {
	s.mu.Lock()
	var f Fault
	found := false
	for _, e := range endpoints {
		s.counts[e]++
		if x, ok := s.faults[e]; ok && !found {
			f, found = x, true
		}
	}
	s.mu.Unlock()
	delay := f.Delay
	if minting {
		delay += s.opts.Latency
	}
	if !sleep(r.Context(), delay) {
		return false
	}
	if f.Status == 0 {
		return true
	}
	if json.Valid([]byte(f.Body)) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(f.Status)
	io.WriteString(w, f.Body)
	return false
}

// sleep waits for d unless ctx ends first; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// mint issues an access token for g (its expiry is set here), living for
// lifetime capped at Options.TokenLifetime; g.universe defaults to
// Options.Universe.
func (s *Server) mint(g grant, lifetime time.Duration) (token string, expiry time.Time) {
	if lifetime <= 0 || lifetime > s.opts.TokenLifetime {
		lifetime = s.opts.TokenLifetime
	}
	if g.universe == "" {
		g.universe = s.opts.Universe
	}
	token = "ya29.fake-" + randomText() + randomText()
	expiry = s.opts.Now().Add(lifetime)
	g.expiry = expiry
	s.mu.Lock()
	s.tokens[token] = g
	s.secrets = append(s.secrets, token)
	s.mu.Unlock()
	return token, expiry
}

// expiresIn is the expires_in Google reports for a token: whole seconds
// left, less one (a fresh 1h token says 3599).
func (s *Server) expiresIn(expiry time.Time) int {
	return max(1, int(expiry.Sub(s.opts.Now())/time.Second)-1)
}

// lookup returns the grant of an unexpired token issued here.
func (s *Server) lookup(token string) (grant, bool) {
	s.mu.Lock()
	g, ok := s.tokens[token]
	s.mu.Unlock()
	if !ok || !s.opts.Now().Before(g.expiry) {
		return grant{}, false
	}
	return g, true
}

// Principal returns who an access token acts as: the email of a service
// account or user, or for a federated token the pool principal
// principal://iam.UNIVERSE/projects/NUM/locations/global/workloadIdentityPools/POOL/subject/SUBJECT;
// ok only for a token this server issued that has not expired or been
// revoked.
func (s *Server) Principal(accessToken string) (principal string, ok bool) {
	g, ok := s.lookup(accessToken)
	return g.principal, ok
}

// TokenInfo is what an access token stands for.
type TokenInfo struct {
	Principal string    // as Principal returns it
	Universe  string    // the universe it was minted in
	Scope     string    // space-separated scopes
	Expiry    time.Time // when it stops working
	// Attributes are a federated token's mapped attributes
	// ("google.subject", "attribute.repository", ...); nil otherwise.
	Attributes map[string]string
}

// TokenInfo describes an unexpired access token issued here.
func (s *Server) TokenInfo(accessToken string) (TokenInfo, bool) {
	g, ok := s.lookup(accessToken)
	if !ok {
		return TokenInfo{}, false
	}
	return TokenInfo{Principal: g.principal, Universe: g.universe, Scope: g.scope, Expiry: g.expiry, Attributes: maps.Clone(g.attributes)}, true
}

// Revoke invalidates an access token or a refresh token issued here, as
// revoking it at Google would.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
	delete(s.users, token)
}

// Count returns the number of requests that reached endpoint: "token",
// "iam", "metadata-token", "sts", "metadata" (all metadata paths),
// "github-oidc" (the GitHub Actions ID token endpoint), "oidc" (issuers'
// discovery documents and JWKS), or "token@UNIVERSE", "sts@UNIVERSE",
// "iam@UNIVERSE" for the requests addressed to one universe.
func (s *Server) Count(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[endpoint]
}

// ResetCounts sets every count to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
}

// Secrets returns every secret this server issued or generated: access
// tokens, refresh tokens, client secrets, the JWTs its issuers signed (STS
// subject tokens), GitHub Actions request tokens and the base64 body lines
// of each private key, so a leak test can grep output for them.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.secrets...)
}

// SetFault makes endpoint (a name as for Count) answer with f; the zero
// Fault clears it. A metadata-token request honours a "metadata-token" fault
// before a "metadata" one.
func (s *Server) SetFault(endpoint string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (Fault{}) {
		delete(s.faults, endpoint)
		return
	}
	s.faults[endpoint] = f
}

// randomText returns 26 unpredictable base32 characters (128 bits).
func randomText() string { return rand.Text() }

// digits returns n random decimal digits, the first non-zero.
func digits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

// oauthError answers in the shape of RFC 6749 section 5.2, as Google's
// OAuth and STS endpoints do.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	fakehttp.WriteJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// parseForm reads a form-encoded POST body of at most 1 MiB.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return errors.New("method must be POST")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return errors.New("request body is not a valid form")
	}
	return nil
}
