package cmd

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/credhelper"
)

// maxInput bounds what a protocol command reads from stdin: a server URL or
// a credential is a few KiB; a service-account key a few more.
const maxInput = 1 << 20

// protocolCommands are the docker-credential protocol's actions, served by
// credhelper.Handle (credentials.HandleCommand, with clearer words for
// unusable input) exactly as every helper serves them.
func protocolCommands() []*cobra.Command {
	actions := []struct{ name, short string }{
		{"get", "Print the credentials for the server URL read on stdin (docker-credential protocol)"},
		{"store", "Store the credentials JSON read on stdin (docker-credential protocol)"},
		{"erase", "Erase the credentials for the server URL read on stdin (docker-credential protocol)"},
		{"list", "List the stored credentials as JSON (docker-credential protocol)"},
	}
	cmds := make([]*cobra.Command, len(actions))
	for i, a := range actions {
		action := a.name
		cmds[i] = &cobra.Command{
			Use:     action,
			Short:   a.short,
			Example: "  echo us-east1-docker.pkg.dev | docker-credential-gcr " + action,
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return runProtocol(cmd, action)
			},
		}
	}
	return cmds
}

func runProtocol(cmd *cobra.Command, action string) error {
	return protocol(cmd.Context(), action, cmd.InOrStdin(), cmd.OutOrStdout())
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

// protocol serves one docker-credential action: in is stdin, out stdout,
// where docker reads the answer and any error.
func protocol(ctx context.Context, action string, stdin io.Reader, out io.Writer) error {
	var in []byte
	if action != "list" { // list reads nothing: do not wait on a terminal
		var err error
		if in, err = io.ReadAll(io.LimitReader(stdin, maxInput+1)); err != nil {
			return protocolError(out, err)
		}
	}
	if len(in) > maxInput {
		return protocolError(out, errors.New("input larger than 1 MiB; docker sends a server URL or one credential"))
	}
	setup, err := credhelper.Load(os.Getenv)
	if err != nil {
		return protocolError(out, err)
	}
	h, err := setup.Helper(ctx)
	if err != nil {
		return protocolError(out, err)
	}
	if err := credhelper.Handle(h, action, in, out); err != nil {
		return protocolError(out, err)
	}
	return nil
}

// protocolError writes err to stdout, where docker reads a helper's error.
func protocolError(out io.Writer, err error) error {
	io.WriteString(out, err.Error()+"\n")
	return silentError{err}
}
