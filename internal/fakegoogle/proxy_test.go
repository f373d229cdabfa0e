package fakegoogle

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// proxiedClient trusts only p's CA and sends everything through p.
func proxiedClient(t *testing.T, p *Proxy) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(p.CAPEM()) {
		t.Fatalf("CAPEM() = %q, want a PEM certificate", p.CAPEM())
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{Proxy: http.ProxyURL(u), TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestProxyServesRealHostNames(t *testing.T) {
	s := newServer(t, Options{RealHosts: true})
	p, err := NewProxy(map[string]http.Handler{
		"oauth2.googleapis.com":         s.Handler(),
		"iamcredentials.googleapis.com": s.Handler(),
	})
	if err != nil {
		t.Fatalf("NewProxy: %v", err)
	}
	t.Cleanup(p.Close)
	hc := proxiedClient(t, p)
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, hc)

	key, err := s.NewServiceAccount(saEmail)
	if err != nil {
		t.Fatalf("NewServiceAccount: %v", err)
	}
	tok, err := token(ctx, key, google.ServiceAccount)
	if err != nil {
		t.Fatalf("Token() through the proxy: %v", err)
	}
	if got, ok := s.Principal(tok.AccessToken); !ok || got != saEmail {
		t.Errorf("Principal(token through proxy) = %q, %v, want %q, true", got, ok, saEmail)
	}
	if got := s.Count("token"); got != 1 {
		t.Errorf("Count(token) = %d, want 1", got)
	}

	resp, err := hc.Get("https://example.com/")
	if err == nil {
		resp.Body.Close()
		t.Errorf("GET https://example.com/ through the proxy = %s, want refused", resp.Status)
	}
	if got, want := p.Refused(), []string{"example.com:443"}; !slices.Equal(got, want) {
		t.Errorf("Refused() = %q, want %q", got, want)
	}
}

func TestProxyRefusesPlainRequests(t *testing.T) {
	p, err := NewProxy(map[string]http.Handler{"registry.test": http.NotFoundHandler()})
	if err != nil {
		t.Fatalf("NewProxy: %v", err)
	}
	t.Cleanup(p.Close)
	u, _ := url.Parse(p.URL)
	hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u)}}
	resp, err := hc.Get("http://example.com/")
	if err != nil {
		t.Fatalf("GET http://example.com/ through the proxy: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET http://example.com/ through the proxy = %d, want 403", resp.StatusCode)
	}

	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := p.WriteCA(path); err != nil {
		t.Fatalf("WriteCA: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(p.CAPEM()) {
		t.Errorf("WriteCA(path) wrote %q, want CAPEM() %q", got, p.CAPEM())
	}
}

// TestProxyWithCurl reaches the fake the way the e2e suite points real
// clients at it: HTTPS_PROXY and SSL_CERT_FILE, nothing else.
func TestProxyWithCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	s := newServer(t, Options{RealHosts: true})
	p, err := NewProxy(map[string]http.Handler{"oauth2.googleapis.com": s.Handler()})
	if err != nil {
		t.Fatalf("NewProxy: %v", err)
	}
	t.Cleanup(p.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := p.WriteCA(ca); err != nil {
		t.Fatalf("WriteCA: %v", err)
	}
	adc, _ := s.NewAuthorizedUser("dev@example.com")
	var user map[string]string
	json.Unmarshal(adc, &user)
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {user["client_id"]},
		"client_secret": {user["client_secret"]},
		"refresh_token": {user["refresh_token"]},
	}
	run := func(u string, args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), curl, append([]string{"-sS", "--fail", "--max-time", "20", u}, args...)...)
		cmd.Env = []string{"HTTPS_PROXY=" + p.URL, "https_proxy=" + p.URL, "SSL_CERT_FILE=" + ca, "CURL_CA_BUNDLE=" + ca, "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(realTokenURL, "--data", form.Encode())
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", realTokenURL, err, out)
	}
	var resp tokenResponse
	json.Unmarshal([]byte(out), &resp)
	if got, ok := s.Principal(resp.AccessToken); !ok || got != "dev@example.com" {
		t.Errorf("Principal(curl's token) = %q, %v, want dev@example.com, true (body %s)", got, ok, out)
	}
	if out, err := run("https://example.com/"); err == nil {
		t.Errorf("curl https://example.com/ through the proxy = %q, want refused", out)
	}
}
