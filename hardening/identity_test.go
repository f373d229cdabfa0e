//go:build unix

package hardening

import (
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
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
		setup        func(e *env) map[string]string
	}{
		{"key file, token endpoint 500", "credentials-file: ", func(e *env) map[string]string {
			key, err := e.g.NewServiceAccount(ciAccount)
			if err != nil {
				t.Fatal(err)
			}
			e.g.SetFault("token", fakegoogle.Fault{Status: 500, Body: `{"error":"internal_failure"}`})
			return e.with("GOOGLE_APPLICATION_CREDENTIALS", e.write("key.json", key, 0o600))
		}},
		{"key file, invalid_grant", "credentials-file: ", func(e *env) map[string]string {
			key, err := e.g.NewServiceAccount(ciAccount)
			if err != nil {
				t.Fatal(err)
			}
			e.g.SetFault("token", fakegoogle.Fault{Status: 400, Body: `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`})
			return e.with("GOOGLE_APPLICATION_CREDENTIALS", e.write("key.json", key, 0o600))
		}},
		{"gcloud hanging", "gcloud: ", func(e *env) map[string]string {
			gcloudBase.setup(t, e)
			e.write("hang", nil, 0o600)
			return e.with() // the metadata server is the fake, serving the VM
		}},
		{"impersonation refused", "metadata: ", func(e *env) map[string]string {
			// The base (the VM) works; its token must not be handed out
			// in place of the target's.
			return e.with("DOCKER_CREDENTIAL_GCR_IMPERSONATE_SERVICE_ACCOUNT", targetSA, "DOCKER_CREDENTIAL_GCR_IAM_ENDPOINT", e.g.URL)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, fakegoogle.Options{})
			r := e.run(tt.setup(e), registry, "get")
			if c, ok := parseCreds(r.stdout); ok {
				p, _ := e.g.Principal(c.Secret)
				t.Fatalf("get = a token acting as %q, exit %d; want an error naming the failed source", p, r.code)
			}
			if r.code != 1 || !strings.Contains(r.stdout, tt.source) || !strings.Contains(r.stdout, "next step: ") {
				t.Errorf("get = %q, exit %d; want an error naming %q and a next step", shown(r.stdout), r.code, tt.source)
			}
			if r.elapsed > hangBound {
				t.Errorf("get took %s, want < %s", r.elapsed, hangBound)
			}
		})
	}
}

// TestMetadataUniverseNotEchoed: whatever a broken metadata server answers
// for universe/universe-domain (here a page holding a secret) is refused,
// not echoed into docker's error line or the trail. (Found by this suite.)
func TestMetadataUniverseNotEchoed(t *testing.T) {
	e := newEnv(t, fakegoogle.Options{})
	e.g.SetFault("metadata", fakegoogle.Fault{Status: 200, Body: "<html>" + e.g.Secrets()[0] + "</html>"})
	r := e.run(e.with("DOCKER_CREDENTIAL_GCR_VERBOSE", "1"), registry, "get")
	e.noLeak(t, "get stdout", r.stdout)
	e.noLeak(t, "get verbose trail", r.stderr)
	if r.code != 1 || strings.Contains(r.stdout, "<html>") || !strings.Contains(r.stdout, "metadata: ") {
		t.Errorf("get = %q, exit %d; want an error naming the metadata server, without its body", shown(r.stdout), r.code)
	}
}
