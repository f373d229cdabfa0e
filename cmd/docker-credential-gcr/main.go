// Command docker-credential-gcr is a Docker credential helper for Google
// Artifact Registry and Container Registry.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/docker-credential-gcr/docker-credential-gcr/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cmd.Execute(ctx)
	stop()
	os.Exit(code)
}
