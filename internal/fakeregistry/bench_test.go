package fakeregistry

import (
	"net/http"
	"testing"
)

// BenchmarkTokenEndpoint measures minting one registry token over HTTP.
func BenchmarkTokenEndpoint(b *testing.B) {
	s, err := newSigner()
	if err != nil {
		b.Fatal(err)
	}
	f := newFront(nil, http.DefaultTransport)
	f.token, f.auth, f.signer = true, goodAuth, s
	srv := newLoopbackServer(b, f)
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	b.Cleanup(client.CloseIdleConnections)
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, srv+TokenPath+"?scope=repository:proj/repo:pull,push", nil)
		req.SetBasicAuth("oauth2accesstoken", "good")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s = %d, want 200", TokenPath, resp.StatusCode)
		}
	}
}

// BenchmarkManifestHead measures one authenticated manifest HEAD through
// the front server and docker-registry: the registry's share of a pull.
func BenchmarkManifestHead(b *testing.B) {
	r := startRegistry(b, Options{Auth: goodAuth})
	c := newClient(b)
	c.setAuth(r.Host, "oauth2accesstoken", "good")
	ref := r.Host + "/proj/repo/img:tag"
	c.push(ref)

	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	b.Cleanup(client.CloseIdleConnections)
	req, _ := http.NewRequest(http.MethodGet, "http://"+r.Host+TokenPath+"?scope=repository:proj/repo/img:pull", nil)
	req.SetBasicAuth("oauth2accesstoken", "good")
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var tr tokenResponse
	decodeJSON(b, resp, &tr)
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodHead, "http://"+r.Host+"/v2/proj/repo/img/manifests/tag", nil)
		req.Header.Set("Authorization", "Bearer "+tr.Token)
		req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("HEAD manifest = %d, want 200", resp.StatusCode)
		}
	}
}
