package fakeregistry

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

func TestTokenModeCrane(t *testing.T) {
	t.Parallel()
	r := startRegistry(t, Options{Auth: goodAuth})
	ref := r.Host + "/proj/repo/img:tag"

	good := newClient(t)
	good.setAuth(r.Host, "oauth2accesstoken", "good")
	pushed := good.push(ref)
	if got := good.must("crane", "digest", ref); got != pushed {
		t.Errorf("crane digest %s = %q, want %q", ref, got, pushed)
	}
	var m struct {
		MediaType string
		Layers    []json.RawMessage
	}
	if err := json.Unmarshal([]byte(good.must("crane", "manifest", ref)), &m); err != nil || len(m.Layers) != 1 {
		t.Errorf("crane manifest %s = %+v (%v), want one layer", ref, m, err)
	}

	log := r.AuthLog()
	tokens := attempts(log, func(a AuthAttempt) bool { return a.Path == TokenPath })
	if len(tokens) == 0 {
		t.Fatalf("AuthLog() has no token request: %+v", log)
	}
	for _, a := range tokens {
		if a.Scheme != "Basic" || a.Username != "oauth2accesstoken" || !a.Accepted || a.Principal != "alice@example.com" || a.Status != 200 {
			t.Errorf("token attempt = %+v, want accepted Basic oauth2accesstoken as alice@example.com", a)
		}
	}
	bearers := attempts(log, func(a AuthAttempt) bool { return a.Scheme == "Bearer" })
	if len(bearers) == 0 {
		t.Fatalf("AuthLog() has no Bearer request: %+v", log)
	}
	for _, a := range bearers {
		if a.Principal != "alice@example.com" || !a.Accepted {
			t.Errorf("bearer attempt %s %s = principal %q accepted %v status %d, want alice@example.com accepted", a.Method, a.Path, a.Principal, a.Accepted, a.Status)
		}
	}

	t.Run("wrong password", func(t *testing.T) {
		r.ResetAuthLog()
		bad := newClient(t)
		bad.setAuth(r.Host, "oauth2accesstoken", "bad")
		out, err := bad.run("", "crane", "digest", ref)
		if err == nil || !strings.Contains(out, "DENIED") {
			t.Errorf("crane digest with a wrong password = %v, %q; want an error naming DENIED", err, out)
		}
		refused := attempts(r.AuthLog(), func(a AuthAttempt) bool {
			return a.Path == TokenPath && !a.Accepted && a.Username == "oauth2accesstoken" && a.Status == 401
		})
		if len(refused) == 0 {
			t.Errorf("AuthLog() = %+v, want a refused token attempt", r.AuthLog())
		}
	})
	t.Run("anonymous", func(t *testing.T) {
		out, err := newClient(t).run("", "crane", "digest", ref)
		if err == nil {
			t.Errorf("crane digest without credentials = %q, want an error", out)
		}
	})
}

// TestTokenModeBehindTLS serves the registry from a TLS terminator on
// another port: the realm must follow to https on that port, as crane
// refuses an http realm behind an https registry.
func TestTokenModeBehindTLS(t *testing.T) {
	t.Parallel()
	r := startRegistry(t, Options{Auth: goodAuth})
	tlsSrv := httptest.NewTLSServer(r.Handler())
	t.Cleanup(tlsSrv.Close)
	host := tlsSrv.Listener.Addr().String()
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}

	resp, err := tlsSrv.Client().Get("https://" + host + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.Header.Get("WWW-Authenticate"), `Bearer realm="https://`+host+`/v2/token",service="fakeregistry"`; got != want {
		t.Errorf("GET /v2/ over TLS: WWW-Authenticate = %q, want %q", got, want)
	}

	c := newClient(t, "SSL_CERT_FILE="+certFile)
	c.setAuth(host, "oauth2accesstoken", "good")
	ref := host + "/proj/repo/img:tls"
	pushed := c.push(ref)
	if got := c.must("crane", "digest", ref); got != pushed {
		t.Errorf("crane digest %s = %q, want %q", ref, got, pushed)
	}
}

