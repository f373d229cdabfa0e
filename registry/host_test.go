package registry

import "testing"

func TestNormalizeHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"gcr.io", "gcr.io"},
		{"GCR.IO", "gcr.io"},
		{"https://gcr.io", "gcr.io"},
		{"https://gcr.io/", "gcr.io"},
		{"http://gcr.io/v2/", "gcr.io"},
		{"https://index.docker.io/v1/", "index.docker.io"},
		{"us-east1-docker.pkg.dev/my-project/repo", "us-east1-docker.pkg.dev"},
		{"us-east1-docker.pkg.dev/my-project/repo/image:tag", "us-east1-docker.pkg.dev"},
		{"localhost:5000", "localhost:5000"},
		{"127.0.0.1:5000/x", "127.0.0.1:5000"},
		{"[::1]:5000", "[::1]:5000"},
		{"  gcr.io \n", "gcr.io"},
		{"gcr.io.", "gcr.io"},
		{"gcr.io:443", "gcr.io:443"},
		{"gcr.io?x=1", "gcr.io"},
	}
	for _, tt := range tests {
		got, err := NormalizeHost(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeHost(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "   ", "https://", "user@gcr.io", "https://user:pw@gcr.io/", "gcr.io:abc", "gcr io", "*.gcr.io", "gcr..io", "gcr.io:123456"} {
		if got, err := NormalizeHost(bad); err == nil {
			t.Errorf("NormalizeHost(%q) = %q, nil, want an error", bad, got)
		}
	}
}

// TestUniverse is the host-safety table: only true Google registry
// hosts get a token, and each only of its own universe.
func TestUniverse(t *testing.T) {
	google := map[string]string{
		"gcr.io":                                 UniverseGoogle,
		"us.gcr.io":                              UniverseGoogle,
		"eu.gcr.io":                              UniverseGoogle,
		"asia.gcr.io":                            UniverseGoogle,
		"marketplace.gcr.io":                     UniverseGoogle,
		"k8s.gcr.io":                             UniverseGoogle,
		"gcr.io:443":                             UniverseGoogle,
		"us-east1-docker.pkg.dev":                UniverseGoogle,
		"us-docker.pkg.dev":                      UniverseGoogle,
		"europe-west10-docker.pkg.dev":           UniverseGoogle,
		"northamerica-northeast1-docker.pkg.dev": UniverseGoogle,
		"us-east1-docker.pkg.dev:443":            UniverseGoogle,
		"docker.us-central1.rep.pkg.dev":         UniverseGoogle,
		"docker.europe-west4.rep.pkg.dev":        UniverseGoogle,
		"u-france-east1-docker.s3nsregistry.fr":  UniverseS3NS,
		"europe-west9-docker.s3nsregistry.fr":    UniverseS3NS,
	}
	for h, want := range google {
		host, err := NormalizeHost(h)
		if err != nil {
			t.Fatalf("NormalizeHost(%q): %v", h, err)
		}
		if got, ok := Universe(host); !ok || got != want {
			t.Errorf("Universe(%q) = %q, %v, want %q, true", h, got, ok, want)
		}
	}
	notGoogle := []string{
		"docker.io", "index.docker.io", "registry-1.docker.io", "ghcr.io", "quay.io",
		"evil.example.com", "gcr.io.evil.com", "gcr.io.evil.com:443", "evilgcr.io", "gcr.iox",
		"a.b.gcr.io", "xn--gcr-abc.gcr.io", "-us.gcr.io", "us-.gcr.io",
		"pkg.dev", "docker.pkg.dev", "-docker.pkg.dev", "us-east1-docker.pkg.dev.example",
		"evil-docker.pkg.dev.example", "us-east1-docker.pkg.dev.evil.com", "a.us-east1-docker.pkg.dev",
		"us-east1-docker.pkg.devx", "us_east1-docker.pkg.dev", "xn--us-east1-docker.pkg.dev",
		"us--east1-docker.pkg.dev", "1us-docker.pkg.dev", "us-east1.pkg.dev", "us-east1-maven.pkg.dev",
		"us-east1-python.pkg.dev", "docker.rep.pkg.dev", "docker..rep.pkg.dev", "x.docker.us.rep.pkg.dev",
		"docker.us.rep.pkg.dev.evil.com", "rep.pkg.dev", "s3nsregistry.fr", "docker.s3nsregistry.fr",
		"evil-docker.s3nsregistry.fr.evil.com", "ncr.fin-ntruss.com", "myreg.ncr.fin-ntruss.com",
		"myreg.ncr.ntruss.com", "localhost", "localhost:5000", "127.0.0.1:5000", "169.254.169.254",
		"metadata.google.internal", "googleapis.com", "oauth2.googleapis.com", "storage.googleapis.com",
	}
	for _, h := range notGoogle {
		host, err := NormalizeHost(h)
		if err != nil {
			continue // refused outright: also not Google
		}
		if u, ok := Universe(host); ok {
			t.Errorf("Universe(%q) = %q, true, want false", h, u)
		}
	}
}
