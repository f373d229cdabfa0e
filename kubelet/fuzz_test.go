package kubelet

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/registrytest"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// mint returns a token naming the universe it was asked for.
func mint(_ context.Context, _, universe string) (*token.Token, error) {
	return &token.Token{AccessToken: "minted-" + universe, Universe: universe}, nil
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
		p := &Plugin{Tokens: mint, Margin: 5 * time.Minute}
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
