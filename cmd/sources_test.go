package cmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// TestTokenFileAsWindowsWritesIt: an access-token file saved by Notepad
// (a byte order mark, CRLF) serves its token; one holding something else
// than a bare token (quotes, "Bearer ", several lines) is refused by get
// and by doctor, which never says "result: ok" for a token the registry
// would refuse, and neither shows the token.
func TestTokenFileAsWindowsWritesIt(t *testing.T) {
	p := newProc(t)
	p.Vars["PATH"] = filepath.Dir(testenv.Binary(t)) + string(filepath.ListSeparator) + p.Vars["PATH"] // doctor: on PATH
	const tok = "ya29.a0AfB_from-a-file"
	file := filepath.Join(p.Home, "token.txt")
	p.Vars["DOCKER_CREDENTIAL_GCR_TOKEN_FILE"] = file
	if _, stderr, code := p.run("", "configure-docker", "gcr.io"); code != 0 {
		t.Fatalf("configure-docker gcr.io: exit %d, %s", code, stderr)
	}

	writeFile(t, file, bom+tok+"\r\n")
	out, stderr, code := p.run("gcr.io", "get")
	var c struct{ Secret string }
	if json.Unmarshal([]byte(out), &c); code != 0 || c.Secret != tok {
		t.Errorf("get with a token file saved with a BOM = exit %d, %q, %q; want the token without the mark", code, out, stderr)
	}
	if out, _, code := p.run("", "doctor", "gcr.io"); code != 0 || !strings.Contains(out, "result:           ok") {
		t.Errorf("doctor with a token file saved with a BOM = exit %d, %q; want ok", code, out)
	}

	for name, tt := range map[string]struct{ data, want string }{
		"quotes":     {`"` + tok + `"` + "\r\n", "in quotes"},
		"Bearer":     {"Bearer " + tok + "\n", `"Bearer "`},
		"two lines":  {tok + "\n" + tok + "\n", "2 lines"},
		"UTF-8 NBSP": {"ya29.a0AfB\u00a0from-a-file", "U+00A0"},
	} {
		writeFile(t, file, tt.data)
		out, _, code := p.run("gcr.io", "get")
		if code == 0 || !strings.Contains(out, tt.want) || strings.Contains(out, "from-a-file") {
			t.Errorf("%s: get = exit %d, %q; want it refused saying %q, without the token", name, code, out, tt.want)
		}
		out, stderr, code := p.run("", "doctor", "gcr.io")
		if code == 0 || strings.Contains(out, "result:           ok") || !strings.Contains(stderr, tt.want) || strings.Contains(out+stderr, "from-a-file") {
			t.Errorf("%s: doctor = exit %d, %q, %q; want a problem saying %q, without the token", name, code, out, stderr, tt.want)
		}
	}
}

// TestKeyFileAsWindowsWritesIt: a service-account key saved by Notepad, raw
// or base64, serves its account.
func TestKeyFileAsWindowsWritesIt(t *testing.T) {
	p := newProc(t)
	p.Vars["DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS"] = "1" // the fake's endpoints are on 127.0.0.1
	const email = "sa@p.iam.gserviceaccount.com"
	key, err := p.Google.NewServiceAccount(email)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(p.Home, "key.json")
	p.Vars["GOOGLE_APPLICATION_CREDENTIALS"] = file
	writeFile(t, file, bom+strings.ReplaceAll(string(key), "\n", "\r\n"))
	out, _, code := p.run("gcr.io", "get")
	var c struct{ Secret string }
	json.Unmarshal([]byte(out), &c)
	if got, ok := p.Google.Principal(c.Secret); code != 0 || !ok || got != email {
		t.Errorf("get with a key file saved with a BOM = exit %d, principal %q; want %s (%.200s)", code, got, email, out)
	}
}

