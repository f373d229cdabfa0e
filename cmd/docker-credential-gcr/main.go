// Command docker-credential-gcr is a Docker credential helper for Google
// Artifact Registry and Container Registry.
package main

import (
	"context"
	"os"

	"github.com/docker-credential-gcr/docker-credential-gcr/cmd"
)

func main() {
	os.Exit(cmd.Execute(context.Background(), os.Args[1:]))
}
