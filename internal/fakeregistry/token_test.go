package fakeregistry

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		in     string
		want   Access
		wantOK bool
	}{
		{"repository:proj/repo:pull,push", Access{"repository", "proj/repo", []string{"pull", "push"}}, true},
		{"repository:proj/repo/img:pull", Access{"repository", "proj/repo/img", []string{"pull"}}, true},
		{"registry:catalog:*", Access{"registry", "catalog", []string{"*"}}, true},
		{"repository:host:5000/img:push,pull,push", Access{"repository", "host:5000/img", []string{"push", "pull"}}, true},
		{"repository:img:", Access{}, false},
		{"repository::pull", Access{}, false},
		{"nonsense", Access{}, false},
	}
	for _, tt := range tests {
		got, ok := parseScope(tt.in)
		if ok != tt.wantOK || (ok && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("parseScope(%q) = %+v, %v, want %+v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// newTokenFront is a token-mode front server without a registry behind it.
func newTokenFront(t *testing.T, authorize func(string, Access) []string) (*front, *httptest.Server) {
	t.Helper()
	s, err := newSigner()
	if err != nil {
		t.Fatal(err)
	}
	f := newFront(&url.URL{Scheme: "http", Host: "127.0.0.1:1"}, http.DefaultTransport)
	f.token, f.auth, f.authorize, f.signer = true, goodAuth, authorize, s
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// verifyJWT checks tok's ES256 signature against s and returns its claims.
func verifyJWT(t *testing.T, s *signer, tok string) claims {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts, want 3", tok, len(parts))
	}
	dec := base64.RawURLEncoding
	var header struct {
		Alg string
		X5c []string
	}
	hb, _ := dec.DecodeString(parts[0])
	if err := json.Unmarshal(hb, &header); err != nil {
		t.Fatalf("JWT header %s: %v", hb, err)
	}
	if header.Alg != "ES256" || len(header.X5c) != 1 {
		t.Fatalf("JWT header = %s, want alg ES256 and one x5c certificate", hb)
	}
	der, err := base64.StdEncoding.DecodeString(header.X5c[0])
	if err != nil {
		t.Fatalf("x5c is not standard base64: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil || !bytes.Equal(der, s.certDER) {
		t.Fatalf("x5c certificate (%v) is not the signing certificate", err)
	}
	sig, _ := dec.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	pub := cert.PublicKey.(*ecdsa.PublicKey)
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatalf("JWT signature does not verify against the x5c certificate")
	}
	var c claims
	cb, _ := dec.DecodeString(parts[1])
	if err := json.Unmarshal(cb, &c); err != nil {
		t.Fatalf("JWT claims %s: %v", cb, err)
	}
	return c
}

func TestTokenEndpoint(t *testing.T) {
	f, srv := newTokenFront(t, nil)
	host := strings.TrimPrefix(srv.URL, "http://")

	get := func(query, user, pass string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+TokenPath+query, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body json.RawMessage
		json.NewDecoder(resp.Body).Decode(&body)
		return resp, body
	}

	for _, tt := range []struct{ name, user, pass, wantMsg string }{
		{"anonymous", "", "", "Unauthenticated request"},
		{"wrong password", "oauth2accesstoken", "bad", `failed authentication for user "oauth2accesstoken"`},
	} {
		resp, body := get("?scope=repository:proj/repo:pull", tt.user, tt.pass)
		var e struct {
			Errors []struct{ Code, Message string }
		}
		json.Unmarshal(body, &e)
		if resp.StatusCode != 401 || len(e.Errors) != 1 || e.Errors[0].Code != "DENIED" || !strings.Contains(e.Errors[0].Message, tt.wantMsg) {
			t.Errorf("%s: GET %s = %d %s, want 401 DENIED %q", tt.name, TokenPath, resp.StatusCode, body, tt.wantMsg)
		}
		if got, want := resp.Header.Get("WWW-Authenticate"), `Basic realm="http://`+host+TokenPath+`"`; got != want {
			t.Errorf("%s: WWW-Authenticate = %q, want %q", tt.name, got, want)
		}
		if strings.Contains(string(body), "bad") {
			t.Errorf("%s: body %s repeats the password", tt.name, body)
		}
	}

	before := time.Now().Unix()
	resp, body := get("?service=fakeregistry&scope=repository:proj/repo:pull,push&scope=repository:proj/other:pull", "oauth2accesstoken", "good")
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s with good credentials = %d %s, want 200", TokenPath, resp.StatusCode, body)
	}
	if tr.Token == "" || tr.AccessToken != tr.Token || tr.ExpiresIn != 300 {
		t.Errorf("token response = %+v, want token = access_token and expires_in 300", tr)
	}
	if _, err := time.Parse(time.RFC3339, tr.IssuedAt); err != nil {
		t.Errorf("issued_at = %q, want RFC 3339: %v", tr.IssuedAt, err)
	}
	c := verifyJWT(t, f.signer, tr.Token)
	wantAccess := []Access{{"repository", "proj/repo", []string{"pull", "push"}}, {"repository", "proj/other", []string{"pull"}}}
	if c.Issuer != Issuer || c.Audience != Service || c.Subject != "alice@example.com" || c.JWTID == "" ||
		c.IssuedAt < before || c.Expiration != c.IssuedAt+300 || c.NotBefore > c.IssuedAt || !reflect.DeepEqual(c.Access, wantAccess) {
		t.Errorf("claims = %+v, want iss %s aud %s sub alice@example.com, 300 s, access %+v", c, Issuer, Service, wantAccess)
	}

	// No scope, as docker login asks: a token with an empty access list.
	_, body = get("?service=fakeregistry", "oauth2accesstoken", "good")
	json.Unmarshal(body, &tr)
	if c := verifyJWT(t, f.signer, tr.Token); c.Access == nil || len(c.Access) != 0 {
		t.Errorf("claims without scope: access = %#v, want []", c.Access)
	}

	f.mu.Lock()
	log := f.log
	f.mu.Unlock()
	if len(log) != 4 {
		t.Fatalf("auth log has %d entries, want 4: %+v", len(log), log)
	}
	if a := log[0]; a.Scheme != "" || a.Accepted || a.Status != 401 {
		t.Errorf("anonymous attempt = %+v, want no scheme, refused, 401", a)
	}
	if a := log[1]; a.Scheme != "Basic" || a.Username != "oauth2accesstoken" || a.Accepted || a.Principal != "" || !strings.HasPrefix(a.Raw, "Basic ") {
		t.Errorf("wrong-password attempt = %+v, want refused Basic oauth2accesstoken with the raw header", a)
	}
	if a := log[2]; !a.Accepted || a.Principal != "alice@example.com" || a.Status != 200 {
		t.Errorf("good attempt = %+v, want accepted as alice@example.com", a)
	}
}

func TestTokenEndpointPOSTAndAuthorize(t *testing.T) {
	pullOnly := func(principal string, a Access) []string {
		if a.Name == "proj/secret" {
			return nil
		}
		return []string{"pull"}
	}
	f, srv := newTokenFront(t, pullOnly)
	post := func(form url.Values) (int, tokenResponse) {
		t.Helper()
		resp, err := srv.Client().PostForm(srv.URL+TokenPath, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr tokenResponse
		json.NewDecoder(resp.Body).Decode(&tr)
		return resp.StatusCode, tr
	}
	status, tr := post(url.Values{"grant_type": {"password"}, "username": {"oauth2accesstoken"}, "password": {"good"},
		"scope": {"repository:proj/repo:pull,push repository:proj/secret:pull"}, "service": {Service}})
	if status != 200 {
		t.Fatalf("POST grant_type=password = %d, want 200", status)
	}
	if c, want := verifyJWT(t, f.signer, tr.Token), []Access{{"repository", "proj/repo", []string{"pull"}}}; !reflect.DeepEqual(c.Access, want) {
		t.Errorf("access with Authorize = %+v, want %+v", c.Access, want)
	}
	if status, _ := post(url.Values{"grant_type": {"password"}, "username": {"oauth2accesstoken"}, "password": {"bad"}}); status != 401 {
		t.Errorf("POST grant_type=password with a wrong password = %d, want 401", status)
	}
	if status, _ := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}); status != 400 {
		t.Errorf("POST grant_type=refresh_token = %d, want 400", status)
	}
}

func TestRewriteResponse(t *testing.T) {
	backend := &url.URL{Scheme: "http", Host: "127.0.0.1:5000"}
	tests := []struct {
		name      string
		token     bool
		tls       bool
		forwarded string
		host      string
		auth, loc string
		wantAuth  string
		wantLoc   string
	}{
		{"plain", true, false, "", "127.0.0.1:9", `Bearer realm="http://127.0.0.1:9/v2/token",service="fakeregistry"`, "/v2/a/blobs/uploads/u?_state=x",
			`Bearer realm="http://127.0.0.1:9/v2/token",service="fakeregistry"`, "http://127.0.0.1:9/v2/a/blobs/uploads/u?_state=x"},
		{"tls real name", true, true, "", realHost, `Bearer realm="http://127.0.0.1:9/v2/token",service="fakeregistry",scope="repository:p/r:pull",error="insufficient_scope"`, "/v2/p/r/blobs/uploads/u",
			`Bearer realm="https://` + realHost + `/v2/token",service="fakeregistry",scope="repository:p/r:pull",error="insufficient_scope"`, "https://" + realHost + "/v2/p/r/blobs/uploads/u"},
		{"forwarded https", true, false, "https", realHost, `Bearer realm="x"`, "http://127.0.0.1:5000/v2/p/r/blobs/uploads/u",
			`Bearer realm="https://` + realHost + `/v2/token"`, "https://" + realHost + "/v2/p/r/blobs/uploads/u"},
		{"foreign location kept", true, false, "", "127.0.0.1:9", "", "https://storage.example/blob", "", "https://storage.example/blob"},
		{"htpasswd realm kept", false, true, "", "ncr.example", `Basic realm="fakeregistry"`, "", `Basic realm="fakeregistry"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFront(backend, http.DefaultTransport)
			f.token = tt.token
			in := httptest.NewRequest(http.MethodGet, "http://"+tt.host+"/v2/", nil)
			if tt.tls {
				in.TLS = &tls.ConnectionState{}
			}
			if tt.forwarded != "" {
				in.Header.Set("X-Forwarded-Proto", tt.forwarded)
			}
			out := httptest.NewRequest(http.MethodGet, backend.String()+"/v2/", nil)
			f.proxy.Rewrite(&httputil.ProxyRequest{In: in, Out: out})
			resp := &http.Response{Header: http.Header{}, Request: out}
			if tt.auth != "" {
				resp.Header.Set("WWW-Authenticate", tt.auth)
			}
			if tt.loc != "" {
				resp.Header.Set("Location", tt.loc)
			}
			f.rewriteResponse(resp)
			if got := resp.Header.Get("WWW-Authenticate"); got != tt.wantAuth {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantAuth)
			}
			if got := resp.Header.Get("Location"); got != tt.wantLoc {
				t.Errorf("Location = %q, want %q", got, tt.wantLoc)
			}
		})
	}
}

// A registry token past exp (and docker-registry's 60 s leeway) is refused
// by the registry itself, so tests of token refresh see a real 401.
func TestExpiredTokenRefused(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	r := startRegistry(t, Options{Auth: goodAuth, Now: clock})

	mint := func() string {
		req, _ := http.NewRequest(http.MethodGet, "http://"+r.Host+TokenPath+"?scope=repository:proj/repo:pull", nil)
		req.SetBasicAuth("oauth2accesstoken", "good")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr tokenResponse
		json.NewDecoder(resp.Body).Decode(&tr)
		return tr.Token
	}
	head := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+r.Host+"/v2/proj/repo/tags/list", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fresh := mint()
	mu.Lock()
	now = now.Add(-10 * time.Minute) // minted 10 minutes ago: expired 5 minutes ago
	mu.Unlock()
	stale := mint()

	if got := head(fresh); got != http.StatusNotFound {
		t.Errorf("tags/list with a fresh token = %d, want 404 (authorized, no such repository)", got)
	}
	if got := head(stale); got != http.StatusUnauthorized {
		t.Errorf("tags/list with an expired token = %d, want 401", got)
	}
	log := attempts(r.AuthLog(), func(a AuthAttempt) bool { return a.Scheme == "Bearer" })
	if len(log) != 2 || !log[0].Accepted || log[1].Accepted || log[1].Principal != "alice@example.com" {
		t.Errorf("Bearer attempts = %+v, want the fresh one accepted and the stale one refused, both for alice@example.com", log)
	}
}

// A repository's allow-list: its principals get what they ask on it,
// others a token without it; other repositories are untouched.
func TestRestrict(t *testing.T) {
	f, srv := newTokenFront(t, nil)
	access := func() []Access {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+TokenPath+"?service="+Service+
			"&scope="+url.QueryEscape("repository:proj/a:pull")+"&scope="+url.QueryEscape("repository:proj/b:pull,push"), nil)
		req.SetBasicAuth("oauth2accesstoken", "good") // alice@example.com
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr tokenResponse
		if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != 200 {
			t.Fatalf("token request = %d, %v", resp.StatusCode, err)
		}
		return verifyJWT(t, f.signer, tr.Token).Access
	}
	both := []Access{{"repository", "proj/a", []string{"pull"}}, {"repository", "proj/b", []string{"pull", "push"}}}
	if got := access(); !reflect.DeepEqual(got, both) {
		t.Errorf("access without allow-lists = %+v, want %+v", got, both)
	}
	f.restrict("proj/a", []string{"bob@example.com"})
	if got, want := access(), both[1:]; !reflect.DeepEqual(got, want) {
		t.Errorf("access with proj/a restricted to bob = %+v, want %+v", got, want)
	}
	f.restrict("proj/a", []string{"bob@example.com", "alice@example.com"})
	if got := access(); !reflect.DeepEqual(got, both) {
		t.Errorf("access with alice on proj/a's list = %+v, want %+v", got, both)
	}
	f.restrict("proj/b", nil)
	if got, want := access(), both[:1]; !reflect.DeepEqual(got, want) {
		t.Errorf("access with proj/b restricted to nobody = %+v, want %+v", got, want)
	}
	// A repository's list covers the images under it, not its siblings.
	f.restrict("proj/b", []string{"alice@example.com"})
	f.restrict("proj", []string{"alice@example.com", "bob@example.com"})
	f.restrict("proj/a/img", []string{"bob@example.com"})
	f.restrict("proj/bb", []string{"bob@example.com"})
	if got := access(); !reflect.DeepEqual(got, both) {
		t.Errorf("access with lists on proj, proj/a/img and proj/bb = %+v, want %+v", got, both)
	}
	f.restrict("proj", []string{"bob@example.com"})
	if got := access(); len(got) != 0 {
		t.Errorf("access with proj restricted to bob = %+v, want none", got)
	}
}