// realHost is the Artifact Registry host the MITM tests serve.
const realHost = "us-east1-docker.pkg.dev"

// serveAsRealHost serves r under realHost through a CONNECT proxy with a
// throwaway CA; it returns the client environment to reach it.
func serveAsRealHost(t *testing.T, r *Registry) (env []string, p *fakegoogle.Proxy) {
	t.Helper()
	p, err := fakegoogle.NewProxy(map[string]http.Handler{realHost: r.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := p.WriteCA(ca); err != nil {
		t.Fatal(err)
	}
	return []string{"HTTPS_PROXY=" + p.URL, "SSL_CERT_FILE=" + ca}, p
}

// TestTokenModeUnderRealName: behind a MITM proxy the realm and upload
// Locations name https://us-east1-docker.pkg.dev, and crane, docker and
// skopeo all push or pull with the Basic credential in config.json.
func TestTokenModeUnderRealName(t *testing.T) {
	t.Parallel()
	r := startRegistry(t, Options{Auth: goodAuth})
	env, p := serveAsRealHost(t, r)
	ref := realHost + "/proj/repo/img:tag"

	c := newClient(t, env...)
	c.setAuth(realHost, "oauth2accesstoken", "good")
	pushed := c.push(ref)

	t.Run("go client", func(t *testing.T) {
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(p.CAPEM())
		proxyURL, _ := url.Parse(p.URL)
		hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: roots}}}
		t.Cleanup(hc.CloseIdleConnections)

		resp, err := hc.Get("https://" + realHost + "/v2/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := resp.Header.Get("WWW-Authenticate"), `Bearer realm="https://`+realHost+`/v2/token",service="fakeregistry"`; got != want {
			t.Errorf("GET /v2/: WWW-Authenticate = %q, want %q", got, want)
		}

		req, _ := http.NewRequest(http.MethodGet, "https://"+realHost+TokenPath+"?scope=repository:proj/repo/img:pull,push", nil)
		req.SetBasicAuth("oauth2accesstoken", "good")
		resp, err = hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tok tokenResponse
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if resp.StatusCode != 200 || tok.Token == "" {
			t.Fatalf("GET %s = %d %+v, want 200 with a token", TokenPath, resp.StatusCode, tok)
		}

		req, _ = http.NewRequest(http.MethodPost, "https://"+realHost+"/v2/proj/repo/img/blobs/uploads/", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		resp, err = hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc, want := resp.Header.Get("Location"), "https://"+realHost+"/v2/proj/repo/img/blobs/uploads/"; resp.StatusCode != 202 || !strings.HasPrefix(loc, want) {
			t.Errorf("POST blobs/uploads/ = %d, Location %q; want 202, Location under %q", resp.StatusCode, loc, want)
		}
	})
	t.Run("crane", func(t *testing.T) {
		if got := c.must("crane", "digest", ref); got != pushed {
			t.Errorf("crane digest %s = %q, want %q", ref, got, pushed)
		}
	})
	t.Run("docker", func(t *testing.T) {
		d := newClient(t, env...)
		if out, err := d.run("good\n", "docker", "login", "-u", "oauth2accesstoken", "--password-stdin", realHost); err != nil || !strings.Contains(out, "Login Succeeded") {
			t.Fatalf("docker login -u oauth2accesstoken --password-stdin %s = %v, %q; want Login Succeeded", realHost, err, out)
		}
		out := d.must("docker", "manifest", "inspect", ref)
		if !strings.Contains(out, `"layers"`) {
			t.Errorf("docker manifest inspect %s = %q, want a manifest with layers", ref, out)
		}
	})
	t.Run("skopeo", func(t *testing.T) {
		s := newClient(t, env...)
		s.setAuth(realHost, "oauth2accesstoken", "good")
		var info struct{ Digest string }
		out := s.must("skopeo", "inspect", "docker://"+ref)
		if err := json.Unmarshal([]byte(out), &info); err != nil || info.Digest != pushed {
			t.Errorf("skopeo inspect docker://%s = %q, want digest %s", ref, out, pushed)
		}
	})
	if refused := p.Refused(); len(refused) != 0 {
		t.Errorf("proxy Refused() = %q, want none", refused)
	}
	byClient := map[string]int{}
	for _, a := range r.AuthLog() {
		if a.Path != TokenPath {
			continue
		}
		if !a.Accepted {
			t.Errorf("token attempt %+v refused, want every attempt accepted", a)
		}
		ua := strings.ToLower(a.UserAgent)
		for _, name := range []string{"crane", "docker", "skopeo", "go-http-client"} {
			if strings.Contains(ua, name) {
				byClient[name]++
				break
			}
		}
	}
	for _, name := range []string{"crane", "docker", "skopeo", "go-http-client"} {
		if byClient[name] == 0 {
			t.Errorf("token attempts by client = %v, want some from %s", byClient, name)
		}
	}
}

