//go:build unix

package hardening

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// The fault tests give the helper short bounds (the timeout setting,
// DOCKER_CREDENTIAL_GCR_TIMEOUT) so that they do not wait out the defaults
// (10 s a source, 15 s the chain; token.TestDefaultTimeouts proves those
// without waiting): the chain bounds a source at faultTimeout and the whole
// chain at one and a half times it. A get that has not ended hangBound after
// it started is hung: a correctness check, not a speed check.
const (
	faultTimeout = 3 * time.Second
	hangBound    = faultTimeout*3/2 + 5*time.Second
)

// withFaultTimeout sets the fault tests' bound in vars.
func withFaultTimeout(vars map[string]string) map[string]string {
	vars["DOCKER_CREDENTIAL_GCR_TIMEOUT"] = faultTimeout.String()
	return vars
}

// noAnswer is the chain's message for a source that hit faultTimeout.
var noAnswer = "no answer within " + faultTimeout.String()

const (
	registry     = "us-east1-docker.pkg.dev"
	ciAccount    = "ci@p.iam.gserviceaccount.com"
	targetSA     = "target@p.iam.gserviceaccount.com"
	gcloudUser   = "me@example.com"
	slowMetadata = 10 * faultTimeout // a "slow" metadata server, past the source bound
	slowToken    = 30 * faultTimeout // past the source bound
	// Tokens live 30 minutes in these tests, so that a refresh margin of
	// 59m59s makes a cached token due for refresh while still valid.
	tokenLifetime = 30 * time.Minute
)

// metadataAt points every metadata variable at addr.
func metadataAt(addr string) []string {
	return []string{"GCE_METADATA_HOST", addr, "GCE_METADATA_ROOT", addr, "GCE_METADATA_IP", addr}
}

// base is a configured identity: it returns the vars of a working get and
// the principal its token acts as.
type base struct {
	name     string
	identity string
	setup    func(t *testing.T, e *testenv.Env) map[string]string
}

var (
	// The VM's metadata server, nothing else configured.
	metadataBase = base{"metadata", testenv.VMAccount, func(t *testing.T, e *testenv.Env) map[string]string { return e.With() }}

	// A service-account key (GOOGLE_APPLICATION_CREDENTIALS); no metadata
	// server, so that only the key's failures show.
	keyBase = base{"key", ciAccount, func(t *testing.T, e *testenv.Env) map[string]string {
		key, err := e.Google.NewServiceAccount(ciAccount)
		if err != nil {
			t.Fatal(err)
		}
		return e.With(append([]string{"GOOGLE_APPLICATION_CREDENTIALS", e.WriteFile("key.json", key, 0o600)}, metadataAt(closedPort(t))...)...)
	}}

	// The VM's identity impersonating a target through the fake IAM.
	impersonationBase = base{"impersonation", targetSA, func(t *testing.T, e *testenv.Env) map[string]string {
		e.Google.AllowImpersonation(testenv.VMAccount, targetSA)
		return e.With("DOCKER_CREDENTIAL_GCR_IMPERSONATE_SERVICE_ACCOUNT", targetSA, "DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT", e.Google.URL)
	}}

	// A stand-in gcloud on PATH with an active account; it hangs once the
	// file "hang" exists. No metadata server.
	gcloudBase = base{"gcloud", gcloudUser, func(t *testing.T, e *testenv.Env) map[string]string {
		tok := "ya29.gcloud-" + rand.Text() + rand.Text()
		e.Secrets.Add(tok)
		exp := time.Now().Add(tokenLifetime).UTC().Format(time.RFC3339)
		script := fmt.Sprintf("#!/bin/sh\n[ -e %q ] && sleep 60\ncat <<'J'\n"+
			`{"configuration":{"active_configuration":"default","properties":{"core":{"account":%q}}},`+
			`"credential":{"access_token":%q,"token_expiry":%q}}`+"\nJ\n",
			filepath.Join(e.Home, "hang"), gcloudUser, tok, exp)
		e.WriteFile("bin/gcloud", []byte(script), 0o755)
		e.WriteFile(filepath.Join(e.Vars["CLOUDSDK_CONFIG"], "configurations", "config_default"), []byte("[core]\naccount = "+gcloudUser+"\n"), 0o600)
		return e.With(metadataAt(closedPort(t))...)
	}}
)

