// Package harness starts the world the end-to-end suite, the demo and the
// benchmark run in: a fake Google (OAuth, STS, IAM Credentials, metadata),
// an Artifact-Registry-like registry (Debian's docker-registry behind a
// token server that accepts only what Google's would), a foreign registry
// with htpasswd (standing in for Naver Cloud's), and a TLS-intercepting
// CONNECT proxy that serves them under their real names
// (us-east1-docker.pkg.dev, oauth2.googleapis.com, ...). Clients reach
// them through HTTPS_PROXY and SSL_CERT_FILE, so the product needs no
// test-only endpoint switch. Everything listens on 127.0.0.1. Its users are
// the isolated users of internal/testenv (the same environment, build and
// Result as the unit tests'), with the proxy's variables added.
package harness

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakeregistry"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// Host names the proxy serves.
const (
	ARHost      = "us-east1-docker.pkg.dev"  // the Artifact-Registry-like registry
	ForeignHost = "myreg.ncr.fin-ntruss.com" // the htpasswd registry (Naver Cloud)
	ForeignUser = "NCRACCESSKEY"
	VMAccount   = "vm@demo-project.iam.gserviceaccount.com"
)

// WorldTools are what the world itself runs (the registries); every
// scenario needs them.
var WorldTools = []string{"docker-registry", "htpasswd"}

// Tools the suite drives (make deps installs each): the world's, then the
// clients. buildx is the docker CLI plugin as go install names it; a test
// links it into the user's $DOCKER_CONFIG/cli-plugins/docker-buildx.
var Tools = append(slices.Clone(WorldTools), "docker", "crane", "skopeo", "podman", "regctl", "oras", "helm", "buildx",
	"gcloud", "dbus-run-session", "gnome-keyring-daemon", "secret-tool")

// DemoTools are what the demo runs.
var DemoTools = append(slices.Clone(WorldTools), "docker", "crane", "skopeo")

// Missing returns those of tools that are neither on PATH nor in the
// module's .tools/bin (testenv.Missing); a user's PATH has both.
func Missing(tools ...string) []string { return testenv.Missing(tools...) }

// World is everything started, with the files and environment that point
// clients at it.
type World struct {
	Dir     string // the root temp dir
	Bin     string // dir holding docker-credential-gcr
	Google  *fakegoogle.Server
	AR      *fakeregistry.Registry
	Foreign *fakeregistry.Registry
	Proxy   *fakegoogle.Proxy
	CAFile  string // system roots + the proxy's CA
	// ForeignSecret is the foreign registry's password for ForeignUser.
	ForeignSecret string
}

// Start builds the helper from the module at moduleDir into dir/bin and
// starts the fakes. Close stops everything. The proxy serves the fake
// Google as oauth2.googleapis.com, sts. and iamcredentials. of both
// googleapis.com and s3nsapis.fr, and GitHub Actions' ID token endpoint
// pipelines.actions.githubusercontent.com.
func Start(ctx context.Context, moduleDir, dir string) (w *World, err error) {
	w = &World{Dir: dir, Bin: filepath.Join(dir, "bin"), ForeignSecret: "ncr-secret-" + rand.Text()}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	// As a user's `go build` does: `version` shows what Go stamps from a
	// git checkout.
	if err := testenv.Build(ctx, filepath.Join(w.Bin, "docker-credential-gcr"+testenv.Exe()), testenv.BuildOptions{Dir: moduleDir, VCS: true}); err != nil {
		return nil, err
	}
	if w.Google, err = fakegoogle.New(fakegoogle.Options{RealHosts: true}); err != nil {
		return nil, err
	}
	w.Google.SetMetadataAccount("default", VMAccount)
	if w.AR, err = fakeregistry.Start(ctx, fakeregistry.Options{Auth: w.authenticate, Dir: filepath.Join(dir, "ar")}); err != nil {
		return nil, fmt.Errorf("start the Artifact-Registry-like registry: %w", err)
	}
	if w.Foreign, err = fakeregistry.Start(ctx, fakeregistry.Options{Users: map[string]string{ForeignUser: w.ForeignSecret}, Dir: filepath.Join(dir, "foreign")}); err != nil {
		return nil, fmt.Errorf("start the foreign registry: %w", err)
	}
	g := w.Google.Handler()
	if w.Proxy, err = fakegoogle.NewProxy(map[string]http.Handler{
		"oauth2.googleapis.com":         g,
		"sts.googleapis.com":            g,
		"iamcredentials.googleapis.com": g,
		"sts.s3nsapis.fr":               g, // the fake tells universes apart by the host asked
		"iamcredentials.s3nsapis.fr":    g,
		// GitHub Actions' ID token endpoint (fakegoogle.NewGitHubActions).
		"pipelines.actions.githubusercontent.com": g,
		ARHost:      w.AR.Handler(),
		ForeignHost: w.Foreign.Handler(),
	}); err != nil {
		return nil, err
	}
	w.CAFile = filepath.Join(dir, "ca-bundle.pem")
	if err := w.writeCABundle(); err != nil {
		return nil, err
	}
	return w, nil
}

