package cmd_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/credentials"
)

// list returns what `list` printed, decoded.
func (e *env) list() map[string]string {
	e.t.Helper()
	out, stderr, err := e.run("", "list")
	var m map[string]string
	if jerr := json.Unmarshal([]byte(out), &m); jerr != nil || err != nil {
		e.t.Fatalf("list = %q, %q, %v (%v), want a JSON object", out, stderr, err, jerr)
	}
	return m
}

// TestListAsCredsStore: with the helper as credsStore, list reports every
// Google registry it serves (regclient asks a credsStore only for those),
// as oauth2accesstoken, without minting a token; never a foreign host.
func TestListAsCredsStore(t *testing.T) {
	e := newEnv(t)
	e.write(e.DockerConfig(), []byte(`{"credsStore": "gcr"}`))
	if _, _, err := e.run("", "configure-docker", "--allow-custom-host", "registry.example.com"); err != nil {
		t.Fatal(err)
	}
	e.write(e.DockerConfig(), []byte(`{"credsStore": "gcr"}`)) // only the settings keep the custom host
	before := e.Google.Count("token")
	m := e.list()
	for _, h := range []string{"gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io", "marketplace.gcr.io",
		"us-east1-docker.pkg.dev", "europe-west9-docker.pkg.dev", "us-docker.pkg.dev",
		"u-france-east1-docker.s3nsregistry.fr", "registry.example.com"} {
		if m[h] != "oauth2accesstoken" {
			t.Errorf("list[%s] = %q, want oauth2accesstoken", h, m[h])
		}
	}
	for h := range m {
		if _, ok := map[string]bool{"docker.io": true, "ghcr.io": true}[h]; ok {
			t.Errorf("list has %s: a foreign host is never served", h)
		}
	}
	if n := e.Google.Count("token") - before; n != 0 {
		t.Errorf("list made %d token requests, want 0", n)
	}
	// Another credsStore: only what credHelpers maps to this helper.
	e.write(e.DockerConfig(), []byte(`{"credsStore": "desktop", "credHelpers": {"eu.gcr.io": "gcr"}}`))
	if m := e.list(); len(m) != 1 || m["eu.gcr.io"] != "oauth2accesstoken" {
		t.Errorf("list with credsStore desktop = %v, want only eu.gcr.io", m)
	}
}

// TestListServerURLAsStored: list hands each stored credential back under
// the server URL it was stored with, as docker's get-all-credentials path
// then asks get for exactly those keys; get still finds every URL form.
func TestListServerURLAsStored(t *testing.T) {
	e := newEnv(t)
	e.Vars["DOCKER_CREDENTIAL_GCR_CREDENTIAL_STORE"] = "file"
	for _, c := range []string{
		`{"ServerURL":"https://index.docker.io/v1/","Username":"hubuser","Secret":"hub-secret-1"}`,
		`{"ServerURL":"myreg.ncr.fin-ntruss.com","Username":"AK","Secret":"ncr-secret-1"}`,
	} {
		if out, _, err := e.run(c, "store"); err != nil {
			t.Fatalf("store %s = %q, %v", c, out, err)
		}
	}
	get := func(url string) (credentials.Credentials, error) {
		var c credentials.Credentials
		out, _, err := e.run(url, "get")
		if err == nil {
			err = json.Unmarshal([]byte(out), &c)
		}
		return c, err
	}
	m := e.list()
	if m["https://index.docker.io/v1/"] != "hubuser" || m["myreg.ncr.fin-ntruss.com"] != "AK" || len(m) != 2 {
		t.Errorf("list = %v, want the server URLs as stored", m)
	}
	for key := range m { // what docker's GetAllCredentials does
		if c, err := get(key); err != nil || c.Secret == "" {
			t.Errorf("get %q (a key list returned) = %v", key, err)
		}
	}
	for _, url := range []string{"index.docker.io", "https://index.docker.io", "INDEX.docker.io/v1/"} {
		if c, err := get(url); err != nil || c.Username != "hubuser" {
			t.Errorf("get %q = %+v, %v, want hubuser", url, c, err)
		}
	}
}

// TestEraseGoogleHostNothingStored: docker logout and oras logout erase a
// Google host that has nothing stored (twice, for docker): that succeeds,
// while a foreign host with nothing stored stays "not found".
func TestEraseGoogleHostNothingStored(t *testing.T) {
	e := newEnv(t)
	for i := range 2 {
		if out, _, err := e.run("us-east1-docker.pkg.dev\n", "erase"); err != nil {
			t.Errorf("erase #%d of a Google host with nothing stored = %q, %v, want success", i+1, out, err)
		}
	}
	if out, _, err := e.run("ghcr.io\n", "erase"); err == nil || out != "credentials not found in native keychain\n" {
		t.Errorf("erase ghcr.io with nothing stored = %q, %v, want the not-found text", out, err)
	}
}

// TestMessagesSayWhatToDo: input a protocol command cannot use, and an
// unknown command, get a message that says what is expected and what to
// run, around the protocol library's own words.
func TestMessagesSayWhatToDo(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, stdin string
		args        []string
		want        []string
	}{
		{"get, empty stdin", "", []string{"get"}, []string{"no credentials server URL", "reads a registry server URL on stdin", "echo us-east1-docker.pkg.dev | docker-credential-gcr get"}},
		{"erase, empty stdin", "\n", []string{"erase"}, []string{"no credentials server URL", "echo us-east1-docker.pkg.dev | docker-credential-gcr erase"}},
		{"store, empty stdin", "", []string{"store"}, []string{`{"ServerURL":`, "docker login"}},
		{"store, truncated JSON", `{"ServerURL":"myreg.example.com","Username":"AK","Sec`, []string{"store"}, []string{"unexpected EOF", `{"ServerURL":`, "docker login"}},
		{"store, no username", `{"ServerURL":"myreg.example.com"}`, []string{"store"}, []string{"no credentials username", `"Username"`, "docker login"}},
		{"unknown command", "", []string{"frobnicate"}, []string{`unknown command "frobnicate"`, "configure-docker", "print-access-token", "docker-credential-gcr --help"}},
		{"misspelt command", "", []string{"configure-dockr"}, []string{"did you mean configure-docker?"}},
	}
	for _, tt := range tests {
		out, stderr, err := e.run(tt.stdin, tt.args...)
		if err == nil {
			t.Errorf("%s: nil error, want a failure", tt.name)
		}
		for _, w := range tt.want {
			if !strings.Contains(out+stderr+errText(err), w) {
				t.Errorf("%s: output = %q / %q / %v, want it to contain %q", tt.name, out, stderr, err, w)
			}
		}
	}
}
