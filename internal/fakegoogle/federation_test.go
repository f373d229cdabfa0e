package fakegoogle

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	testPool     = "projects/123456789012/locations/global/workloadIdentityPools/clusters/providers/prod"
	testAudience = "//iam.googleapis.com/" + testPool
	s3nsAudience = "//iam.s3nsapis.fr/" + testPool
)

// stsAnswer is what STS said, either way.
type stsAnswer struct {
	Status      int
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// exchange posts a token exchange to s, addressed to host ("" for the
// server's own URL), form-encoded as Google's Go client sends it.
func exchange(t *testing.T, s *Server, host, audience, subject string) stsAnswer {
	t.Helper()
	form := url.Values{
		"grant_type":           {tokenExchange},
		"requested_token_type": {accessTokenType},
		"subject_token_type":   {jwtTokenType},
		"subject_token":        {subject},
		"audience":             {audience},
		"scope":                {cloudPlatform},
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if host != "" {
		req.Host = host
	}
	return doSTS(t, req)
}

func doSTS(t *testing.T, req *http.Request) stsAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("STS: %v", err)
	}
	defer resp.Body.Close()
	a := stsAnswer{Status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("STS answer: %v", err)
	}
	return a
}

// cluster is a fake cluster issuer registered on testAudience.
func cluster(t *testing.T, s *Server, c ProviderConfig) *Issuer {
	t.Helper()
	iss, err := s.NewIssuer("cluster", IssuerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Audience == "" {
		c.Audience = testAudience
	}
	c.Issuer = iss
	if err := s.AddProvider(c); err != nil {
		t.Fatalf("AddProvider: %v", err)
	}
	return iss
}

func ksaToken(t *testing.T, iss *Issuer, ns, name string, aud string, life time.Duration) string {
	t.Helper()
	tok, err := iss.KubernetesToken(KubernetesServiceAccount{Namespace: ns, Name: name, Pod: name + "-7d9f", Node: "node-1"}, []string{aud}, life)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestFederatedExchange(t *testing.T) {
	s := newServer(t, Options{})
	iss := cluster(t, s, ProviderConfig{})
	defaultAud := "https://iam.googleapis.com/" + testPool
	for _, sa := range []struct{ ns, name, aud string }{{"team-a", "alice", testAudience}, {"team-b", "bob", defaultAud}} {
		a := exchange(t, s, "", testAudience, ksaToken(t, iss, sa.ns, sa.name, sa.aud, time.Hour))
		if a.Status != http.StatusOK {
			t.Fatalf("exchange(%s) = %d %s: %s, want 200", sa.name, a.Status, a.Error, a.Description)
		}
		want := "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/clusters/subject/system:serviceaccount:" + sa.ns + ":" + sa.name
		if got, ok := s.Principal(a.AccessToken); !ok || got != want {
			t.Errorf("Principal(token of %s) = %q, %v, want %q", sa.name, got, ok, want)
		}
		if got, _ := s.PoolPrincipal(testAudience, "system:serviceaccount:"+sa.ns+":"+sa.name); got != want {
			t.Errorf("PoolPrincipal(%s) = %q, want %q", sa.name, got, want)
		}
		if a.ExpiresIn < 3590 || a.ExpiresIn > 3599 {
			t.Errorf("expires_in for %s = %d, want 3599 or a little less", sa.name, a.ExpiresIn)
		}
		info, _ := s.TokenInfo(a.AccessToken)
		if info.Universe != "googleapis.com" || info.Scope != cloudPlatform || info.Attributes["google.subject"] == "" {
			t.Errorf("TokenInfo(token of %s) = %+v, want universe googleapis.com, cloud-platform, a google.subject", sa.name, info)
		}
	}
	if got := s.Count("sts"); got != 2 {
		t.Errorf("Count(sts) = %d, want 2", got)
	}
	if got := s.Count("sts@googleapis.com"); got != 2 {
		t.Errorf("Count(sts@googleapis.com) = %d, want 2", got)
	}
}

func TestFederatedExchangeJSON(t *testing.T) {
	s := newServer(t, Options{})
	iss := cluster(t, s, ProviderConfig{})
	subject := ksaToken(t, iss, "ns", "app", testAudience, time.Hour)
	for _, body := range []map[string]string{
		{"grantType": tokenExchange, "requestedTokenType": accessTokenType, "subjectTokenType": jwtTokenType, "subjectToken": subject, "audience": testAudience, "scope": cloudPlatform},
		{"grant_type": tokenExchange, "requested_token_type": accessTokenType, "subject_token_type": jwtTokenType, "subject_token": subject, "audience": testAudience, "scope": cloudPlatform},
	} {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/v1/token", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		if a := doSTS(t, req); a.Status != http.StatusOK {
			t.Errorf("JSON exchange with fields %v = %d %s, want 200", keys(body), a.Status, a.Error)
		}
	}
}

func keys(m map[string]string) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	return k
}

