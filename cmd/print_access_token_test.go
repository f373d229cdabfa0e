package cmd_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// TestPrintAccessTokenDockerConfigSeveralHosts: one auths JSON (a pull
// secret) for several registries.
func TestPrintAccessTokenDockerConfigSeveralHosts(t *testing.T) {
	e := newEnv(t)
	out, stderr, err := e.run("", "print-access-token", "--format=docker-config", "us-east1-docker.pkg.dev", "https://EU.gcr.io/", "europe-west1-docker.pkg.dev")
	if err != nil {
		t.Fatalf("print-access-token --format=docker-config with 3 hosts: %v, %s", err, stderr)
	}
	var cfg struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	for _, h := range []string{"us-east1-docker.pkg.dev", "eu.gcr.io", "europe-west1-docker.pkg.dev"} {
		b, _ := base64.StdEncoding.DecodeString(cfg.Auths[h].Auth)
		user, tok, _ := strings.Cut(string(b), ":")
		if p, ok := e.Google.Principal(tok); user != "oauth2accesstoken" || !ok || p != keyAccount {
			t.Errorf("auths[%s] = user %q, token for %q (%v), want oauth2accesstoken and a live token of %s", h, user, p, ok, keyAccount)
		}
	}
	if len(cfg.Auths) != 3 {
		t.Errorf("auths has %d entries, want 3", len(cfg.Auths))
	}
	if !strings.Contains(stderr, "stops working when the token expires (in 1h0m0s)") {
		t.Errorf("stderr = %q, want the note that it expires with the token", stderr)
	}
	// Other formats print one token: several hosts are refused, naming the way.
	if out, _, err := e.run("", "print-access-token", "--format=creds", "gcr.io", "eu.gcr.io"); err == nil || out != "" || !strings.Contains(err.Error(), "--format=docker-config") {
		t.Errorf("--format=creds with 2 hosts = %q, %v, want a refusal naming --format=docker-config", out, err)
	}
	if out, _, err := e.run("", "print-access-token", "--format=docker-config", "gcr.io", "ghcr.io"); err == nil || out != "" || !strings.Contains(err.Error(), "ghcr.io is not a Google registry") {
		t.Errorf("docker-config with a foreign host = %q, %v, want a refusal naming it", out, err)
	}
}

// complete returns what cobra's completion offers for args (the last one
// being completed), without the trailing directive line.
func (e *env) complete(args ...string) []string {
	e.t.Helper()
	out, stderr, err := e.run("", append([]string{"__complete"}, args...)...)
	if err != nil {
		e.t.Fatalf("__complete %v: %v, %s", args, err, stderr)
	}
	var vals []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") {
			vals = append(vals, strings.SplitN(l, "\t", 2)[0])
		}
	}
	return vals
}

func TestCompletionOfFlagValues(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"print-access-token", "--format", ""}, []string{"token", "creds", "json", "docker-config"}, nil},
		{[]string{"print-access-token", "--format="}, []string{"token", "creds", "json", "docker-config"}, nil},
		{[]string{"config", "--token-source", ""}, []string{"token-file", "credentials-file", "adc", "gcloud", "metadata", "env", "store"}, nil},
		{[]string{"config", "--token-source", "env,"}, []string{"env,gcloud", "env,store"}, []string{"env,env"}},
	}
	for _, tt := range tests {
		got := e.complete(tt.args...)
		have := map[string]bool{}
		for _, g := range got {
			have[g] = true
		}
		for _, w := range tt.want {
			if !have[w] {
				t.Errorf("completion of %q = %v, want it to offer %q", tt.args, got, w)
			}
		}
		for _, n := range tt.not {
			if have[n] {
				t.Errorf("completion of %q = %v, offers %q", tt.args, got, n)
			}
		}
	}
}
