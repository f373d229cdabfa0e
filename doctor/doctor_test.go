package doctor

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/storetest"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/store"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// Run explains a Google host, a registered one and a foreign one from the
// Setup it is given, and never prints a secret.
func TestRun(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "docker"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docker", "config.json"), []byte(`{"credHelpers":{"us-docker.pkg.dev":"gcr","gcr.io":"gcloud"},"credsStore":"desktop"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	st := storetest.NewMemory()
	if err := st.Put("us-docker.pkg.dev", &store.Credential{Username: registry.Username, Secret: "stored-secret", StoredAt: now.Add(-61 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	minted := 0
	s := Setup{
		Getenv:       func(k string) string { return map[string]string{"DOCKER_CONFIG": filepath.Join(dir, "docker")}[k] },
		SettingsFile: filepath.Join(dir, "settings.json"),
		Registries:   map[string]string{"registry.example.com": registry.UniverseGoogle},
		UsesStore:    true,
		Store:        func() (store.Store, error) { return st, nil },
		CacheDir:     filepath.Join(dir, "cache"),
		Impersonate:  []string{"a@p.iam.gserviceaccount.com", "b@p.iam.gserviceaccount.com"},
		Tokens: func(_ context.Context, universe string) (*token.Token, error) {
			minted++
			return &token.Token{AccessToken: "ya29.secret-token", Expiry: now.Add(30 * time.Minute), Source: "adc", Identity: "b@p.iam.gserviceaccount.com", Universe: universe}, nil
		},
	}
	o := Options{Now: func() time.Time { return now }}
	tests := []struct {
		host string
		want []string
		fail string // a problem, when Run fails
	}{
		{"us-docker.pkg.dev", []string{"(Google, universe googleapis.com)", "credHelpers -> docker-credential-gcr", "too old: get mints a fresh token", "impersonation:    a@p.iam.gserviceaccount.com > b@p.iam.gserviceaccount.com", "token:            from adc as b@p.iam.gserviceaccount.com, universe googleapis.com, expires in 30m0s", "settings:         " + s.SettingsFile + " (absent: defaults)"}, ""},
		{"gcr.io", []string{"credHelpers -> docker-credential-gcloud"}, "docker does not ask this helper for gcr.io: run `docker-credential-gcr configure-docker gcr.io`"},
		{"registry.example.com", []string{"(Google, universe googleapis.com)", "credsStore -> docker-credential-desktop"}, "docker does not ask this helper"},
		{"ghcr.io", []string{"is not a Google registry"}, ""},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		o.Host = tt.host
		err := Run(context.Background(), &out, s, o)
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("doctor %s printed\n%s\nwant %q", tt.host, out.String(), w)
			}
		}
		if tt.fail != "" && (err == nil || !strings.Contains(err.Error(), tt.fail)) {
			t.Errorf("doctor %s = %v, want a problem %q", tt.host, err, tt.fail)
		}
		if strings.Contains(out.String()+errText(err), "secret") {
			t.Errorf("doctor %s printed a secret:\n%s%v", tt.host, out.String(), err)
		}
	}
	// A foreign host mints nothing.
	minted = 0
	o.Host = "ghcr.io"
	if Run(context.Background(), &bytes.Buffer{}, s, o); minted != 0 {
		t.Errorf("doctor ghcr.io minted %d tokens, want 0", minted)
	}
	// A chain that fails is a problem with its words.
	s.Tokens = func(context.Context, string) (*token.Token, error) {
		return nil, errors.New("no Google credentials found; run `gcloud auth application-default login`")
	}
	o.Host = "us-docker.pkg.dev"
	var out bytes.Buffer
	if err := Run(context.Background(), &out, s, o); err == nil || !strings.Contains(err.Error(), "gcloud auth application-default login") || !strings.Contains(out.String(), "token:            none") {
		t.Errorf("doctor with a failing chain = %v\n%s, want the chain's error as a problem", err, out.String())
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestCacheLine: doctor says in one line where tokens are cached, or that
// every get fetches and what to set (a cache dir that cannot be made, no
// cache dir at all), or that the user turned the cache off. A read-only
// mount is proven on the binary (cmd's TestReadOnlyHome); here the cache
// dir lies under a regular file, which no user can create.
func TestCacheLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cacheDir string
		off      bool
		want     string
	}{
		{"usable", filepath.Join(dir, "cache"), false, "token cache:      " + filepath.Join(dir, "cache") + "\n"},
		{"not writable", filepath.Join(file, "cache"), false, "token cache:      not writable, every get fetches: " + filepath.Join(file, "cache") + " ("},
		{"no place", "", false, "token cache:      none, every get fetches: no cache directory (no home); set DOCKER_CREDENTIAL_GCR_CACHE_DIR"},
		{"off", "", true, "token cache:      off\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Setup{
				Getenv:   func(k string) string { return map[string]string{"DOCKER_CONFIG": dir}[k] },
				CacheDir: tt.cacheDir,
				CacheOff: tt.off,
				Tokens: func(_ context.Context, universe string) (*token.Token, error) {
					return &token.Token{Source: "adc", Identity: "me", Universe: universe}, nil
				},
			}
			var out bytes.Buffer
			Run(context.Background(), &out, s, Options{})
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("doctor printed\n%s\nwant %q", out.String(), tt.want)
			}
			if strings.Contains(tt.want, "every get fetches") && !strings.Contains(lineOf(out.String(), "token cache:"), "DOCKER_CREDENTIAL_GCR_CACHE_DIR") {
				t.Errorf("doctor's cache line = %q, want the variable that fixes it", lineOf(out.String(), "token cache:"))
			}
			if tt.cacheDir != "" {
				if des, _ := os.ReadDir(tt.cacheDir); len(des) != 0 {
					t.Errorf("doctor left %d file(s) in the cache dir, want none", len(des))
				}
			}
		})
	}
}

