package configure

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
)

func TestValidateHost(t *testing.T) {
	for in, want := range map[string]string{
		"gcr.io": "gcr.io", "https://US-East1-docker.pkg.dev/": "us-east1-docker.pkg.dev", " eu.gcr.io ": "eu.gcr.io",
		"registry.example.com:5000": "registry.example.com:5000",
	} {
		if got, err := ValidateHost(in); err != nil || got != want {
			t.Errorf("ValidateHost(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for in, why := range map[string]string{
		"": "empty", "gcr.io/p": "has a path", "*.gcr.io": "wildcard", "gcr io": "space", "user@gcr.io": "user information",
	} {
		if _, err := ValidateHost(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ValidateHost(%q) = %v, want an error saying %q", in, err, why)
		}
	}
}

// With no host, Container Registry; --include-artifact-registry adds every
// location; a host outside the table needs --allow-custom-host (or an
// earlier registration), and then is recorded in the settings file.
func TestDocker(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DOCKER_CONFIG": filepath.Join(dir, "docker"), "XDG_CACHE_HOME": filepath.Join(dir, "cache")}
	settingsFile := filepath.Join(dir, "settings", "config.json")
	run := func(o Options) (string, error) {
		var stderr bytes.Buffer
		o.Out, o.Err, o.SettingsFile = &bytes.Buffer{}, &stderr, settingsFile
		o.Getenv = func(k string) string { return env[k] }
		err := Docker(context.Background(), o)
		return stderr.String(), err
	}
	if _, err := run(Options{}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "docker", "config.json")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range registry.ContainerRegistryHosts() {
		if !strings.Contains(string(b), `"`+h+`": "gcr"`) {
			t.Errorf("configure-docker with no host: config.json lacks %s:\n%s", h, b)
		}
	}
	if _, err := run(Options{IncludeArtifactRegistry: true}); err != nil {
		t.Fatal(err)
	}
	if b, err = os.ReadFile(cfg); err != nil || strings.Count(string(b), "-docker.pkg.dev\": \"gcr\"") != len(registry.ArtifactRegistryLocations()) {
		t.Errorf("--include-artifact-registry: %d Artifact Registry hosts, want %d", strings.Count(string(b), "-docker.pkg.dev\": \"gcr\""), len(registry.ArtifactRegistryLocations()))
	}
	if _, err := run(Options{Hosts: []string{"registry.example.com"}}); err == nil || !strings.Contains(err.Error(), "--allow-custom-host") {
		t.Errorf("a custom host without the flag = %v, want a refusal naming --allow-custom-host", err)
	}
	if _, err := run(Options{Hosts: []string{"registry.example.com"}, Registered: map[string]string{"registry.example.com": registry.UniverseGoogle}}); err != nil {
		t.Errorf("a registered custom host = %v, want it configured", err)
	}
	if _, err := run(Options{Hosts: []string{"other.example.com"}, AllowCustomHost: true}); err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load(settingsFile)
	if err != nil || len(s.Registries) != 2 || s.Registries[1] != "other.example.com" {
		t.Errorf("settings after --allow-custom-host = %+v, %v, want both custom hosts recorded", s, err)
	}
	if _, err := run(Options{Hosts: []string{"other.example.com"}, Remove: true}); err != nil {
		t.Fatal(err)
	}
	if s, err = settings.Load(settingsFile); err != nil || len(s.Registries) != 1 {
		t.Errorf("settings after --remove = %+v, %v, want other.example.com forgotten", s, err)
	}
}

// A config.json saved by Notepad ("UTF-8 with BOM"): docker cannot read it
// (it ignores the whole file), so the edit removes the mark, says so, and
// keeps every other byte; a dry run shows it and writes nothing.
func TestDockerByteOrderMark(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "docker", "config.json")
	orig := "{\r\n  \"auths\": {},\r\n  \"credHelpers\": {\r\n    \"gcr.io\": \"gcr\"\r\n  }\r\n}"
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("\xef\xbb\xbf"+orig), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(o Options) string {
		t.Helper()
		var stderr bytes.Buffer
		o.Hosts, o.Out, o.Err = []string{"gcr.io"}, &bytes.Buffer{}, &stderr
		o.Getenv = func(k string) string {
			return map[string]string{"DOCKER_CONFIG": filepath.Dir(cfg), "XDG_CACHE_HOME": filepath.Join(dir, "cache")}[k]
		}
		if err := Docker(context.Background(), o); err != nil {
			t.Fatalf("configure-docker on a config.json with a BOM = %v", err)
		}
		return stderr.String()
	}
	if got := run(Options{DryRun: true}); !strings.Contains(got, "would remove (dry run) the byte order mark (BOM) at the start of "+cfg) {
		t.Errorf("dry run said %q, want the BOM's removal announced", got)
	}
	if b, _ := os.ReadFile(cfg); string(b) != "\xef\xbb\xbf"+orig {
		t.Errorf("a dry run wrote %q", b)
	}
	if got := run(Options{}); !strings.Contains(got, "removed the byte order mark (BOM) at the start of "+cfg) || !strings.Contains(got, "updated "+cfg) {
		t.Errorf("configure-docker said %q, want the BOM's removal and the file updated", got)
	}
	if b, _ := os.ReadFile(cfg); string(b) != orig {
		t.Errorf("config.json = %q, want %q (the BOM gone, every other byte kept)", b, orig)
	}
}
