package token

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

const (
	fedResource = "projects/123456789012/locations/global/workloadIdentityPools/clusters/providers/prod"
	fedPool     = "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/clusters"
)

// fedServer starts a fake Google closed with the test.
func fedServer(t *testing.T, opts fakegoogle.Options) *fakegoogle.Server {
	t.Helper()
	g, err := fakegoogle.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	return g
}

// googleHosts is a transport that serves https://sts.UNIVERSE and
// https://iamcredentials.UNIVERSE from fake Google servers, keeping the
// Host the product asked for (the fake tells universes apart by it), and
// records every host asked. A host it has no server for is refused, so
// nothing reaches the network.
type googleHosts struct {
	servers map[string]*fakegoogle.Server // universe -> fake

	mu    sync.Mutex
	asked []string
}

func (h *googleHosts) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.asked = append(h.asked, req.URL.Host)
	h.mu.Unlock()
	var g *fakegoogle.Server
	for _, svc := range []string{"sts.", "iamcredentials."} {
		if u, ok := strings.CutPrefix(req.URL.Host, svc); ok {
			g = h.servers[u]
		}
	}
	if req.URL.Scheme == "http" && strings.HasPrefix(req.URL.Host, "127.0.0.1:") {
		return http.DefaultTransport.RoundTrip(req) // a fake's own URL (GitHub's ID token endpoint)
	}
	if req.URL.Scheme != "https" || g == nil {
		return nil, errors.New("test transport: no fake for " + req.URL.Scheme + "://" + req.URL.Host)
	}
	target, _ := url.Parse(g.URL)
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = target.Scheme, target.Host
	out.Host = req.URL.Host
	return http.DefaultTransport.RoundTrip(out)
}

func (h *googleHosts) hosts() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.asked)
}

// fedCluster registers a cluster issuer on provider audience of g.
func fedCluster(t *testing.T, g *fakegoogle.Server, name, audience string, cfg fakegoogle.ProviderConfig) *fakegoogle.Issuer {
	t.Helper()
	iss := fedIssuer(t, g, name)
	cfg.Audience, cfg.Issuer = audience, iss
	if err := g.AddProvider(cfg); err != nil {
		t.Fatal(err)
	}
	return iss
}

func ksa(t *testing.T, iss *fakegoogle.Issuer, ns, name, aud string, life time.Duration) string {
	t.Helper()
	tok, err := iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: ns, Name: name, Pod: name + "-0"}, []string{aud}, life)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestExchangeToken(t *testing.T) {
	g := fedServer(t, fakegoogle.Options{})
	p, err := ParseWorkloadProvider(fedResource, "")
	if err != nil {
		t.Fatal(err)
	}
	iss := fedCluster(t, g, "cluster", p.Audience(), fakegoogle.ProviderConfig{})
	rt := &googleHosts{servers: map[string]*fakegoogle.Server{"googleapis.com": g}}
	hc := &http.Client{Transport: rt}

	for _, name := range []string{"alice", "bob"} {
		subject := ksa(t, iss, "team", name, p.OIDCAudience(), time.Hour)
		start := time.Now()
		tok, err := ExchangeToken(t.Context(), hc, ExchangeRequest{Universe: p.Universe, Audience: p.Audience(), SubjectToken: subject})
		if err != nil {
			t.Fatalf("ExchangeToken(%s) error = %v", name, err)
		}
		want := fedPool + "/subject/system:serviceaccount:team:" + name
		if got, _ := g.Principal(tok.AccessToken); got != "principal:"+want || got != p.PoolPrincipal("system:serviceaccount:team:"+name) {
			t.Errorf("Principal(ExchangeToken(%s)) = %q, want principal:%s", name, got, want)
		}
		if d := tok.Expiry.Sub(start); d < 59*time.Minute || d > time.Hour {
			t.Errorf("ExchangeToken(%s).Expiry = start + %v, want about 1h", name, d)
		}
		if tok.Universe != "googleapis.com" {
			t.Errorf("ExchangeToken(%s).Universe = %q, want googleapis.com", name, tok.Universe)
		}
	}
	if got := rt.hosts(); !slices.Equal(got, []string{"sts.googleapis.com", "sts.googleapis.com"}) {
		t.Errorf("hosts asked = %v, want sts.googleapis.com twice", got)
	}
	if got := g.Count("sts"); got != 2 {
		t.Errorf("Count(sts) = %d, want 2", got)
	}
}

