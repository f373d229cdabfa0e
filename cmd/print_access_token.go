package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/credhelper"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

type printAccessTokenOptions struct {
	impersonate string
	format      string
}

// NewCmdPrintAccessToken prints a token for scripts.
func NewCmdPrintAccessToken() *cobra.Command {
	o := &printAccessTokenOptions{}
	c := &cobra.Command{
		Use:   "print-access-token [HOST]",
		Short: "Print a Google access token (for docker login, crictl, scripts)",
		Example: `  docker-credential-gcr print-access-token | docker login -u oauth2accesstoken --password-stdin https://us-east1-docker.pkg.dev
  docker-credential-gcr print-access-token --impersonate-service-account ci@my-project.iam.gserviceaccount.com
  crictl pull --creds "$(docker-credential-gcr print-access-token --format=creds)" us-east1-docker.pkg.dev/my-project/repo/image
  docker-credential-gcr print-access-token --format=docker-config us-east1-docker.pkg.dev > dockerconfig.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			host := ""
			if len(args) == 1 {
				host = args[0]
			}
			return o.run(cmd, host)
		},
	}
	c.Flags().StringVar(&o.impersonate, "impersonate-service-account", "", "impersonate this service account; A,B,TARGET impersonates TARGET through the delegates A and B")
	c.Flags().StringVar(&o.format, "format", credhelper.FormatToken, "output: token, creds (oauth2accesstoken:TOKEN), json, docker-config HOST")
	return c
}

func (o *printAccessTokenOptions) run(cmd *cobra.Command, host string) error {
	setup, err := credhelper.Load(os.Getenv)
	if err != nil {
		return err
	}
	h, err := setup.Helper(cmd.Context())
	if err != nil {
		return err
	}
	universe := ""
	if host != "" {
		u, ok := h.Universe(host)
		if !ok {
			return fmt.Errorf("%s is not a Google registry; a Google token is only printed for gcr.io, *-docker.pkg.dev, *-docker.s3nsregistry.fr or a host registered with `configure-docker --allow-custom-host`", host)
		}
		universe = u
	}
	if o.format == credhelper.FormatDockerConfig && host == "" {
		return errors.New("--format=docker-config needs the registry host: print-access-token --format=docker-config HOST")
	}
	opts, err := setup.TokenOptions(o.impersonate)
	if err != nil {
		return err
	}
	tokens := credhelper.Tokens(opts)
	t, err := tokens(cmd.Context(), universe)
	if err != nil {
		return err
	}
	out, err := credhelper.FormatAccessToken(t, o.format, host, time.Now())
	if err != nil {
		return err
	}
	if o.format == credhelper.FormatDockerConfig {
		fmt.Fprintln(cmd.ErrOrStderr(), "note: this file holds an access token; it stops working when the token expires"+expiresIn(t))
	}
	_, err = io.WriteString(cmd.OutOrStdout(), out)
	return err
}

func expiresIn(t *token.Token) string {
	if t.Expiry.IsZero() {
		return ""
	}
	return " (in " + time.Until(t.Expiry).Round(time.Minute).String() + ")"
}