// fault breaks one upstream of a base.
type fault struct {
	name      string
	base      base
	transient bool     // a cached, still-valid token must be served through it
	want      []string // the error names these (the source, what failed, a next step)
	wantAny   []string // and one of these
	waits     bool     // the fault lasts past the source's bound: get waits it out
	// inject sets the fault and returns the vars of the faulted get.
	inject func(t *testing.T, e *testenv.Env, vars map[string]string) map[string]string
}

func setFault(endpoint string, f fakegoogle.Fault) func(*testing.T, *testenv.Env, map[string]string) map[string]string {
	return func(_ *testing.T, e *testenv.Env, vars map[string]string) map[string]string {
		if f.Body != "" {
			// A secret of the fake inside the body: it must never be echoed.
			f.Body = strings.ReplaceAll(f.Body, "SECRET", e.Google.Secrets()[0])
		}
		e.Google.SetFault(endpoint, f)
		return vars
	}
}

var faults = []fault{
	{name: "metadata down", base: metadataBase, transient: true,
		want: []string{"metadata: ", "unreachable", "next step: "},
		inject: func(t *testing.T, e *testenv.Env, vars map[string]string) map[string]string {
			kv := metadataAt(closedPort(t))
			for i := 0; i < len(kv); i += 2 {
				vars[kv[i]] = kv[i+1]
			}
			return vars
		}},
	{name: "metadata slow", base: metadataBase, transient: true, waits: true,
		want:   []string{"metadata: ", noAnswer, "next step: "},
		inject: setFault("metadata", fakegoogle.Fault{Delay: slowMetadata})},
	{name: "metadata 500", base: metadataBase, transient: true,
		want:   []string{"metadata: ", "HTTP 500", "next step: "},
		inject: setFault("metadata-token", fakegoogle.Fault{Status: 500, Body: "backend error client_secret=SECRET"})},
	{name: "metadata garbage token", base: metadataBase, transient: true,
		want:   []string{"metadata: ", "not a token JSON", "next step: "},
		inject: setFault("metadata-token", fakegoogle.Fault{Status: 200, Body: `{"access_token": SECRET <html>`})},
	{name: "metadata garbage everywhere", base: metadataBase, transient: true,
		want:   []string{"metadata: ", "next step: "},
		inject: setFault("metadata", fakegoogle.Fault{Status: 200, Body: "<html>SECRET</html>"})},
	{name: "token endpoint 500", base: keyBase, transient: true,
		want:   []string{"credentials-file: ", "HTTP 500", "next step: "},
		inject: setFault("token", fakegoogle.Fault{Status: 500, Body: `{"error":"internal_failure","error_description":"backend error"}`})},
	{name: "token endpoint slow", base: keyBase, transient: true, waits: true,
		want: []string{"credentials-file: ", "next step: "},
		// x/oauth2/jwt posts without the context: the HTTP client's timeout,
		// set to the source's deadline, may report before the context does.
		wantAny: []string{noAnswer, "Client.Timeout exceeded"},
		inject:  setFault("token", fakegoogle.Fault{Delay: slowToken})},
	{name: "token endpoint invalid_grant", base: keyBase,
		want:   []string{"credentials-file: ", "invalid_grant", "Invalid JWT Signature.", "next step: ", "create a new key"},
		inject: setFault("token", fakegoogle.Fault{Status: 400, Body: `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`})},
	{name: "IAM 403", base: impersonationBase,
		want: []string{"metadata: ", "roles/iam.serviceAccountTokenCreator", targetSA, "next step: ", "add-iam-policy-binding"},
		inject: setFault("iam", fakegoogle.Fault{Status: 403,
			Body: `{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED"}}`})},
	{name: "IAM 429", base: impersonationBase, transient: true,
		want: []string{"metadata: ", "HTTP 429", "next step: "},
		inject: setFault("iam", fakegoogle.Fault{Status: 429,
			Body: `{"error":{"code":429,"message":"Quota exceeded.","status":"RESOURCE_EXHAUSTED"}}`})},
	{name: "gcloud hanging", base: gcloudBase, transient: true, waits: true,
		want: []string{"gcloud: ", "next step: "},
		inject: func(t *testing.T, e *testenv.Env, vars map[string]string) map[string]string {
			e.WriteFile("hang", nil, 0o600)
			return vars
		}},
}

// TestFaults breaks each upstream in turn. Every get must end within
// hangBound with an actionable error (the failing source, what failed, a
// next step) and no token; with a still-valid cached token, a transient
// failure serves that token. Every run writes the verbose trail
// (DOCKER_CREDENTIAL_GCR_VERBOSE=1) to stderr, and stdout, stderr, the cache
// file names and config.json are scanned for every secret the fakes issued.
func TestFaults(t *testing.T) {
	t.Parallel() // mostly waiting on bounds: overlap with the other slow test
	for _, f := range faults {
		modes := []bool{false}
		if f.transient {
			modes = append(modes, true)
		}
		for _, cached := range modes {
			name := f.name
			if cached {
				name += " with cached token"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				runFault(t, f, cached)
			})
		}
	}
}