// TestExchangeTokenRequest checks the request is exactly what Google's
// own clients send.
func TestExchangeTokenRequest(t *testing.T) {
	var form url.Values
	var header http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Clone()
		r.ParseForm()
		form = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"ya29.federated","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3599}`)
	}))
	defer srv.Close()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tok, err := ExchangeToken(t.Context(), srv.Client(), ExchangeRequest{
		Audience: "//iam.googleapis.com/" + fedResource, SubjectToken: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
		Endpoint: srv.URL + "/v1/token", Now: func() time.Time { return now },
	})
	if err != nil || tok.AccessToken != "ya29.federated" || !tok.Expiry.Equal(now.Add(3599*time.Second)) {
		t.Fatalf("ExchangeToken() = %+v, %v, want ya29.federated expiring at now+3599s", tok, err)
	}
	want := url.Values{
		"audience":             {"//iam.googleapis.com/" + fedResource},
		"grant_type":           {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"requested_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
		"subject_token_type":   {"urn:ietf:params:oauth:token-type:jwt"},
		"subject_token":        {"eyJhbGciOiJSUzI1NiJ9.e30.c2ln"},
		"scope":                {"https://www.googleapis.com/auth/cloud-platform"},
	}
	if form.Encode() != want.Encode() {
		t.Errorf("STS form = %v, want %v", form, want)
	}
	if ct := header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q, want application/x-www-form-urlencoded", ct)
	}
	if header.Get("Authorization") != "" {
		t.Error("the exchange sent an Authorization header; STS wants none")
	}
}

func TestExchangeTokenUniverses(t *testing.T) {
	google := fedServer(t, fakegoogle.Options{})
	s3ns := fedServer(t, fakegoogle.Options{Universe: "s3nsapis.fr"})
	rt := &googleHosts{servers: map[string]*fakegoogle.Server{"googleapis.com": google, "s3nsapis.fr": s3ns}}
	hc := &http.Client{Transport: rt}

	p, err := ParseWorkloadProvider("//iam.s3nsapis.fr/"+fedResource, "")
	if err != nil {
		t.Fatal(err)
	}
	iss := fedCluster(t, s3ns, "cluster", p.Audience(), fakegoogle.ProviderConfig{})
	subject := ksa(t, iss, "ns", "app", p.OIDCAudience(), time.Hour)
	tok, err := ExchangeToken(t.Context(), hc, ExchangeRequest{Universe: p.Universe, Audience: p.Audience(), SubjectToken: subject})
	if err != nil {
		t.Fatalf("ExchangeToken(s3ns) error = %v", err)
	}
	want := "principal://iam.s3nsapis.fr/projects/123456789012/locations/global/workloadIdentityPools/clusters/subject/system:serviceaccount:ns:app"
	if got, _ := s3ns.Principal(tok.AccessToken); got != want || tok.Universe != "s3nsapis.fr" {
		t.Errorf("ExchangeToken(s3ns) = principal %q, universe %q; want %q, s3nsapis.fr", got, tok.Universe, want)
	}
	if got := rt.hosts(); !slices.Equal(got, []string{"sts.s3nsapis.fr"}) || google.Count("sts") != 0 {
		t.Errorf("hosts asked = %v, googleapis.com STS requests %d; want only sts.s3nsapis.fr", got, google.Count("sts"))
	}

	// The product never sends an s3ns provider's token to googleapis.com,
	// nor the reverse.
	for _, tt := range []struct{ universe, audience string }{
		{"googleapis.com", p.Audience()},
		{"s3nsapis.fr", "//iam.googleapis.com/" + fedResource},
		{"s3nsapis.fr", "identitynamespace:proj-1.svc.id.goog:https://container.googleapis.com/v1/projects/proj-1/locations/l1/clusters/c"},
		{"googleapis.com", "projects/1/locations/global/workloadIdentityPools/p/providers/q"},
	} {
		_, err := ExchangeToken(t.Context(), hc, ExchangeRequest{Universe: tt.universe, Audience: tt.audience, SubjectToken: subject})
		if err == nil {
			t.Errorf("ExchangeToken(universe %s, audience %s) = nil error, want a refusal before any request", tt.universe, tt.audience)
		}
	}
	if got := len(rt.hosts()); got != 1 {
		t.Errorf("requests after the cross-universe refusals = %d, want still 1", got)
	}

	// A fake serving the wrong universe's audience refuses it as Google does.
	_, err = ExchangeToken(t.Context(), nil, ExchangeRequest{Universe: "s3nsapis.fr", Audience: p.Audience(), SubjectToken: subject, Endpoint: google.URL + "/v1/token"})
	var se *STSError
	if !errors.As(err, &se) || se.Code != "invalid_request" {
		t.Errorf("ExchangeToken(s3ns audience at the googleapis.com fake) error = %v, want STS invalid_request", err)
	}
}