func TestFederatedExchangeRefused(t *testing.T) {
	c := NewClock(time.Now())
	s := newServer(t, Options{Now: c.Now})
	iss := cluster(t, s, ProviderConfig{
		Condition: func(claims map[string]any) bool { return !strings.Contains(claims["sub"].(string), ":banned:") },
	})
	impostor, err := s.NewIssuer("impostor", IssuerOptions{URL: iss.URL})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.NewIssuer("other", IssuerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	good := ksaToken(t, iss, "ns", "app", testAudience, time.Hour)
	parts := strings.Split(good, ".")
	tamperedClaims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tamperedClaims = []byte(strings.Replace(string(tamperedClaims), `"app"`, `"adm"`, -1))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tamperedClaims) + "." + parts[2]
	expired := ksaToken(t, iss, "ns", "app", testAudience, time.Minute)
	noSub, _ := iss.Token("", []string{testAudience}, time.Hour, map[string]any{"sub": nil})
	long, _ := iss.Token(strings.Repeat("x", 128), []string{testAudience}, time.Hour, nil)
	noExp, _ := iss.Token("x", []string{testAudience}, time.Hour, map[string]any{"exp": nil})
	hs256 := `eyJhbGciOiJIUzI1NiJ9.` + parts[1] + `.c2ln`
	c.Add(2 * time.Minute)

	tests := []struct {
		name, audience, subject string
		code, desc              string
	}{
		{"wrong audience", testAudience, ksaToken(t, iss, "ns", "app", "https://kubernetes.default.svc", time.Hour), "invalid_grant", "The audience in ID Token"},
		{"expired", testAudience, expired, "invalid_grant", "expired"},
		{"impostor key", testAudience, ksaToken(t, impostor, "ns", "app", testAudience, time.Hour), "invalid_grant", "signature"},
		{"tampered claims", testAudience, tampered, "invalid_grant", "signature"},
		{"other issuer", testAudience, ksaToken(t, other, "ns", "app", testAudience, time.Hour), "invalid_grant", "The issuer in ID Token"},
		{"HS256", testAudience, hs256, "invalid_grant", "RS256"},
		{"not a JWT", testAudience, "not-a-jwt", "invalid_grant", "Unable to parse"},
		{"no sub", testAudience, noSub, "invalid_request", "google.subject"},
		{"subject over 127 bytes", testAudience, long, "invalid_request", "127 bytes"},
		{"no exp", testAudience, noExp, "invalid_grant", "exp"},
		{"attribute condition", testAudience, ksaToken(t, iss, "banned", "app", testAudience, time.Hour), "unauthorized_client", "attribute condition"},
		{"unknown provider", "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p000/providers/q000", good, "invalid_target", "The target service"},
		{"malformed audience", "projects/1/locations/global/workloadIdentityPools/p/providers/q", good, "invalid_request", "full resource name"},
		{"other universe's audience", s3nsAudience, good, "invalid_request", "full resource name"},
	}
	for _, tt := range tests {
		a := exchange(t, s, "", tt.audience, tt.subject)
		if a.Status != http.StatusBadRequest || a.Error != tt.code || !strings.Contains(a.Description, tt.desc) {
			t.Errorf("exchange(%s) = %d %s: %q, want 400 %s: ...%s...", tt.name, a.Status, a.Error, a.Description, tt.code, tt.desc)
		}
		if strings.Contains(a.Description, tt.subject) {
			t.Errorf("exchange(%s) echoes the subject token in its error", tt.name)
		}
	}
}

