package settings

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// home is an environment with a home and nothing else: the cache dir is
// found there, never in the real HOME of the process.
var home = env(map[string]string{"HOME": "/home/me", "USERPROFILE": `C:\Users\me`, "LocalAppData": `C:\Users\me\AppData\Local`})

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
		{[]string{"env", "gcloud"}, []string{"token-file", "credentials-file", "oidc", "adc", "metadata", "gcloud"}},
		{[]string{"gcloud", " ENV "}, []string{"gcloud", "token-file", "credentials-file", "oidc", "adc", "metadata"}},
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
		if _, err := (&Settings{RefreshMargin: bad}).Cache(home); err == nil {
			t.Errorf("Cache() with refresh margin %q = nil error", bad)
		}
	}
	if c, _ := (&Settings{NoCache: true}).Cache(home); c.Dir != "" {
		t.Errorf("Cache() with no_cache = %+v, want no dir (off)", c)
	}
}

func TestTimeoutSetting(t *testing.T) {
	if got, err := (&Settings{}).Timeouts(); err != nil || got != (token.Timeouts{}) {
		t.Errorf("Timeouts() unset = %+v, %v, want the zero Timeouts (token's defaults)", got, err)
	}
	s := (&Settings{Timeout: "20s"}).Overlay(env(map[string]string{EnvTimeout: "2s"}))
	want := token.Timeouts{Source: 2 * time.Second, Total: 3 * time.Second, LockWait: time.Second}
	if got, err := s.Timeouts(); err != nil || got != want {
		t.Errorf("Timeouts() with %s=2s = %+v, %v, want %+v", EnvTimeout, got, err, want)
	}
	// The default timeout gives token's default bounds.
	def := token.Timeouts{Source: token.DefaultSourceTimeout, Total: token.DefaultTotalTimeout, LockWait: token.DefaultLockWait}
	if got, _ := (&Settings{Timeout: token.DefaultSourceTimeout.String()}).Timeouts(); got != def {
		t.Errorf("Timeouts() with timeout=%s = %+v, want token's defaults %+v", token.DefaultSourceTimeout, got, def)
	}
	for _, bad := range []string{"soon", "0s", "-1s", "1ms", "1h"} {
		if _, err := (&Settings{Timeout: bad}).Timeouts(); err == nil || !strings.Contains(err.Error(), EnvTimeout) {
			t.Errorf("Timeouts() with timeout %q = %v, want an error naming %s", bad, err, EnvTimeout)
		}
		if _, err := (&Settings{Timeout: bad}).TokenOptions(home); err == nil {
			t.Errorf("TokenOptions() with timeout %q = nil error", bad)
		}
	}
}

// A settings file saved by Notepad ("UTF-8 with BOM", CRLF) is read; a
// write by config leaves it plain UTF-8.
func TestLoadByteOrderMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte("\xef\xbb\xbf{\r\n  \"token_sources\": [\"metadata\"]\r\n}\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil || len(s.TokenSources) != 1 || s.TokenSources[0] != "metadata" {
		t.Fatalf("Load(a file with a BOM) = %+v, %v; want token_sources [metadata]", s, err)
	}
	if _, err := Update(path, false, Edit{Set: func(f string) bool { return f == "universe-domain" }, Universe: "s3nsapis.fr"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) || !bytes.Contains(b, []byte("metadata")) {
		t.Errorf("settings after config = %q, want plain UTF-8 with token_sources kept", b)
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
	if err := Modify(path, func(s *Settings) error { s.Registries = []string{"registry.example.com"}; return nil }); err != nil {
		t.Fatalf("Modify() = %v", err)
	}
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
	if s, err = Update(path, true, Edit{}); err != nil {
		t.Fatalf("Update(--unset-all) = %v", err)
	}
	if s.TokenSources != nil || s.MetadataAccount != "" || len(s.Registries) != 1 {
		t.Errorf("after --unset-all = %+v, want defaults with the registered hosts kept", s)
	}
	if o, _ := s.TokenOptions(home); o.Sources != nil || o.Cache.Dir == "" {
		t.Errorf("TokenOptions() after unset-all = sources %v cache %v", o.Sources, o.Cache)
	}
}

// TestUnknownTokenSourceRefused: an unknown name in the environment or in the
// settings file is an error naming it and the valid names, not the default
// chain run silently.
func TestUnknownTokenSourceRefused(t *testing.T) {
	fromEnv := (&Settings{}).Overlay(env(map[string]string{EnvTokenSources: "bogus,metadata"}))
	fromFile := &Settings{TokenSources: []string{"bogus", "metadata"}}
	for name, tt := range map[string]struct {
		s      *Settings
		getenv func(string) string
		origin string
	}{
		"env":  {fromEnv, env(map[string]string{EnvTokenSources: "bogus,metadata"}), EnvTokenSources},
		"file": {fromFile, env(nil), "token_sources"},
	} {
		o, err := tt.s.TokenOptions(tt.getenv)
		if err == nil {
			t.Errorf("TokenOptions(%s: bogus,metadata) = sources %q, nil error, want an error naming bogus", name, o.Sources)
			continue
		}
		for _, want := range []string{`"bogus"`, "metadata", "gcloud", tt.origin} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("TokenOptions(%s: bogus,metadata) = %v, want it to contain %q", name, err, want)
			}
		}
	}
}