func runFault(t *testing.T, f fault, cached bool) {
	e := testenv.New(t, fakegoogle.Options{TokenLifetime: tokenLifetime})
	vars := f.base.setup(t, e)
	vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = "1"
	var warm creds
	var runs []testenv.Result
	if cached {
		r := e.RunWith(vars, registry, "get")
		runs = append(runs, r)
		c, ok := parseCreds(r.Stdout)
		if r.Code != 0 || !ok {
			t.Fatalf("warm-up get = %q, exit %d: %s", shown(r.Stdout), r.Code, shown(r.Stderr))
		}
		warm = c
		// The cached token is due for refresh, still valid: the next get asks upstream.
		vars["DOCKER_CREDENTIAL_GCR_REFRESH_MARGIN"] = "59m59s"
	}
	vars = f.inject(t, e, withFaultTimeout(vars))
	r := e.RunWith(vars, registry, "get")
	runs = append(runs, r)
	why := "served the cached token"
	if !cached {
		why = sourceLine(r.Stdout, f.want[0])
	}
	figure(t, "fault %q cached=%v: exit %d after %s: %s", f.name, cached, r.Code, r.Elapsed.Round(10*time.Millisecond), why)

	if r.Elapsed > hangBound {
		t.Errorf("get took %s, want it bounded (< %s)", r.Elapsed, hangBound)
	}
	// A fault that lasts waits out the bound the setting gave, not less
	// (the get did not give up early) and not the default (the setting
	// took effect: the bound above).
	if f.waits && r.Elapsed < faultTimeout {
		t.Errorf("get through a fault past the source bound ended after %s, before its %s bound", r.Elapsed, faultTimeout)
	}
	if panicked(r.Stderr) {
		t.Errorf("get crashed:\n%s", shown(r.Stderr))
	}
	c, ok := parseCreds(r.Stdout)
	switch {
	case cached:
		if r.Code != 0 || !ok || c.Secret != warm.Secret {
			t.Errorf("get through a transient failure with a valid cached token = %.200q, exit %d; want the cached token", shown(r.Stdout), r.Code)
		}
		if p, valid := e.Google.Principal(c.Secret); f.base.identity != gcloudUser && (!valid || p != f.base.identity) {
			t.Errorf("the served token acts as %q (valid %v), want %s", p, valid, f.base.identity)
		}
		if !strings.Contains(r.Stderr, "cached token") { // not a plain cache hit: the refresh was tried
			t.Errorf("verbose trail does not say the cached token was served:\n%s", shown(r.Stderr))
		}
	default:
		if r.Code != 1 || ok {
			t.Errorf("get = %.200q, exit %d; want an error and no token", shown(r.Stdout), r.Code)
			if p, valid := e.Google.Principal(c.Secret); valid {
				t.Errorf("the token acts as %s: a token from another identity", p)
			}
		}
		for _, w := range f.want {
			if !strings.Contains(r.Stdout, w) {
				t.Errorf("error %q does not contain %q", shown(r.Stdout), w)
			}
		}
		if len(f.wantAny) > 0 && !slices.ContainsFunc(f.wantAny, func(w string) bool { return strings.Contains(r.Stdout, w) }) {
			t.Errorf("error %q contains none of %q", shown(r.Stdout), f.wantAny)
		}
		if strings.Contains(r.Stdout, "credentials not found") {
			t.Errorf("a failure answered %q: docker would go anonymous", shown(r.Stdout))
		}
	}
	for i, r := range runs {
		out := r.Stdout
		if c, ok := parseCreds(out); ok && r.Code == 0 {
			out = strings.ReplaceAll(out, c.Secret, "") // the answer itself
		}
		e.Secrets.Check(t, fmt.Sprintf("run %d stdout", i), out)
		e.Secrets.Check(t, fmt.Sprintf("run %d stderr (verbose trail)", i), r.Stderr)
	}
	e.ScanFiles(t)
	if t.Failed() {
		t.Logf("stdout: %s\nstderr: %s", r.Stdout, r.Stderr)
	}
}

// sourceLine is the line of a chain error that starts with prefix (after
// its indentation).
func sourceLine(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