func TestExchangeTokenRefusals(t *testing.T) {
	clock := fakegoogle.NewClock(time.Now())
	g := fedServer(t, fakegoogle.Options{Now: clock.Now})
	p, _ := ParseWorkloadProvider(fedResource, "")
	iss := fedCluster(t, g, "cluster", p.Audience(), fakegoogle.ProviderConfig{
		Condition: func(c map[string]any) bool { return c["sub"] != "system:serviceaccount:ns:mallory" },
	})
	impostor, err := g.NewIssuer("impostor", fakegoogle.IssuerOptions{URL: iss.URL})
	if err != nil {
		t.Fatal(err)
	}
	good := ksa(t, iss, "ns", "app", p.OIDCAudience(), time.Hour)
	parts := strings.Split(good, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(claims), `"app"`, `"adm"`, 1))) + "." + parts[2]
	expired := ksa(t, iss, "ns", "app", p.OIDCAudience(), time.Minute)
	clock.Add(2 * time.Minute)

	tests := []struct {
		name, subject, audience string
		code, inMessage         string
	}{
		{"expired JWT", expired, p.Audience(), "invalid_grant", "expired"},
		{"wrong JWT audience", ksa(t, iss, "ns", "app", "https://kubernetes.default.svc", time.Hour), p.Audience(), "invalid_grant", "audience"},
		{"wrong issuer key", ksa(t, impostor, "ns", "app", p.OIDCAudience(), time.Hour), p.Audience(), "invalid_grant", "signature"},
		{"tampered signature", tampered, p.Audience(), "invalid_grant", "signature"},
		{"attribute condition", ksa(t, iss, "ns", "mallory", p.OIDCAudience(), time.Hour), p.Audience(), "unauthorized_client", "attribute condition"},
		{"no such provider", good, "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/clusters/providers/gone", "invalid_target", "does not exist"},
	}
	hc := &http.Client{Transport: &googleHosts{servers: map[string]*fakegoogle.Server{"googleapis.com": g}}}
	for _, tt := range tests {
		_, err := ExchangeToken(t.Context(), hc, ExchangeRequest{Audience: tt.audience, SubjectToken: tt.subject})
		var se *STSError
		if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.Code != tt.code {
			t.Errorf("ExchangeToken(%s) error = %v, want HTTP 400 %s", tt.name, err, tt.code)
			continue
		}
		msg := err.Error()
		var h *hintError
		if !strings.Contains(msg, tt.inMessage) && !(errors.As(err, &h) && strings.Contains(h.hint, tt.inMessage)) {
			t.Errorf("ExchangeToken(%s) error = %q, want it (or its hint) to mention %q", tt.name, msg, tt.inMessage)
		}
		if !strings.HasPrefix(msg, "sts.googleapis.com refused the token exchange for //iam.googleapis.com/") || len(msg) > 600 {
			t.Errorf("ExchangeToken(%s) error = %q, want a short message naming sts.googleapis.com and the provider", tt.name, msg)
		}
		if !errors.As(err, &h) || h.hint == "" {
			t.Errorf("ExchangeToken(%s) error has no next step", tt.name)
		}
		assertNoSecret(t, tt.name, msg, tt.subject)
	}
}

