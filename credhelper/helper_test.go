package credhelper

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/storetest"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/store"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// mint is a TokenFunc that counts calls and records the host and universe
// asked.
type mint struct {
	n              int
	host, universe string
}

func (m *mint) tokens(_ context.Context, host, universe string) (*token.Token, error) {
	m.n++
	m.host, m.universe = host, universe
	return &token.Token{AccessToken: "minted-" + universe, Universe: universe}, nil
}

// put stores c for host in st, failing the test if it cannot.
func put(t *testing.T, st store.Store, host string, c *store.Credential) {
	t.Helper()
	if err := st.Put(host, c); err != nil {
		t.Fatalf("Put(%s) = %v", host, err)
	}
}

func newHelper(m *mint, st store.Store, now time.Time) *Helper {
	return New(context.Background(), Config{
		Tokens:         m.tokens,
		Registries:     map[string]string{"registry.example.com": registry.UniverseGoogle},
		Store:          st,
		StoreForGoogle: true,
		Now:            func() time.Time { return now },
	})
}

func TestGetDecision(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	st := storetest.NewMemory()
	put(t, st, "us-docker.pkg.dev", &store.Credential{Username: UsernameJSONKeyBase64, Secret: "KEY", StoredAt: now.Add(-48 * time.Hour)})
	put(t, st, "eu.gcr.io", &store.Credential{Username: registry.Username, Secret: "fresh-token", StoredAt: now.Add(-59 * time.Minute)})
	put(t, st, "asia.gcr.io", &store.Credential{Username: registry.Username, Secret: "old-token", StoredAt: now.Add(-61 * time.Minute)})
	put(t, st, "myreg.ncr.fin-ntruss.com", &store.Credential{Username: "ACCESSKEY", Secret: "SECRETKEY", StoredAt: now})
	m := &mint{}
	h := newHelper(m, st, now)

	tests := []struct {
		url, user, secret string
		minted            bool
	}{
		{"https://us-docker.pkg.dev/v2/", UsernameJSONKeyBase64, "KEY", false},                 // a key outlives tokens
		{"eu.gcr.io", registry.Username, "fresh-token", false},                                 // stored token still valid
		{"asia.gcr.io", registry.Username, "minted-googleapis.com", true},                      // stored token too old
		{"gcr.io/my-project/img", registry.Username, "minted-googleapis.com", true},            // nothing stored
		{"myreg.ncr.fin-ntruss.com", "ACCESSKEY", "SECRETKEY", false},                          // another registry: what was stored
		{"registry.example.com", registry.Username, "minted-googleapis.com", true},             // registered custom host
		{"europe-west9-docker.s3nsregistry.fr", registry.Username, "minted-s3nsapis.fr", true}, // S3NS universe
	}
	for _, tt := range tests {
		before := m.n
		user, secret, err := h.Get(tt.url)
		if err != nil || user != tt.user || secret != tt.secret {
			t.Errorf("Get(%q) = %q, %q, %v, want %q, %q", tt.url, user, secret, err, tt.user, tt.secret)
		}
		if minted := m.n > before; minted != tt.minted {
			t.Errorf("Get(%q) minted = %v, want %v", tt.url, minted, tt.minted)
		}
	}
	if _, err := st.Get("asia.gcr.io"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired stored access token is kept (%v); nothing is kept beyond its life", err)
	}
	for _, url := range []string{"ghcr.io", "docker.io", "https://index.docker.io/v1/", "gcr.io.evil.com", "", "user@gcr.io"} {
		before := m.n
		if _, _, err := h.Get(url); !credentials.IsErrCredentialsNotFound(err) {
			t.Errorf("Get(%q) error = %v, want not found", url, err)
		}
		if m.n != before {
			t.Errorf("Get(%q) minted a Google token", url)
		}
	}
}

func TestStoreDisabledForGoogle(t *testing.T) {
	st := storetest.NewMemory()
	put(t, st, "gcr.io", &store.Credential{Username: UsernameJSONKey, Secret: "KEY", StoredAt: time.Now()})
	m := &mint{}
	h := New(context.Background(), Config{Tokens: m.tokens, Store: st, StoreForGoogle: false})
	if _, secret, _ := h.Get("gcr.io"); secret != "minted-googleapis.com" {
		t.Errorf("Get(gcr.io) without the store source = %q, want a minted token", secret)
	}
}

