package fakeregistry

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// AuthAttempt is one request the front server saw that carried an
// Authorization header, or any request to the token endpoint.
type AuthAttempt struct {
	Time   time.Time
	Method string
	Path   string
	// Scheme is "Basic" or "Bearer", or "" when the request had no
	// Authorization header or one of another scheme.
	Scheme   string
	Username string // the Basic user name
	// Principal is whom the credential stands for: at the token endpoint
	// the Authenticator's answer; for a Bearer token the principal it was
	// minted for here; on an htpasswd registry the user name, if accepted.
	Principal string
	// Accepted: at the token endpoint, the Authenticator said yes; anywhere
	// else, the registry answered neither 401 nor 403.
	Accepted  bool
	Status    int    // the HTTP status the client got
	UserAgent string // which client sent it
	Raw       string // the Authorization header as received, for leak assertions
}

// front is the handler of the front server: the token endpoint in token
// mode, an auth log, and a reverse proxy to docker-registry that makes the
// realm and upload locations name whatever host the client used.
type front struct {
	token     bool // token mode (else htpasswd mode)
	auth      Authenticator
	authorize func(principal string, requested Access) []string
	signer    *signer
	lifetime  time.Duration
	now       func() time.Time
	backend   *url.URL
	proxy     *httputil.ReverseProxy

	mu     sync.Mutex
	log    []AuthAttempt
	tokens map[string]string   // JWT minted here -> principal
	allow  map[string][]string // repository -> the only principals granted on it (Registry.Restrict)
}

func newFront(backend *url.URL, transport http.RoundTripper) *front {
	f := &front{
		backend:  backend,
		lifetime: defaultTokenLifetime,
		now:      time.Now,
		tokens:   make(map[string]string),
	}
	f.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			scheme, host := requestOrigin(pr.In)
			pr.SetURL(backend)
			pr.SetXForwarded()
			// The client's view, so that anything docker-registry builds
			// from the request names the front host, never the backend.
			pr.Out.Host = host
			pr.Out.Header.Set("X-Forwarded-Proto", scheme)
			pr.Out.Header.Set("X-Forwarded-Host", host)
		},
		ModifyResponse: f.rewriteResponse,
		ErrorHandler:   f.proxyError,
		Transport:      transport,
		ErrorLog:       log.New(io.Discard, "", 0),
	}
	return f
}

// ServeHTTP serves the token endpoint (token mode) and proxies everything
// else, logging each request that carries credentials.
func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.token && r.URL.Path == TokenPath {
		f.serveToken(w, r)
		return
	}
	if r.Header.Get("Authorization") != "" {
		at := f.attempt(r)
		r = r.WithContext(context.WithValue(r.Context(), attemptKey{}, &at))
	}
	f.proxy.ServeHTTP(w, r)
}

// attemptKey carries a request's *AuthAttempt through the reverse proxy to
// rewriteResponse or proxyError, which record it before the client gets
// its answer: a client that has exited has been logged.
type attemptKey struct{}

// finishAttempt completes and records the attempt of a proxied request, if
// it carried credentials.
func (f *front) finishAttempt(r *http.Request, status int) {
	at, _ := r.Context().Value(attemptKey{}).(*AuthAttempt)
	if at == nil {
		return
	}
	at.Status = status
	at.Accepted = status != http.StatusUnauthorized && status != http.StatusForbidden
	switch at.Scheme {
	case "Bearer":
		f.mu.Lock()
		at.Principal = f.tokens[strings.TrimSpace(at.Raw[len("Bearer"):])]
		f.mu.Unlock()
	case "Basic":
		if at.Accepted && !f.token {
			at.Principal = at.Username
		}
	}
	f.record(*at)
}

// proxyError answers 502 when docker-registry cannot be reached.
func (f *front) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	f.finishAttempt(r, http.StatusBadGateway)
	registryError(w, http.StatusBadGateway, "UNAVAILABLE", "fakeregistry: docker-registry: "+err.Error())
}

// attempt starts the log entry of a request.
func (f *front) attempt(r *http.Request) AuthAttempt {
	raw := r.Header.Get("Authorization")
	at := AuthAttempt{Time: f.now(), Method: r.Method, Path: r.URL.Path, UserAgent: r.UserAgent(), Raw: raw}
	scheme, _, _ := strings.Cut(raw, " ")
	switch {
	case strings.EqualFold(scheme, "basic"):
		at.Scheme = "Basic"
		at.Username, _, _ = r.BasicAuth()
	case strings.EqualFold(scheme, "bearer"):
		at.Scheme = "Bearer"
	}
	return at
}

func (f *front) record(at AuthAttempt) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, at)
}

var realmParam = regexp.MustCompile(`realm="[^"]*"`)

// rewriteResponse makes the Bearer realm and upload Locations absolute URLs
// on the host and scheme the client used (docker-registry runs with
// relativeurls and knows only its configured realm).
func (f *front) rewriteResponse(resp *http.Response) error {
	out := resp.Request
	f.finishAttempt(out, resp.StatusCode)
	scheme, host := out.Header.Get("X-Forwarded-Proto"), out.Host
	origin := scheme + "://" + host
	if f.token {
		if vs := resp.Header.Values("WWW-Authenticate"); len(vs) > 0 {
			resp.Header.Del("WWW-Authenticate")
			for _, v := range vs {
				if strings.HasPrefix(strings.ToLower(v), "bearer ") {
					v = realmParam.ReplaceAllLiteralString(v, `realm="`+origin+TokenPath+`"`)
				}
				resp.Header.Add("WWW-Authenticate", v)
			}
		}
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		switch {
		case strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//"):
			resp.Header.Set("Location", origin+loc)
		default:
			if u, err := url.Parse(loc); err == nil && u.Host == f.backend.Host {
				u.Scheme, u.Host = scheme, host
				resp.Header.Set("Location", u.String())
			}
		}
	}
	return nil
}

// requestOrigin returns the scheme and host the client addressed: https
// when the request came over TLS or a terminator says so.
func requestOrigin(r *http.Request) (scheme, host string) {
	scheme = "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme, r.Host
}