func TestExchangeTokenBadAnswers(t *testing.T) {
	g := fedServer(t, fakegoogle.Options{})
	p, _ := ParseWorkloadProvider(fedResource, "")
	iss := fedCluster(t, g, "cluster", p.Audience(), fakegoogle.ProviderConfig{})
	subject := ksa(t, iss, "ns", "app", p.OIDCAudience(), time.Hour)
	hc := &http.Client{Transport: &googleHosts{servers: map[string]*fakegoogle.Server{"googleapis.com": g}}}
	r := ExchangeRequest{Audience: p.Audience(), SubjectToken: subject}

	tests := []struct {
		name  string
		fault fakegoogle.Fault
		want  string
	}{
		{"500 echoing the subject", fakegoogle.Fault{Status: 500, Body: `{"error":"internal_failure","error_description":"backend saw ` + subject + `"}`}, "HTTP 500, internal_failure: backend saw [subject token]"},
		{"HTML 502", fakegoogle.Fault{Status: 502, Body: "<html>" + subject + "</html>"}, "HTTP 502)"},
		{"200 not JSON", fakegoogle.Fault{Status: 200, Body: "<html>ok " + subject + "</html>"}, "not a token"},
		{"200 without expires_in", fakegoogle.Fault{Status: 200, Body: `{"access_token":"ya29.x","token_type":"Bearer"}`}, "expires_in"},
		{"200 too big", fakegoogle.Fault{Status: 200, Body: `{"access_token":"` + strings.Repeat("a", 1<<20) + `"}`}, "over"},
	}
	for _, tt := range tests {
		g.SetFault("sts", tt.fault)
		_, err := ExchangeToken(t.Context(), hc, r)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ExchangeToken(%s) error = %v, want it to contain %q", tt.name, err, tt.want)
			continue
		}
		assertNoSecret(t, tt.name, err.Error(), subject)
	}

	// A hung STS: the context's deadline ends the exchange.
	g.SetFault("sts", fakegoogle.Fault{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ExchangeToken(ctx, hc, r)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("ExchangeToken(hung STS, 200ms deadline) = %v after %v, want a deadline error at once", err, time.Since(start))
	}
}

func TestExchangeTokenLocalRefusals(t *testing.T) {
	hc := &http.Client{Transport: &googleHosts{}}
	aud := "//iam.googleapis.com/" + fedResource
	for _, tt := range []struct {
		name string
		r    ExchangeRequest
	}{
		{"empty subject", ExchangeRequest{Audience: aud}},
		{"huge subject", ExchangeRequest{Audience: aud, SubjectToken: strings.Repeat("a", MaxJWTSize+1)}},
		{"bad universe", ExchangeRequest{Universe: "evil.example/x", Audience: aud, SubjectToken: "x.y.z"}},
		{"URL audience", ExchangeRequest{Audience: "https://iam.googleapis.com/" + fedResource, SubjectToken: "x.y.z"}},
	} {
		if _, err := ExchangeToken(t.Context(), hc, tt.r); err == nil {
			t.Errorf("ExchangeToken(%s) = nil error, want a refusal", tt.name)
		}
	}
}

// assertNoSecret fails when msg holds the token or a long piece of it.
func assertNoSecret(t *testing.T, name, msg, secret string) {
	t.Helper()
	for _, part := range strings.Split(secret, ".") {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Errorf("%s: the error holds part of the subject token", name)
			return
		}
	}
}

// TestExchangeGitHubToken: a GitHub Actions token for the provider's
// default OIDC audience federates to the pool principal of its sub.
func TestExchangeGitHubToken(t *testing.T) {
	g := fedServer(t, fakegoogle.Options{})
	p, _ := ParseWorkloadProvider("//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github", "")
	job, err := g.NewGitHubActions("octo-org/app")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.AddProvider(fakegoogle.ProviderConfig{Audience: p.Audience(), Issuer: job.Issuer, CapLifetime: true,
		Condition: func(c map[string]any) bool { return c["repository_owner"] == "octo-org" }}); err != nil {
		t.Fatal(err)
	}
	jwt, err := job.Token(p.OIDCAudience())
	if err != nil {
		t.Fatal(err)
	}
	claims, err := ReadJWT(jwt, time.Now())
	if err != nil || claims.Repository != "octo-org/app" {
		t.Fatalf("ReadJWT(GitHub token) = %+v, %v", claims, err)
	}
	hc := &http.Client{Transport: &googleHosts{servers: map[string]*fakegoogle.Server{"googleapis.com": g}}}
	tok, err := ExchangeToken(t.Context(), hc, ExchangeRequest{Universe: p.Universe, Audience: p.Audience(), SubjectToken: jwt})
	if err != nil {
		t.Fatalf("ExchangeToken(GitHub token) error = %v", err)
	}
	if got, _ := g.Principal(tok.AccessToken); got != p.PoolPrincipal(claims.Subject) {
		t.Errorf("Principal(federated GitHub token) = %q, want %q", got, p.PoolPrincipal(claims.Subject))
	}
	// Capped at the 5-minute JWT, as a direct WIF token is.
	if life := time.Until(tok.Expiry); life > 5*time.Minute {
		t.Errorf("federated token of a 5-minute JWT lives %v, want at most 5m", life)
	}
}
