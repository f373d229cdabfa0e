package kubelet

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
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

// FuzzKubeletPodRequest: in annotated mode, any request is answered or
// refused without a panic; a refusal writes nothing and never repeats the
// pod's token; a pod whose service account opted in is never answered
// with the node's token.
func FuzzKubeletPodRequest(f *testing.F) {
	// A syntactically valid JWT (the plugin does not verify signatures)
	// that expires in 2100.
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2s4cyIsInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDpuczpzYSIsImF1ZCI6ImF1ZCIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln"
	head := `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"us-docker.pkg.dev/p/r/i"`
	for _, s := range []string{
		head + `,"serviceAccountToken":"` + jwt + `","serviceAccountAnnotations":{"iam.gke.io/gcp-service-account":"a-gsa@p.iam.gserviceaccount.com"}}`,
		head + `,"serviceAccountToken":"` + jwt + `","serviceAccountAnnotations":{"iam.gke.io/enable-wi-image-pull":"true"}}`,
		head + `,"serviceAccountToken":"` + jwt + `"}`,
		head + `,"serviceAccountToken":"` + jwt + `","serviceAccountAnnotations":{"iam.gke.io/gcp-service-account":"` + jwt + `"}}`,
		head + `,"serviceAccountToken":"x.y.z","serviceAccountAnnotations":{"iam.gke.io/enable-wi-image-pull":"yes"}}`,
		head + `,"serviceAccountAnnotations":{"iam.gke.io/gcp-service-account":"a-gsa@p.iam.gserviceaccount.com"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p := &Plugin{Tokens: mint, Margin: 5 * time.Minute, Identity: IdentityAnnotated, Audiences: []string{"aud"},
			PodTokens: func(_ context.Context, _ Pod, _, universe string) (*token.Token, error) {
				return &token.Token{AccessToken: "pod-" + universe, Universe: universe}, nil
			}}
		var req struct {
			ServiceAccountToken       string            `json:"serviceAccountToken"`
			ServiceAccountAnnotations map[string]string `json:"serviceAccountAnnotations"`
		}
		json.Unmarshal(in, &req) // best effort: what the request says, if it parses
		var out bytes.Buffer
		err := p.Serve(context.Background(), bytes.NewReader(in), &out)
		if err != nil {
			if out.Len() != 0 {
				t.Fatalf("Serve(%q) failed but wrote %q", in, out.String())
			}
			if len(req.ServiceAccountToken) >= 16 && strings.Contains(err.Error(), req.ServiceAccountToken) {
				t.Fatalf("Serve(%q) error repeats the pod's token: %v", in, err)
			}
			return
		}
		var resp struct {
			Auth map[string]struct{ Username, Password string } `json:"auth"`
		}
		if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
			t.Fatalf("Serve(%q) wrote invalid JSON %q", in, out.String())
		}
		optedIn := req.ServiceAccountAnnotations[AnnotationEnableImagePull] == "true" || req.ServiceAccountAnnotations[AnnotationServiceAccount] != ""
		for host, a := range resp.Auth {
			if optedIn && strings.HasPrefix(a.Password, "minted-") {
				t.Fatalf("Serve(%q) answered %s with the node's token for a pod that opted in", in, host)
			}
		}
	})
}
