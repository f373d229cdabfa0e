// Package cmd holds the cobra commands of docker-credential-gcr. Each parses
// its flags and calls one library function; none writes to os.Stdout or
// exits on its own.
package cmd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
)

// Execute runs the command line args (without the program name) and
// returns the exit code.
//
// Docker runs the helper for every image, so its protocol actions take a
// fast path: no cobra command tree and no signal watcher, which together
// cost about a third of a warm get (measured by make bench). Every other
// command gets both.
func Execute(ctx context.Context, args []string) int {
	if isProtocol(args) {
		if err := protocol(ctx, args[0], os.Stdin, os.Stdout); err != nil {
			return 1
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	root := NewCmdRoot()
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if _, quiet := err.(silentError); !quiet {
			fmt.Fprintln(root.ErrOrStderr(), "docker-credential-gcr:", err)
		}
		return 1
	}
	return 0
}

// silentError is a failure already reported on the right stream (the
// credential protocol writes its errors to stdout).
type silentError struct{ error }

// NewCmdRoot returns the root command with every subcommand.
func NewCmdRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "docker-credential-gcr",
		Short: "Docker credential helper for Google Artifact Registry and Container Registry",
		Long: `docker-credential-gcr gives docker, crane, skopeo, podman and the kubelet fresh
Google access tokens for Artifact Registry (*-docker.pkg.dev) and Container
Registry (gcr.io), with no docker login and no secret in config.json.`,
		Example: `  docker-credential-gcr configure-docker us-east1-docker.pkg.dev
  echo us-east1-docker.pkg.dev | docker-credential-gcr get
  docker-credential-gcr print-access-token | docker login -u oauth2accesstoken --password-stdin https://us-east1-docker.pkg.dev`,
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// Without Args and RunE cobra answers an unknown command with no
		// hint of the right ones; with them it comes here.
		Args:                       cobra.ArbitraryArgs,
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, args[0])
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	verbose := false
	root.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "write a diagnostic trail to stderr (secrets redacted); for docker's calls set DOCKER_CREDENTIAL_GCR_VERBOSE=1 or =FILE")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if verbose {
			// Read by credhelper.Load like every setting; children (gcloud) inherit it harmlessly.
			return os.Setenv(settings.EnvVerbose, "1")
		}
		return nil
	}
	root.AddCommand(protocolCommands()...)
	root.AddCommand(
		NewCmdVersion(),
		NewCmdPrintAccessToken(),
		NewCmdConfig(),
		NewCmdDoctor(),
		NewCmdCache(),
		NewCmdConfigureDocker(),
	)
	root.AddCommand(NewCmdKubeletCredentialProvider(), NewCmdKubeletConfig())
	return root
}

// unknownCommand names the commands there are, and the nearest ones.
func unknownCommand(root *cobra.Command, name string) error {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := root.SuggestionsFor(name); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return fmt.Errorf("%s\nthe commands are: %s\nrun 'docker-credential-gcr --help' for what each does, 'docker-credential-gcr COMMAND --help' for examples", msg, strings.Join(names, ", "))
}