// authenticate is the AR token server's rule: oauth2accesstoken with a live
// token the fake Google issued, or a service-account key it generated, raw
// (_json_key) or base64 (_json_key_base64). Nothing else.
func (w *World) authenticate(user, pass string) (string, bool) {
	switch user {
	case "oauth2accesstoken":
		return w.Google.Principal(pass)
	case "_json_key":
		return w.Google.KeyPrincipal([]byte(pass))
	case "_json_key_base64":
		key, err := base64.StdEncoding.DecodeString(pass)
		if err != nil {
			return "", false
		}
		return w.Google.KeyPrincipal(key)
	}
	return "", false
}

func (w *World) writeCABundle() error {
	var bundle []byte
	for _, f := range []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"} {
		if b, err := os.ReadFile(f); err == nil {
			bundle = append(b, '\n')
			break
		}
	}
	return os.WriteFile(w.CAFile, append(bundle, w.Proxy.CAPEM()...), 0o644)
}

// Env returns an isolated environment for one user (testenv.Isolated:
// HOME, DOCKER_CONFIG, XDG_* and gcloud's config under home, created; the
// metadata server is the fake; DBUS_SESSION_BUS_ADDRESS points nowhere, no
// keyring, unless a scenario runs under dbus-run-session); clients reach
// the fakes through the proxy; PATH has the helper, then the module's
// .tools/bin, then the test's PATH.
func (w *World) Env(home string) []string {
	testenv.MakeDirs(home)
	metadata := strings.TrimPrefix(w.Google.URL, "http://")
	vars := testenv.Isolated(home, metadata)
	path := []string{w.Bin}
	if d := testenv.ToolsDir(); d != "" {
		path = append(path, d)
	}
	vars["PATH"] = strings.Join(append(path, os.Getenv("PATH")), string(os.PathListSeparator))
	vars["USER"] = os.Getenv("USER")
	for _, k := range []string{"HTTPS_PROXY", "https_proxy"} {
		vars[k] = w.Proxy.URL
	}
	for _, k := range []string{"NO_PROXY", "no_proxy"} {
		vars[k] = "127.0.0.1,localhost"
	}
	vars["SSL_CERT_FILE"] = w.CAFile
	vars["DOCKER_CLI_HINTS"] = "false"
	return testenv.Environ(vars)
}

// Close stops everything that was started.
func (w *World) Close() error {
	var errs []error
	if w.Proxy != nil {
		w.Proxy.Close()
	}
	for _, r := range []*fakeregistry.Registry{w.AR, w.Foreign} {
		if r != nil {
			errs = append(errs, r.Close())
		}
	}
	if w.Google != nil {
		w.Google.Close()
	}
	return errors.Join(errs...)
}
