//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
)

// The clients beyond docker, crane and skopeo: each reads and writes the
// Artifact-Registry-like registry through credHelpers with no login, as the
// VM's metadata identity. Versions are pinned in scripts/install-test-deps.sh.

// podman returns the command line of Debian's podman as root without a
// daemon, its storage in the user's home and its run root in a short temp
// dir (podman refuses a run root over 50 characters).
func podman(t *testing.T) string {
	t.Helper()
	run, err := os.MkdirTemp("", "podrun-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(run) })
	return `podman --root "$HOME/podman" --runroot ` + run + ` --storage-driver vfs --cgroup-manager cgroupfs --events-backend file`
}

// configured returns a user whose config.json maps the AR host to the helper.
func configured(t *testing.T, name string) *harness.User {
	t.Helper()
	u := newUser(t, name)
	must(t, u, "docker-credential-gcr configure-docker "+harness.ARHost)
	return u
}

// noAuths fails when a client wrote credentials into config.json's auths.
func noAuths(t *testing.T, u *harness.User) {
	t.Helper()
	p := filepath.Join(u.Home, ".docker", "config.json")
	if b, _ := os.ReadFile(p); strings.Contains(string(b), `"auths"`) {
		t.Errorf("config.json gained auths: %s", b)
	}
	noSecretIn(t, p)
}

func TestPodman(t *testing.T) {
	needs(t, "podman", "crane")
	u := configured(t, "podman")
	podman := podman(t)
	img := harness.ARHost + "/demo-project/repo/podman:v1"
	pushImage(t, u, img)
	start := time.Now()
	must(t, u, podman+" pull -q "+img)
	pushed := harness.ARHost + "/demo-project/repo/podman-pushed:v1"
	must(t, u, podman+" tag "+img+" "+pushed+" && "+podman+" push -q "+pushed)
	if d := must(t, u, "crane digest "+pushed).Stdout; !strings.HasPrefix(d, "sha256:") {
		t.Errorf("crane digest of what podman pushed = %q", d)
	}
	wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)
	noAuths(t, u)
}

// TestRegctl: with credHelpers, and with only {"credsStore": "gcr"}, which
// regctl asks only for the hosts list returns.
func TestRegctl(t *testing.T) {
	needs(t, "regctl", "crane")
	u := configured(t, "regctl")
	img := harness.ARHost + "/demo-project/repo/regctl:v1"
	pushImage(t, u, img)
	start := time.Now()
	copied := harness.ARHost + "/demo-project/repo/regctl-copy:v1"
	must(t, u, "regctl image copy "+img+" "+copied)
	d1 := strings.TrimSpace(must(t, u, "regctl image digest "+copied).Stdout)
	d2 := strings.TrimSpace(must(t, u, "crane digest "+img).Stdout)
	if d1 != d2 || !strings.HasPrefix(d1, "sha256:") {
		t.Errorf("regctl image digest of the copy = %q, want %q", d1, d2)
	}
	wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)
	noAuths(t, u)

	store := newUser(t, "regctl-credsstore")
	store.WriteFile(".docker/config.json", []byte(`{"credsStore": "gcr"}`))
	start = time.Now()
	if d := strings.TrimSpace(must(t, store, "regctl image digest "+copied).Stdout); d != d1 {
		t.Errorf("regctl with credsStore gcr: digest = %q, want %q", d, d1)
	}
	wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)
}

// TestOras: push and pull an artifact; then login and logout, whose second
// logout erases a Google host with nothing stored.
func TestOras(t *testing.T) {
	needs(t, "oras")
	u := configured(t, "oras")
	ref := harness.ARHost + "/demo-project/repo/artifact:v1"
	u.WriteFile("artifact/notes.txt", []byte("an oras artifact\n"))
	start := time.Now()
	must(t, u, "cd artifact && oras push "+ref+" notes.txt:text/plain")
	must(t, u, "mkdir pulled && cd pulled && oras pull "+ref)
	if b, err := os.ReadFile(filepath.Join(u.Home, "pulled", "notes.txt")); err != nil || string(b) != "an oras artifact\n" {
		t.Errorf("oras pull = %q, %v, want the pushed file", b, err)
	}
	wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)
	noAuths(t, u)

	must(t, u, "docker-credential-gcr print-access-token | oras login -u oauth2accesstoken --password-stdin "+harness.ARHost)
	must(t, u, "oras logout "+harness.ARHost)
	must(t, u, "oras logout "+harness.ARHost) // nothing stored any more: still a success
	must(t, u, "oras manifest fetch "+ref+" >/dev/null")
	noAuths(t, u)
}

// TestHelm: an OCI chart pushed and pulled.
func TestHelm(t *testing.T) {
	needs(t, "helm")
	u := configured(t, "helm")
	u.WriteFile("mychart/Chart.yaml", []byte("apiVersion: v2\nname: mychart\nversion: 0.1.0\n"))
	u.WriteFile("mychart/templates/configmap.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mychart\n"))
	start := time.Now()
	must(t, u, "helm package mychart -d out >/dev/null")
	must(t, u, "helm push out/mychart-0.1.0.tgz oci://"+harness.ARHost+"/demo-project/charts")
	must(t, u, "mkdir pulled && helm pull oci://"+harness.ARHost+"/demo-project/charts/mychart --version 0.1.0 -d pulled")
	if _, err := os.Stat(filepath.Join(u.Home, "pulled", "mychart-0.1.0.tgz")); err != nil {
		t.Errorf("helm pull: %v", err)
	}
	wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)
	noAuths(t, u)
}

// TestBuildx: docker buildx imagetools (no daemon needed) inspects an image
// and creates a copy of it under another tag.
func TestBuildx(t *testing.T) {
	needs(t, "docker", "buildx", "crane")
	u := configured(t, "buildx")
	must(t, u, `mkdir -p "$DOCKER_CONFIG/cli-plugins" && ln -s "$(command -v buildx)" "$DOCKER_CONFIG/cli-plugins/docker-buildx"`)
	img := harness.ARHost + "/demo-project/repo/buildx:v1"
	pushImage(t, u, img)
	digest := strings.TrimSpace(must(t, u, "crane digest "+img).Stdout)
	start := time.Now()
	if out := must(t, u, "docker buildx imagetools inspect "+img).Stdout; !strings.Contains(out, digest) {
		t.Errorf("imagetools inspect = %q, want digest %s", out, digest)
	}
	tagged := harness.ARHost + "/demo-project/repo/buildx:v2"
	must(t, u, "docker buildx imagetools create -t "+tagged+" "+img)
	if d := strings.TrimSpace(must(t, u, "crane digest "+tagged).Stdout); !strings.HasPrefix(d, "sha256:") {
		t.Errorf("crane digest of the buildx-created tag = %q", d)
	}
	wantPrincipal(t, start, "oauth2accesstoken", harness.VMAccount)
	noAuths(t, u)
}