// TestGcloudImpersonatesOnce: with CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT
// set (gcloud's own variable, which the helper honours too) and the gcloud
// source, gcloud's config-helper already answers the service account's
// token: get hands it out as is, without impersonating it again.
func TestGcloudImpersonatesOnce(t *testing.T) {
	p := newProc(t)
	const sa = "sa@p.iam.gserviceaccount.com"
	bin := filepath.Join(p.Home, "bin")
	// A stand-in gcloud: the real one cannot mint a token without a Google
	// login. It impersonates as gcloud does, from its variable.
	writeFile(t, filepath.Join(bin, "gcloud"), "#!/bin/sh\n"+
		`[ "$1 $2 $3" = 'config config-helper --format=json' ] || exit 2`+"\n"+
		`printf '{"configuration":{"properties":{"core":{"account":"me@example.com"}}},"credential":{"access_token":"ya29.gcloud-as-%s","token_expiry":"2099-01-01T00:00:00Z"}}\n' "$CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT"`+"\n")
	if err := os.Chmod(filepath.Join(bin, "gcloud"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(p.Vars["CLOUDSDK_CONFIG"], "configurations", "config_default"), "[core]\naccount = me@example.com\n")
	p.Vars["PATH"] = bin + string(filepath.ListSeparator) + p.Vars["PATH"]
	p.Vars["DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES"] = "gcloud"
	p.Vars["CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT"] = sa
	// Were the helper to impersonate on top, it would ask the fake.
	p.Vars["DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT"] = p.Google.URL
	p.Vars["DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS"] = "1"
	out, stderr, code := p.run("gcr.io", "get")
	var c struct{ Secret string }
	json.Unmarshal([]byte(out), &c)
	if code != 0 || c.Secret != "ya29.gcloud-as-"+sa {
		t.Errorf("get with gcloud impersonating %s = exit %d, %q, %q; want gcloud's token as is", sa, code, out, stderr)
	}
	if n := p.Google.Count("iam"); n != 0 {
		t.Errorf("get asked IAM Credentials %d time(s) on top of gcloud's impersonation, want 0", n)
	}
}

// outputLine is the line of s that holds sub, "" for none.
func outputLine(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// TestFailureMessages: what get prints (docker shows it in its own error)
// for three refusals says what to do, on one line, ready to paste.
func TestFailureMessages(t *testing.T) {
	const vm, tgt = testenv.VMAccount, "target@p.iam.gserviceaccount.com"

	t.Run("impersonation refused", func(t *testing.T) {
		p := newProc(t)
		p.Vars["DOCKER_CREDENTIAL_GCR_IMPERSONATE_SERVICE_ACCOUNT"] = tgt
		p.Vars["DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT"] = p.Google.URL
		p.Vars["DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS"] = "1"
		out, _, code := p.run("gcr.io", "get")
		want := "gcloud iam service-accounts add-iam-policy-binding " + tgt + " --member=serviceAccount:" + vm + " --role=roles/iam.serviceAccountTokenCreator"
		if code == 0 || !strings.Contains(out, want) {
			t.Errorf("get = exit %d, %q; want the command %q", code, out, want)
		}
	})

	t.Run("external_account impersonation refused", func(t *testing.T) {
		p := newProc(t)
		p.Vars["DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS"] = "1"
		wif, err := p.Google.NewExternalAccount("wif@p.iam.gserviceaccount.com", p.Home)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(wif, &m)
		m["service_account_impersonation_url"] = p.Google.URL + "/v1/projects/-/serviceAccounts/" + tgt + ":generateAccessToken"
		wif, _ = json.Marshal(m)
		file := filepath.Join(p.Home, "wif.json")
		writeFile(t, file, string(wif))
		p.Vars["GOOGLE_APPLICATION_CREDENTIALS"] = file
		out, _, code := p.run("gcr.io", "get")
		line := outputLine(out, "permission denied")
		pool := strings.TrimSuffix(m["audience"].(string), "/providers/fake-provider")
		want := "--member='principalSet:" + pool + "/*' --role=roles/iam.workloadIdentityUser"
		if code == 0 || !strings.Contains(line, "roles/iam.workloadIdentityUser on "+tgt) || strings.Contains(out, "status code") || !strings.Contains(out, want) {
			t.Errorf("get = exit %d, %q; want one line naming the role on %s and the command with %s", code, out, tgt, want)
		}
	})

	t.Run("googleapis.com key for an S3NS registry", func(t *testing.T) {
		p := newProc(t)
		p.Vars["DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS"] = "1"
		key, err := p.Google.NewServiceAccount("sa@p.iam.gserviceaccount.com")
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(p.Home, "key.json")
		writeFile(t, file, string(key))
		p.Vars["GOOGLE_APPLICATION_CREDENTIALS"] = file
		out, _, code := p.run("u-france-east1-docker.s3nsregistry.fr", "get")
		next := outputLine(out, "next step:")
		if code == 0 || !strings.Contains(next, "S3NS service account") || !strings.Contains(next, `"universe_domain" is s3nsapis.fr`) || strings.Contains(next, "application-default login (or set") {
			t.Errorf("get = exit %d, %q; want the next step to ask for an S3NS key", code, out)
		}
	})
}

// TestHangingMetadataSkipped: off Google Cloud with a metadata address that
// hangs, the first get waits out the source's bound (the timeout setting,
// 1 s here); the next ones, as docker's second get of the same command,
// fail at once with the same reason and when the server is tried again;
// `cache clear` has it tried at once.
func TestHangingMetadataSkipped(t *testing.T) {
	p := newProc(t)
	p.Google.SetFault("metadata", fakegoogle.Fault{Delay: time.Hour})
	p.Vars["DOCKER_CREDENTIAL_GCR_TIMEOUT"] = "1s"
	get := func() (string, time.Duration) {
		start := time.Now()
		out, _, code := p.run("gcr.io", "get")
		if code == 0 {
			t.Fatalf("get with a hanging metadata server = %q, want a failure", out)
		}
		return out, time.Since(start)
	}
	first, took := get()
	if !strings.Contains(first, "no answer within 1s") || took < time.Second {
		t.Fatalf("first get = %q after %s; want the 1s bound's failure", first, took)
	}
	asked := p.Google.Count("metadata")
	for range 2 {
		out, took := get()
		if took > 500*time.Millisecond || p.Google.Count("metadata") != asked || !strings.Contains(out, "no answer within 1s") || !strings.Contains(out, "skipped") || !strings.Contains(out, "tried again from") {
			t.Errorf("next get = %q after %s, %d more requests; want the same reason at once and when it is tried again", out, took, p.Google.Count("metadata")-asked)
		}
	}
	if _, stderr, code := p.run("", "cache", "clear"); code != 0 {
		t.Fatalf("cache clear: exit %d, %s", code, stderr)
	}
	if out, took := get(); strings.Contains(out, "skipped") || took < time.Second || p.Google.Count("metadata") == asked {
		t.Errorf("get after cache clear = %q after %s; want the server tried again", out, took)
	}
}
