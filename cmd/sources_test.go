package cmd_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenFileAsWindowsWritesIt: an access-token file saved by Notepad
// (a byte order mark, CRLF) serves its token; one holding something else
// than a bare token (quotes, "Bearer ", several lines) is refused by get
// and by doctor, which never says "result: ok" for a token the registry
// would refuse, and neither shows the token.
func TestTokenFileAsWindowsWritesIt(t *testing.T) {
	p := newProc(t)
	p.vars["PATH"] = filepath.Dir(binary) + string(filepath.ListSeparator) + p.vars["PATH"] // doctor: on PATH
	const tok = "ya29.a0AfB_from-a-file"
	file := filepath.Join(p.dir, "token.txt")
	p.vars["DOCKER_CREDENTIAL_GCR_TOKEN_FILE"] = file
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
	p.vars["DOCKER_CREDENTIAL_GCR_ALLOW_CUSTOM_CREDENTIAL_URLS"] = "1" // the fake's endpoints are on 127.0.0.1
	const email = "sa@p.iam.gserviceaccount.com"
	key, err := p.g.NewServiceAccount(email)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(p.dir, "key.json")
	p.vars["GOOGLE_APPLICATION_CREDENTIALS"] = file
	writeFile(t, file, bom+strings.ReplaceAll(string(key), "\n", "\r\n"))
	out, _, code := p.run("gcr.io", "get")
	var c struct{ Secret string }
	json.Unmarshal([]byte(out), &c)
	if got, ok := p.g.Principal(c.Secret); code != 0 || !ok || got != email {
		t.Errorf("get with a key file saved with a BOM = exit %d, principal %q; want %s (%.200s)", code, got, email, out)
	}
}