func TestFederatedLifetimeCap(t *testing.T) {
	s := newServer(t, Options{})
	iss := cluster(t, s, ProviderConfig{CapLifetime: true})
	a := exchange(t, s, "", testAudience, ksaToken(t, iss, "ns", "app", testAudience, 4*time.Minute))
	if a.Status != http.StatusOK || a.ExpiresIn > 240 || a.ExpiresIn < 230 {
		t.Errorf("capped exchange of a 4-minute JWT = %d, expires_in %d, want 200 and about 239", a.Status, a.ExpiresIn)
	}
	if info, _ := s.TokenInfo(a.AccessToken); time.Until(info.Expiry) > 4*time.Minute {
		t.Errorf("TokenInfo(capped token).Expiry = %v from now, want at most 4m", time.Until(info.Expiry))
	}
}

func TestIdentityNamespace(t *testing.T) {
	s := newServer(t, Options{})
	const url = "https://container.googleapis.com/v1/projects/proj-1/locations/europe-west1/clusters/prod"
	const audience = "identitynamespace:proj-1.svc.id.goog:" + url
	iss, err := s.NewIssuer("gke", IssuerOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddProvider(ProviderConfig{Audience: audience, Issuer: iss, ProjectNumber: "555"}); err != nil {
		t.Fatalf("AddProvider(identitynamespace) = %v", err)
	}
	a := exchange(t, s, "", audience, ksaToken(t, iss, "shop", "cart", "proj-1.svc.id.goog", time.Hour))
	want := "principal://iam.googleapis.com/projects/555/locations/global/workloadIdentityPools/proj-1.svc.id.goog/subject/ns/shop/sa/cart"
	if got, _ := s.Principal(a.AccessToken); a.Status != http.StatusOK || got != want {
		t.Errorf("identitynamespace exchange = %d %s, principal %q, want 200, %q", a.Status, a.Description, got, want)
	}
	if err := s.AddProvider(ProviderConfig{Audience: "identitynamespace:proj-1.svc.id.goog:https://elsewhere.example", Issuer: iss}); err == nil {
		t.Error("AddProvider(identitynamespace naming another issuer) = nil, want an error")
	}
}

func TestUniverseByHost(t *testing.T) {
	s := newServer(t, Options{})
	gIss := cluster(t, s, ProviderConfig{})
	sIss, err := s.NewIssuer("s3ns-cluster", IssuerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddProvider(ProviderConfig{Audience: s3nsAudience, Issuer: sIss}); err != nil {
		t.Fatal(err)
	}
	sTok := ksaToken(t, sIss, "ns", "app", s3nsAudience, time.Hour)
	gTok := ksaToken(t, gIss, "ns", "app", testAudience, time.Hour)

	a := exchange(t, s, "sts.s3nsapis.fr", s3nsAudience, sTok)
	want := "principal://iam.s3nsapis.fr/projects/123456789012/locations/global/workloadIdentityPools/clusters/subject/system:serviceaccount:ns:app"
	if got, _ := s.Principal(a.AccessToken); a.Status != http.StatusOK || got != want {
		t.Errorf("exchange at sts.s3nsapis.fr = %d %s, principal %q, want 200, %q", a.Status, a.Description, got, want)
	}
	if info, _ := s.TokenInfo(a.AccessToken); info.Universe != "s3nsapis.fr" {
		t.Errorf("TokenInfo(s3ns token).Universe = %q, want s3nsapis.fr", info.Universe)
	}
	for _, tt := range []struct{ host, audience, subject string }{
		{"sts.s3nsapis.fr", testAudience, gTok},
		{"sts.googleapis.com", s3nsAudience, sTok},
		{"", s3nsAudience, sTok}, // this server's own URL is googleapis.com
	} {
		if a := exchange(t, s, tt.host, tt.audience, tt.subject); a.Status != http.StatusBadRequest || a.Error != "invalid_request" {
			t.Errorf("exchange at %q for %s = %d %s, want 400 invalid_request", tt.host, tt.audience, a.Status, a.Error)
		}
	}
	if got := s.Count("sts@s3nsapis.fr"); got != 2 {
		t.Errorf("Count(sts@s3nsapis.fr) = %d, want 2", got)
	}

	// An s3ns federated token is refused by googleapis.com's IAM.
	const gsa = "puller@proj.iam.gserviceaccount.com"
	s.AllowImpersonation(want, gsa)
	if status := generateAccessTokenAt(t, s, "iamcredentials.googleapis.com", a.AccessToken, gsa); status != http.StatusUnauthorized {
		t.Errorf("generateAccessToken at googleapis.com with an s3ns token = %d, want 401", status)
	}
	a = exchange(t, s, "sts.s3nsapis.fr", s3nsAudience, sTok)
	if status := generateAccessTokenAt(t, s, "iamcredentials.s3nsapis.fr", a.AccessToken, gsa); status != http.StatusOK {
		t.Errorf("generateAccessToken at s3nsapis.fr with an s3ns token = %d, want 200", status)
	}
}

// generateAccessTokenAt calls IAM Credentials addressed to host.
func generateAccessTokenAt(t *testing.T, s *Server, host, bearer, target string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/v1/projects/-/serviceAccounts/"+target+":generateAccessToken",
		strings.NewReader(`{"scope":["`+cloudPlatform+`"]}`))
	req.Host = host
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestFederatedImpersonation(t *testing.T) {
	s := newServer(t, Options{})
	iss := cluster(t, s, ProviderConfig{Mapping: func(c map[string]any) map[string]string {
		k := c["kubernetes.io"].(map[string]any)
		return map[string]string{"google.subject": c["sub"].(string), "attribute.namespace": k["namespace"].(string)}
	}})
	const (
		gsaA   = "puller-a@proj.iam.gserviceaccount.com"
		gsaB   = "puller-b@proj.iam.gserviceaccount.com"
		gsaAll = "puller-all@proj.iam.gserviceaccount.com"
		pool   = "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/clusters"
	)
	alice := exchange(t, s, "", testAudience, ksaToken(t, iss, "team-a", "alice", testAudience, time.Hour)).AccessToken
	bob := exchange(t, s, "", testAudience, ksaToken(t, iss, "team-b", "bob", testAudience, time.Hour)).AccessToken
	s.AllowImpersonation("principal:"+pool+"/subject/system:serviceaccount:team-a:alice", gsaA)
	s.AllowImpersonation("principalSet:"+pool+"/attribute.namespace/team-b", gsaB)
	s.AllowImpersonation("principalSet:"+pool+"/*", gsaAll)
	tests := []struct {
		who, bearer, target string
		want                int
	}{
		{"alice", alice, gsaA, http.StatusOK},
		{"bob", bob, gsaA, http.StatusForbidden},
		{"bob", bob, gsaB, http.StatusOK},
		{"alice", alice, gsaB, http.StatusForbidden},
		{"alice", alice, gsaAll, http.StatusOK},
		{"bob", bob, gsaAll, http.StatusOK},
	}
	for _, tt := range tests {
		status, resp := generateAccessToken(t, s, tt.bearer, tt.target, `{"scope":["`+cloudPlatform+`"]}`)
		if status != tt.want {
			t.Errorf("generateAccessToken(%s as %s) = %d, want %d", tt.who, tt.target, status, tt.want)
			continue
		}
		if status == http.StatusOK {
			if got, _ := s.Principal(resp["accessToken"].(string)); got != tt.target {
				t.Errorf("Principal(%s's token for %s) = %q, want %q", tt.who, tt.target, got, tt.target)
			}
		} else if e, _ := resp["error"].(map[string]any); e["status"] != "PERMISSION_DENIED" {
			t.Errorf("generateAccessToken(%s as %s) error = %v, want PERMISSION_DENIED", tt.who, tt.target, e)
		}
	}
}

func TestIssuerDocuments(t *testing.T) {
	s := newServer(t, Options{})
	iss, err := s.NewIssuer("k8s", IssuerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.NewIssuer("k8s", IssuerOptions{}); err == nil {
		t.Error("NewIssuer(same name) = nil error, want one")
	}
	if _, err := s.NewIssuer("../x", IssuerOptions{}); err == nil {
		t.Error("NewIssuer(../x) = nil error, want one")
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, iss.URL+"/.well-known/openid-configuration", &doc)
	if doc.Issuer != iss.URL || doc.JWKSURI != iss.URL+"/.well-known/jwks" {
		t.Errorf("discovery = %+v, want issuer %s and its jwks_uri", doc, iss.URL)
	}
	var raw json.RawMessage
	getJSON(t, doc.JWKSURI, &raw)
	keys, err := parseJWKS(raw)
	if err != nil || keys[iss.kid] == nil || !keys[iss.kid].Equal(&iss.key.PublicKey) {
		t.Errorf("JWKS at jwks_uri = %s, %v, want the issuer's public key under its kid", raw, err)
	}
	if got := s.Count("oidc"); got != 2 {
		t.Errorf("Count(oidc) = %d, want 2", got)
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, v) != nil {
		t.Fatalf("GET %s = %d %s, want 200 and JSON", u, resp.StatusCode, b)
	}
}
