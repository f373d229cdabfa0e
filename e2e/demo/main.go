// Command demo shows docker-credential-gcr working on a fresh machine with
// no Google account: it starts a fake Google (metadata server, OAuth, IAM)
// and a real registry under us-east1-docker.pkg.dev, then runs the user's
// story with the real docker CLI, crane and skopeo, printing each command
// as a user would type it. Run it with `make demo`.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
)

func main() {
	os.Exit(run())
}

func run() int {
	if missing := harness.Missing(harness.DemoTools...); len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "demo: missing %v; run `make deps` first\n", missing)
		return 1
	}
	dir, err := os.MkdirTemp("", "dcg-demo-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := harness.Start(ctx, ".", dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo: start the local fake Google and registry:", err)
		return 1
	}
	defer w.Close()
	const pusher = "pusher@demo-project.iam.gserviceaccount.com"
	w.Google.AllowImpersonation(harness.VMAccount, pusher)
	u, err := w.NewUser("demo")
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	_, err = u.WriteLayer("layer.tar", "hello from the docker-credential-gcr demo\n")
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}

	fmt.Printf(`docker-credential-gcr demo
  This machine plays a Google Cloud VM whose identity is %s
  (a fake metadata server on %s), and %s is a real
  docker-registry behind a token server that accepts only Google credentials,
  reached through a local TLS proxy (HTTPS_PROXY). Nothing leaves this machine.

`, harness.VMAccount, strings.TrimPrefix(w.Google.URL, "http://"), harness.ARHost)

	img := harness.ARHost + "/demo-project/repo/hello:v1"
	steps := []struct {
		say, script string
		fail        bool // the step is expected to fail
	}{
		{"Which helper is this?", "docker-credential-gcr version", false},
		{"Point docker at the helper for the registry (edits only credHelpers)", "docker-credential-gcr configure-docker " + harness.ARHost, false},
		{"", "cat ~/.docker/config.json", false},
		{"Push an image: no docker login, the helper hands crane a fresh token", "crane append -f layer.tar -t " + img, false},
		{"docker reads it back the same way", "docker manifest inspect " + img + " | head -8", false},
		{"and so does skopeo", "skopeo inspect docker://" + img + " | grep -E '\"(Name|Digest)\"'", false},
		{"A script impersonates a service account and logs in with the token", "docker-credential-gcr print-access-token --impersonate-service-account " + pusher + " | docker login -u oauth2accesstoken --password-stdin https://" + harness.ARHost, false},
		{"", "crane digest " + img, false},
		{"Another registry never gets a Google token", "echo ghcr.io | docker-credential-gcr get", true},
		{"What would serve this registry, and as whom? (never prints a secret)", "docker-credential-gcr doctor " + harness.ARHost, false},
	}
	for _, s := range steps {
		if s.say != "" {
			fmt.Printf("# %s\n", s.say)
		}
		fmt.Printf("$ %s\n", s.script)
		r := u.Sh(s.script)
		out := r.Stdout + r.Stderr
		fmt.Print(indent(out))
		if (r.Err != nil) != s.fail {
			fmt.Fprintf(os.Stderr, "\ndemo FAILED at: %s (%v)\n", s.script, r.Err)
			return 1
		}
		fmt.Println()
	}
	fmt.Println("demo ok: configure-docker, push, inspect, impersonated login and doctor all worked against a real registry.")
	return 0
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	s = strings.TrimRight(s, "\n")
	return "  " + strings.ReplaceAll(s, "\n", "\n  ") + "\n"
}
