package cmd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/app"
)

// Execute runs the command line args (without the program name) and
// returns the exit code.
//
// Docker runs the helper for every image, so its protocol actions take a
// fast path: no cobra command tree and no signal watcher, which together
// cost about a third of a warm get (measured by make bench). Every other
// command gets both.
func Execute(ctx context.Context, args []string) int {
	env := app.System()
	if isProtocol(args) {
		if err := app.New(env).Protocol(ctx, args[0], os.Stdin, os.Stdout); err != nil {
			return 1
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	root := NewCmdRoot(env)
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

// appRef is the App the root command builds once, in PersistentPreRunE,
// before any RunE runs: every command's RunE calls one of its methods.
type appRef struct{ *app.App }

// NewCmdRoot returns the root command with every subcommand, running in
// env: app.System() for the process, a test's own environment in tests
// (with SetArgs, SetIn, SetOut and SetErr).
func NewCmdRoot(env app.Env) *cobra.Command {
	a := &appRef{}
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
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		e := env
		e.Stderr, e.Verbose = cmd.ErrOrStderr(), verbose
		a.App = app.New(e)
		return nil
	}
	root.AddCommand(protocolCommands(a)...)
	root.AddCommand(
		NewCmdVersion(),
		NewCmdPrintAccessToken(a),
		NewCmdConfig(a),
		NewCmdDoctor(a),
		NewCmdCache(a),
		NewCmdConfigureDocker(a),
	)
	root.AddCommand(NewCmdKubeletCredentialProvider(a), NewCmdKubeletConfig(a))
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
