package cmd

import (
	"github.com/spf13/cobra"
)

// NewCmdCache manages the token cache.
func NewCmdCache(a *appRef) *cobra.Command {
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
			return a.ClearCache(cmd.OutOrStdout())
		},
	})
	return c
}
