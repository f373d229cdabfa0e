package credhelper

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/docker-credential-gcr/docker-credential-gcr/store"
)

// FuzzHost: normalisation never panics, is idempotent, and only hosts
// matching the Google patterns are Google's.
func FuzzHost(f *testing.F) {
	for _, s := range []string{"gcr.io", "https://us-east1-docker.pkg.dev/v2/", "gcr.io.evil.com", "user@gcr.io", "[::1]:5000",
		"docker.us.rep.pkg.dev", "xn--gcr-abc.gcr.io", "GCR.IO.", "a-docker.s3nsregistry.fr:443/x", "\x00", "::::", "%2e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		h, err := NormalizeHost(in)
		if err != nil {
			return
		}
		again, err := NormalizeHost(h)
		if err != nil || again != h {
			t.Fatalf("NormalizeHost(NormalizeHost(%q)) = %q, %v, want %q", in, again, err, h)
		}
		if u, ok := GoogleUniverse(h); ok {
			name := hostname(h)
			if !(name == "gcr.io" || strings.HasSuffix(name, ".gcr.io") || strings.HasSuffix(name, ".pkg.dev") || strings.HasSuffix(name, "-docker.s3nsregistry.fr")) || u == "" {
				t.Fatalf("GoogleUniverse(%q) = %q, true for a host outside Google's domains", h, u)
			}
		}
	})
}

// FuzzProtocol drives get/store/erase/list with arbitrary stdin: no panic,
// and a minted Google token only ever goes to a Google host.
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
		err := credentials.HandleCommand(h, action, strings.NewReader(in), &out)
		if err == nil && action == "get" && strings.Contains(out.String(), "minted-") {
			if _, google := h.Universe(strings.TrimSpace(in)); !google {
				t.Fatalf("get %q returned a minted token for a non-Google host", in)
			}
		}
	})
}
