package fakegoogle

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/google"
	"golang.org/x/oauth2/jwt"
)

const saEmail = "builder@fake-project.iam.gserviceaccount.com"

func TestServiceAccountKey(t *testing.T) {
	s := newServer(t, Options{Universe: "example-universe.test"})
	key, err := s.NewServiceAccount(saEmail)
	if err != nil {
		t.Fatalf("NewServiceAccount: %v", err)
	}
	var f map[string]string
	if err := json.Unmarshal(key, &f); err != nil {
		t.Fatalf("NewServiceAccount() is not JSON: %v", err)
	}
	for field, want := range map[string]string{
		"type":            "service_account",
		"client_email":    saEmail,
		"token_uri":       s.URL + "/token",
		"universe_domain": "example-universe.test",
	} {
		if f[field] != want {
			t.Errorf("NewServiceAccount()[%q] = %q, want %q", field, f[field], want)
		}
	}
	if !strings.HasPrefix(f["private_key"], "-----BEGIN PRIVATE KEY-----\n") || len(f["private_key_id"]) != 40 {
		t.Errorf("NewServiceAccount() private_key_id %q, private_key %.30q..., want 40 hex digits and PKCS#8 PEM", f["private_key_id"], f["private_key"])
	}
	if got, ok := s.KeyPrincipal(key); !ok || got != saEmail {
		t.Errorf("KeyPrincipal(key) = %q, %v, want %q, true", got, ok, saEmail)
	}

	tok := mustToken(t, key, google.ServiceAccount)
	if got, ok := s.Principal(tok.AccessToken); !ok || got != saEmail {
		t.Errorf("Principal(service account token) = %q, %v, want %q, true", got, ok, saEmail)
	}
	if !strings.HasPrefix(tok.AccessToken, "ya29.fake-") || time.Until(tok.Expiry) < 59*time.Minute {
		t.Errorf("Token() = %q expiring in %v, want ya29.fake-... expiring in about 1h", tok.AccessToken, time.Until(tok.Expiry))
	}
	if again := mustToken(t, key, google.ServiceAccount); again.AccessToken == tok.AccessToken {
		t.Errorf("second Token() = %q, want a token distinct from the first", again.AccessToken)
	}
	if got := s.Count("token"); got != 2 {
		t.Errorf("Count(token) = %d, want 2", got)
	}
}

