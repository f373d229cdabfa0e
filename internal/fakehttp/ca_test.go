package fakehttp

import (
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A leaf of the CA is trusted by a client that trusts the CA's PEM alone,
// for a host name and for an IP address.
func TestLeafVerifies(t *testing.T) {
	ca, err := NewCA("fakehttp test CA")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.PEM) {
		t.Fatalf("PEM = %q, want a certificate", ca.PEM)
	}
	for _, host := range []string{"us-east1-docker.pkg.dev", "127.0.0.1"} {
		leaf, err := ca.Leaf(host)
		if err != nil {
			t.Fatalf("Leaf(%s): %v", host, err)
		}
		cert, err := x509.ParseCertificate(leaf.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cert.Verify(x509.VerifyOptions{DNSName: host, Roots: pool}); err != nil {
			t.Errorf("Leaf(%s).Verify = %v, want trusted", host, err)
		}
	}
	a, _ := ca.Leaf("a.example")
	b, _ := ca.Leaf("b.example")
	if a.PrivateKey != b.PrivateKey {
		t.Errorf("two leaves have two keys, want one shared key")
	}
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
	var got map[string]string
	if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got["error"] != "invalid_grant" {
		t.Errorf("WriteJSON = %d %q, want 400 and the object", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
}
