package cmd

import (
	"github.com/spf13/cobra"
)

// protocolCommands are the docker-credential protocol's actions, served by
// App.Protocol (credentials.HandleCommand, with clearer words for unusable
// input) exactly as every helper serves them. Execute serves them without
// cobra when docker runs the helper.
func protocolCommands(a *appRef) []*cobra.Command {
	actions := []struct{ name, short string }{
		{"get", "Print the credentials for the server URL read on stdin (docker-credential protocol)"},
		{"store", "Store the credentials JSON read on stdin (docker-credential protocol)"},
		{"erase", "Erase the credentials for the server URL read on stdin (docker-credential protocol)"},
		{"list", "List the stored credentials as JSON (docker-credential protocol)"},
	}
	cmds := make([]*cobra.Command, len(actions))
	for i, act := range actions {
		action := act.name
		cmds[i] = &cobra.Command{
			Use:     action,
			Short:   act.short,
			Example: "  echo us-east1-docker.pkg.dev | docker-credential-gcr " + action,
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if err := a.Protocol(cmd.Context(), action, cmd.InOrStdin(), cmd.OutOrStdout()); err != nil {
					return silentError{err} // on stdout already, where docker reads it
				}
				return nil
			},
		}
	}
	return cmds
}

// isProtocol reports whether args are exactly a protocol action, the way
// docker runs a helper ("docker-credential-gcr get").
func isProtocol(args []string) bool {
	if len(args) != 1 {
		return false
	}
	switch args[0] {
	case "get", "store", "erase", "list":
		return true
	}
	return false
}
