package main

import (
	_ "cloud.google.com/go/compute/metadata"
	_ "github.com/docker/docker-credential-helpers/credentials"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/oauth2/google"
	_ "github.com/zalando/go-keyring"
)

func main() {}
