package credhelper

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/kubelet"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
)

// Setup reads the registered hosts and the refresh margin from the
// settings, as get does.
func TestKubeletSetup(t *testing.T) {
	g, err := fakegoogle.New(fakegoogle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	g.SetMetadataAccount("default", "node@p.iam.gserviceaccount.com")
	// Never probe the real metadata server: point it at the fake.
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(g.URL, "http://"))
	dir := t.TempDir()
	settingsFile := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(settingsFile, []byte(`{"registries":["registry.example.com:5000"],"refresh_margin":"10m","token_sources":["metadata"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"DOCKER_CREDENTIAL_GCR_CONFIG": settingsFile,
		"XDG_CACHE_HOME":               filepath.Join(dir, "cache"),
		"GCE_METADATA_HOST":            strings.TrimPrefix(g.URL, "http://"),
	}
	t.Setenv("HOME", dir) // the chain's home (gcloud's files)
	s, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.KubeletPlugin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Margin != 10*time.Minute {
		t.Errorf("KubeletPlugin().Margin = %v, want the settings' 10m", p.Margin)
	}
	var out bytes.Buffer
	in := `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"registry.example.com:5000/team/app:v1"}`
	if err := p.Serve(context.Background(), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	var r struct {
		CacheDuration string
		Auth          map[string]struct{ Username string }
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if a := r.Auth["registry.example.com:5000"]; a.Username != registry.Username {
		t.Errorf("registered host: auth = %v, want oauth2accesstoken", r.Auth)
	}
	if d, err := time.ParseDuration(r.CacheDuration); err != nil || d > 50*time.Minute || d < 49*time.Minute {
		t.Errorf("cacheDuration with a 10m margin = %q, want about 50m", r.CacheDuration)
	}
	cfg, err := s.KubeletConfig(kubelet.DefaultCacheDuration).Format(kubelet.OutputYAML)
	if err != nil || !strings.Contains(cfg, `- "registry.example.com:5000"`) || !strings.Contains(cfg, `name: "docker-credential-gcr"`) {
		t.Errorf("KubeletConfig().Format() = %q, %v, want the registered host and the binary's name", cfg, err)
	}
}

func TestEnsureHome(t *testing.T) {
	t.Setenv("HOME", "/some/home")
	if err := EnsureHome(); err != nil || os.Getenv("HOME") != "/some/home" {
		t.Errorf("EnsureHome() with HOME set: HOME = %q, %v, want it kept", os.Getenv("HOME"), err)
	}
	t.Setenv("HOME", "")
	if err := EnsureHome(); err != nil || os.Getenv("HOME") == "" {
		t.Errorf("EnsureHome() without HOME: HOME = %q, %v, want the user's home", os.Getenv("HOME"), err)
	}
}
