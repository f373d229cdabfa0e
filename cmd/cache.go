package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/credhelper"
)

// NewCmdCache manages the token cache.
func NewCmdCache() *cobra.Command {
	c := &cobra.Command{
		Use:     "cache",
		Short:   "Manage the token cache",
		Example: "  docker-credential-gcr cache clear",
	}
	c.AddCommand(&cobra.Command{
		Use:     "clear",
		Short:   "Forget every cached token",
		Example: "  docker-credential-gcr cache clear",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			setup, err := credhelper.Load(os.Getenv)
			if err != nil {
				return err
			}
			dir, n, err := setup.ClearCache()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "removed %d cached token(s) from %s\n", n, dir)
			return err
		},
	})
	return c
}
