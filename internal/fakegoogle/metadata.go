package fakegoogle

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakehttp"
)

const (
	metadataPrefix  = "/computeMetadata/v1/"
	accountsDir     = "instance/service-accounts/"
	numericProject  = "123456789012"
	metadataZone    = "us-central1-a"
	metadataRefresh = 5 * time.Minute // a cached metadata token is reissued this long before expiry
)

// SetMetadataAccount points the metadata server's account alias (such as
// "default") at email; an empty email removes the alias. By default
// "default" is default-compute@fake-project.iam.gserviceaccount.com.
func (s *Server) SetMetadataAccount(account, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if email == "" {
		delete(s.aliases, account)
		return
	}
	s.aliases[account] = email
}

// serveMetadataRequest is the GCE metadata server: "/" answers the
// detection probe, everything under /computeMetadata/v1/ needs
// Metadata-Flavor: Google and no X-Forwarded-For, as on GCE.
func (s *Server) serveMetadataRequest(w http.ResponseWriter, r *http.Request) {
	suffix := strings.TrimPrefix(r.URL.Path+"/", metadataPrefix)
	suffix = suffix[:len(suffix)-1] // the added "/" only matched "/computeMetadata/v1"
	endpoints := []string{endpointMetadata}
	isToken := strings.HasPrefix(suffix, accountsDir) && strings.HasSuffix(suffix, "/token")
	if isToken {
		endpoints = []string{endpointMetadataToken, endpointMetadata}
	}
	w.Header().Set("Metadata-Flavor", "Google")
	w.Header().Set("Server", "Metadata Server for VM")
	if !s.begin(w, r, isToken, endpoints...) {
		return
	}
	if r.URL.Path == "/" {
		text(w, "computeMetadata/\n")
		return
	}
	if r.Header.Get("Metadata-Flavor") != "Google" || r.Header.Get("X-Forwarded-For") != "" {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "Missing Metadata-Flavor:Google header.\n")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	switch suffix {
	case "":
		text(w, "instance/\noslogin/\nproject/\nuniverse/\n")
	case "project/project-id":
		text(w, "fake-project")
	case "project/numeric-project-id":
		text(w, numericProject)
	case "instance/zone":
		text(w, "projects/"+numericProject+"/zones/"+metadataZone)
	case "instance/hostname":
		text(w, "fake-instance."+metadataZone+".c.fake-project.internal")
	case "instance/name":
		text(w, "fake-instance")
	case "universe/universe-domain", "universe/universe_domain":
		text(w, s.opts.Universe)
	case "instance/service-accounts", accountsDir:
		text(w, s.accountListing())
	default:
		if rest, ok := strings.CutPrefix(suffix, accountsDir); ok {
			s.serveAccount(w, r, rest)
			return
		}
		notFound(w)
	}
}

// accountListing is the directory of instance/service-accounts/: each
// alias and each email, as "name/" lines.
func (s *Server) accountListing() string {
	s.mu.Lock()
	var names []string
	for alias, email := range s.aliases {
		names = append(names, alias+"/")
		if !slices.Contains(names, email+"/") {
			names = append(names, email+"/")
		}
	}
	s.mu.Unlock()
	slices.Sort(names)
	return strings.Join(slices.Compact(names), "\n") + "\n"
}

// account resolves an alias or an email the instance has to an email.
func (s *Server) account(name string) (email string, aliases []string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, found := s.aliases[name]; found {
		email, ok = e, true
	}
	for _, e := range s.aliases {
		if e == name {
			email, ok = e, true
		}
	}
	for alias, e := range s.aliases {
		if e == email {
			aliases = append(aliases, alias)
		}
	}
	slices.Sort(aliases)
	return email, aliases, ok
}

// serveAccount answers instance/service-accounts/{acct}/{rest}.
func (s *Server) serveAccount(w http.ResponseWriter, r *http.Request, path string) {
	name, attr, _ := strings.Cut(path, "/")
	email, aliases, ok := s.account(name)
	if !ok {
		notFound(w)
		return
	}
	switch attr {
	case "":
		if r.URL.Query().Get("recursive") == "true" {
			fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"aliases": aliases, "email": email, "scopes": []string{cloudPlatform}})
			return
		}
		text(w, "aliases\nemail\nidentity\nscopes\ntoken\n")
	case "email":
		text(w, email)
	case "aliases":
		text(w, strings.Join(aliases, "\n")+"\n")
	case "scopes":
		text(w, cloudPlatform+"\n")
	case "token":
		s.serveMetadataToken(w, r, email)
	case "identity":
		s.serveIdentity(w, r, email)
	default:
		notFound(w)
	}
}

// serveMetadataToken hands out the instance's token for email. Like GCE it
// caches: the same token comes back, with a shrinking expires_in, until it
// is within metadataRefresh of expiry. ?scopes= (comma-separated) asks for a
// token with those scopes instead of the instance's.
func (s *Server) serveMetadataToken(w http.ResponseWriter, r *http.Request, email string) {
	scope := cloudPlatform
	if v := r.URL.Query().Get("scopes"); v != "" {
		scope = strings.Join(strings.Split(v, ","), " ")
	}
	key := email + "\x00" + scope
	s.mu.Lock()
	tok := s.mds[key]
	s.mu.Unlock()
	g, ok := s.lookup(tok)
	if !ok || g.expiry.Sub(s.opts.Now()) < metadataRefresh {
		var exp time.Time
		g = grant{principal: email, scope: scope}
		tok, exp = s.mint(g, 0)
		g.expiry = exp
		s.mu.Lock()
		s.mds[key] = tok
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": s.expiresIn(g.expiry), "token_type": "Bearer"})
}

// serveIdentity hands out an ID token for ?audience=, with email claims
// when ?format=full. Its signature is random: nothing here can verify it.
func (s *Server) serveIdentity(w http.ResponseWriter, r *http.Request, email string) {
	q := r.URL.Query()
	if q.Get("audience") == "" {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "non-empty audience parameter required\n")
		return
	}
	now := s.opts.Now()
	claims := map[string]any{
		"aud": q.Get("audience"),
		"azp": numericProject,
		"exp": now.Add(time.Hour).Unix(),
		"iat": now.Unix(),
		"iss": "https://accounts.google.com",
		"sub": numericProject,
	}
	if q.Get("format") == "full" {
		claims["email"] = email
		claims["email_verified"] = true
	}
	tok := signedLooking(claims)
	s.mu.Lock()
	s.secrets = append(s.secrets, tok)
	s.mu.Unlock()
	text(w, tok)
}

// text answers 200 with a metadata value, typed as GCE types it.
func text(w http.ResponseWriter, v string) {
	w.Header().Set("Content-Type", "application/text")
	io.WriteString(w, v)
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, "Not Found\n")
}

// signedLooking encodes claims as an RS256 JWT with a random signature.
func signedLooking(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	sig := make([]byte, 256)
	rand.Read(sig)
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}
