package settings

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestOverlayPrecedence(t *testing.T) {
	file := &Settings{TokenFile: "file-token", CredentialsFile: "file-key", ImpersonateServiceAccount: "file@x"}
	o := file.Overlay(env(map[string]string{
		EnvGcloudTokenFile:   "gcloud-token",
		EnvCredentialsFile:   "ours-key",
		EnvGoogleCredentials: "google-key",
		EnvGcloudImpersonate: "gcloud@x",
		EnvNoCache:           "1",
	}))
	if o.TokenFile != "gcloud-token" || o.CredentialsFile != "ours-key" || o.ImpersonateServiceAccount != "gcloud@x" || !o.NoCache {
		t.Errorf("Overlay() = %+v, want env over file, ours over gcloud's", o)
	}
	if file.TokenFile != "file-token" {
		t.Errorf("Overlay changed its receiver")
	}
}

func TestMapSourceNames(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{"env", "gcloud"}, []string{"token-file", "credentials-file", "adc", "metadata", "gcloud"}},
		{[]string{"gcloud", " ENV "}, []string{"gcloud", "token-file", "credentials-file", "adc", "metadata"}},
		{[]string{"store"}, []string{}},
		{[]string{"adc", "adc", "metadata"}, []string{"adc", "metadata"}},
	}
	for _, tt := range tests {
		got, err := MapSourceNames(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MapSourceNames(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := MapSourceNames([]string{"env", "magic"}); err == nil || !strings.Contains(err.Error(), "gcloud") {
		t.Errorf("MapSourceNames(magic) = %v, want an error listing the valid names", err)
	}
}

func TestCacheSettings(t *testing.T) {
	s := &Settings{RefreshMargin: "10m"}
	c, err := s.Cache(env(map[string]string{"XDG_CACHE_HOME": "/x"}))
	if err != nil || c.Dir != filepath.Join("/x", "docker-credential-gcr") || c.Margin != 10*time.Minute {
		t.Errorf("Cache() = %+v, %v", c, err)
	}
	for _, bad := range []string{"soon", "-1m", "2h"} {
		if _, err := (&Settings{RefreshMargin: bad}).Cache(env(nil)); err == nil {
			t.Errorf("Cache() with refresh margin %q = nil error", bad)
		}
	}
	if c, _ := (&Settings{NoCache: true}).Cache(env(nil)); c != nil {
		t.Errorf("Cache() with no_cache = %+v, want nil", c)
	}
}

func TestUpdateAndUnsetAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "config.json")
	set := func(names ...string) func(string) bool {
		return func(f string) bool {
			for _, n := range names {
				if n == f {
					return true
				}
			}
			return false
		}
	}
	if _, err := Update(path, false, Edit{Set: set("token-source", "metadata-account"), TokenSource: "env, gcloud", MetadataAccount: "sa@x"}); err != nil {
		t.Fatal(err)
	}
	Modify(path, func(s *Settings) error { s.Registries = []string{"registry.example.com"}; return nil })
	s, err := Load(path)
	if err != nil || !reflect.DeepEqual(s.TokenSources, []string{"env", "gcloud"}) || s.MetadataAccount != "sa@x" {
		t.Fatalf("Load() = %+v, %v", s, err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("mode of %s = %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	if _, err := Update(path, false, Edit{Set: set("token-source"), TokenSource: "bogus"}); err == nil {
		t.Errorf("Update with an unknown source = nil error")
	}
	s, _ = Update(path, true, Edit{})
	if s.TokenSources != nil || s.MetadataAccount != "" || len(s.Registries) != 1 {
		t.Errorf("after --unset-all = %+v, want defaults with the registered hosts kept", s)
	}
	if o, _ := s.TokenOptions(env(nil)); o.Sources != nil || o.Cache == nil {
		t.Errorf("TokenOptions() after unset-all = sources %v cache %v", o.Sources, o.Cache)
	}
}
