package cmd

import (
	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/doctor"
)

// NewCmdDoctor explains the setup without printing secrets.
func NewCmdDoctor(a *appRef) *cobra.Command {
	o := doctor.Options{}
	c := &cobra.Command{
		Use:   "doctor [HOST]",
		Short: "Explain which config, helper, token source and identity serve a registry (never prints a secret)",
		Example: `  docker-credential-gcr doctor
  docker-credential-gcr doctor us-east1-docker.pkg.dev`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Host = args[0]
			}
			return a.Doctor(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	c.Flags().StringVar(&o.DockerDir, "config", "", "docker config directory (default $DOCKER_CONFIG or ~/.docker)")
	return c
}
