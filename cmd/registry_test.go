package cmd_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/credentials"
)

// TestRegistryIdentities: config --registry=HOST gives hosts their own
// identity; get, print-access-token HOST and doctor HOST use it, each
// identity is minted once over several gets and never crosses to another
// host, and --unset-all with --registry gives the host back the default.
func TestRegistryIdentities(t *testing.T) {
	e := newEnv(t)
	const eu, us, euSA, usSA = "europe-west1-docker.pkg.dev", "us-docker.pkg.dev", "eu-pusher@eu.iam.gserviceaccount.com", "us-key@us.iam.gserviceaccount.com"
	usKey, err := e.Google.NewServiceAccount(usSA)
	if err != nil {
		t.Fatal(err)
	}
	usKeyFile := e.write("us-key.json", usKey)
	e.Google.AllowImpersonation(keyAccount, euSA)
	e.Vars["DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT"] = e.Google.URL
	for _, args := range [][]string{
		{"config", "--registry=" + eu, "--impersonate-service-account=" + euSA},
		{"config", "--registry=" + us, "--credentials-file=" + usKeyFile},
	} {
		if out, _, err := e.run("", args...); err != nil {
			t.Fatalf("%v = %v: %s", args, err, out)
		}
	}
	out, _, err := e.run("", "config")
	var listed struct {
		Overrides map[string]map[string]any `json:"registry_overrides"`
	}
	if err != nil || json.Unmarshal([]byte(out), &listed) != nil || len(listed.Overrides) != 2 || listed.Overrides[eu]["impersonate_service_account"] != euSA {
		t.Fatalf("config = %q, %v; want both overrides listed", out, err)
	}

	get := func(host string) string {
		t.Helper()
		out, stderr, err := e.run(host, "get")
		var c credentials.Credentials
		if err != nil || json.Unmarshal([]byte(out), &c) != nil {
			t.Fatalf("get %s = %q, %q, %v", host, out, stderr, err)
		}
		p, _ := e.Google.Principal(c.Secret)
		return p
	}
	e.Google.ResetCounts()
	for range 3 {
		for host, want := range map[string]string{eu: euSA, us: usSA, "gcr.io": keyAccount, "https://" + eu + "/v2/p/r": euSA} {
			if got := get(host); got != want {
				t.Errorf("get %s: principal %q, want %q", host, got, want)
			}
		}
	}
	// One mint per identity over 12 gets: the key's token for the default
	// identity and as the base of eu's impersonation, us's key, eu's IAM.
	if tok, iam := e.Google.Count("token"), e.Google.Count("iam"); tok != 3 || iam != 1 {
		t.Errorf("upstream requests for 12 gets of 3 identities: token %d, iam %d; want 3 and 1", tok, iam)
	}

	out, _, err = e.run("", "print-access-token", eu)
	if p, _ := e.Google.Principal(strings.TrimSpace(out)); err != nil || p != euSA {
		t.Errorf("print-access-token %s = principal %q, %v; want %s", eu, p, err, euSA)
	}
	out, _, err = e.run("", "print-access-token", "--format=docker-config", eu, us, "gcr.io")
	var cfg struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	if err != nil || json.Unmarshal([]byte(out), &cfg) != nil || len(cfg.Auths) != 3 || cfg.Auths[eu].Auth == cfg.Auths[us].Auth || cfg.Auths[us].Auth == cfg.Auths["gcr.io"].Auth {
		t.Errorf("print-access-token --format=docker-config of 3 identities = %v; want three distinct auths", err)
	}
	out, _, _ = e.run("", "doctor", eu)
	if !strings.Contains(out, "identity:         settings of its own (`docker-credential-gcr config --registry="+eu) || !strings.Contains(out, "as "+euSA) {
		t.Errorf("doctor %s = %q, want its own identity and the impersonated account", eu, out)
	}
	e.Secrets.Check(t, "doctor", out)

	if _, _, err := e.run("", "config", "--registry="+eu, "--unset-all"); err != nil {
		t.Fatal(err)
	}
	if got := get(eu); got != keyAccount {
		t.Errorf("get %s after --registry --unset-all: principal %q, want the default %s", eu, got, keyAccount)
	}
	if got := get(us); got != usSA {
		t.Errorf("get %s after removing %s's: principal %q, want %s", us, eu, got, usSA)
	}
}

// TestRegistryWithoutImpersonation: config --registry=HOST
// --impersonate-service-account=none turns the impersonation set for every
// host off for HOST: get HOST returns the base identity's token, under the
// cache key of a chain without impersonation (a later get of another host
// with no impersonation at all is served from that cached token), while the
// other hosts keep impersonating; doctor HOST says so.
func TestRegistryWithoutImpersonation(t *testing.T) {
	e := newEnv(t)
	const us, sa = "us-docker.pkg.dev", "pusher@p.iam.gserviceaccount.com"
	e.Google.AllowImpersonation(keyAccount, sa)
	e.Vars["DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT"] = e.Google.URL
	e.Vars["DOCKER_CREDENTIAL_GCR_IMPERSONATE_SERVICE_ACCOUNT"] = sa
	if out, _, err := e.run("", "config", "--registry=gcr.io", "--impersonate-service-account=none"); err != nil || !strings.Contains(out, `"impersonate_service_account": "none"`) {
		t.Fatalf("config --registry=gcr.io --impersonate-service-account=none = %q, %v", out, err)
	}
	get := func(host string) string {
		t.Helper()
		out, stderr, err := e.run(host, "get")
		var c credentials.Credentials
		if err != nil || json.Unmarshal([]byte(out), &c) != nil {
			t.Fatalf("get %s = %v, %q", host, err, stderr)
		}
		p, _ := e.Google.Principal(c.Secret)
		return p
	}
	e.Google.ResetCounts()
	if got := get("gcr.io"); got != keyAccount {
		t.Errorf("get gcr.io (impersonation none): principal %q, want %s", got, keyAccount)
	}
	if got := get(us); got != sa {
		t.Errorf("get %s: principal %q, want %s (the global impersonation)", us, got, sa)
	}
	if iam := e.Google.Count("iam"); iam != 1 {
		t.Errorf("IAM requests = %d, want 1 (for %s only)", iam, us)
	}
	tok := e.Google.Count("token")
	delete(e.Vars, "DOCKER_CREDENTIAL_GCR_IMPERSONATE_SERVICE_ACCOUNT")
	if got := get(us); got != keyAccount {
		t.Errorf("get %s without impersonation: principal %q, want %s", us, got, keyAccount)
	}
	if n := e.Google.Count("token"); n != tok {
		t.Errorf("token requests %d -> %d: the token of gcr.io's chain without impersonation is cached under another key than the same chain's for %s", tok, n, us)
	}
	e.Vars["DOCKER_CREDENTIAL_GCR_IMPERSONATE_SERVICE_ACCOUNT"] = sa
	out, _, _ := e.run("", "doctor", "gcr.io")
	if strings.Contains(out, sa) || !strings.Contains(out, "settings of its own") {
		t.Errorf("doctor gcr.io = %q, want its own settings and no impersonation of %s", out, sa)
	}
	e.Secrets.Check(t, "doctor", out)
}