func TestServiceAccountTamperedKey(t *testing.T) {
	s := newServer(t, Options{})
	key, err := s.NewServiceAccount(saEmail)
	if err != nil {
		t.Fatalf("NewServiceAccount: %v", err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(other)
	var f map[string]any
	json.Unmarshal(key, &f)
	f["private_key"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	tampered, _ := json.Marshal(f)

	if got, ok := s.KeyPrincipal(tampered); ok {
		t.Errorf("KeyPrincipal(tampered) = %q, true, want false", got)
	}
	_, err = token(t.Context(), tampered, google.ServiceAccount)
	if got := errorCode(err); got != "invalid_grant" {
		t.Errorf("Token(tampered key) error = %v, want invalid_grant", err)
	}
}

func TestJWTGrantRefusals(t *testing.T) {
	s := newServer(t, Options{})
	key, err := s.NewServiceAccount(saEmail)
	if err != nil {
		t.Fatalf("NewServiceAccount: %v", err)
	}
	cfg, err := google.JWTConfigFromJSON(key, cloudPlatform)
	if err != nil {
		t.Fatalf("JWTConfigFromJSON: %v", err)
	}
	tests := []struct {
		name string
		edit func(c *jwt.Config)
		want string
	}{
		{"audience", func(c *jwt.Config) { c.Audience = "https://example.com/token" }, "invalid_grant"},
		{"expiry", func(c *jwt.Config) { c.Expires = 3 * time.Hour }, "invalid_grant"},
		{"issuer", func(c *jwt.Config) { c.Email = "someone-else@fake-project.iam.gserviceaccount.com" }, "invalid_grant"},
		{"key id", func(c *jwt.Config) { c.PrivateKeyID = "0123456789012345678901234567890123456789" }, "invalid_grant"},
		{"scope", func(c *jwt.Config) { c.Scopes = nil }, "invalid_scope"},
		{"subject", func(c *jwt.Config) { c.Subject = "user@example.com" }, "unauthorized_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *cfg
			tt.edit(&c)
			_, err := c.TokenSource(t.Context()).Token()
			if got := errorCode(err); got != tt.want {
				t.Errorf("Token() with bad %s error = %v, want %s", tt.name, err, tt.want)
			}
		})
	}
	if got := s.Count("token"); got != len(tests) {
		t.Errorf("Count(token) = %d, want %d", got, len(tests))
	}
}

func TestJWTGrantRealAudience(t *testing.T) {
	s := newServer(t, Options{})
	key, err := s.NewServiceAccountForRealHosts(saEmail)
	if err != nil {
		t.Fatalf("NewServiceAccountForRealHosts: %v", err)
	}
	cfg, err := google.JWTConfigFromJSON(key, cloudPlatform)
	if err != nil {
		t.Fatalf("JWTConfigFromJSON: %v", err)
	}
	if cfg.TokenURL != realTokenURL {
		t.Errorf("NewServiceAccountForRealHosts() token_uri = %q, want %q", cfg.TokenURL, realTokenURL)
	}
	cfg.Audience = cfg.TokenURL // signed for Google, sent here
	cfg.TokenURL = s.URL + "/token"
	tok, err := cfg.TokenSource(t.Context()).Token()
	if err != nil {
		t.Fatalf("Token() with aud %s: %v", realTokenURL, err)
	}
	if got, ok := s.Principal(tok.AccessToken); !ok || got != saEmail {
		t.Errorf("Principal(token) = %q, %v, want %q, true", got, ok, saEmail)
	}
}

func TestAuthorizedUser(t *testing.T) {
	s := newServer(t, Options{})
	const email = "dev@example.com"
	adc, err := s.NewAuthorizedUser(email)
	if err != nil {
		t.Fatalf("NewAuthorizedUser: %v", err)
	}
	tok := mustToken(t, adc, google.AuthorizedUser)
	if got, ok := s.Principal(tok.AccessToken); !ok || got != email {
		t.Errorf("Principal(user token) = %q, %v, want %q, true", got, ok, email)
	}

	var f map[string]string
	json.Unmarshal(adc, &f)
	wrongSecret := strings.Replace(string(adc), f["client_secret"], "GOCSPX-wrong", 1)
	_, err = token(t.Context(), []byte(wrongSecret), google.AuthorizedUser)
	if got := errorCode(err); got != "invalid_client" {
		t.Errorf("Token(wrong client secret) error = %v, want invalid_client", err)
	}

	s.Revoke(f["refresh_token"])
	_, err = token(t.Context(), adc, google.AuthorizedUser)
	if got := errorCode(err); got != "invalid_grant" {
		t.Errorf("Token(revoked refresh token) error = %v, want invalid_grant", err)
	}
}

func TestTokenExpiry(t *testing.T) {
	c := NewClock(time.Now())
	s := newServer(t, Options{TokenLifetime: 10 * time.Minute, Now: c.Now})
	adc, err := s.NewAuthorizedUser("dev@example.com")
	if err != nil {
		t.Fatalf("NewAuthorizedUser: %v", err)
	}
	tok := mustToken(t, adc, google.AuthorizedUser)
	if _, ok := s.Principal(tok.AccessToken); !ok {
		t.Fatalf("Principal(fresh token) = _, false, want true")
	}
	c.Add(10 * time.Minute)
	if got, ok := s.Principal(tok.AccessToken); ok {
		t.Errorf("Principal(expired token) = %q, true, want false", got)
	}
	if _, ok := s.Principal("ya29.fake-never-issued"); ok {
		t.Errorf("Principal(never issued) = _, true, want false")
	}
}

func TestTokenEndpointAnswers(t *testing.T) {
	s := newServer(t, Options{})
	tests := []struct {
		form       url.Values
		wantStatus int
		wantError  string
	}{
		{url.Values{}, http.StatusBadRequest, "unsupported_grant_type"},
		{url.Values{"grant_type": {"password"}}, http.StatusBadRequest, "unsupported_grant_type"},
		{url.Values{"grant_type": {jwtBearer}, "assertion": {"not-a-jwt"}}, http.StatusBadRequest, "invalid_grant"},
	}
	for _, tt := range tests {
		resp := postForm(t, s.URL+"/token", tt.form)
		var body struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode != tt.wantStatus || body.Error != tt.wantError {
			t.Errorf("POST /token %v = %d %q, want %d %q", tt.form, resp.StatusCode, body.Error, tt.wantStatus, tt.wantError)
		}
	}
	resp, err := http.Get(s.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /token = %d, want %d", resp.StatusCode, http.StatusBadRequest)
	}
}
