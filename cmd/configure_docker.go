package cmd

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/configure"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
)

// NewCmdConfigureDocker maps registries to this helper in Docker's config.
func NewCmdConfigureDocker(a *appRef) *cobra.Command {
	o := configure.Options{}
	var registries string
	c := &cobra.Command{
		Use:     "configure-docker [HOST...]",
		Aliases: []string{"configure"},
		Short:   "Make docker use this helper for Google registries (edits only credHelpers in config.json)",
		Long: `configure-docker maps each HOST to this helper in the credHelpers of Docker's
config.json. With no host it configures Container Registry (` + strings.Join(registry.ContainerRegistryHosts(), ", ") + `).
Only credHelpers changes: every other byte of the file stays as it was, and a
run that changes nothing writes nothing.`,
		Example: `  docker-credential-gcr configure-docker us-east1-docker.pkg.dev
  docker-credential-gcr configure-docker --registries=gcr.io,europe-west1-docker.pkg.dev
  docker-credential-gcr configure-docker --include-artifact-registry
  docker-credential-gcr configure-docker --dry-run us-docker.pkg.dev
  docker-credential-gcr configure-docker --remove us-docker.pkg.dev
  docker-credential-gcr configure-docker --allow-custom-host registry.example.com`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Hosts = append(args, settings.SplitRaw(registries)...)
			o.Out, o.Err = cmd.OutOrStdout(), cmd.ErrOrStderr()
			return a.ConfigureDocker(cmd.Context(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&registries, "registries", "", "comma-separated hosts (the existing helper's form)")
	f.BoolVar(&o.IncludeArtifactRegistry, "include-artifact-registry", false, "add LOCATION-docker.pkg.dev for every Artifact Registry location")
	f.BoolVar(&o.AllowCustomHost, "allow-custom-host", false, "accept hosts outside the Google set (custom domain, private endpoint) and serve them Google tokens")
	f.BoolVar(&o.Overwrite, "overwrite", false, "replace entries that point at another helper")
	f.BoolVar(&o.DryRun, "dry-run", false, "print a unified diff and write nothing")
	f.BoolVar(&o.Remove, "remove", false, "remove the hosts' entries that point at this helper")
	f.StringVar(&o.DockerDir, "config", "", "docker config directory (default $DOCKER_CONFIG or ~/.docker)")
	return c
}
