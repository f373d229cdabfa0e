package fakegoogle_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// gcloud runs the installed gcloud CLI (or docker-credential-gcloud)
// against the fake as a GCE instance would, as an isolated user of
// internal/testenv: gcloud reaches the fake through GCE_METADATA_ROOT.
func gcloud(t *testing.T, e *testenv.Env, stdin, name string, args ...string) (stdout string) {
	t.Helper()
	path := testenv.Tool(t, name)
	if testing.Short() {
		t.Skip("SKIP: gcloud takes about a second a call (-short)")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, path, args...)
	c.Env = testenv.Environ(e.With(
		"PATH", os.Getenv("PATH"),
		"NO_PROXY", "*",
		"CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "true",
		"CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "true"))
	c.Stdin = strings.NewReader(stdin)
	r := testenv.Run(c)
	if r.Err != nil {
		t.Fatalf("%s", r)
	}
	return r.Stdout
}

func TestGcloudPrintAccessToken(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{})
	tok := strings.TrimSpace(gcloud(t, e, "", "gcloud", "auth", "print-access-token"))
	if got, ok := e.Google.Principal(tok); !ok || got != testenv.VMAccount {
		t.Errorf("Principal(gcloud auth print-access-token) = %q, %v, want %q, true", got, ok, testenv.VMAccount)
	}
}

func TestDockerCredentialGcloud(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{})
	out := gcloud(t, e, "us-east1-docker.pkg.dev", "docker-credential-gcloud", "get")
	var creds struct{ Username, Secret string }
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatalf("docker-credential-gcloud get = %q: %v", out, err)
	}
	if got, ok := e.Google.Principal(creds.Secret); !ok || got != testenv.VMAccount || creds.Username != "_dcgcloud_token" {
		t.Errorf("docker-credential-gcloud get = user %q principal %q, %v; want _dcgcloud_token, %q, true", creds.Username, got, ok, testenv.VMAccount)
	}
}
