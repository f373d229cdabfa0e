package fakeregistry_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakeregistry"
)

// An Artifact-Registry-like registry that takes an access token as the
// password of oauth2accesstoken. Clients push to HOST/proj/repo/img:tag
// with that Basic credential; serve Handler from a TLS proxy to use it as
// us-east1-docker.pkg.dev.
func ExampleStart() {
	dir, err := os.MkdirTemp("", "registry")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	r, err := fakeregistry.Start(context.Background(), fakeregistry.Options{
		Auth: func(user, pass string) (string, bool) {
			return "alice@example.com", user == "oauth2accesstoken" && pass == "ya29.token"
		},
		Dir: dir,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	fmt.Println("registry at", r.Host)
	for _, a := range r.AuthLog() {
		fmt.Println(a.Method, a.Path, a.Scheme, a.Principal, a.Accepted)
	}
}