func TestAddDeleteList(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"credHelpers": {"us-east1-docker.pkg.dev": "gcr", "gcr.io": "gcloud", "ghcr.io": "gcr"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	st := storetest.NewMemory()
	h := New(context.Background(), Config{Tokens: (&mint{}).tokens, Store: st, Now: func() time.Time { return now }, DockerConfig: cfg})

	if err := h.Add(&credentials.Credentials{ServerURL: "https://MyReg.ncr.fin-ntruss.com/", Username: "AK", Secret: "SK"}); err != nil {
		t.Fatal(err)
	}
	c, err := st.Get("myreg.ncr.fin-ntruss.com")
	if err != nil || c.Username != "AK" || c.Secret != "SK" || !c.StoredAt.Equal(now) {
		t.Errorf("stored = %+v, %v", c, err)
	}
	list, err := h.List()
	// Under the server URL as stored, which get also takes.
	want := map[string]string{"https://MyReg.ncr.fin-ntruss.com/": "AK", "us-east1-docker.pkg.dev": registry.Username}
	if err != nil || len(list) != len(want) {
		t.Errorf("List() = %v, %v, want %v", list, err, want)
	}
	for k, v := range want {
		if list[k] != v {
			t.Errorf("List()[%s] = %q, want %q", k, list[k], v)
		}
	}
	// An expired stored access token is purged by list, even unread.
	put(t, st, "eu.gcr.io", &store.Credential{Username: registry.Username, Secret: "old", StoredAt: now.Add(-2 * time.Hour)})
	if l, _ := h.List(); l["eu.gcr.io"] != "" {
		t.Errorf("List() still shows an expired stored access token: %v", l)
	}
	if _, err := st.Get("eu.gcr.io"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired stored access token kept: %v", err)
	}
	if err := h.Delete("myreg.ncr.fin-ntruss.com"); err != nil {
		t.Errorf("Delete = %v", err)
	}
	if err := h.Delete("myreg.ncr.fin-ntruss.com"); !credentials.IsErrCredentialsNotFound(err) {
		t.Errorf("second Delete = %v, want not found", err)
	}
	// list never fails, even with a broken config.json and no store.
	if err := os.WriteFile(cfg, []byte(`{broken`), 0o600); err != nil {
		t.Fatal(err)
	}
	h = New(context.Background(), Config{Tokens: (&mint{}).tokens, DockerConfig: cfg})
	if l, err := h.List(); err != nil || len(l) != 0 {
		t.Errorf("List() with a broken config = %v, %v, want {}, nil", l, err)
	}
}

// TestRegisteredHostExactPort: a host registered with configure-docker
// --allow-custom-host is served exactly as registered, host[:port]: another
// port of the same name may be another service (anyone's on a shared host).
func TestRegisteredHostExactPort(t *testing.T) {
	m := &mint{}
	h := New(context.Background(), Config{
		Tokens:     m.tokens,
		Registries: map[string]string{"registry.example.com": registry.UniverseGoogle, "other.example.com:5000": registry.UniverseGoogle},
	})
	for url, want := range map[string]bool{
		"registry.example.com":                true,
		"https://registry.example.com/v2/":    true,
		"registry.example.com/team/app":       true,
		"registry.example.com:31337":          false,
		"https://registry.example.com:443/":   false,
		"registry.example.com:31337/team/app": false,
		"other.example.com:5000":              true,
		"other.example.com":                   false,
		"other.example.com:5001":              false,
	} {
		before := m.n
		_, secret, err := h.Get(url)
		if want && (err != nil || secret == "") {
			t.Errorf("Get(%q) = %q, %v, want a token", url, secret, err)
		}
		if !want && (!credentials.IsErrCredentialsNotFound(err) || m.n != before) {
			t.Errorf("Get(%q) = %v after %d mints, want not found and no token minted", url, err, m.n-before)
		}
	}
}

func TestListServerURLAndServedHosts(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	cfg := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(cfg, []byte(`{"credsStore": "gcr"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	st := storetest.NewMemory()
	put(t, st, "legacy.example.com", &store.Credential{Username: "OLD", Secret: "S", StoredAt: now}) // stored before server URLs were kept
	m := &mint{}
	h := New(context.Background(), Config{Tokens: m.tokens, Store: st, StoreForGoogle: true, DockerConfig: cfg,
		Registries: map[string]string{"registry.example.com": registry.UniverseGoogle}, Now: func() time.Time { return now }})
	for _, c := range []*credentials.Credentials{
		{ServerURL: "https://index.docker.io/v1/", Username: "hub", Secret: "S1"},
		{ServerURL: "https://us-docker.pkg.dev", Username: UsernameJSONKey, Secret: "KEY"},
	} {
		if err := h.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	list, err := h.List()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"https://index.docker.io/v1/":           "hub",
		"legacy.example.com":                    "OLD",
		"https://us-docker.pkg.dev":             UsernameJSONKey, // the stored key, not the served default
		"gcr.io":                                registry.Username,
		"marketplace.gcr.io":                    registry.Username,
		"europe-west1-docker.pkg.dev":           registry.Username,
		"u-france-east1-docker.s3nsregistry.fr": registry.Username,
		"registry.example.com":                  registry.Username,
	}
	for k, v := range want {
		if list[k] != v {
			t.Errorf("List()[%s] = %q, want %q", k, list[k], v)
		}
	}
	if _, ok := list["us-docker.pkg.dev"]; ok {
		t.Errorf("List() has us-docker.pkg.dev twice (served and stored)")
	}
	if m.n != 0 {
		t.Errorf("List() minted %d tokens, want 0", m.n)
	}
	for _, url := range []string{"https://index.docker.io/v1/", "index.docker.io"} {
		if user, _, err := h.Get(url); err != nil || user != "hub" {
			t.Errorf("Get(%q) = %q, %v, want hub", url, user, err)
		}
	}
	// Erase: a Google host with nothing stored is logged out already.
	for i := range 2 {
		if err := h.Delete("https://us-docker.pkg.dev"); err != nil {
			t.Errorf("Delete #%d of a Google host = %v, want nil", i+1, err)
		}
	}
	if err := h.Delete("ghcr.io"); !credentials.IsErrCredentialsNotFound(err) {
		t.Errorf("Delete(ghcr.io) with nothing stored = %v, want not found", err)
	}
	if err := New(context.Background(), Config{Tokens: m.tokens}).Delete("gcr.io"); err != nil {
		t.Errorf("Delete(gcr.io) with no store = %v, want nil", err)
	}
}
