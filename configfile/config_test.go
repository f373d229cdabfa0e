package configfile

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/userdir"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Config
	}{
		{"empty", "", &Config{}},
		{"docker CLI", testdata(t, "docker-cli-28.json"), &Config{CredsStore: "desktop"}},
		{"gcloud", testdata(t, gcloudFile), &Config{CredHelpers: map[string]string{
			"gcr.io": "gcloud", "us-east1-docker.pkg.dev": "gcloud", "eu.gcr.io": "gcloud"}}},
		{"desktop", desktop, &Config{CredsStore: "desktop"}},
		// encoding/json matches keys case-insensitively and merges a
		// repeated map, and so does docker.
		{"as docker reads it", `{"credHelpers": {"a.io": "x", "b.io": "y"}, "CREDHELPERS": {"b.io": "z"}, "credsStore": "one", "credsstore": "two"}`,
			&Config{CredHelpers: map[string]string{"a.io": "x", "b.io": "z"}, CredsStore: "two"}},
		{"null entry reads as empty", `{"credHelpers": {"a.io": null}}`, &Config{CredHelpers: map[string]string{"a.io": ""}}},
		// Notepad's "UTF-8 with BOM": the mark is skipped (docker itself
		// cannot read the file: HasBOM, doctor, configure-docker).
		{"byte order mark", "\xef\xbb\xbf{\r\n  \"credHelpers\": {\"gcr.io\": \"gcr\"}\r\n}\r\n", &Config{CredHelpers: map[string]string{"gcr.io": "gcr"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %+v, %v; want %+v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{\n  \"auths\": {},\n}", "parse docker config: config.json line 3, column 1: invalid character '}' looking for beginning of object key string; fix the file or move it aside"},
		{"[]", "config.json line 1, column 1: the top-level value is an array, docker needs an object"},
		{"{\n  \"credHelpers\": {\"gcr.io\": 5}\n}", "config.json line 2, column 29: docker cannot read this: credHelpers holds a number where it needs string"},
		{"{\"credsStore\": true}", "config.json line 1, column 19: docker cannot read this: credsStore holds a bool where it needs string"},
		{"{\"credHelpers\": [\"gcr.io\"]}", "credHelpers holds an array where it needs map[string]string"},
		{"{} {}", "config.json line 1, column 4: invalid character '{' after top-level value"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestDir(t *testing.T) {
	home := filepath.Join("/home", "me")
	env := map[string]string{userdir.HomeVar(): home}
	getenv := func(k string) string { return env[k] }
	if got, err := Dir("", getenv); err != nil || got != filepath.Join(home, ".docker") {
		t.Errorf("Dir(\"\") = %q, %v; want %q", got, err, filepath.Join(home, ".docker"))
	}
	env["DOCKER_CONFIG"] = "/env/docker"
	if got, err := Dir("", getenv); err != nil || got != "/env/docker" {
		t.Errorf("Dir(\"\") with DOCKER_CONFIG = %q, %v; want %q", got, err, "/env/docker")
	}
	if got, err := Dir("/flag/docker", getenv); err != nil || got != "/flag/docker" {
		t.Errorf("Dir(%q) = %q, %v; want the flag", "/flag/docker", got, err)
	}
	// No home and no DOCKER_CONFIG: an error that says what to set. (The
	// helper's getenv asks the user database for a missing HOME first, as
	// docker does: internal/app's TestHomeFromUserDatabase.)
	delete(env, "DOCKER_CONFIG")
	delete(env, userdir.HomeVar())
	if got, err := Dir("", getenv); err == nil || !strings.Contains(err.Error(), "set DOCKER_CONFIG or pass --config") {
		t.Errorf("Dir(\"\") without a home = %q, %v; want an error naming DOCKER_CONFIG and --config", got, err)
	}
}
