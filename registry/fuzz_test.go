package registry

import (
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/registrytest"
)

// FuzzHost: normalisation never panics and is idempotent, and a normalised
// host is Google's, of a universe, exactly when the documented table (the
// regular expressions of registrytest, written apart from this package's
// matcher) says so.
func FuzzHost(f *testing.F) {
	for _, s := range []string{"gcr.io", "https://us-east1-docker.pkg.dev/v2/", "gcr.io.evil.com", "user@gcr.io", "[::1]:5000",
		"docker.us.rep.pkg.dev", "xn--gcr-abc.gcr.io", "GCR.IO.", "a-docker.s3nsregistry.fr:443/x", "\x00", "::::", "%2e",
		"axn--b.gcr.io", "us--east1-docker.pkg.dev", "1us-docker.pkg.dev", "docker.us_east1.rep.pkg.dev"} {
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
		got, ok := Universe(h)
		want, wantOK := registrytest.Google(h)
		if got != want || ok != wantOK {
			t.Fatalf("Universe(%q) = %q, %v, want %q, %v (the documented table)", h, got, ok, want, wantOK)
		}
	})
}
