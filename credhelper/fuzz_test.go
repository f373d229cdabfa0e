package credhelper

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/registrytest"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/store"
)

// FuzzProtocol drives get/store/erase/list with arbitrary stdin through
// Handle: no panic, the not-found text exactly the protocol's, and a minted
// Google token only ever goes to a Google host of the token's universe, by
// the documented table (registrytest), not by the helper's own decision.
func FuzzProtocol(f *testing.F) {
	for _, s := range []string{"gcr.io", "ghcr.io\n", `{"ServerURL":"x.example.com","Username":"u","Secret":"p"}`, "", "{", strings.Repeat("a", 300)} {
		for _, a := range []string{"get", "store", "erase", "list"} {
			f.Add(a, s)
		}
	}
	f.Fuzz(func(t *testing.T, action, in string) {
		m := &mint{}
		h := New(context.Background(), Config{Tokens: m.tokens, Store: store.NewMemory(), StoreForGoogle: true, Now: time.Now})
		var out bytes.Buffer
		err := Handle(h, action, []byte(in), &out)
		if credentials.IsErrCredentialsNotFound(err) && err.Error() != "credentials not found in native keychain" {
			t.Fatalf("%s %q: not-found text %q, want the protocol's exact words", action, in, err)
		}
		if err == nil && action == "get" && strings.Contains(out.String(), "minted-") {
			// The protocol library joins stdin's lines and trims them: the
			// answer's ServerURL is what the helper was asked about.
			var c credentials.Credentials
			if err := json.Unmarshal(out.Bytes(), &c); err != nil {
				t.Fatalf("get %q answered invalid JSON %q", in, out.String())
			}
			host, err := registry.NormalizeHost(c.ServerURL)
			if err != nil {
				t.Fatalf("get %q returned a minted token for %q, not a host: %v", in, c.ServerURL, err)
			}
			if u, google := registrytest.Google(host); !google || c.Secret != "minted-"+u {
				t.Fatalf("get %q returned %q for %q (Google: %v, universe %q)", in, c.Secret, c.ServerURL, google, u)
			}
		}
	})
}

// FuzzKubeletRequest: any stdin is answered with a well-formed response or
// refused, never a panic; auth is only ever keyed by a Google host, with a
// token of its universe, by the documented table (registrytest).
func FuzzKubeletRequest(f *testing.F) {
	for _, s := range []string{
		`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"us-docker.pkg.dev/p/r/i:v1"}`,
		`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"ghcr.io/x/y"}`,
		`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"gcr.io:443/p/i@sha256:abc"}`,
		`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","kind":"CredentialProviderRequest","image":"gcr.io/x"}`,
		`{"image":""}`, "", "{", "null", `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"[::1]:5000/x"}`,
		// A mixed-case Google host: answered, keyed as the image spells it.
		`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"s-dockEr.pkg.dev/"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m := &mint{}
		p := &KubeletPlugin{Helper: New(context.Background(), Config{Tokens: m.tokens}), Margin: 5 * time.Minute}
		var out bytes.Buffer
		if err := p.Serve(context.Background(), bytes.NewReader(in), &out); err != nil {
			if out.Len() != 0 {
				t.Fatalf("Serve(%q) failed but wrote %q", in, out.String())
			}
			return
		}
		var resp struct {
			Auth map[string]struct{ Username, Password string } `json:"auth"`
		}
		if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
			t.Fatalf("Serve(%q) wrote invalid JSON %q", in, out.String())
		}
		for host, a := range resp.Auth {
			// The key keeps the image's spelling (the kubelet matches it
			// case-sensitively); DNS does not care about case.
			norm, err := registry.NormalizeHost(host)
			if err != nil {
				t.Fatalf("Serve(%q) keyed credentials by %q, not a host: %v", in, host, err)
			}
			if u, ok := registrytest.Google(norm); !ok || a.Password != "minted-"+u {
				t.Fatalf("Serve(%q) gave %q for %q (Google: %v, universe %q)", in, a.Password, host, ok, u)
			}
		}
	})
}
