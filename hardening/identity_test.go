//go:build unix

package hardening

import (
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// TestFailedSourceYieldsNoOtherIdentity: a configured source that fails
// ends the chain. With GOOGLE_APPLICATION_CREDENTIALS naming a CI key whose
// token endpoint fails, or a hung gcloud with an active account, the VM's
// metadata identity (served by the fake all along) is a token from the
// wrong identity. (Found by this suite; fixed in token.Chain.Token.)
func TestFailedSourceYieldsNoOtherIdentity(t *testing.T) {
	t.Parallel() // mostly waiting on bounds: overlap with the other slow test
	for _, tt := range []struct {
		name, source string
		setup        func(e *testenv.Env) map[string]string
	}{
		{"key file, token endpoint 500", "credentials-file: ", func(e *testenv.Env) map[string]string {
			key, err := e.Google.NewServiceAccount(ciAccount)
			if err != nil {
				t.Fatal(err)
			}
			e.Google.SetFault("token", fakegoogle.Fault{Status: 500, Body: `{"error":"internal_failure"}`})
			return e.With("GOOGLE_APPLICATION_CREDENTIALS", e.WriteFile("key.json", key, 0o600))
		}},
		{"key file, invalid_grant", "credentials-file: ", func(e *testenv.Env) map[string]string {
			key, err := e.Google.NewServiceAccount(ciAccount)
			if err != nil {
				t.Fatal(err)
			}
			e.Google.SetFault("token", fakegoogle.Fault{Status: 400, Body: `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`})
			return e.With("GOOGLE_APPLICATION_CREDENTIALS", e.WriteFile("key.json", key, 0o600))
		}},
		{"gcloud hanging", "gcloud: ", func(e *testenv.Env) map[string]string {
			gcloudBase.setup(t, e)
			e.WriteFile("hang", nil, 0o600)
			return e.With() // the metadata server is the fake, serving the VM
		}},
		{"impersonation refused", "metadata: ", func(e *testenv.Env) map[string]string {
			// The base (the VM) works; its token must not be handed out
			// in place of the target's.
			return e.With("DOCKER_CREDENTIAL_GCR_IMPERSONATE_SERVICE_ACCOUNT", targetSA, "DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT", e.Google.URL)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, fakegoogle.Options{})
			r := e.RunWith(withFaultTimeout(tt.setup(e)), registry, "get")
			if c, ok := parseCreds(r.Stdout); ok {
				p, _ := e.Google.Principal(c.Secret)
				t.Fatalf("get = a token acting as %q, exit %d; want an error naming the failed source", p, r.Code)
			}
			if r.Code != 1 || !strings.Contains(r.Stdout, tt.source) || !strings.Contains(r.Stdout, "next step: ") {
				t.Errorf("get = %q, exit %d; want an error naming %q and a next step", shown(r.Stdout), r.Code, tt.source)
			}
			if r.Elapsed > hangBound {
				t.Errorf("get took %s, want < %s", r.Elapsed, hangBound)
			}
		})
	}
}

// TestMetadataUniverseNotEchoed: whatever a broken metadata server answers
// for universe/universe-domain (here a page holding a secret) is refused,
// not echoed into docker's error line or the trail. (Found by this suite.)
func TestMetadataUniverseNotEchoed(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{})
	e.Google.SetFault("metadata", fakegoogle.Fault{Status: 200, Body: "<html>" + e.Google.Secrets()[0] + "</html>"})
	r := e.RunWith(e.With("DOCKER_CREDENTIAL_GCR_VERBOSE", "1"), registry, "get")
	e.Secrets.Check(t, "get stdout", r.Stdout)
	e.Secrets.Check(t, "get verbose trail", r.Stderr)
	if r.Code != 1 || strings.Contains(r.Stdout, "<html>") || !strings.Contains(r.Stdout, "metadata: ") {
		t.Errorf("get = %q, exit %d; want an error naming the metadata server, without its body", shown(r.Stdout), r.Code)
	}
}
