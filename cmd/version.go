package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Stamped by the release build:
//
//	-ldflags "-X github.com/docker-credential-gcr/docker-credential-gcr/cmd.version=v1.2.3 -X ...cmd.commit=abc123"
//
// Nothing but the version output depends on them (the existing helper broke
// logins by putting its version into the username).
var (
	version = ""
	commit  = ""
)

func versionString() string {
	v, c := version, commit
	if v == "" {
		v = "dev"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version // go install module@version
		}
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("docker-credential-gcr %s (commit %s, %s %s/%s)", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// NewCmdVersion prints the version.
func NewCmdVersion() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and Go version",
		Example: "  docker-credential-gcr version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), versionString())
			return err
		},
	}
}