func lineOf(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// A config.json that starts with a byte order mark is a problem: docker
// cannot read it and ignores the whole file.
func TestByteOrderMark(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte("\xef\xbb\xbf{\"credHelpers\": {\"gcr.io\": \"gcr\"}}"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Setup{
		Getenv: func(k string) string { return map[string]string{"DOCKER_CONFIG": dir}[k] },
		Tokens: func(_ context.Context, universe string) (*token.Token, error) {
			return &token.Token{Source: "adc", Identity: "me", Universe: universe}, nil
		},
	}
	var out bytes.Buffer
	err := Run(context.Background(), &out, s, Options{})
	if err == nil || !strings.Contains(err.Error(), cfg+" starts with a byte order mark") || !strings.Contains(err.Error(), "configure-docker") {
		t.Errorf("doctor on a config.json with a BOM = %v, want the problem and its fix", err)
	}
	if !strings.Contains(out.String(), "credHelpers:    gcr.io -> gcr") {
		t.Errorf("doctor printed\n%s\nwant the entries read past the BOM", out.String())
	}
}

// TestKubeletLines: the kubelet plugin's identity mode, from Setup.Kubelet
// for the host's universe, is two lines; what the plugin would refuse is a
// problem; no Kubelet, no line.
func TestKubeletLines(t *testing.T) {
	dir := t.TempDir()
	base := Setup{
		Getenv: func(k string) string { return map[string]string{"DOCKER_CONFIG": dir}[k] },
		Tokens: func(_ context.Context, universe string) (*token.Token, error) {
			return &token.Token{Source: "adc", Identity: "me", Universe: universe}, nil
		},
	}
	var asked []string
	for _, tt := range []struct {
		name, host string
		kubelet    func(string) (string, string, error)
		want       []string
		fail       string
	}{
		{"none", "", nil, nil, ""},
		{"in general", "", func(u string) (string, string, error) {
			asked = append(asked, u)
			return "pod, provider P", "every pod pulls as itself", nil
		},
			[]string{"kubelet plugin:   pod, provider P\n", "  pods:           every pod pulls as itself\n"}, ""},
		{"for a host", "u-france-east1-docker.s3nsregistry.fr", func(u string) (string, string, error) {
			asked = append(asked, u)
			return "pod, provider P", "", errors.New("provider in another universe")
		}, []string{"kubelet plugin:   pod, provider P\n"}, "provider in another universe"},
		{"refused", "", func(string) (string, string, error) { return "", "", errors.New("kubelet identity needs a provider") },
			[]string{"kubelet plugin:   refused"}, "kubelet identity needs a provider"},
	} {
		s := base
		if tt.kubelet != nil {
			s.Kubelet = tt.kubelet
		}
		var out bytes.Buffer
		err := Run(context.Background(), &out, s, Options{Host: tt.host})
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: doctor printed\n%s\nwant %q", tt.name, out.String(), w)
			}
		}
		if tt.want == nil && strings.Contains(out.String(), "kubelet") {
			t.Errorf("%s: doctor printed\n%s\nwant no kubelet line", tt.name, out.String())
		}
		if tt.fail != "" && (err == nil || !strings.Contains(err.Error(), tt.fail)) {
			t.Errorf("%s: doctor = %v, want a problem %q", tt.name, err, tt.fail)
		}
	}
	if want := []string{"", "s3nsapis.fr"}; strings.Join(asked, ",") != strings.Join(want, ",") {
		t.Errorf("Kubelet asked for universes %q, want %q", asked, want)
	}
}