// TestHtpasswdModeDocker: a plain Basic registry; docker logs in client-side
// (no daemon) and reads a manifest that crane pushed, and the auth log shows
// only Basic credentials for the htpasswd user.
func TestHtpasswdModeDocker(t *testing.T) {
	t.Parallel()
	r := startRegistry(t, Options{Users: map[string]string{"ncp-user": "s3cret-pw", "other": "x"}})
	ref := r.Host + "/repo/img:tag"
	pusher := newClient(t)
	pusher.setAuth(r.Host, "ncp-user", "s3cret-pw")
	pushed := pusher.push(ref)

	d := newClient(t)
	if out, err := d.run("s3cret-pw\n", "docker", "login", "-u", "ncp-user", "--password-stdin", r.Host); err != nil || !strings.Contains(out, "Login Succeeded") {
		t.Fatalf("docker login -u ncp-user --password-stdin %s = %v, %q; want Login Succeeded", r.Host, err, out)
	}
	out := d.must("docker", "manifest", "inspect", "--insecure", ref)
	if !strings.Contains(out, `"layers"`) {
		t.Errorf("docker manifest inspect --insecure %s = %q, want a manifest with layers", ref, out)
	}
	var info struct{ Digest string }
	out = d.must("skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
	if err := json.Unmarshal([]byte(out), &info); err != nil || info.Digest != pushed {
		t.Errorf("skopeo inspect --tls-verify=false docker://%s = %q, want digest %s", ref, out, pushed)
	}

	t.Run("wrong password", func(t *testing.T) {
		out, err := newClient(t).run("nope\n", "docker", "login", "-u", "ncp-user", "--password-stdin", r.Host)
		if err == nil {
			t.Errorf("docker login with a wrong password = %q, want an error", out)
		}
	})

	log := r.AuthLog()
	if len(log) == 0 {
		t.Fatal("AuthLog() is empty, want the clients' Basic logins")
	}
	accepted := 0
	for _, a := range log {
		if a.Scheme != "Basic" {
			t.Errorf("attempt %s %s scheme = %q (%q), want Basic", a.Method, a.Path, a.Scheme, a.Raw)
		}
		if a.Accepted {
			accepted++
			if a.Username != "ncp-user" || a.Principal != "ncp-user" {
				t.Errorf("accepted attempt user, principal = %q, %q; want ncp-user", a.Username, a.Principal)
			}
		}
	}
	refused := attempts(log, func(a AuthAttempt) bool { return !a.Accepted && a.Status == http.StatusUnauthorized })
	if accepted == 0 || len(refused) == 0 {
		t.Errorf("AuthLog() has %d accepted and %d refused attempts, want both", accepted, len(refused))
	}
}
