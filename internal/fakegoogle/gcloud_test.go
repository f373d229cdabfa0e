package fakegoogle

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// gcloud runs the installed gcloud CLI against s as a GCE instance would,
// isolated from the real $HOME and from the network.
func gcloud(t *testing.T, s *Server, stdin, name string, args ...string) (stdout string) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed", name)
	}
	if testing.Short() {
		t.Skip("gcloud takes about a second a call")
	}
	host := strings.TrimPrefix(s.URL, "http://")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"CLOUDSDK_CONFIG=" + t.TempDir(),
		"GCE_METADATA_ROOT=" + host,
		"GCE_METADATA_IP=" + host, // not needed by these commands; a guard against probing the real IP
		"NO_PROXY=*",
		"CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true",
		"CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true",
	}
	var out, errb bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstderr: %s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

func TestGcloudPrintAccessToken(t *testing.T) {
	s := newServer(t, Options{})
	const email = "vm@fake-project.iam.gserviceaccount.com"
	s.SetMetadataAccount("default", email)
	tok := strings.TrimSpace(gcloud(t, s, "", "gcloud", "auth", "print-access-token"))
	if got, ok := s.Principal(tok); !ok || got != email {
		t.Errorf("Principal(gcloud auth print-access-token) = %q, %v, want %q, true", got, ok, email)
	}
}

func TestDockerCredentialGcloud(t *testing.T) {
	s := newServer(t, Options{})
	const email = "vm@fake-project.iam.gserviceaccount.com"
	s.SetMetadataAccount("default", email)
	out := gcloud(t, s, "us-east1-docker.pkg.dev", "docker-credential-gcloud", "get")
	var creds struct{ Username, Secret string }
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatalf("docker-credential-gcloud get = %q: %v", out, err)
	}
	if got, ok := s.Principal(creds.Secret); !ok || got != email || creds.Username != "_dcgcloud_token" {
		t.Errorf("docker-credential-gcloud get = user %q principal %q, %v; want _dcgcloud_token, %q, true", creds.Username, got, ok, email)
	}
}