// TestConfigStoresAbsolutePaths: config --credentials-file/--token-file
// resolve a relative path against the directory config runs in.
func TestConfigStoresAbsolutePaths(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	path := filepath.Join(t.TempDir(), "cfg", "config.json")
	set := func(f string) bool { return f == "credentials-file" || f == "token-file" }
	s, err := Update(path, false, Edit{Set: set, CredentialsFile: "keys/key.json", TokenFile: "token.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(work, "keys", "key.json"); s.CredentialsFile != want {
		t.Errorf("config --credentials-file=keys/key.json stored %q, want %q", s.CredentialsFile, want)
	}
	if want := filepath.Join(work, "token.txt"); s.TokenFile != want {
		t.Errorf("config --token-file=token.txt stored %q, want %q", s.TokenFile, want)
	}
	// An empty value unsets, it is not the working directory.
	s, err = Update(path, false, Edit{Set: set})
	if err != nil || s.CredentialsFile != "" || s.TokenFile != "" {
		t.Errorf("config --credentials-file= --token-file= = %+v, %v, want both unset", s, err)
	}
}

// TestRelativePathsRefused: a relative credentials or token file in the
// settings file or in our own variables would be resolved against docker's
// working directory (a cloned repository's key.json): refused with the fix.
// Google's and gcloud's own variables keep their meaning (relative to the
// working directory, as Google's libraries and gcloud read them).
func TestRelativePathsRefused(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "key.json")
	refused := []struct {
		name string
		s    *Settings
		env  map[string]string
		want []string
	}{
		{"credentials_file in the settings file", &Settings{CredentialsFile: "key.json"}, nil,
			[]string{"credentials_file", `"key.json"`, "absolute", "config --credentials-file"}},
		{"token_file in the settings file", &Settings{TokenFile: "token.txt"}, nil,
			[]string{"token_file", `"token.txt"`, "absolute", "config --token-file"}},
		{EnvCredentialsFile, &Settings{}, map[string]string{EnvCredentialsFile: "key.json"},
			[]string{EnvCredentialsFile, `"key.json"`, "absolute"}},
		{EnvTokenFile, &Settings{}, map[string]string{EnvTokenFile: "./token.txt"},
			[]string{EnvTokenFile, `"./token.txt"`, "absolute"}},
		{"our variable over an absolute settings value", &Settings{CredentialsFile: abs}, map[string]string{EnvCredentialsFile: "key.json"},
			[]string{EnvCredentialsFile}},
	}
	for _, tt := range refused {
		o, err := tt.s.Overlay(env(tt.env)).TokenOptions(env(tt.env))
		if err == nil {
			t.Errorf("TokenOptions(%s) = credentials %q token %q, nil error, want a refusal", tt.name, o.CredentialsFile, o.TokenFile)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("TokenOptions(%s) = %v, want it to contain %q", tt.name, err, w)
			}
		}
	}
	accepted := []struct {
		name string
		s    *Settings
		env  map[string]string
	}{
		{"absolute paths", &Settings{CredentialsFile: abs, TokenFile: abs}, nil},
		{EnvGoogleCredentials, &Settings{}, map[string]string{EnvGoogleCredentials: "key.json"}},
		{EnvGcloudTokenFile, &Settings{}, map[string]string{EnvGcloudTokenFile: "token.txt"}},
		{"Google's variable over a relative settings value", &Settings{CredentialsFile: "key.json"}, map[string]string{EnvGoogleCredentials: abs}},
	}
	for _, tt := range accepted {
		if _, err := tt.s.Overlay(env(tt.env)).TokenOptions(env(tt.env)); err != nil {
			t.Errorf("TokenOptions(%s) = %v, want nil", tt.name, err)
		}
	}
}

func TestWorkloadProviderSetting(t *testing.T) {
	const name = "projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod"
	s := (&Settings{WorkloadIdentityProvider: "projects/1/locations/global/workloadIdentityPools/file-pool/providers/file-prov", KubeletIdentity: "node"}).
		Overlay(env(map[string]string{EnvProvider: name, EnvKubeletIdentity: "pod", EnvOIDCAudience: "aud"}))
	if s.WorkloadIdentityProvider != name || s.KubeletIdentity != "pod" || s.OIDCAudience != "aud" {
		t.Errorf("Overlay() = provider %q identity %q, want the environment's", s.WorkloadIdentityProvider, s.KubeletIdentity)
	}
	p, ok, err := s.WorkloadProvider()
	if err != nil || !ok || p.Audience() != "//iam.googleapis.com/"+name {
		t.Errorf("WorkloadProvider() = %v, %v, %v, want //iam.googleapis.com/%s", p, ok, err, name)
	}
	s3ns := &Settings{WorkloadIdentityProvider: name, UniverseDomain: "s3nsapis.fr"}
	if p, _, err := s3ns.WorkloadProvider(); err != nil || p.Universe != "s3nsapis.fr" {
		t.Errorf("WorkloadProvider() with universe_domain s3nsapis.fr = %v, %v, want universe s3nsapis.fr", p, err)
	}
	if _, ok, err := (&Settings{}).WorkloadProvider(); ok || err != nil {
		t.Errorf("WorkloadProvider() unset = %v, %v, want not set", ok, err)
	}
	_, _, err = (&Settings{WorkloadIdentityProvider: "projects/my-project/locations/global/workloadIdentityPools/kubernetes/providers/prod"}).WorkloadProvider()
	if err == nil || !strings.Contains(err.Error(), EnvProvider) || !strings.Contains(err.Error(), "project number") {
		t.Errorf("WorkloadProvider() with a project ID = %v, want an error naming %s and the project number", err, EnvProvider)
	}
}
