package cmd

import (
	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/accesstoken"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/app"
)

type printAccessTokenOptions struct {
	impersonate string
	format      string
}

// NewCmdPrintAccessToken prints a token for scripts.
func NewCmdPrintAccessToken(a *appRef) *cobra.Command {
	o := &printAccessTokenOptions{}
	c := &cobra.Command{
		Use:   "print-access-token [HOST...]",
		Short: "Print a Google access token (for docker login, crictl, scripts)",
		Example: `  docker-credential-gcr print-access-token | docker login -u oauth2accesstoken --password-stdin https://us-east1-docker.pkg.dev
  docker-credential-gcr print-access-token --impersonate-service-account ci@my-project.iam.gserviceaccount.com
  crictl pull --creds "$(docker-credential-gcr print-access-token --format=creds)" us-east1-docker.pkg.dev/my-project/repo/image
  docker-credential-gcr print-access-token --format=docker-config us-east1-docker.pkg.dev gcr.io > dockerconfig.json`,
		Args: cobra.ArbitraryArgs, // several hosts only with --format=docker-config: checked with a hint
		RunE: func(cmd *cobra.Command, hosts []string) error {
			return a.PrintAccessToken(cmd.Context(), cmd.OutOrStdout(), app.PrintOptions{Format: o.format, Hosts: hosts, Impersonate: o.impersonate})
		},
	}
	c.Flags().StringVar(&o.impersonate, "impersonate-service-account", "", "impersonate this service account; A,B,TARGET impersonates TARGET through the delegates A and B")
	c.Flags().StringVar(&o.format, "format", accesstoken.FormatToken, "output: token, creds (oauth2accesstoken:TOKEN), json, docker-config HOST... (an auths JSON with each host)")
	c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(accesstoken.Formats(), cobra.ShellCompDirectiveNoFileComp))
	return c
}
