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
// Without them (go install, go build, go run -buildvcs=true) the version
// is what Go stamped into the binary: the module version (v1.2.3 from go
// install module@v1.2.3, a pseudo-version from a git checkout) and the VCS
// revision. Nothing but the version output depends on them (the existing
// helper broke logins by putting its version into the username).
var (
	version = ""
	commit  = ""
)

func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return formatVersion(version, commit, bi)
}

// formatVersion prints version and commit, each falling back to what bi
// (nil when the binary carries no build information) says.
func formatVersion(version, commit string, bi *debug.BuildInfo) string {
	v, c := version, commit
	if bi != nil {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		if c == "" {
			c = vcsRevision(bi)
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("docker-credential-gcr %s (commit %s, %s %s/%s)", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// vcsRevision is the stamped commit, shortened as in a pseudo-version, with
// "+dirty" for a build from a modified tree; "" when Go stamped none (go
// run, -buildvcs=false, a build outside a git checkout).
func vcsRevision(bi *debug.BuildInfo) string {
	rev, modified := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && modified {
		rev += "+dirty"
	}
	return rev
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
